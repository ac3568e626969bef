// Placeholder until the discord format lands (being written now).
#include "formats.hpp"
namespace pgtail {
bool build_discord(const Alert&, const FormatOptions&, Payload*, std::string* err) {
  *err = "the discord format is not built yet";
  return false;
}
}  // namespace pgtail
