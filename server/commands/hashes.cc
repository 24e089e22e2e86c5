#include "server/commands/util.h"

namespace sable {

void RegisterHashCommands(CommandTable& t) {}

}  // namespace sable
