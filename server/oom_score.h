// oom-score-adj / oom-score-adj-values (Redis's setOOMScoreAdj): the process's
// /proc/self/oom_score_adj follows the class of the process (primary, replica, or background
// child), relative to the value it had before Sable first changed it, or absolute; turning
// the setting off restores that value.
#pragma once

#include <string>

namespace sable {

class Config;

enum class OomClass { kPrimary = 0, kReplica = 1, kChild = 2 };

// Applies the setting for `cls`; false (with the reason logged) if /proc could not be read or
// written (lowering the score needs privileges).
bool ApplyOomScoreAdj(const Config& config, OomClass cls);

}  // namespace sable
