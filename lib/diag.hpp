#pragma once
/// The suite's one message grammar: "pg-parse: cannot open x.log: No such file
/// or directory" on stderr — program name, context first, lowercase, no period.
#include <string>

namespace pgtail {

/// Sets the fixed program name used in every message (not argv[0]).
void set_program(const char* name);
const char* program();

/// Prints "PROGRAM: what" to stderr.
void message(const std::string& what);

/// Prints the usage error and the pointer to --help; returns kExitUsage.
int usage_error(const std::string& what);

}  // namespace pgtail
