// Placeholder until the splunk-hec and ecs formats land (being written now).
#include "formats.hpp"
namespace pgtail {
bool build_splunk_hec(const Alert&, const FormatOptions&, Payload*, std::string* err) {
  *err = "the splunk-hec format is not built yet";
  return false;
}
bool build_ecs(const Alert&, const FormatOptions&, Payload*, std::string* err) {
  *err = "the ecs format is not built yet";
  return false;
}
}  // namespace pgtail
