// Placeholder until the template format lands (being written now).
#include "formats.hpp"
namespace pgtail {
bool build_template(const Alert&, const FormatOptions&, Payload*, std::string* err) {
  *err = "the template format is not built yet";
  return false;
}
}  // namespace pgtail
