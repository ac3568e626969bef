#include "sender.hpp"

#include <curl/curl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstring>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "config.hpp"
#include "diag.hpp"
#include "metrics.hpp"
#include "utf8.hpp"

namespace pgtail {

namespace {

constexpr size_t kKeepBody = 16 * 1024;  ///< of an answer: enough for every platform's verdict
constexpr int64_t kHousekeepingMs = 1000, kLockRetryMs = 2000, kRescanMs = 5000, kStatsFileMs = 15000;
constexpr int kLatencyBuckets = 320;  ///< 5% wide each, up to about an hour
constexpr double kBucketBase = 1.05;

int64_t monotonic_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

int64_t wall_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

size_t keep_body(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  size_t bytes = size * n;
  if (out->size() < kKeepBody) out->append(data, std::min(bytes, kKeepBody - out->size()));
  return bytes;
}

bool has_header(const std::vector<std::string>& headers, std::string_view name) {
  for (const std::string& h : headers)
    if (h.size() > name.size() && h[name.size()] == ':' &&
        std::equal(name.begin(), name.end(), h.begin(), [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
      return true;
  return false;
}

std::string_view header_value(CURL* easy, const char* name) {
  struct curl_header* h = nullptr;
  if (curl_easy_header(easy, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK || !h) return {};
  return h->value;
}

/// Printable text: valid UTF-8, cut to `max` bytes, secrets redacted, one line.
std::string shown(std::string_view text, size_t max) {
  std::string clean;
  utf8_repair(text.substr(0, max), &clean);
  for (char& c : clean)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return redact_text(clean);
}

/// One HTTP exchange: what libcurl needs to outlive the request.
struct Exchange {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string url, body, response, url_shown;
  Platform platform = Platform::kGeneric;
  char error[CURL_ERROR_SIZE] = {};
  int64_t started_ms = 0;

  ~Exchange() { curl_slist_free_all(headers); }

  /// Sets `easy` up to send `d` to `ep`.
  void prepare(CURL* e, const Endpoint& ep, const Delivery& d, const HttpOptions& http, int64_t timeout_ms) {
    easy = e;
    platform = resolve_platform(d.platform, ep.platform, ep.url);
    url = request_url(platform, ep.url);
    url_shown = redact_url(ep.url);
    if (platform == Platform::kPushgateway && !d.payload.grouping.empty()) {
      while (!url.empty() && url.back() == '/') url.pop_back();
      url += grouping_path(d.payload);
    }
    body = d.payload.body;
    if (!has_header(ep.headers, "Content-Type"))
      headers = curl_slist_append(headers, ("Content-Type: " + (d.payload.content_type.empty()
                                                                   ? std::string("application/json")
                                                                   : d.payload.content_type)).c_str());
    headers = curl_slist_append(headers, "Expect:");
    for (const std::string& h : ep.headers) headers = curl_slist_append(headers, h.c_str());
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    if (platform == Platform::kPushgateway) curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, keep_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &response);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "pg-send (pgtail webhooks) 0.1");
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(http.connect_timeout_ms));
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    if (!http.cacert.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, http.cacert.c_str());
    if (http.insecure) {
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    started_ms = monotonic_ms();
  }

  /// The verdict on a finished exchange.
  SendResult result(CURLcode code) {
    SendResult r;
    r.platform = platform;
    r.url_shown = url_shown;
    r.latency_ms = monotonic_ms() - started_ms;
    Answer a;
    std::string err = error[0] ? error : curl_easy_strerror(code);
    if (code == CURLE_OK) curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &r.status);
    a.status = code == CURLE_OK ? r.status : 0;
    r.status = a.status;
    a.body = response;
    a.error = err;
    if (a.status) {
      a.retry_after = header_value(easy, "Retry-After");
      a.rate_remaining = header_value(easy, "X-RateLimit-Remaining");
      a.rate_reset_after = header_value(easy, "X-RateLimit-Reset-After");
    }
    Verdict v = judge(platform, a, wall_ms() / 1000);
    r.outcome = v.outcome;
    r.wait_ms = v.wait_ms;
    r.pause = v.pause_webhook;
    r.reason = shown(v.reason, 512);
    r.response_head = shown(response, kResponseHead);
    return r;
  }
};

}  // namespace

SendResult send_once(const Endpoint& endpoint, const Delivery& delivery, const HttpOptions& http) {
  CURL* easy = curl_easy_init();
  if (!easy) {
    SendResult r;
    r.reason = "cannot start libcurl";
    return r;
  }
  Exchange x;
  x.prepare(easy, endpoint, delivery, http, http.timeout_ms);
  CURLcode code = curl_easy_perform(easy);
  SendResult r = x.result(code);
  curl_easy_cleanup(easy);
  return r;
}

namespace {

/// A delivery taken from the queue.
struct Item {
  uint64_t seq = 0;                   ///< its spool file; 0 when in memory
  std::shared_ptr<std::string> line;  ///< in memory: the delivery line
  int64_t put_ms = 0;                 ///< in memory: when it was read (wall clock)
  uint64_t order = 0;                 ///< its place in the webhook's order
  int attempts = 0;
  int64_t due_ms = 0;  ///< retrying: not before
};

/// Queued deliveries, in order: spool files first..last, or one in memory.
struct Span {
  uint64_t first = 0, last = 0;
  std::shared_ptr<std::string> line;
  int64_t put_ms = 0;
  uint64_t size() const { return line ? 1 : last - first + 1; }
};

/// A token bucket: `count` deliveries per `period_ms`, bursts up to
/// `count`. It delays; it never drops.
struct Bucket {
  PerPeriod rate;
  double tokens = 0;
  int64_t at_ms = 0;

  void refill(int64_t now) {
    if (rate.count <= 0) return;
    tokens = std::min<double>(static_cast<double>(rate.count),
                              tokens + static_cast<double>(now - at_ms) * static_cast<double>(rate.count) /
                                           static_cast<double>(rate.period_ms));
    at_ms = now;
  }
  bool ready(int64_t now) {
    refill(now);
    return rate.count <= 0 || tokens >= 1;
  }
  void take() {
    if (rate.count > 0) tokens -= 1;
  }
  /// When the next token comes.
  int64_t next_ms(int64_t now) const {
    if (rate.count <= 0 || tokens >= 1) return now;
    return now + static_cast<int64_t>(std::ceil((1 - tokens) * static_cast<double>(rate.period_ms) /
                                                static_cast<double>(rate.count)));
  }
};

}  // namespace

struct Sender::Impl {
  struct Webhook {
    WebhookTarget t;
    Platform platform = Platform::kGeneric;  ///< of the URL and --platform: for the pacing
    std::unique_ptr<WebhookSpool> spool;     ///< null when it cannot be opened
    std::mutex spool_mu;                     ///< stage/commit (reader) against rescans (sender)
    bool locked = false;
    pid_t holder = 0;
    std::string open_error;  ///< why the spool could not be opened
    // The reading thread's batch.
    std::vector<std::string> staged;
    // The sending thread's queue.
    std::deque<Span> queue;
    std::map<uint64_t, Item> retrying;  ///< by order: the lowest is the head
    int in_flight = 0;
    int64_t paused_until = 0;
    Bucket bucket;
    uint64_t order = 0;
    std::string failing;  ///< the failure last reported; "" while all is well
    SpoolState state;
    bool state_dirty = false;
    // Under Impl::mu.
    SendCounts counts;
    uint64_t pending = 0;     ///< queued, retrying or in flight
    uint64_t handed_off = 0;  ///< spooled for another process to send
  };

  struct Transfer {
    Webhook* w;
    Item item;
    Exchange x;
  };

  SenderOptions o;
  std::vector<std::unique_ptr<Webhook>> webhooks;
  std::map<std::string, Webhook*> by_name;
  CURLM* multi = nullptr;
  std::vector<CURL*> idle_easy;
  std::map<CURL*, std::unique_ptr<Transfer>> transfers;
  std::thread thread;
  std::mt19937_64 rng{std::random_device{}()};

  mutable std::mutex mu;  ///< everything below
  std::condition_variable room;
  std::vector<std::pair<Webhook*, Span>> inbox;
  std::vector<std::pair<Webhook*, WebhookTarget>> updates;  ///< from update(), for the sending thread
  size_t memory = 0;
  std::atomic<bool> stopping{false}, hard{false}, aborted{false}, ended{false};
  int64_t drain_ms = 0, stop_at = 0, last_success = 0;
  std::vector<uint64_t> latency = std::vector<uint64_t>(kLatencyBuckets, 0);
  uint64_t latency_count = 0;
  double latency_sum_s = 0;
  std::string spool_error;  ///< the spool write failure being reported
  uint64_t flush_total = 0, flush_done = 0, lost = 0;
  int64_t next_housekeeping = 0, next_lock_try = 0, next_rescan = 0, next_stats = 0, next_progress = 0;
  bool progress_shown = false;

  explicit Impl(SenderOptions opts) : o(std::move(opts)) {
    multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  }
  ~Impl() {
    for (auto& [easy, t] : transfers) {
      curl_multi_remove_handle(multi, easy);
      curl_easy_cleanup(easy);
    }
    for (CURL* e : idle_easy) curl_easy_cleanup(e);
    curl_multi_cleanup(multi);
  }

  // ---- the reading thread

  void put(Webhook& w, std::string_view line) {
    std::lock_guard<std::mutex> g(w.spool_mu);
    std::string err;
    if (w.spool && w.spool->stage(line, &err)) {
      w.staged.emplace_back(line);
      return;
    }
    if (err.empty()) err = w.open_error;
    commit_locked(w);  // what came before goes first
    keep_in_memory(w, std::make_shared<std::string>(line), wall_ms(), err);
  }

  /// A delivery the spool could not take waits in memory.
  void keep_in_memory(Webhook& w, std::shared_ptr<std::string> line, int64_t put_ms, const std::string& err) {
    std::lock_guard<std::mutex> g(mu);
    if (spool_error != err) {
      message(err + "; deliveries wait in memory (at most " + std::to_string(o.memory_queue) + ")");
      spool_error = err;
    }
    ++memory;
    ++w.counts.received;
    Span s;
    s.line = std::move(line);
    s.put_ms = put_ms;
    inbox.emplace_back(&w, std::move(s));
    if (memory >= o.memory_queue) message("memory queue full: reading paused until deliveries go out");
  }

  /// commit() of one webhook, w.spool_mu held.
  void commit_locked(Webhook& w) {
    if (w.staged.empty()) return;
    std::vector<uint64_t> seqs;
    std::string err;
    bool ok = w.spool->commit(&seqs, &err);
    std::vector<Span> spans;
    for (uint64_t s : seqs)
      if (!spans.empty() && spans.back().last + 1 == s)
        spans.back().last = s;
      else
        spans.push_back(Span{s, s, nullptr, 0});
    {
      std::lock_guard<std::mutex> g(mu);
      if (ok && !spool_error.empty()) {
        message("spool " + w.spool->dir() + " writable again");
        spool_error.clear();
      }
      w.counts.received += seqs.size();
      w.counts.spooled += seqs.size();
      for (Span& s : spans) inbox.emplace_back(&w, std::move(s));
    }
    if (!ok) {
      w.spool->unstage();
      for (size_t i = seqs.size(); i < w.staged.size(); ++i)
        keep_in_memory(w, std::make_shared<std::string>(std::move(w.staged[i])), wall_ms(), err);
    }
    w.staged.clear();
  }

  void commit() {
    bool any = false;
    for (auto& w : webhooks) {
      std::lock_guard<std::mutex> g(w->spool_mu);
      any = any || !w->staged.empty();
      commit_locked(*w);
    }
    if (any || memory) curl_multi_wakeup(multi);
  }

  // ---- the sending thread

  void run() {
    while (!aborted) {
      int64_t now = monotonic_ms();
      take_inbox();
      if (now >= next_housekeeping) housekeeping(now);
      for (auto& w : webhooks) dispatch(*w, now);
      if (finished(now)) break;
      int64_t wait = std::clamp<int64_t>(next_wake(now) - now, 0, 1000);
      curl_multi_poll(multi, nullptr, 0, static_cast<int>(wait), nullptr);
      int running = 0;
      curl_multi_perform(multi, &running);
      int left = 0;
      while (CURLMsg* m = curl_multi_info_read(multi, &left))
        if (m->msg == CURLMSG_DONE) done(m->easy_handle, m->data.result);
      if (o.progress) progress(now, false);
    }
    abort_transfers();
    keep_memory_items();
    write_states();
    if (o.progress) progress(monotonic_ms(), true);
    if (!o.stats_file.empty()) write_stats_file();
    std::lock_guard<std::mutex> g(mu);
    ended = true;
    room.notify_all();
  }

  void take_inbox() {
    std::vector<std::pair<Webhook*, Span>> got;
    {
      std::lock_guard<std::mutex> g(mu);
      for (auto& [w, t] : updates) apply(*w, std::move(t));
      updates.clear();
      got.swap(inbox);
      for (auto& [w, s] : got) {
        if (!w->locked && !s.line) {
          w->handed_off += s.size();  // on disk: the process holding the webhook sends it
          continue;
        }
        w->pending += s.size();
      }
    }
    for (auto& [w, s] : got)
      if (w->locked || s.line) w->queue.push_back(std::move(s));
  }

  /// New settings for `w`; what is in flight ends with the old ones.
  void apply(Webhook& w, WebhookTarget t) {
    w.t = std::move(t);
    w.platform = resolve_platform("", w.t.endpoint.platform, w.t.endpoint.url);
    PerPeriod rate = w.t.rate.value_or(default_pacing(w.platform));
    if (rate.count != w.bucket.rate.count || rate.period_ms != w.bucket.rate.period_ms)
      w.bucket = Bucket{rate, static_cast<double>(rate.count), monotonic_ms()};
  }

  /// Starts what may start for `w`: in order, within --parallel, the
  /// bucket and any pause; a retrying head holds the webhook.
  void dispatch(Webhook& w, int64_t now) {
    while (!aborted && w.in_flight < o.parallel && now >= w.paused_until) {
      bool retry = !w.retrying.empty();
      if (retry && w.retrying.begin()->second.due_ms > now) return;
      if (!retry && w.queue.empty()) return;
      if (!w.bucket.ready(now)) return;
      Item item = retry ? pop_retry(w) : pop_queue(w);
      if (start(w, std::move(item))) w.bucket.take();
    }
  }

  Item pop_retry(Webhook& w) {
    Item item = std::move(w.retrying.begin()->second);
    w.retrying.erase(w.retrying.begin());
    return item;
  }

  Item pop_queue(Webhook& w) {
    Span& s = w.queue.front();
    Item item;
    item.order = ++w.order;
    if (s.line) {
      item.line = std::move(s.line);
      item.put_ms = s.put_ms;
      w.queue.pop_front();
    } else {
      item.seq = s.first++;
      if (s.first > s.last) w.queue.pop_front();
    }
    return item;
  }

  /// Starts one request; false when the item needed none (gone, corrupt,
  /// expired).
  bool start(Webhook& w, Item item) {
    std::string line, err;
    int64_t spooled_ms = item.put_ms;
    if (item.line) {
      line = *item.line;
    } else {
      WebhookSpool::Read r = w.spool->read(item.seq, &line, &spooled_ms, &err);
      if (r == WebhookSpool::Read::kMissing) return forget(w, item), false;
      if (r == WebhookSpool::Read::kError) {
        message(err);
        return forget(w, item), false;  // it stays on disk for another run
      }
    }
    Delivery d;
    if (!parse_delivery(line, &d, &err)) {
      bury(w, item, "corrupt: " + err, "corrupt", 0);
      return false;
    }
    if (wall_ms() - spooled_ms > o.max_age_ms) {
      bury(w, item, "expired", "expired", 0);
      return false;
    }
    CURL* easy = idle_easy.empty() ? curl_easy_init() : idle_easy.back();
    if (!idle_easy.empty()) idle_easy.pop_back();
    auto t = std::make_unique<Transfer>();
    t->w = &w;
    t->item = std::move(item);
    t->x.prepare(easy, w.t.endpoint, d, o.http, w.t.timeout_ms.value_or(o.http.timeout_ms));
    curl_multi_add_handle(multi, easy);
    transfers[easy] = std::move(t);
    ++w.in_flight;
    return true;
  }

  void done(CURL* easy, CURLcode code) {
    auto it = transfers.find(easy);
    if (it == transfers.end()) return;
    std::unique_ptr<Transfer> t = std::move(it->second);
    transfers.erase(it);
    curl_multi_remove_handle(multi, easy);
    SendResult r = t->x.result(code);
    Webhook& w = *t->w;
    --w.in_flight;
    settle(w, t->item, r, monotonic_ms());
    t.reset();
    curl_easy_reset(easy);
    idle_easy.push_back(easy);
  }

  void settle(Webhook& w, Item& item, const SendResult& r, int64_t now) {
    w.state = SpoolState{wall_ms() / 1000, "", r.status, "", r.latency_ms};
    w.state_dirty = true;
    if (r.outcome == Outcome::kDelivered) {
      if (!w.failing.empty()) message("webhook '" + w.t.name + "': " + r.url_shown + ": delivering again");
      w.failing.clear();
      w.state.result = "delivered";
      if (item.seq) w.spool->remove(item.seq);
      std::lock_guard<std::mutex> g(mu);
      ++w.counts.sent;
      record_latency(r.latency_ms);
      last_success = now;
      finish_item(w, item);
      return;
    }
    std::string why = r.reason;
    if (!r.response_head.empty() && r.status) why += ": " + r.response_head;
    w.state.error = why;
    if (r.outcome == Outcome::kReject) {
      bury(w, item, why, "rejected", r.status);
      return;
    }
    int64_t wait = r.wait_ms >= 0 ? r.wait_ms
                                  : backoff_ms(item.attempts, o.retry_base_ms, o.retry_max_ms,
                                               std::uniform_real_distribution<double>(0, 1)(rng));
    ++item.attempts;
    item.due_ms = now + wait;
    if (r.pause) w.paused_until = std::max(w.paused_until, item.due_ms);
    w.state.result = "retrying";
    note_failure(w, r.url_shown + ": " + why);
    {
      std::lock_guard<std::mutex> g(mu);
      ++w.counts.retried;
    }
    w.retrying.emplace(item.order, std::move(item));
  }

  /// Says once per streak what is failing, and that it is retried.
  void note_failure(Webhook& w, const std::string& what) {
    if (w.failing == what) return;
    w.failing = what;
    message("webhook '" + w.t.name + "': " + what + ", retrying");
  }

  /// A delivery that will never go: to dead/ with its reason.
  void bury(Webhook& w, Item& item, const std::string& reason, const char* result, long status) {
    std::string err, where = item.seq ? w.spool->path(item.seq) : "a delivery held in memory";
    bool moved = item.seq && w.spool->bury(item.seq, reason, &err);
    if (item.seq && !moved) message(err);
    std::string prefix = "webhook '" + w.t.name + "': ";
    if (std::string(result) == "corrupt")
      message(where + ": " + reason.substr(9) + (moved ? ", moved to dead/" : ", dropped"));
    else if (std::string(result) == "expired")
      message(prefix + where + ": not delivered within --max-age " + format_duration_short(o.max_age_ms) +
              (moved ? ", moved to dead/" : ", dropped"));
    else
      message(prefix + redact_url(w.t.endpoint.url) + ": " + reason + (moved ? ", moved to dead/" : ", dropped"));
    w.state = SpoolState{wall_ms() / 1000, result, status, reason.substr(0, 512), -1};
    w.state_dirty = true;
    std::lock_guard<std::mutex> g(mu);
    if (std::string(result) == "corrupt")
      ++w.counts.corrupt;
    else if (std::string(result) == "expired")
      ++w.counts.expired;
    else
      ++w.counts.rejected;
    finish_item(w, item);
  }

  /// An item that is gone from the spool already (another process sent it).
  void forget(Webhook& w, Item& item) {
    std::lock_guard<std::mutex> g(mu);
    finish_item(w, item);
  }

  /// mu held.
  void finish_item(Webhook& w, Item& item) {
    --w.pending;
    ++flush_done;
    if (item.line) {
      --memory;
      room.notify_all();
    }
  }

  void record_latency(int64_t ms) {
    int i = ms <= 0 ? 0 : static_cast<int>(std::log(static_cast<double>(ms)) / std::log(kBucketBase)) + 1;
    ++latency[static_cast<size_t>(std::clamp(i, 0, kLatencyBuckets - 1))];
    ++latency_count;
    latency_sum_s += static_cast<double>(ms) / 1000;
  }

  /// The latency below which fraction q of the requests ended, in ms; mu held.
  int64_t quantile(double q) const {
    if (!latency_count) return 0;
    uint64_t want = static_cast<uint64_t>(std::ceil(q * static_cast<double>(latency_count))), seen = 0;
    for (int i = 0; i < kLatencyBuckets; ++i) {
      seen += latency[static_cast<size_t>(i)];
      if (seen >= want) return i == 0 ? 0 : static_cast<int64_t>(std::llround(std::pow(kBucketBase, i)));
    }
    return 0;
  }

  void housekeeping(int64_t now) {
    next_housekeeping = now + kHousekeepingMs;
    write_states();
    if (now >= next_lock_try) {
      next_lock_try = now + kLockRetryMs;
      for (auto& w : webhooks)
        if (w->spool && !w->locked && !o.flush && w->spool->lock(&w->holder)) {
          std::lock_guard<std::mutex> g(w->spool_mu);
          w->locked = true;
          w->spool->recover();
          load_spool(*w);
        }
    }
    if (now >= next_rescan) {
      next_rescan = now + kRescanMs;
      for (auto& w : webhooks)
        if (w->locked && w->queue.empty() && w->retrying.empty() && !w->in_flight) {
          std::lock_guard<std::mutex> g(w->spool_mu);
          take_inbox();
          if (w->queue.empty() && w->staged.empty()) load_spool(*w);
        }
    }
    if (!o.stats_file.empty() && now >= next_stats) {
      next_stats = now + kStatsFileMs;
      write_stats_file();
    }
  }

  /// Queues what w's spool holds (at start, on getting its lock, and when
  /// idle: what other processes wrote, and what --requeue-dead put back).
  void load_spool(Webhook& w) {
    std::vector<uint64_t> seqs = w.spool->scan();
    std::deque<Span> disk;
    for (uint64_t s : seqs)
      if (!disk.empty() && disk.back().last + 1 == s)
        disk.back().last = s;
      else
        disk.push_back(Span{s, s, nullptr, 0});
    w.queue.insert(w.queue.begin(), disk.begin(), disk.end());
    std::lock_guard<std::mutex> g(mu);
    w.pending += seqs.size();
    w.handed_off = 0;  // the whole folder is queued now
    flush_total += seqs.size();
  }

  void write_states() {
    for (auto& w : webhooks)
      if (w->state_dirty && w->spool && w->locked) {
        w->spool->write_state(w->state);
        w->state_dirty = false;
      }
  }

  int64_t deadline() const {
    std::lock_guard<std::mutex> g(mu);
    return (hard ? stop_at : std::max(stop_at, last_success)) + drain_ms;
  }

  /// Whether the sending is over: stopped, and nothing left that can go
  /// before the deadline.
  bool finished(int64_t now) const {
    if (aborted) return true;
    if (!stopping) return false;
    if (now >= deadline()) return true;
    if (!transfers.empty()) return false;
    for (auto& w : webhooks) {
      if (!w->queue.empty() && std::max(w->paused_until, w->bucket.next_ms(now)) < deadline()) return false;
      if (!w->retrying.empty() &&
          std::max(w->paused_until, w->retrying.begin()->second.due_ms) < deadline())
        return false;
    }
    std::lock_guard<std::mutex> g(mu);
    return inbox.empty();
  }

  /// When something may next start (the poll waits at most until then).
  int64_t next_wake(int64_t now) const {
    int64_t wake = next_housekeeping;
    for (auto& w : webhooks) {
      if (w->in_flight >= o.parallel) continue;
      int64_t at = -1;
      if (!w->retrying.empty())
        at = w->retrying.begin()->second.due_ms;
      else if (!w->queue.empty())
        at = now;
      if (at < 0) continue;
      at = std::max({at, w->paused_until, w->bucket.next_ms(now)});
      wake = std::min(wake, at);
    }
    if (stopping) wake = std::min(wake, deadline());
    return wake;
  }

  /// At the end: requests in flight are dropped (they stay spooled).
  void abort_transfers() {
    for (auto& [easy, t] : transfers) {
      curl_multi_remove_handle(multi, easy);
      curl_easy_cleanup(easy);
      Webhook& w = *t->w;
      --w.in_flight;
      if (t->item.line) w.retrying.emplace(t->item.order, std::move(t->item));
    }
    transfers.clear();
  }

  /// At the end: deliveries held in memory are spooled if the spool takes
  /// them now; those it does not are reported lost.
  void keep_memory_items() {
    uint64_t gone = 0;
    for (auto& w : webhooks) {
      std::vector<std::shared_ptr<std::string>> lines;
      for (auto& [order, item] : w->retrying)
        if (item.line) lines.push_back(item.line);
      for (Span& s : w->queue)
        if (s.line) lines.push_back(s.line);
      if (lines.empty()) continue;
      std::string err;
      std::vector<uint64_t> seqs;
      bool ok = w->spool != nullptr;
      for (size_t i = 0; ok && i < lines.size(); ++i) ok = w->spool->stage(*lines[i], &err);
      ok = ok && w->spool->commit(&seqs, &err);
      if (!ok) {
        if (w->spool) w->spool->unstage();
        gone += lines.size() - seqs.size();
      }
    }
    if (gone) message(std::to_string(gone) + " deliveries could not be spooled and are lost: " + spool_error);
    std::lock_guard<std::mutex> g(mu);
    lost = gone;
  }

  void progress(int64_t now, bool last) {
    if (!last && now < next_progress) return;
    next_progress = now + 200;
    uint64_t total, done;
    {
      std::lock_guard<std::mutex> g(mu);
      total = flush_total;
      done = flush_done;
    }
    if (!total) return;
    constexpr int kWidth = 30;
    int filled = static_cast<int>(static_cast<double>(kWidth) * static_cast<double>(done) / static_cast<double>(total));
    std::string bar(static_cast<size_t>(std::min(filled, kWidth)), '#');
    bar.resize(kWidth, '.');
    std::fprintf(stderr, "\rpg-send: flushing [%s] %llu/%llu%s", bar.c_str(), static_cast<unsigned long long>(done),
                 static_cast<unsigned long long>(total), last ? "\n" : "");
    progress_shown = true;
  }

  std::string prometheus() const {
    std::lock_guard<std::mutex> g(mu);
    std::string out =
        "# HELP pgtail_send_deliveries_total Deliveries pg-send handled, by webhook and result.\n"
        "# TYPE pgtail_send_deliveries_total counter\n";
    for (auto& w : webhooks) {
      const SendCounts& c = w->counts;
      std::pair<const char*, uint64_t> rows[] = {{"received", c.received}, {"sent", c.sent},
                                                 {"retried", c.retried},   {"rejected", c.rejected},
                                                 {"expired", c.expired},   {"corrupt", c.corrupt}};
      for (auto& [result, n] : rows)
        out += "pgtail_send_deliveries_total{webhook=\"" + w->t.name + "\",result=\"" + result + "\"} " +
               std::to_string(n) + "\n";
    }
    out += "# HELP pgtail_send_queued Deliveries waiting to be sent.\n# TYPE pgtail_send_queued gauge\n";
    for (auto& w : webhooks)
      out += "pgtail_send_queued{webhook=\"" + w->t.name + "\"} " + std::to_string(w->pending + w->handed_off) + "\n";
    char buf[1024];
    std::snprintf(buf, sizeof buf,
                  "# HELP pgtail_send_latency_seconds Time from request to answer.\n"
                  "# TYPE pgtail_send_latency_seconds summary\n"
                  "pgtail_send_latency_seconds{quantile=\"0.5\"} %.3f\n"
                  "pgtail_send_latency_seconds{quantile=\"0.99\"} %.3f\n"
                  "pgtail_send_latency_seconds_sum %.3f\npgtail_send_latency_seconds_count %llu\n",
                  static_cast<double>(quantile(0.5)) / 1000, static_cast<double>(quantile(0.99)) / 1000,
                  latency_sum_s, static_cast<unsigned long long>(latency_count));
    return out + buf;
  }

  void write_stats_file() const {
    std::string temp = o.stats_file + ".tmp";
    {
      std::ofstream f(temp, std::ios::trunc);
      f << prometheus();
      if (!f) {
        message("cannot write --stats-file " + temp + ": " + std::strerror(errno));
        return;
      }
    }
    if (std::rename(temp.c_str(), o.stats_file.c_str()) != 0)
      message("cannot write --stats-file " + o.stats_file + ": " + std::strerror(errno));
  }
};

Sender::Sender(SenderOptions o) : impl_(std::make_unique<Impl>(std::move(o))) {}

Sender::~Sender() {
  if (impl_->thread.joinable()) {
    impl_->aborted = true;
    curl_multi_wakeup(impl_->multi);
    impl_->thread.join();
  }
}

void Sender::add(const WebhookTarget& t, std::string* notice) {
  notice->clear();
  auto w = std::make_unique<Impl::Webhook>();
  w->bucket.rate.count = -1;  // apply() fills it
  impl_->apply(*w, t);
  std::string err;
  w->spool = std::make_unique<WebhookSpool>(impl_->o.spool_root, t.name);
  if (!w->spool->open(&err)) {
    *notice = err + "; deliveries wait in memory (at most " + std::to_string(impl_->o.memory_queue) + ")";
    w->open_error = err;
    impl_->spool_error = err;  // reported here, not again at the first delivery
    w->spool.reset();
    w->locked = true;  // nothing on disk to share: send from memory
  } else if (w->spool->lock(&w->holder)) {
    w->locked = true;
    w->spool->recover();
    impl_->load_spool(*w);
  } else {
    *notice = "webhook '" + t.name + "' is being sent by another pg-send" +
              (w->holder ? " (pid " + std::to_string(w->holder) + ")" : std::string()) +
              (impl_->o.flush ? ", skipped" : "; spooling only until it is done");
  }
  impl_->by_name[t.name] = w.get();
  impl_->webhooks.push_back(std::move(w));
}

bool Sender::update(const WebhookTarget& t) {
  auto it = impl_->by_name.find(t.name);
  if (it == impl_->by_name.end()) return false;
  std::lock_guard<std::mutex> g(impl_->mu);
  impl_->updates.emplace_back(it->second, t);
  curl_multi_wakeup(impl_->multi);
  return true;
}

std::vector<std::pair<std::string, pid_t>> Sender::held() const {
  std::vector<std::pair<std::string, pid_t>> out;
  for (auto& w : impl_->webhooks)
    if (!w->locked) out.emplace_back(w->t.name, w->holder);
  return out;
}

void Sender::start() {
  impl_->next_rescan = monotonic_ms() + kRescanMs;
  impl_->next_lock_try = monotonic_ms() + kLockRetryMs;
  impl_->thread = std::thread([this] { impl_->run(); });
}

bool Sender::has_room() const {
  std::lock_guard<std::mutex> g(impl_->mu);
  return impl_->memory < impl_->o.memory_queue;
}

bool Sender::wait_for_room(int ms) {
  std::unique_lock<std::mutex> g(impl_->mu);
  return impl_->room.wait_for(g, std::chrono::milliseconds(ms),
                              [this] { return impl_->memory < impl_->o.memory_queue; });
}

void Sender::put(const std::string& webhook, std::string_view line) {
  auto it = impl_->by_name.find(webhook);
  if (it != impl_->by_name.end()) impl_->put(*it->second, line);
}

void Sender::commit() { impl_->commit(); }

void Sender::finish(int64_t drain_ms, bool hard) {
  {
    std::lock_guard<std::mutex> g(impl_->mu);
    impl_->drain_ms = drain_ms;
    impl_->stop_at = monotonic_ms();
    impl_->hard = hard;
    impl_->stopping = true;
  }
  curl_multi_wakeup(impl_->multi);
}

bool Sender::wait(int ms) {
  if (!impl_->thread.joinable()) return true;
  {
    std::unique_lock<std::mutex> g(impl_->mu);
    if (!impl_->room.wait_for(g, std::chrono::milliseconds(ms), [this] { return impl_->ended.load(); })) return false;
  }
  impl_->thread.join();
  return true;
}

void Sender::abort() {
  impl_->aborted = true;
  curl_multi_wakeup(impl_->multi);
}

uint64_t Sender::left() const {
  std::lock_guard<std::mutex> g(impl_->mu);
  uint64_t n = 0;
  for (auto& w : impl_->webhooks) n += w->pending + w->handed_off;
  return n;
}

uint64_t Sender::lost() const {
  std::lock_guard<std::mutex> g(impl_->mu);
  return impl_->lost;
}

uint64_t Sender::rejected() const {
  std::lock_guard<std::mutex> g(impl_->mu);
  uint64_t n = 0;
  for (auto& w : impl_->webhooks) n += w->counts.rejected + w->counts.expired;
  return n;
}

std::string Sender::summary() const {
  uint64_t left_n = left();
  std::lock_guard<std::mutex> g(impl_->mu);
  SendCounts t;
  for (auto& w : impl_->webhooks) {
    t.received += w->counts.received;
    t.spooled += w->counts.spooled;
    t.sent += w->counts.sent;
    t.retried += w->counts.retried;
    t.rejected += w->counts.rejected;
    t.expired += w->counts.expired;
    t.corrupt += w->counts.corrupt;
  }
  std::string out = std::to_string(t.received) + " read, " + std::to_string(t.sent) + " sent, " +
                    std::to_string(t.retried) + " retried, " + std::to_string(t.rejected) + " rejected, " +
                    std::to_string(t.expired) + " expired, ";
  if (t.corrupt) out += std::to_string(t.corrupt) + " corrupt, ";
  if (impl_->lost) out += std::to_string(impl_->lost) + " lost, ";
  out += std::to_string(left_n - std::min(left_n, impl_->lost)) + " left in the spool";
  if (impl_->latency_count)
    out += "; latency p50 " + std::to_string(impl_->quantile(0.5)) + " ms, p99 " +
           std::to_string(impl_->quantile(0.99)) + " ms";
  return out;
}

std::string Sender::prometheus() const { return impl_->prometheus(); }

}  // namespace pgtail
