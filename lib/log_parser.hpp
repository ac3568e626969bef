#pragma once
/// The whole of pg-parse's work on one input stream: format detection, the
/// per-format line parsers, entry assembly, raw lines, UTF-8 repair, counts.
/// The tool's main only reads lines and writes what comes out of the sink.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "csvlog.hpp"
#include "detect.hpp"
#include "entry_assembler.hpp"
#include "event.hpp"
#include "jsonlog.hpp"
#include "prefix.hpp"
#include "syslog.hpp"
#include "timestamp.hpp"
#include "wrappers.hpp"

namespace pgtail {

struct ParseOptions {
  Format format = Format::kAuto;
  std::optional<std::string> prefix;  ///< --prefix / --prefix-from; else detected
  int year = 0;                       ///< syslog year (--year); 0: from the file's time
  int64_t idle_flush_ms = 50;
  size_t max_entry_bytes = 1 << 20;
  bool quiet = false;                 ///< no "detected ..." notes
};

/// What became of the input. Every physical line read is counted once in
/// exactly one of in_entries, raw_lines, empty and other, so that
///   lines == in_entries + raw_lines + empty + other
/// once the input has ended: a line that went nowhere would break it. A line
/// that feeds more than one thing (a wrapper message holding several lines)
/// counts where its first part went.
struct ParseStats {
  uint64_t lines = 0;    ///< physical lines read
  uint64_t entries = 0;  ///< entry events written
  uint64_t raw = 0;      ///< raw events written
  uint64_t truncated = 0, repaired = 0;
  uint64_t empty = 0;  ///< lines with no text (a wrapper's empty message included): skipped
  uint64_t other = 0;  ///< syslog lines of other programs, wrapper lines not the server's: skipped
  uint64_t in_entries = 0;  ///< lines joined to an entry (primary, DETAIL, continuation, ...)
  uint64_t raw_lines = 0;   ///< lines written as raw events (a broken csvlog record may be several)
};

class LogParser {
 public:
  using Sink = std::function<void(const Event&)>;
  /// Receives one diagnostic (without the program name), e.g.
  /// "app.log:12: invalid UTF-8 replaced with U+FFFD".
  using Warn = std::function<void(const std::string&)>;

  LogParser(const ParseOptions& options, ZoneResolver& zones, Sink sink, Warn warn);

  /// Starts an input: `name` in messages, `mtime` (seconds) for syslog's year.
  /// A `live` input (a pipe, a terminal) measures --idle-flush in wall time,
  /// the now_ms passed in; a file in the log's own time, so that reading a
  /// file gives the same entries, in the same order, however fast it is read.
  void begin(const std::string& name, int64_t mtime, bool live);
  /// One physical line without its '\n', as read (any bytes); `cut` when the
  /// reader dropped its tail.
  void line(std::string_view bytes, bool cut, int64_t now_ms);
  /// Completes what has waited long enough (call when input is idle).
  void tick(int64_t now_ms);
  /// Ends the input: everything pending is completed.
  void end(int64_t now_ms);
  /// When tick() next has work (monotonic ms), or -1.
  int64_t next_deadline() const;

  const ParseStats& stats() const { return stats_; }

 private:
  struct Buffered {
    std::string text;
    bool cut;
    uint64_t line_no;
    bool repaired;  ///< counted as repaired already
  };
  /// What the wrapper around a stderr-style line says about it; its time is
  /// used when the prefix has none (a syslog time is read only then).
  struct Outer {
    const SyslogLine* syslog = nullptr;
    std::optional<int64_t> pid, time_ms;
    std::string_view instance;
    bool later_chunk = false;  ///< [N-M] with M > 1: unprefixed text continues N
  };
  void decide(int64_t now_ms);
  void process(std::string_view text, bool cut, int64_t now_ms);
  void process_prefixed(std::string_view text, bool cut, const Outer* outer, int64_t now_ms);
  /// Joins a continuation line to the entry it belongs to; false if none.
  bool continue_entry(const Outer* outer, std::string_view text, int64_t now_ms);
  void process_wrapped(std::string_view line, bool cut, int64_t now_ms);
  void process_inner(std::string_view text, bool cut, const Outer& outer, int64_t now_ms);
  void process_logplex(std::string_view line, bool cut, int64_t now_ms);
  void process_chunk(std::string_view line, const SyslogLine& sl, bool cut, int64_t now_ms);
  bool outer_time(const Outer* outer, int64_t* ms);
  void csv_result(CsvlogReader::Result r, const std::string& err, bool cut);
  void process_syslog(std::string_view text, bool cut, int64_t now_ms);
  bool syslog_time(const SyslogLine& sl, int64_t* ms);
  int64_t clock(const Event& ev, int64_t now_ms);
  void emit(const Event& ev);
  /// A raw event of the line being read (counted in raw_lines).
  void raw(std::string_view text, bool cut, std::optional<int64_t> time_ms = std::nullopt,
           std::string_view instance = {});
  /// A raw event whose lines the caller counts.
  void raw_event(std::string_view text, bool cut, std::optional<int64_t> time_ms, std::string_view instance);
  /// The lines not yet counted: those carried, and the line being read.
  uint64_t take_lines();
  void count_all(uint64_t* counter) { *counter += take_lines(); }
  /// Counts the line being read alone, if it is not counted yet.
  void count_line(uint64_t* counter);
  /// The line being read went into something not yet complete (a csvlog
  /// record, one of the pieces of a line Docker split): counted with it.
  void carry();
  void process_text(std::string_view text, bool cut, const Outer& outer, int64_t now_ms);
  void warn(const std::string& what);
  /// Counts the line being read as repaired and says so, once a line.
  void note_repair();
  /// Says `what` once per run however often it happens (an unknown zone on
  /// every line), prefixed by where it first happened.
  void warn_once(const std::string& where, const std::string& what);
  std::string here() const;  ///< "file:line" of the line being read

  ParseOptions options_;
  ZoneResolver& zones_;
  Sink sink_;
  Warn warn_;
  EntryAssembler assembler_;
  ParseStats stats_;

  std::string name_;
  uint64_t line_no_ = 0;
  uint64_t repaired_line_ = 0;  ///< the last line counted as repaired
  uint64_t counted_ = 0;  ///< the last line number counted in stats_
  uint64_t carried_ = 0;  ///< lines to count with the next thing counted (see carry())
  int year_ = 0, mtime_month_ = 0, last_month_ = 0;
  bool live_ = true;
  bool syslog_any_tag_ = false;  ///< Detection::any_tag of this input
  int64_t chunk_pid_ = -1, chunk_seq_ = -1;  ///< the last syslog chunk's message
  size_t chunk_bytes_ = 0;                    ///< and its length
  int64_t log_clock_ = 0;  ///< latest log time seen (ms), the clock of a file

  bool detecting_ = false;
  std::vector<Buffered> detect_buf_;
  size_t detect_bytes_ = 0;
  int64_t detect_since_ = 0;

  Format format_ = Format::kAuto;  ///< kAuto after detection failed: all raw
  Prefix prefix_;
  std::unique_ptr<PrefixMatcher> matcher_;
  std::unique_ptr<CsvlogReader> csv_;
  std::unique_ptr<JsonlogReader> json_;
  std::unique_ptr<WrapperReader> wrappers_;
  std::string docker_partial_;  ///< the pieces of a line Docker split, so far
  std::optional<int64_t> docker_time_;  ///< the time of the last piece
  /// DETAIL/HINT/... lines of a JSON wrapper read before their entry: logs
  /// exported newest first (Cloud Logging, Loki, the CloudNativePG fixture)
  /// put a HINT line above its LOG line. Joined to the entry of their
  /// process and time when it comes, else kept as raw events.
  struct Orphan {
    std::optional<int64_t> pid, time_ms;
    Word word;
    std::string body, text, instance;
    bool cut;
    uint64_t lines;  ///< input lines it stands for (0: its line is counted elsewhere)
  };
  std::vector<Orphan> orphans_;
  int64_t orphan_since_ = 0;  ///< when the oldest was held (a live input's idle flush)
  void hold_orphan(std::string_view text, std::string_view body, Word word, bool cut, int64_t now_ms);
  void adopt_orphans(const std::optional<int64_t>& pid, const std::optional<int64_t>& time_ms, int64_t now_ms);
  void release_orphans();

  std::unique_ptr<Event> scratch_ = std::make_unique<Event>();  ///< the line being read
  Event raw_;
  std::string repaired_, unescaped_, warning_, inner_repaired_, instance_repaired_;
  std::set<std::string> warned_;
};

}  // namespace pgtail
