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
  std::fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n", g_program, what.c_str(), g_program);
  return kExitUsage;
}

}  // namespace pgtail
