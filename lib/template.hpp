#pragma once
/// The template format's little language: text with {{path}} placeholders,
/// any path into the triggered event (`{{event.level}}`, `{{instance.version}}`,
/// `{{trigger.webhook}}`, `{{timestamp}}`, `{{event.top_messages.0.message}}`)
/// and the texts every format shows (`{{instance_display}}`, `{{headline}}`,
/// `{{summary}}`); spaces inside the braces are allowed. Strings insert their
/// text, numbers their JSON text, objects and arrays their compact JSON. A
/// placeholder whose value the event lacks becomes empty; one whose name is
/// unknown is an error, caught when the template is loaded.
#include <string>

namespace pgtail {

/// Checks a template where it is loaded, so that a typo stops pg-format at
/// start instead of blanking a field in every alert: the text is valid UTF-8,
/// every "{{" is closed and names a known placeholder. With `json`, the
/// template must also be a JSON document once its placeholders are filled in,
/// with every placeholder inside a JSON string (they insert string contents).
/// False with *err, as in "template line 2, column 9: unknown placeholder
/// {{event.levle}} (did you mean 'event.level'?)".
bool check_template(const std::string& text, std::string* err, bool json = false);

}  // namespace pgtail
