#pragma once
/// pg-format's work on one line: a triggered event (DESIGN.md contract 2)
/// read, its webhook's Shaper found, the delivery (contract 3) appended to
/// the output; and the Shapers of a webhooks file.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "alert.hpp"
#include "formats.hpp"
#include "metrics.hpp"
#include "output.hpp"

namespace pgtail {

/// How one webhook's events are shaped.
struct Shaper {
  std::string webhook;
  const FormatSpec* spec = nullptr;
  FormatOptions format;
  AlertOptions alert;
  bool continuous = false;
  int64_t interval_ms = 60000;
  Metrics metrics;
  int64_t next_push_ms = 0;  ///< continuous: when the totals go out next
  bool dirty = false;        ///< continuous: counted since the last push
};

/// By webhook name; the stand-alone one (flags, no config) is "".
using Shapers = std::map<std::string, std::unique_ptr<Shaper>>;

/// One Shaper per webhook of the webhooks file at `path` (only `only`'s
/// when it is not empty), each with `instance_name` when that is not empty.
/// Returns an exit status after saying what is wrong, or -1.
int shapers_from_config(const std::string& path, const std::string& only, const std::string& instance_name,
                        Shapers* out);

/// A continuous prometheus Shaper's totals, one delivery per instance.
void push_totals(Shaper& s, Output& out);

/// Shapes event lines, keeping its buffers from line to line.
class LineShaper {
 public:
  /// `by_webhook`: each event goes to its trigger.webhook's Shaper (or
  /// `webhook`'s); otherwise to the "" one, under `webhook` if given.
  LineShaper(bool by_webhook, std::string webhook);
  /// Appends the delivery of `line` to `out` (none for an event of another
  /// webhook than `webhook`'s); false with *err.
  bool shape(Shapers& shapers, std::string_view line, Output& out, std::string* err);

 private:
  bool by_webhook_;
  std::string webhook_;
  // The document's pool starts in a buffer of ours, which clearing it
  // keeps: no allocation per line for a line of ordinary size.
  std::vector<char> pool_buffer_;
  rapidjson::MemoryPoolAllocator<> pool_;
  rapidjson::Document doc_;
  std::string line_;           ///< the line being shaped, parsed in place (its strings are the document's)
  Payload payload_;            ///< reused: its body keeps its capacity from line to line
  std::string valid_webhook_;  ///< the last webhook name found valid
};

}  // namespace pgtail
