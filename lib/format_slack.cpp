// Placeholder until the slack format lands (being written now).
#include "formats.hpp"
namespace pgtail {
bool build_slack(const Alert&, const FormatOptions&, Payload*, std::string* err) {
  *err = "the slack format is not built yet";
  return false;
}
}  // namespace pgtail
