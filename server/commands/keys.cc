#include "server/commands/util.h"

namespace sable {

void RegisterKeyCommands(CommandTable& t) {}

}  // namespace sable
