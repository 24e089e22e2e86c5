// The process title that ps and /proc/<pid>/cmdline show, from proc-title-template (Redis's
// {title} {listen-addr} {server-mode} ... variables). Linux has no setproctitle(): as Redis,
// the argv strings (and the environment strings after them, copied elsewhere first) are
// overwritten in place.
#pragma once

#include <string>

namespace sable {

struct ProcTitleVars {
  std::string title;        // argv[0]
  std::string listen_addr;  // first bind address:port
  std::string server_mode;  // "" (standalone)
  std::string port, tls_port, unixsocket, config_file;
};

// Once, with main's original argc/argv, after the arguments were read.
void ProcTitleInit(int argc, char** argv);
// Expands `tmpl` (Redis's sdstemplate: {name} variables, {{ for a brace) and trims
// spaces. False if it is malformed, names an unknown variable or comes out empty.
bool ExpandProcTitle(const std::string& tmpl, const ProcTitleVars& vars, std::string* out);
void SetProcTitle(const std::string& title);

}  // namespace sable
