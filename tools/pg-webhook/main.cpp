// pg-webhook: manages the webhooks file that the filters read (add, remove,
// list, NAME on/off), sends a test alert, and runs the whole pipeline. The
// same commands work as shell arguments, at the `pgtail>` prompt (libedit)
// and from a script on stdin. Flags and the prompt only; the commands live
// in lib/ (webhook_commands.hpp, config_edit.hpp, webhook_test.hpp).
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <editline/readline.h>

#include "config.hpp"
#include "diag.hpp"
#include "exit_status.hpp"
#include "shell_words.hpp"
#include "webhook_commands.hpp"

using namespace pgtail;

namespace {

struct Options {
  std::string config, spool;
  std::vector<std::string> words;
};

int parse_flags(int argc, char** argv, Options* o) {
  CLI::App app{"Manages the webhooks that PostgreSQL log alerts go to, tests them, and runs the pipeline.\n"
               "Without a command: the pgtail> prompt on a terminal, else commands read from stdin.",
               "pg-webhook"};
  app.set_version_flag("--version", "pg-webhook (pgtail webhooks) 0.1");
  app.add_option("-c,--config", o->config, "the webhooks file (default: $PGTAIL_CONFIG, else "
                                           "~/.config/pgtail/webhooks.ini)")
      ->type_name("FILE");
  app.add_option("--spool", o->spool, "the spool folder (default: $PGTAIL_SPOOL, else the file's, else "
                                      "~/.local/state/pgtail/spool)")
      ->type_name("DIR");
  app.prefix_command();
  app.footer(commands_help() +
             "Exit status: 0 ok, 64 usage (a bad name, url or rule included), 66 no webhooks file, 69 test: the\n"
             "endpoint refused, 73 cannot write the file, 75 test: try later, 78 bad webhooks file.\n"
             "See pg-webhook(1) and pgtail-webhooks(5).");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    return usage_error(e.what());
  }
  o->words = app.remaining();
  return -1;
}

/// One command line of the prompt or a script: split and run. "quit" and
/// "exit" end the session (*quit).
int run_line(const CommandContext& ctx, const std::string& line, bool* quit) {
  std::vector<std::string> words;
  std::string err;
  if (!split_words(line, &words, &err)) return command_usage(ctx, err);
  if (!words.empty() && words[0] == "webhook") words.erase(words.begin());
  if (words.size() == 1 && (words[0] == "quit" || words[0] == "exit")) {
    *quit = true;
    return kExitOk;
  }
  return run_command(ctx, words);
}

/// Commands from a pipe or file, without prompts; each message names its
/// line. Goes on after a failed command; returns the first failure's status.
int run_script(CommandContext ctx) {
  std::string line, command, where;
  int lineno = 0, first = 0, status = kExitOk;
  bool quit = false;
  while (!quit && std::getline(std::cin, line)) {
    ++lineno;
    std::string head;
    if (command.empty()) first = lineno;
    if (continues(line, &head)) {
      command += head;
      continue;
    }
    command += line;
    size_t start = command.find_first_not_of(" \t\r");
    if (start != std::string::npos && command[start] != '#') {
      where = std::string("pg-webhook: <stdin>:") + std::to_string(first);
      set_program(where.c_str());
      int st = run_line(ctx, command, &quit);
      set_program("pg-webhook");
      if (st != kExitOk && status == kExitOk) status = st;
    }
    command.clear();
  }
  return status;
}

/// The pgtail> prompt: libedit's line editing and history (kept for the
/// session only: command lines hold secrets).
int run_prompt(CommandContext ctx) {
  ctx.at_prompt = true;
  std::printf("pg-webhook: commands for %s; 'help' lists them, 'quit' leaves\n", ctx.config_path.c_str());
  std::string command;
  bool quit = false;
  while (!quit) {
    char* got = readline(command.empty() ? "pgtail> " : "    > ");
    if (!got) {
      std::putchar('\n');
      break;
    }
    std::string line = got, head;
    std::free(got);
    if (continues(line, &head)) {
      command += head;
      continue;
    }
    command += line;
    if (command.find_first_not_of(" \t") != std::string::npos) {
      add_history(command.c_str());
      run_line(ctx, command, &quit);
    }
    command.clear();
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  set_program("pg-webhook");
  Options o;
  int rc = parse_flags(argc, argv, &o);
  if (rc >= 0) return rc;
  CommandContext ctx;
  ctx.config_path = config_path(o.config);
  ctx.spool_flag = o.spool;
  if (!o.words.empty()) rc = run_command(ctx, o.words);
  else rc = isatty(0) ? run_prompt(ctx) : run_script(ctx);
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    message("cannot write to standard output");
    return kExitIoErr;
  }
  return rc;
}
