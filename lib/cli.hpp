#pragma once
/// The flag handling every tool shares (CLI11): parsing with the suite's
/// usage status, and --config / --config=FILE. Header-only, for tools/ only.
#include <CLI/CLI.hpp>
#include <string>

#include "diag.hpp"

namespace pgtail {

/// Parses argv. Returns -1 to go on, else the status to exit with (0 after
/// --help or --version, 64 with the message for a usage error).
inline int parse_cli(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    return usage_error(e.what());
  }
  return -1;
}

/// After parse_cli: whether --config was given (its option `cfg`, declared
/// "--config{__default__}"), leaving *path empty for the default file.
inline bool config_given(const CLI::Option* cfg, std::string* path) {
  if (*path == "__default__") path->clear();
  return cfg->count() > 0;
}

}  // namespace pgtail
