#include "server/commands/util.h"

namespace sable {

void RegisterStringCommands(CommandTable& t) {}

}  // namespace sable
