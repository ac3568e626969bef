// pg-parse: PostgreSQL log lines (stderr with any log_line_prefix, csvlog,
// jsonlog, syslog) to NDJSON events. Flags and the read/write loop only; the
// parsing lives in lib/ (log_parser.hpp).
#include <time.h>

#include <CLI/CLI.hpp>

#include "diag.hpp"
#include "exit_status.hpp"
#include "instance.hpp"
#include "line_reader.hpp"
#include "log_parser.hpp"
#include "output.hpp"

using namespace pgtail;

namespace {

struct Options {
  ParseOptions parse;
  std::string format = "auto", prefix, prefix_from, timezone;
  Instance instance;
  std::vector<std::string> files;
  bool stats = false;
};

int64_t now_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

int parse_flags(int argc, char** argv, Options* o) {
  CLI::App app{"Turns PostgreSQL log lines into NDJSON events, one per log entry.", "pg-parse"};
  app.set_version_flag("--version", "pg-parse (pgtail webhooks) 0.1");
  app.add_option("-f,--format", o->format, "auto (default), stderr, csvlog, jsonlog, syslog, cnpg, cloudsql, logplex, journald or docker")->type_name("FORMAT");
  app.add_option("-p,--prefix", o->prefix, "the server's log_line_prefix, as in postgresql.conf")
      ->type_name("PREFIX");
  app.add_option("--prefix-from", o->prefix_from, "read log_line_prefix from this postgresql.conf")
      ->type_name("FILE");
  app.add_option("-z,--timezone", o->timezone, "tz database zone of the log's times (Europe/Paris)")
      ->type_name("ZONE");
  app.add_option("--year", o->parse.year, "year of syslog times (default: the file's)")->type_name("YEAR");
  app.add_option("--idle-flush", o->parse.idle_flush_ms, "complete an entry idle this long (ms, default 50)")
      ->check(CLI::Range(0, 3600 * 1000))
      ->type_name("MS");
  app.add_option("--max-entry-bytes", o->parse.max_entry_bytes, "cap on one entry (default 1048576)")
      ->check(CLI::Range(1024, 1 << 30))
      ->type_name("BYTES");
  app.add_option("--instance-id", o->instance.id, "instance.id of every event")->type_name("N");
  app.add_option("--instance-name", o->instance.name, "instance.name (default pg<version>)")->type_name("NAME");
  app.add_option("--host", o->instance.host, "instance.host (default: this machine's name)")->type_name("HOST");
  app.add_option("--port", o->instance.port, "instance.port")->type_name("PORT");
  app.add_option("--pg-version", o->instance.version, "instance.version")->type_name("VERSION");
  app.add_option("--data-dir", o->instance.data_dir, "instance.data_dir; the version is read from it")
      ->type_name("DIR");
  app.add_flag("--stats", o->stats, "print counts of lines, entries and repairs to stderr at exit");
  app.add_flag("-q,--quiet", o->parse.quiet, "do not say which format was detected");
  app.add_option("FILE", o->files, "log files, plain, .gz or .bz2 (default or -: stdin)")->type_name("");
  app.footer("Exit status: 0 ok, 64 usage, 65 no log entry in the input, 66 a file missing, 74 I/O error.\nSee pg-parse(1) and pgtail(7).");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    return usage_error(e.what());
  }
  if (!parse_format(o->format, &o->parse.format))
    return usage_error("unknown --format '" + o->format + "' (auto, stderr, csvlog, jsonlog, syslog, cnpg, cloudsql, logplex, journald or docker)");
  if (!o->prefix.empty() && !o->prefix_from.empty())
    return usage_error("--prefix and --prefix-from exclude each other");
  std::string err;
  if (!o->prefix_from.empty()) {
    if (!prefix_from_config(o->prefix_from, &o->prefix, &err)) {
      message(err);
      return kExitNoInput;
    }
  }
  if (!o->prefix.empty() || !o->prefix_from.empty()) {
    Prefix p;
    if (!Prefix::compile(o->prefix, &p, &err)) return usage_error(err);
    o->parse.prefix = o->prefix;
  }
  if (!complete_instance(&o->instance, o->files, &err)) {
    message(err);
    return kExitNoInput;
  }
  if (o->files.empty()) o->files.push_back("-");
  return -1;
}

/// Reads one input to its end, writing events as they complete.
int read_input(const std::string& path, const Options& o, LogParser& parser, Output& out) {
  std::string err;
  auto reader = LineReader::open(path, o.parse.max_entry_bytes, &err);
  std::string name = path == "-" ? "<stdin>" : path;
  if (!reader) {
    message("cannot open " + path + ": " + err);
    return kExitNoInput;
  }
  parser.begin(name, reader->mtime(), reader->live());
  std::string_view line;
  bool cut;
  unsigned since_tick = 0;
  for (;;) {
    LineReader::Status st = reader->next(&line, &cut, 0, &err);
    if (st == LineReader::Status::kTimeout) {
      // Nothing more to read right now: hand out what is complete, then wait
      // no longer than the next entry's idle deadline.
      if (!out.flush()) break;
      int64_t deadline = parser.next_deadline();
      int timeout = deadline < 0 ? -1 : static_cast<int>(std::max<int64_t>(0, deadline - now_ms()));
      st = reader->next(&line, &cut, timeout, &err);
      if (st == LineReader::Status::kTimeout) {
        parser.tick(now_ms());
        continue;
      }
    }
    if (st == LineReader::Status::kEof) break;
    if (st == LineReader::Status::kError) {
      message("read error on " + name + ": " + err);
      parser.end(now_ms());
      return kExitIoErr;
    }
    int64_t now = reader->live() ? now_ms() : 0;
    parser.line(line, cut, now);
    if (reader->live() && ++since_tick >= 256) {  // a busy pipe never times out
      since_tick = 0;
      parser.tick(now);
    }
    out.maybe_flush();
    if (out.failed()) break;
  }
  parser.end(now_ms());
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  set_program("pg-parse");
  Options o;
  int rc = parse_flags(argc, argv, &o);
  if (rc >= 0) return rc;
  ZoneResolver zones(o.timezone);
  if (!zones.valid()) return usage_error(zones.error());

  Output out;
  EventWriter writer(o.instance);
  LogParser parser(
      o.parse, zones,
      [&](const Event& ev) {
        writer.write(ev, out.buffer());
        out.maybe_flush();
      },
      [](const std::string& what) { message(what); });
  int status = kExitOk;
  for (const std::string& f : o.files) {
    int r = read_input(f, o, parser, out);
    if (r != kExitOk && status == kExitOk) status = r;
    if (out.failed()) break;
  }
  out.flush();
  const ParseStats& s = parser.stats();
  if (o.stats)
    message("stats: " + std::to_string(s.lines) + " lines, " + std::to_string(s.entries) + " entries, " +
            std::to_string(s.raw) + " raw, " + std::to_string(s.truncated) + " truncated, " +
            std::to_string(s.repaired) + " repaired, " + std::to_string(s.empty) + " empty, " +
            std::to_string(s.other) + " of other programs, " + std::to_string(s.in_entries) +
            " lines in entries, " + std::to_string(s.raw_lines) + " in raw events");
  if (out.failed()) {
    message(out.error());
    return kExitIoErr;
  }
  if (status == kExitOk && s.entries == 0 && s.lines > s.empty) return kExitDataErr;
  return status;
}
