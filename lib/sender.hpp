#pragma once
/// Sending deliveries over HTTP with libcurl. Two ways in:
///
/// - send_once(): one delivery, now, waiting for the answer; no retry, no
///   spool, no pacing. For `pg-webhook test` and anything that wants to know
///   at once whether an endpoint takes a delivery.
/// - Sender: pg-send's engine. The reading thread hands it delivery lines
///   (put/commit), which it writes to the spool first (spool.hpp); its own
///   thread drives a curl multi handle (keep-alive per host, HTTP/2 where
///   offered), strictly in order per webhook (a retrying head holds its
///   webhook; --parallel N allows more in flight), paced by a token bucket
///   that delays and never drops, retried with full-jitter backoff or the
///   server's wait, a 429 pausing the whole webhook. Reading never waits on
///   the network: the spool, else a bounded memory queue, absorbs the input.
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "delivery.hpp"
#include "duration.hpp"
#include "platform_rules.hpp"
#include "spool.hpp"

namespace pgtail {

/// Where and how a webhook is reached. Never written to the spool.
struct Endpoint {
  std::string url;                   ///< ${ENV} already expanded
  std::vector<std::string> headers;  ///< "Name: value"
  std::string platform;              ///< --platform; "" to go by the delivery, then the URL
};

/// The HTTP settings of every request.
struct HttpOptions {
  std::string cacert;      ///< --cacert FILE; "" for the system's
  bool insecure = false;   ///< --insecure: no certificate check
  int64_t connect_timeout_ms = 10000;
  int64_t timeout_ms = 30000;  ///< the whole request
};

/// How one attempt ended, as people may see it (secrets redacted).
struct SendResult {
  Outcome outcome = Outcome::kRetry;  ///< delivered, worth a retry, or rejected
  long status = 0;                    ///< HTTP status; 0 when there was no answer
  int64_t latency_ms = 0;
  Platform platform = Platform::kGeneric;  ///< the rules applied
  std::string url_shown;      ///< the URL as it may be printed ("https://hooks.slack.com/…")
  std::string reason;         ///< why not delivered ("HTTP 404", "Connection refused"); "" when delivered
  std::string response_head;  ///< the first bytes of the answer's body (at most kResponseHead), redacted
  int64_t wait_ms = -1;       ///< the wait the server asked for; -1 when none
  bool pause = false;         ///< that wait holds the whole webhook (a 429), not only this delivery
};
constexpr size_t kResponseHead = 300;

/// Sends `delivery` to `endpoint` once and waits for the answer (at most
/// http.timeout_ms). Thread-safe; call curl_global_init() once first.
SendResult send_once(const Endpoint& endpoint, const Delivery& delivery, const HttpOptions& http);

/// One webhook the Sender serves.
struct WebhookTarget {
  std::string name;   ///< also its spool folder
  Endpoint endpoint;
  std::optional<PerPeriod> rate;      ///< else the platform's default pacing
  std::optional<int64_t> timeout_ms;  ///< the config's timeout; else HttpOptions'
};

struct SenderOptions {
  HttpOptions http;
  int parallel = 1;  ///< requests in flight per webhook
  int64_t retry_base_ms = 1000, retry_max_ms = 300000;
  int64_t max_age_ms = 86400000;  ///< then a delivery goes to dead/ as expired
  size_t memory_queue = 10000;    ///< deliveries held in memory when the spool cannot be written
  std::string spool_root;
  bool flush = false;             ///< --flush: send what is spooled, read nothing
  bool progress = false;          ///< a progress line on stderr (a terminal)
  std::string stats_file;         ///< Prometheus textfile, rewritten every 15 s and at the end
};

/// Counts of one webhook (or all).
struct SendCounts {
  uint64_t received = 0, spooled = 0, sent = 0, retried = 0, rejected = 0, expired = 0, corrupt = 0;
};

class Sender {
 public:
  explicit Sender(SenderOptions o);
  ~Sender();
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  /// Serves `t`: opens its spool, takes its lock and queues what it holds.
  /// A webhook another process holds is only spooled to (its holder sends),
  /// and the lock tried again now and then; *notice says so ("" otherwise).
  /// A spool that cannot be opened is reported in *notice too: its
  /// deliveries then wait in memory.
  void add(const WebhookTarget& t, std::string* notice);
  /// Replaces the URL, headers, rate and timeout of the webhook called
  /// t.name (a config re-read on SIGHUP); the sending thread takes them
  /// before its next request. False when it serves no such webhook.
  bool update(const WebhookTarget& t);
  /// The webhooks another process holds (pid), for --flush to name.
  std::vector<std::pair<std::string, pid_t>> held() const;
  /// Starts the sending thread.
  void start();

  // The reading thread's side.
  /// Room for one more delivery: false while the memory queue is full
  /// (stop reading; wait_for_room()).
  bool has_room() const;
  /// Waits up to `ms` for room; true when there is.
  bool wait_for_room(int ms);
  /// Spools one delivery line for `webhook` (added before); it is sent
  /// after commit(). When the spool cannot be written it waits in memory.
  void put(const std::string& webhook, std::string_view line);
  /// Makes what put() spooled durable and hands it to the sending thread.
  void commit();

  /// Asks the sending to end once the input is over (the caller has
  /// committed the last of it): it goes on while deliveries succeed and
  /// stops `drain_ms` after the last success (or, `hard`, `drain_ms` from
  /// now, for SIGTERM), aborting what is in flight (it stays spooled).
  void finish(int64_t drain_ms, bool hard);
  /// Waits up to `ms` for the sending to end; true when it has.
  bool wait(int ms);
  /// Ends the sending now (a second signal).
  void abort();

  /// After finish(): deliveries left undelivered (in the spool or memory).
  uint64_t left() const;
  /// After finish(): deliveries that were held in memory (the spool could
  /// not be written) and could not be spooled at the end either: lost.
  uint64_t lost() const;
  /// After finish(): deliveries rejected or expired during the run.
  uint64_t rejected() const;
  /// The counts and latencies as one line for people:
  /// "12 sent, 3 retried, 0 rejected, 0 expired, 4 left; latency p50 40 ms, p99 120 ms".
  std::string summary() const;
  /// The same in Prometheus text format (for --stats-file).
  std::string prometheus() const;

 private:
  struct Impl;  ///< the queues, the spools, the curl multi handle and the thread
  std::unique_ptr<Impl> impl_;
};

}  // namespace pgtail
