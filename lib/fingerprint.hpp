#pragma once
/// The fingerprint of an event (DESIGN.md contract 2): what makes two log
/// entries "the same problem". pg-match de-duplicates by it; pg-format uses it
/// as PagerDuty's dedup_key and Opsgenie's alias, computing it with this code
/// when a line has none.
#include <string>
#include <string_view>

namespace pgtail {

/// The message with what varies between occurrences replaced: quoted literals
/// ('abc' -> '?'), identifiers in double quotes ("users_pkey" -> "?"), values
/// in "Key (id)=(42)" -> "=(?)", and numbers, including hex and LSNs
/// (12345, 0/16B3748, 1.5 -> 0). Digits inside words (table1) stay.
std::string normalize_message(std::string_view message);

/// 16 lowercase hex digits: a 64-bit FNV-1a hash of level, SQLSTATE and the
/// normalised message. Stable across versions and machines.
std::string fingerprint(std::string_view level, std::string_view sqlstate, std::string_view message);

/// The same hash of any text, for events pg-match makes itself.
std::string hash_hex(std::string_view text);

}  // namespace pgtail
