// Placeholder until the teams format lands (being written now).
#include "formats.hpp"
namespace pgtail {
bool build_teams(const Alert&, const FormatOptions&, Payload*, std::string* err) {
  *err = "the teams format is not built yet";
  return false;
}
}  // namespace pgtail
