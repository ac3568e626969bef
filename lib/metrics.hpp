#pragma once
/// The prometheus format: counters of the triggered events pg-format has
/// seen, rendered in the text exposition format 0.0.4 for a Pushgateway, one
/// group per instance (so many hosts pushing to one gateway do not overwrite
/// each other's counters).
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "alert.hpp"
#include "formats.hpp"

namespace pgtail {

class Metrics {
 public:
  /// Counts one alert, delivered for `webhook`, into its instance's group
  /// (Alert::instance_display).
  void add(const Alert& a, std::string_view webhook);
  /// The group of `instance`: body (every line ends in "\n"), content type
  /// and grouping key {job: pgtail, instance: …}.
  Payload render(const std::string& instance) const;
  /// The instances counted, in order of first appearance.
  const std::vector<std::string>& instances() const { return order_; }

 private:
  struct Group;
  std::map<std::string, Group*> groups_;
  std::vector<std::string> order_;
};

}  // namespace pgtail
