// Placeholder until the prometheus format lands (being written now).
#include "metrics.hpp"
namespace pgtail {
void Metrics::add(const Alert&, std::string_view) {}
Payload Metrics::render(const std::string&) const { return Payload(); }
}  // namespace pgtail
