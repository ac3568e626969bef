#include "diag.hpp"

#include <cstdio>

#include "exit_status.hpp"

namespace pgtail {

namespace {
const char* g_program = "pgtail";
}

void set_program(const char* name) { g_program = name; }
const char* program() { return g_program; }

void message(const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", g_program, what.c_str());
}

int usage_error(const std::string& what) {
  // Messages start in lowercase, whoever wrote them (CLI11 capitalises).
  std::string text = what;
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z' && !(text.size() > 1 && text[1] >= 'A' && text[1] <= 'Z'))
    text[0] = static_cast<char>(text[0] - 'A' + 'a');
  std::fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n", g_program, text.c_str(), g_program);
  return kExitUsage;
}

}  // namespace pgtail
