#pragma once
/// A delivery (DESIGN.md contract 3) as pg-send reads it from its input and
/// from its spool: what to POST, for which webhook, shaped for which
/// platform. The spool keeps the line as read; this is its parsed form.
#include <string>
#include <string_view>

#include "formats.hpp"

namespace pgtail {

struct Delivery {
  std::string webhook;   ///< "" when the line names none
  std::string platform;  ///< as written; "" when absent
  /// body (bytes to send), content_type ("" for application/json) and the
  /// Pushgateway grouping key.
  Payload payload;
};

/// Parses one delivery line: an object with "body" (a JSON value, or a
/// string sent as is when "content_type" is given), and optionally
/// "webhook", "platform", "content_type" and "grouping". False with *err
/// ("invalid JSON at byte 3: …", "no body") otherwise.
bool parse_delivery(std::string_view line, Delivery* out, std::string* err);

/// The envelope that `pg-send --raw` spools for a body made by another
/// tool: {"webhook":NAME,"body":LINE}. *err when LINE is not JSON.
bool wrap_raw(std::string_view line, std::string_view webhook, std::string* out, std::string* err);

}  // namespace pgtail
