#pragma once
/// `pg-webhook run`: the whole pipeline on the server's logs,
///
///   (follow the logs) | pg-parse | pg-match --config | pg-format --config | pg-send --config
///
/// with the tools found beside pg-webhook. The logs are followed in this
/// process (log_follower.hpp), so that a stop ends the input: end of input
/// flows down the pipe and every stage finishes its work; pg-send drains
/// its own queue (its --drain-timeout) and is signalled only when it takes
/// longer. A pidfile (SPOOL/run.pid) lets the editing commands ask for a
/// reload: SIGHUP is passed to pg-match, pg-format and pg-send, which read
/// the file again keeping their state. A stage that dies stops the run with a message.
#include <cstdint>
#include <string>
#include <vector>

namespace pgtail {

struct RunOptions {
  std::string config_path;
  std::string spool;             ///< the spool folder (the pidfile and offsets go there too)
  std::string tools_dir;         ///< where pg-parse … pg-send are
  std::vector<std::string> logs; ///< files or data directories; none: $PGDATA
  int64_t poll_ms = 100;
  int64_t drain_ms = 10000;      ///< pg-send's --drain-timeout; it is signalled after that and 5 s more
};

/// Runs until SIGINT or SIGTERM (a second one ends the stages at once).
/// Returns pg-send's exit status, or ours: 64 no log to follow, 70 a stage
/// died, 73 the pidfile cannot be written or another run holds it, 78 a bad
/// webhooks file.
int run_pipeline(const RunOptions& o);

/// The logs of the local PostgreSQL, for a run given none: $PGDATA; else
/// the clusters `pg_lsclusters` lists (the online ones, else all; each its
/// log file, else its data directory); else the first of the usual places
/// that exists, under `root` ("" on a real machine): Debian's
/// /var/log/postgresql/postgresql-*.log, the PGDG packages'
/// /var/lib/pgsql/*/data, Red Hat's /var/lib/pgsql/data. *how says where
/// they were found, or where they were looked for.
std::vector<std::string> find_server_logs(const std::string& root, std::string* how);
/// The logs in `pg_lsclusters --no-header` output (its last two columns).
std::vector<std::string> lsclusters_logs(const std::string& text);

/// The pidfile of the run that uses `spool`.
std::string run_pidfile(const std::string& spool);

}  // namespace pgtail
