#include "server/commands/util.h"

namespace sable {

void RegisterZSetCommands(CommandTable& t) {}

}  // namespace sable
