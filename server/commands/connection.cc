#include "server/commands/util.h"

namespace sable {

void RegisterConnectionCommands(CommandTable& t) {}

}  // namespace sable
