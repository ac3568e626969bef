// Placeholder until the opsgenie format lands (being written now).
#include "formats.hpp"
namespace pgtail {
bool build_opsgenie(const Alert&, const FormatOptions&, Payload*, std::string* err) {
  *err = "the opsgenie format is not built yet";
  return false;
}
}  // namespace pgtail
