#pragma once
/// The prometheus format: counters of the triggered events pg-format has
/// seen, rendered in the text exposition format 0.0.4 for a Pushgateway, one
/// group per instance (so many hosts pushing to one gateway do not overwrite
/// each other's counters).
///
/// Each group's body holds, for the events counted so far (a family appears
/// once it has a sample):
///   pgtail_events_total{instance,level,sqlstate,database,webhook}   log_entry, raw (and unknown types)
///   pgtail_rate_threshold_total{instance,rule,webhook}               rate_threshold events
///   pgtail_rate_resolved_total{instance,rule,webhook}                rate_resolved events
///   pgtail_suppressed_events_total{instance,webhook}                 the sum of suppressed events' counts
///   pgtail_last_event_timestamp_seconds{instance,webhook}            gauge: the latest event time
/// A label whose value is absent or empty is left out (Prometheus reads an
/// empty value as no label, and a Pushgateway would then expose two series
/// that a scrape refuses as duplicates).
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "alert.hpp"
#include "formats.hpp"

namespace pgtail {

class Metrics {
 public:
  /// Label sets kept per metric name, over all instances; later ones are
  /// counted in their instance's series {instance="…",overflow="true"}, so
  /// memory stays bounded whatever the input.
  static constexpr size_t kMaxLabelSets = 10000;
  /// Instances kept apart; later ones are counted in the group kOtherInstances.
  static constexpr size_t kMaxInstances = 1000;
  static constexpr const char* kOtherInstances = "(other instances)";
  /// Label values and instance names are cut to this many characters; their
  /// control characters other than tab and newline become U+FFFD.
  static constexpr size_t kMaxLabelChars = 128;

  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;
  Metrics(Metrics&&) noexcept;
  Metrics& operator=(Metrics&&) noexcept;  ///< pg-format keeps the counters over a reload

  /// Counts one alert, delivered for `webhook`, into its instance's group
  /// (Alert::instance_display).
  void add(const Alert& a, std::string_view webhook);
  /// The group of `instance`: body (every line ends in "\n"), content type
  /// and grouping key {job: pgtail, instance: …}. An instance folded into
  /// kOtherInstances renders that group; one never counted, an empty body.
  Payload render(const std::string& instance) const;
  /// The instances counted, in order of first appearance.
  const std::vector<std::string>& instances() const { return order_; }
  /// Once, when a cap is first reached, a sentence saying what is folded
  /// where (for the tool to print); empty otherwise and afterwards.
  std::string take_notice();

 private:
  struct Group;
  Group* group_for(const std::string& instance);
  const Group* find_group(const std::string& instance) const;
  /// Adds `delta` to (family, key) in `g` (or, for the gauge, keeps the
  /// larger value), folding a new key into the overflow series when the
  /// family is full.
  void bump(Group* g, int family, const std::string& key, int64_t delta);

  std::map<std::string, std::unique_ptr<Group>> groups_;
  std::vector<std::string> order_;
  std::vector<size_t> sets_;  ///< label sets per family, over all groups
  std::string notice_;
  bool noticed_ = false;
};

/// The Pushgateway URL path of a payload's grouping key, as pg-send puts it
/// after the gateway's base URL: "/metrics/job/pgtail/instance/pg16%20%28db1%29".
/// A value with a '/', an empty value and the dot segments "." and ".." (which
/// HTTP clients and servers would resolve away) are written
/// `<label>@base64/<RFC 4648 URL-safe base64, no padding>` (empty: "="); other
/// values are percent-encoded outside RFC 3986's unreserved characters.
/// Empty when the payload has no grouping key.
std::string grouping_path(const Payload& p);

}  // namespace pgtail
