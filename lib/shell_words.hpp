#pragma once
/// pg-webhook's prompt reads a command line the way sh splits words, with
/// less: 'single quotes' keep everything, "double quotes" keep everything
/// but \" and \\, a backslash outside quotes keeps the next character. There
/// is no expansion ($, ~, *) and no redirection: '>' is an ordinary
/// character, so "pagerduty on errors > 50/min" works at the prompt, and
/// '${PD_ROUTING_KEY}' reaches the webhooks file as written.
#include <string>
#include <string_view>
#include <vector>

namespace pgtail {

/// Splits `line` into words. False with *err on an unclosed quote or a
/// backslash at the very end (the caller joins continued lines first).
bool split_words(std::string_view line, std::vector<std::string>* out, std::string* err);

/// Whether `line` ends with a backslash that continues it on the next line
/// (outside quotes). *head is the line without it.
bool continues(std::string_view line, std::string* head);

}  // namespace pgtail
