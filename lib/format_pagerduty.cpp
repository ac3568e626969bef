// Placeholder until the pagerduty format lands (being written now).
#include "formats.hpp"
namespace pgtail {
bool build_pagerduty(const Alert&, const FormatOptions&, Payload*, std::string* err) {
  *err = "the pagerduty format is not built yet";
  return false;
}
}  // namespace pgtail
