#pragma once
/// `pg-webhook test NAME`: a realistic alert (a FATAL "sorry, too many
/// clients already", SQLSTATE 53300, with the instance fields) shaped with
/// the webhook's own format and options by the code pg-format uses, and
/// sent once with pg-send's code (sender.hpp's send_once: no retry, no
/// spool), the answer told in people's words.
#include <cstdint>
#include <string>

#include "config.hpp"
#include "delivery.hpp"

namespace pgtail {

struct TestOptions {
  bool verbose = false;  ///< also the request, the answer and the latency
  bool dry_run = false;  ///< print the body instead of sending it
  int64_t timeout_ms = 10000;
  std::string cacert;
  bool insecure = false;
};

/// The sample triggered event (contract 2) for webhook `name`, dated `now_ms`.
std::string sample_event(const std::string& name, const std::string& host, int64_t now_ms);

/// The delivery pg-format would make of `event` for `w`. False with *err
/// when the format refuses it (a pagerduty webhook without routing_key).
bool sample_delivery(const WebhookConfig& w, const std::string& event, Delivery* out, std::string* err);

/// "OK", "Accepted", "Not Found": the reason phrase of an HTTP status, "" when unknown.
const char* status_text(long status);

/// Runs the test, printing "Sending test payload to NAME..." and "✓ Received
/// 200 OK", or "✗ …" with the reason and the start of the answer (secrets
/// redacted). Returns 0 delivered, 69 rejected, 75 worth a retry, 78 when
/// the webhook cannot be used as configured.
int test_webhook(const WebhookConfig& w, const TestOptions& o);

}  // namespace pgtail
