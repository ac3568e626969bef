#pragma once
/// pg-webhook's commands (pg-webhook(1)), the same whether they come as
/// shell arguments, at the `pgtail>` prompt or from a script on stdin:
///
///   add NAME URL [--header 'K: V']… [--format F] [--routing-key K]
///   remove NAME [--purge]          list
///   NAME on [RULE…] [--continuous] [--clear]    NAME off [RULE…]    NAME rules
///   NAME set KEY VALUE             NAME unset KEY
///   test NAME [--verbose] [--dry-run]           run [LOGFILE…]      help
///
/// Output for people on stdout ("Webhook 'slack' will trigger on: FATAL,
/// PANIC"), messages on stderr, one exit status per command (STYLE.md).
#include <string>
#include <vector>

#include "config.hpp"

namespace pgtail {

struct CommandContext {
  std::string config_path;  ///< config_path(--config)
  std::string spool_flag;   ///< --spool, "" when not given
  bool at_prompt = false;   ///< usage errors point to `help`, not to --help
};

/// Runs one command given as words (a leading "webhook" is dropped).
/// Returns its exit status; 0 also for an empty command.
int run_command(const CommandContext& ctx, std::vector<std::string> words);

/// The commands, as `help` prints them.
std::string commands_help();

/// The spool folder: --spool, else $PGTAIL_SPOOL, else the config's [global]
/// spool, else $XDG_STATE_HOME/pgtail/spool, else ~/.local/state/pgtail/spool.
std::string spool_dir(const std::string& flag, const Config& config);

/// The webhook's rules as people read them, "FATAL, PANIC; errors > 50/min"
/// (a rule that does not parse is shown as written).
std::string trigger_list(const WebhookConfig& w);

/// Loads the webhooks file for a command. A missing file gives an empty
/// Config and true when `missing_ok`; otherwise false with the message
/// printed and *status set (66 missing, 78 refused).
bool load_for_command(const std::string& path, bool missing_ok, Config* out, int* status);

/// Prints a usage error of a command: the message and where help is
/// (`help` at the prompt, --help from a shell). Returns 64.
int command_usage(const CommandContext& ctx, const std::string& what);

}  // namespace pgtail
