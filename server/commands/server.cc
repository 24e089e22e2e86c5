#include "server/commands/util.h"

namespace sable {

void RegisterServerCommands(CommandTable& t) {}

}  // namespace sable
