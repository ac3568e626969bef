#include "log_parser.hpp"

#include <time.h>

#include <algorithm>

#include "utf8.hpp"

namespace pgtail {

namespace {
/// How much of an input detection looks at before it decides.
constexpr size_t kDetectLines = 200;
constexpr size_t kDetectBytes = 256 * 1024;
/// Distinct warnings kept for de-duplication; past that, repeats are printed.
constexpr size_t kMaxWarned = 1000;
/// PG_SYSLOG_LIMIT: the server's longest syslog chunk.
constexpr size_t kSyslogChunk = 900;

bool is_sqlstate(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) return false;
  return s.size() == 5;
}

int month_of(std::string_view syslog_time) {
  static const char kMonths[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  for (int m = 0; m < 12; ++m)
    if (syslog_time.compare(0, 3, kMonths + 3 * m, 3) == 0) return m + 1;
  return 0;
}
}  // namespace

LogParser::LogParser(const ParseOptions& options, ZoneResolver& zones, Sink sink, Warn warn)
    : options_(options),
      zones_(zones),
      sink_(std::move(sink)),
      warn_(std::move(warn)),
      assembler_(options.max_entry_bytes, options.idle_flush_ms, [this](const Event& ev) { emit(ev); }) {}

void LogParser::begin(const std::string& name, int64_t mtime, bool live) {
  name_ = name;
  live_ = live;
  log_clock_ = 0;
  assembler_.set_ordered(!live);
  line_no_ = 0;
  repaired_line_ = 0;
  counted_ = 0;
  carried_ = 0;
  time_t t = static_cast<time_t>(mtime);
  struct tm tm;
  gmtime_r(&t, &tm);
  year_ = options_.year ? options_.year : tm.tm_year + 1900;
  mtime_month_ = options_.year ? 0 : tm.tm_mon + 1;
  last_month_ = 0;
  format_ = options_.format;
  syslog_any_tag_ = false;
  bool need_prefix = format_ != Format::kCsvlog && format_ != Format::kJsonlog;
  detecting_ = format_ == Format::kAuto || (need_prefix && !options_.prefix);
  detect_buf_.clear();
  detect_bytes_ = 0;
  if (!detecting_) {
    Detection d;
    d.format = format_;
    if (options_.prefix) d.prefix = *options_.prefix;
    std::string err;
    Prefix::compile(d.prefix, &prefix_, &err);  // checked by the caller already
    matcher_.reset(new PrefixMatcher(prefix_, zones_));
  }
  csv_.reset(new CsvlogReader(zones_, options_.max_entry_bytes));
  json_.reset(new JsonlogReader(zones_, options_.max_entry_bytes));
  wrappers_.reset(new WrapperReader(zones_, options_.max_entry_bytes));
  docker_partial_.clear();
  docker_time_.reset();
  orphans_.clear();
}

void LogParser::warn(const std::string& what) { warn_(what); }

void LogParser::warn_once(const std::string& where, const std::string& what) {
  if (warned_.count(what)) return;
  if (warned_.size() < kMaxWarned) warned_.insert(what);
  warn_(where + ": " + what);
}

std::string LogParser::here() const { return name_ + ":" + std::to_string(line_no_); }

void LogParser::emit(const Event& ev) {
  if (ev.type == Event::Type::kRaw)
    ++stats_.raw;
  else
    ++stats_.entries;
  if (ev.truncated) ++stats_.truncated;
  sink_(ev);
}

uint64_t LogParser::take_lines() {
  uint64_t n = carried_;
  carried_ = 0;
  if (counted_ != line_no_) {
    counted_ = line_no_;
    ++n;
  }
  return n;
}

void LogParser::count_line(uint64_t* counter) {
  if (counted_ == line_no_) return;
  counted_ = line_no_;
  ++*counter;
}

void LogParser::carry() {
  if (counted_ == line_no_) return;
  counted_ = line_no_;
  ++carried_;
}

void LogParser::raw(std::string_view text, bool cut, std::optional<int64_t> time_ms,
                    std::string_view instance) {
  count_all(&stats_.raw_lines);
  raw_event(text, cut, time_ms, instance);
}

void LogParser::raw_event(std::string_view text, bool cut, std::optional<int64_t> time_ms,
                          std::string_view instance) {
  raw_.clear();
  raw_.type = Event::Type::kRaw;
  raw_.time_ms = time_ms;
  raw_.instance_name.assign(instance.data(), instance.size());
  raw_.message.assign(text.data(), text.size());
  raw_.truncated = cut;
  assembler_.pass(raw_);  // behind the entries begun before it
}

void LogParser::line(std::string_view bytes, bool cut, int64_t now_ms) {
  ++stats_.lines;
  ++line_no_;
  if (!bytes.empty() && bytes.back() == '\r') bytes.remove_suffix(1);
  if (cut) bytes = bytes.substr(0, utf8_whole(bytes));  // not inside a character
  // A JSON wrapper's line of text is checked where it is used: its message
  // and instance (a journald line is a kilobyte, of which pg-parse uses a
  // tenth), or the whole of it when it is not JSON and becomes a raw event.
  bool later = !detecting_ && (format_ == Format::kCloudsql || format_ == Format::kJournald ||
                               format_ == Format::kDocker);
  if (!later && !utf8_clean(bytes)) {
    utf8_repair(bytes, &repaired_);
    bytes = repaired_;
    note_repair();
  }
  if (cut)
    warn(here() + ": line longer than " +
         std::to_string(options_.max_entry_bytes) + " bytes cut (--max-entry-bytes)");
  // An empty line inside a csvlog record's quoted field is part of it; one
  // before the first text is nothing to detect.
  if (bytes.empty() && (detecting_ ? detect_buf_.empty() : !(format_ == Format::kCsvlog && csv_->pending()))) {
    count_line(&stats_.empty);
    return;
  }
  if (detecting_) {
    if (detect_buf_.empty()) detect_since_ = now_ms;
    detect_buf_.push_back(Buffered{std::string(bytes), cut, line_no_, repaired_line_ == line_no_});
    detect_bytes_ += bytes.size();
    if (detect_buf_.size() >= kDetectLines || detect_bytes_ >= kDetectBytes) decide(now_ms);
    return;
  }
  process(bytes, cut, now_ms);
}

void LogParser::decide(int64_t now_ms) {
  detecting_ = false;
  std::vector<std::string> lines;
  lines.reserve(detect_buf_.size());
  for (const Buffered& b : detect_buf_) lines.push_back(b.text);
  Detection d = detect(lines, options_.format, options_.prefix ? &*options_.prefix : nullptr, zones_);
  format_ = d.format;
  syslog_any_tag_ = d.any_tag;
  if (d.format == Format::kAuto) {
    warn(name_ + ": " + d.advice + "; lines are kept as raw events");
  } else {
    if (!options_.quiet) warn(name_ + ": detected " + d.description);
    std::string err;
    Prefix::compile(d.prefix, &prefix_, &err);
    matcher_.reset(new PrefixMatcher(prefix_, zones_));
  }
  uint64_t saved = line_no_;
  std::vector<Buffered> buffered;
  buffered.swap(detect_buf_);
  for (const Buffered& b : buffered) {
    line_no_ = b.line_no;
    repaired_line_ = b.repaired ? b.line_no : 0;
    process(b.text, b.cut, now_ms);
  }
  line_no_ = saved;
}

void LogParser::process(std::string_view text, bool cut, int64_t now_ms) {
  if (text.empty() && !(format_ == Format::kCsvlog && csv_->pending())) {
    count_line(&stats_.empty);
    return;
  }
  switch (format_) {
    case Format::kStderr:
      process_prefixed(text, cut, nullptr, now_ms);
      break;
    case Format::kSyslog:
      process_syslog(text, cut, now_ms);
      break;
    case Format::kCsvlog: {
      std::string err;
      CsvlogReader::Result r = csv_->feed(text, scratch_.get(), &err);
      if (r == CsvlogReader::Result::kNeedMore) {
        carry();
        break;
      }
      if (r == CsvlogReader::Result::kEvent) {
        count_all(&stats_.in_entries);
        csv_result(r, err, cut);
        break;
      }
      csv_result(r, err, cut);
      // A line that broke the record before it may be a whole record itself,
      // or the start of one: it is then not a line of the broken record.
      if ((r = csv_->next(scratch_.get(), &err)) != CsvlogReader::Result::kNeedMore) {
        stats_.raw_lines += carried_;
        carried_ = 0;
        count_all(r == CsvlogReader::Result::kEvent ? &stats_.in_entries : &stats_.raw_lines);
        csv_result(r, err, cut);
      } else if (csv_->pending()) {
        stats_.raw_lines += carried_;
        carried_ = 0;
        carry();
      } else {
        count_all(&stats_.raw_lines);
      }
      break;
    }
    case Format::kJsonlog: {
      std::string err;
      if (!json_->parse(text, scratch_.get(), &err)) {
        warn(here() + ": " + err + "; kept as a raw event");
        raw(text, cut);
        break;
      }
      if (!err.empty()) warn_once(here(), err);
      if (cut) scratch_->truncated = true;
      count_all(&stats_.in_entries);
      emit(*scratch_);
      break;
    }
    case Format::kLogplex:
      process_logplex(text, cut, now_ms);
      break;
    case Format::kCnpg:
    case Format::kCloudsql:
    case Format::kJournald:
    case Format::kDocker:
      process_wrapped(text, cut, now_ms);
      break;
    case Format::kAuto:
      raw(text, cut);
      break;
  }
}

void LogParser::note_repair() {
  if (repaired_line_ == line_no_) return;  // once a line
  repaired_line_ = line_no_;
  ++stats_.repaired;
  warn(here() + ": invalid UTF-8 or NUL bytes replaced with U+FFFD");
}

void LogParser::process_wrapped(std::string_view line, bool cut, int64_t now_ms) {
  Wrapped w;
  warning_.clear();
  bool ok = wrappers_->parse(format_, line, &w, scratch_.get(), &warning_);
  if (!ok && !utf8_clean(line)) {  // not checked yet (see line()): read as if it had been
    utf8_repair(line, &repaired_);
    line = repaired_;
    note_repair();
    ok = wrappers_->parse(format_, line, &w, scratch_.get(), &warning_);
  }
  if (!ok) {
    warn(here() + ": " + warning_ + "; kept as a raw event");
    raw(line, cut);
    return;
  }
  if (!warning_.empty()) warn_once(here(), warning_);
  if (w.kind == Wrapped::Kind::kOther) {
    count_line(&stats_.other);  // CloudNativePG's own messages, another unit's
    return;
  }
  if (w.kind == Wrapped::Kind::kRecord) {
    scratch_->instance_name.assign(w.instance.data(), w.instance.size());
    if (cut) scratch_->truncated = true;
    clock(*scratch_, now_ms);
    count_all(&stats_.in_entries);
    assembler_.pass(*scratch_);
    return;
  }
  std::string_view text = w.text;
  if (w.partial || !docker_partial_.empty()) {
    // Docker's json-file splits a line of more than 16 KiB into pieces.
    size_t room = options_.max_entry_bytes > docker_partial_.size() ? options_.max_entry_bytes - docker_partial_.size() : 0;
    docker_partial_.append(text.data(), std::min(room, text.size()));
    docker_time_ = w.time_ms;
    if (w.partial && docker_partial_.size() < options_.max_entry_bytes) {
      carry();
      return;
    }
    text = docker_partial_;
  }
  Outer outer;
  outer.pid = w.pid;
  outer.time_ms = w.time_ms;
  outer.instance = w.instance;
  if (!utf8_clean(outer.instance)) {
    utf8_repair(outer.instance, &instance_repaired_);
    outer.instance = instance_repaired_;
    note_repair();
  }
  process_text(text, cut, outer, now_ms);
}

/// A wrapper's message: its lines, each as a line of a stderr log.
void LogParser::process_text(std::string_view text, bool cut, const Outer& outer, int64_t now_ms) {
  if (!utf8_clean(text)) {  // journald's MESSAGE as bytes, \u0000 escapes, the line's own bytes
    utf8_repair(text, &inner_repaired_);
    text = inner_repaired_;
    note_repair();
  }
  // One line a wrapper entry, as a rule; a message with newlines is taken
  // line by line, as the server would have written it to stderr.
  for (size_t nl; (nl = text.find('\n')) != std::string_view::npos; text.remove_prefix(nl + 1))
    process_inner(text.substr(0, nl), cut, outer, now_ms);
  process_inner(text, cut, outer, now_ms);
  docker_partial_.clear();
}

void LogParser::process_inner(std::string_view text, bool cut, const Outer& outer, int64_t now_ms) {
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  if (text.empty()) {
    count_all(&stats_.empty);
    return;
  }
  process_prefixed(text, cut, &outer, now_ms);
}

void LogParser::process_logplex(std::string_view line, bool cut, int64_t now_ms) {
  SyslogLine sl;
  if (!parse_logplex_line(line, &sl)) {
    raw(line, cut);
    return;
  }
  if (!is_postgres_tag(sl.tag)) {
    count_line(&stats_.other);  // the app's other sources: heroku[router], app[web.1], metrics
    return;
  }
  process_chunk(line, sl, cut, now_ms);
}

void LogParser::csv_result(CsvlogReader::Result r, const std::string& err, bool cut) {
  std::string where = name_ + ":" + std::to_string(csv_->record_line());
  if (r == CsvlogReader::Result::kError)
    warn(where + ": " + err);
  else if (!err.empty())
    warn_once(where, err);
  if (cut) scratch_->truncated = true;
  emit(*scratch_);
}

bool LogParser::outer_time(const Outer* outer, int64_t* ms) {
  if (!outer) return false;
  if (outer->time_ms) {
    *ms = *outer->time_ms;
    return true;
  }
  return outer->syslog && syslog_time(*outer->syslog, ms);
}

bool LogParser::continue_entry(const Outer* outer, std::string_view text, int64_t now_ms) {
  std::optional<int64_t> pid;
  if (outer) pid = outer->pid;
  if (assembler_.add_continuation(pid, text, true, now_ms)) return true;
  // journald's pid is the writer's for syslog messages, but for a unit's
  // stderr stream the postmaster's on every line: a backend's continuation
  // line then follows its entry, as in a plain stderr log.
  return pid && !outer->syslog && assembler_.add_continuation(std::nullopt, text, true, now_ms);
}

void LogParser::process_prefixed(std::string_view text, bool cut, const Outer* outer, int64_t now_ms) {
  std::optional<int64_t> pid;
  std::string_view instance;
  if (outer) {
    pid = outer->pid;
    instance = outer->instance;
  }
  if (!live_) now_ms = log_clock_;
  int64_t t;
  if (text[0] == '\t') {
    if (continue_entry(outer, text.substr(1), now_ms))
      count_all(&stats_.in_entries);
    else
      raw(text, cut, outer_time(outer, &t) ? std::optional<int64_t>(t) : std::nullopt, instance);
    return;
  }
  scratch_->clear();
  PrefixMatch m;
  warning_.clear();
  if (!matcher_->match(text, scratch_.get(), &m, &warning_)) {
    // Continuation lines whose tab became spaces on the way (an editor, a
    // log shipper), or a later syslog chunk of the message, still belong to
    // the entry before them.
    bool continues = text[0] == ' ' || (outer && outer->later_chunk);
    if (continues && continue_entry(outer, text, now_ms)) {
      count_all(&stats_.in_entries);
      return;
    }
    raw(text, cut, outer_time(outer, &t) ? std::optional<int64_t>(t) : std::nullopt, instance);
    return;
  }
  if (!warning_.empty()) warn_once(here(), warning_);
  if (!scratch_->pid) scratch_->pid = pid;
  if (!scratch_->time_ms && outer_time(outer, &t)) scratch_->time_ms = t;
  scratch_->instance_name.assign(instance.data(), instance.size());
  now_ms = clock(*scratch_, now_ms);
  std::string_view body = text.substr(m.text_start);
  if (m.word != Word::kLevel) {
    if (assembler_.add_field(scratch_->pid, m.word, body, now_ms)) {
      count_all(&stats_.in_entries);
      return;
    }
    if (is_wrapper(format_) && format_ != Format::kLogplex)
      hold_orphan(text, body, m.word, cut, now_ms);
    else
      raw(text, cut);
    return;
  }
  scratch_->level = level_name(m.level);
  // log_error_verbosity = verbose puts the SQLSTATE before the message.
  if (body.size() > 7 && body[5] == ':' && body[6] == ' ' && is_sqlstate(body.substr(0, 5))) {
    if (scratch_->sqlstate.empty()) scratch_->sqlstate.assign(body.data(), 5);
    body.remove_prefix(7);
  }
  scratch_->message.assign(body.data(), body.size());
  if (cut) scratch_->truncated = true;
  count_all(&stats_.in_entries);
  if (orphans_.empty()) {  // the common case: nothing held for a wrapper
    assembler_.start(&scratch_, now_ms);
    return;
  }
  std::optional<int64_t> entry_pid = scratch_->pid, entry_time = scratch_->time_ms;
  assembler_.start(&scratch_, now_ms);
  adopt_orphans(entry_pid, entry_time, now_ms);
}

void LogParser::hold_orphan(std::string_view text, std::string_view body, Word word, bool cut,
                            int64_t now_ms) {
  constexpr size_t kMaxOrphans = 16;
  if (orphans_.size() >= kMaxOrphans) release_orphans();
  if (orphans_.empty()) orphan_since_ = now_ms;
  orphans_.push_back(Orphan{scratch_->pid, scratch_->time_ms, word, std::string(body), std::string(text),
                            scratch_->instance_name, cut, take_lines()});
}

void LogParser::adopt_orphans(const std::optional<int64_t>& pid, const std::optional<int64_t>& time_ms,
                              int64_t now_ms) {
  // Newest first: the line just above the entry is its last field.
  bool any = false;
  for (size_t i = orphans_.size(); i-- > 0;) {
    Orphan& o = orphans_[i];
    if (o.pid != pid || o.time_ms != time_ms) continue;
    if (!assembler_.add_field(pid, o.word, o.body, now_ms)) continue;
    stats_.in_entries += o.lines;
    o.text.clear();
    any = true;
  }
  if (any)
    orphans_.erase(std::remove_if(orphans_.begin(), orphans_.end(), [](const Orphan& o) { return o.text.empty(); }),
                   orphans_.end());
}

void LogParser::release_orphans() {
  for (const Orphan& o : orphans_) {
    stats_.raw_lines += o.lines;
    raw_event(o.text, o.cut, o.time_ms, o.instance);
  }
  orphans_.clear();
}

int64_t LogParser::clock(const Event& ev, int64_t now_ms) {
  if (live_) return now_ms;
  if (ev.time_ms && *ev.time_ms > log_clock_) {
    log_clock_ = *ev.time_ms;
    assembler_.flush_idle(log_clock_);
  }
  return log_clock_;
}

bool LogParser::syslog_time(const SyslogLine& sl, int64_t* ms) {
  std::string err;
  if (sl.iso_time) return parse_iso8601(sl.time, ms);
  int month = month_of(sl.time);
  if (last_month_ == 0 && mtime_month_ && month > mtime_month_) --year_;  // began last year
  if (last_month_ && month + 6 < last_month_) ++year_;                   // December -> January
  last_month_ = month;
  if (parse_syslog_timestamp(sl.time, year_, zones_, ms, &err)) return true;
  warn_once(here(), err);
  return false;
}

void LogParser::process_syslog(std::string_view line, bool cut, int64_t now_ms) {
  SyslogLine sl;
  if (!parse_syslog_line(line, &sl)) {
    raw(line, cut);
    return;
  }
  if (!syslog_any_tag_ && !is_postgres_tag(sl.tag)) {
    count_line(&stats_.other);  // another program's line in a shared syslog file
    return;
  }
  process_chunk(line, sl, cut, now_ms);
}

/// The text of a syslog or logplex line, with its [N-M] numbering.
void LogParser::process_chunk(std::string_view line, const SyslogLine& sl, bool cut, int64_t now_ms) {
  std::string_view text = syslog_unescape(sl.text, &unescaped_);
  if (text.empty()) {
    count_line(&stats_.empty);
    return;
  }
  std::optional<int64_t> pid;
  if (sl.pid >= 0) pid = sl.pid;
  Outer outer;
  outer.syslog = &sl;
  outer.pid = pid;
  // The server cuts a line longer than 900 bytes at a space (the next chunk
  // starts with it) or, in a word longer than that, anywhere (the previous
  // chunk is then 900 bytes, less a cut multi-byte character).
  bool split = sl.chunk > 1 && sl.pid == chunk_pid_ && sl.seq == chunk_seq_ &&
               (text[0] == ' ' || chunk_bytes_ >= kSyslogChunk - 3);
  chunk_pid_ = sl.pid;
  chunk_seq_ = sl.seq;
  chunk_bytes_ = text.size();
  // A later line of message N: the rest of a split line (joined as is), or
  // a new prefixed DETAIL/HINT/... line, or a message line that lost its tab
  // on the way (process_prefixed() tells those two apart).
  if (split && text[0] != '\t') {
    if (assembler_.add_continuation(pid, text, false, live_ ? now_ms : log_clock_))
      count_all(&stats_.in_entries);
    else
      raw(line, cut);
    return;
  }
  outer.later_chunk = sl.chunk > 1;
  process_prefixed(text, cut, &outer, now_ms);
}

void LogParser::tick(int64_t now_ms) {
  if (!live_) return;
  if (!orphans_.empty() && now_ms - orphan_since_ >= options_.idle_flush_ms) release_orphans();
  if (detecting_ && !detect_buf_.empty() && now_ms - detect_since_ >= options_.idle_flush_ms)
    decide(now_ms);
  assembler_.flush_idle(now_ms);
}

void LogParser::end(int64_t now_ms) {
  if (detecting_ && !detect_buf_.empty()) decide(now_ms);
  detecting_ = false;
  if (!docker_partial_.empty()) {  // the last piece never came
    Outer outer;
    outer.time_ms = docker_time_;
    std::string text;
    text.swap(docker_partial_);
    process_text(text, false, outer, now_ms);
  }
  release_orphans();
  if (format_ == Format::kCsvlog && csv_) {
    std::string err;
    CsvlogReader::Result r;
    while ((r = csv_->finish(scratch_.get(), &err)) != CsvlogReader::Result::kNeedMore) {
      count_all(r == CsvlogReader::Result::kEvent ? &stats_.in_entries : &stats_.raw_lines);
      csv_result(r, err, false);
    }
  }
  assembler_.flush_all();
}

int64_t LogParser::next_deadline() const {
  int64_t d = assembler_.next_deadline();
  if (live_ && !orphans_.empty()) {
    int64_t t = orphan_since_ + options_.idle_flush_ms;
    if (d < 0 || t < d) d = t;
  }
  if (detecting_ && !detect_buf_.empty()) {
    int64_t t = detect_since_ + options_.idle_flush_ms;
    if (d < 0 || t < d) d = t;
  }
  return d;
}

}  // namespace pgtail
