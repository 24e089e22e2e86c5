// The COMMAND DOCS rows and tips of every Redis command (generated data, see command_meta.h).
#include <algorithm>

#include "server/command_meta.h"

namespace sable {

namespace {

#include "server/command_docs.inc"

// Sorted by name (the generator sorts them).
constexpr CommandDocRow kDocs[] = {SABLE_COMMAND_DOCS};
constexpr DocHistoryRow kHistory[] = {SABLE_COMMAND_HISTORY};
constexpr DocArgRow kArgs[] = {
#include "server/command_doc_args1.inc"
#include "server/command_doc_args2.inc"
};

}  // namespace

const CommandDocRow* FindCommandDoc(std::string_view full_name) {
  auto it = std::lower_bound(
      std::begin(kDocs), std::end(kDocs), full_name,
      [](const CommandDocRow& d, std::string_view n) { return std::string_view(d.name) < n; });
  return it != std::end(kDocs) && it->name == full_name ? it : nullptr;
}

std::span<const DocHistoryRow> DocHistory(const CommandDocRow& doc) {
  return std::span<const DocHistoryRow>(kHistory).subspan(static_cast<size_t>(doc.history_begin),
                                                          static_cast<size_t>(doc.history_count));
}

const DocArgRow* DocArgRows() { return kArgs; }

}  // namespace sable
