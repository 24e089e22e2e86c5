#include "server/proctitle.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace sable {

namespace {

char* g_area = nullptr;  // argv[0]'s memory, reused for the title
size_t g_area_len = 0;

bool Variable(const std::string& name, const ProcTitleVars& v, std::string* out) {
  if (name == "title") {
    *out = v.title;
  } else if (name == "listen-addr") {
    *out = v.listen_addr;
  } else if (name == "server-mode") {
    *out = v.server_mode;
  } else if (name == "port") {
    *out = v.port;
  } else if (name == "tls-port") {
    *out = v.tls_port;
  } else if (name == "unixsocket") {
    *out = v.unixsocket;
  } else if (name == "config-file") {
    *out = v.config_file;
  } else {
    return false;
  }
  return true;
}

}  // namespace

void ProcTitleInit(int argc, char** argv) {
  if (argc < 1 || argv[0] == nullptr) return;
  // The strings must be contiguous to be reused as one area.
  char* end = argv[0] + strlen(argv[0]) + 1;
  for (int i = 1; i < argc; ++i)
    if (argv[i] == end) end = argv[i] + strlen(argv[i]) + 1;
  size_t nenv = 0;
  while (environ != nullptr && environ[nenv] != nullptr) ++nenv;
  if (nenv > 0 && environ[0] == end) {
    // The environment follows: move it to the heap and take its memory too.
    char** copy = static_cast<char**>(malloc((nenv + 1) * sizeof(char*)));
    if (copy == nullptr) return;
    for (size_t i = 0; i < nenv; ++i) {
      if (environ[i] == end) end = environ[i] + strlen(environ[i]) + 1;
      copy[i] = strdup(environ[i]);
    }
    copy[nenv] = nullptr;
    environ = copy;
  }
  g_area = argv[0];
  g_area_len = static_cast<size_t>(end - argv[0]);
}

bool ExpandProcTitle(const std::string& tmpl, const ProcTitleVars& vars, std::string* out) {
  std::string res;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    char c = tmpl[i];
    if (c != '{') {
      res += c;  // '}' outside a variable is plain text
    } else if (i + 1 < tmpl.size() && tmpl[i + 1] == '{') {
      res += '{';  // {{
      ++i;
    } else {
      size_t close = tmpl.find('}', i + 1);
      if (close == std::string::npos) return false;
      std::string value;
      if (!Variable(tmpl.substr(i + 1, close - i - 1), vars, &value)) return false;
      res += value;
      i = close;
    }
  }
  size_t b = res.find_first_not_of(' ');
  if (b == std::string::npos) return false;
  *out = res.substr(b, res.find_last_not_of(' ') - b + 1);
  return true;
}

void SetProcTitle(const std::string& title) {
  if (g_area == nullptr || g_area_len < 2) return;
  size_t n = std::min(title.size(), g_area_len - 1);
  memcpy(g_area, title.data(), n);
  memset(g_area + n, 0, g_area_len - n);
}

}  // namespace sable
