#include "server/commands/util.h"

namespace sable {

void RegisterListCommands(CommandTable& t) {}

}  // namespace sable
