#include "server/commands/util.h"

namespace sable {

void RegisterSetCommands(CommandTable& t) {}

}  // namespace sable
