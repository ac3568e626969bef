#pragma once
/// Changing the webhooks file (DESIGN.md contract 4) the way a person would
/// with an editor: only the lines that change are touched, so comments,
/// blank lines, inline "; comments" and the order of sections and keys stay
/// as the user wrote them. Writing is atomic (temp file, fsync, rename) with
/// mode 0600, and what was written is read back with the one loader
/// (config.hpp) before it replaces the old file, so pg-webhook can never
/// leave a file that the filters would refuse.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config.hpp"

namespace pgtail {

/// The file as lines, with edits by section and key. Sections are named by
/// their webhook NAME; "" is [global].
class ConfigText {
 public:
  ConfigText() = default;
  /// Splits `text` into lines; remembers CRLF line ends (written back the same).
  explicit ConfigText(std::string_view text);
  /// The text, each line ended as the original's were; "" for no lines.
  std::string str() const;

  bool has_section(std::string_view name) const;
  /// Appends "[webhook "NAME"]" and its keys at the end, after a blank line.
  void add_section(std::string_view name, const std::vector<std::pair<std::string, std::string>>& keys);
  /// Removes the header and every line up to the section's last key; the
  /// comments and blank lines before the next section stay (they are likely
  /// about it). False when there is no such section.
  bool remove_section(std::string_view name);

  /// Values of `key` in the section, in file order (inline comments cut).
  std::vector<std::string> values(std::string_view name, std::string_view key) const;
  /// Replaces the value of the key's first line, keeping an inline comment;
  /// inserts "key = value" after the section's last key when it has none
  /// (after the header when it has no key).
  void set(std::string_view name, std::string_view key, std::string_view value);
  /// Adds one more "key = value" after the key's last line (on, header),
  /// else after the section's last key.
  void add(std::string_view name, std::string_view key, std::string_view value);
  /// Removes the key's lines whose value is `value` (every line when
  /// `value` is null); returns how many.
  int remove(std::string_view name, std::string_view key, const std::string* value = nullptr);

  /// A comment line, for a new file: "# …".
  void add_comment(std::string_view text);

 private:
  struct Range {
    size_t header = 0;    ///< the header line
    size_t last_key = 0;  ///< the last key line, or header when none
    size_t end = 0;       ///< the next header, or lines_.size()
  };
  bool find(std::string_view name, Range* r) const;
  std::vector<std::string> lines_;
  bool crlf_ = false;
  bool bom_ = false;  ///< a UTF-8 byte order mark, as some editors write
};

/// Whether "key = value" can be written on one line that inih reads back
/// as is: at most kConfigMaxLine bytes, no line break or NUL, no " ;" (inih's
/// inline comment), no leading or trailing space, not empty. False with *err
/// saying why.
bool fits_on_line(std::string_view key, std::string_view value, std::string* err);

/// A secret written beside the webhooks file: a value too long for a line.
struct SecretFile {
  std::string path;      ///< absolute, or relative to the webhooks file's folder
  std::string contents;
};

/// The name, relative to the webhooks file's folder, of the file pg-webhook
/// writes for webhook `name`'s `what` ("url" or "headers"): for
/// /x/webhooks.ini, "webhooks.NAME.url".
std::string secret_file_name(const std::string& config_path, std::string_view name, std::string_view what);

/// Reads the webhooks file's text. False with *err ("cannot open FILE: …")
/// on error; *missing says whether it does not exist (then *text is "").
bool read_config_text(const std::string& path, std::string* text, std::string* err, bool* missing);

/// Replaces the webhooks file with `text`, atomically: the secret files
/// first (each 0600, temp file + fsync + rename), then the text to a 0600
/// temp file in the same folder, fsynced, read back and checked with
/// parse_config() (the result in *checked), renamed over the file and the
/// folder fsynced. `expected` is the text the edit started from: when the
/// file changed meanwhile, nothing is written. The folder is created (0700)
/// when missing; a symbolic link is followed; the owner of an existing file
/// is kept when run as root. On any failure the old file is left as it was,
/// new secret files are removed, and *err says why; *refused (when given)
/// tells a text that the loader refused from a failure to write.
bool write_config(const std::string& path, const std::string& expected, const std::string& text,
                  const std::vector<SecretFile>& secrets, Config* checked, std::string* err,
                  bool* refused = nullptr);

/// When the webhooks file (or a folder above it up to the file's own) can be
/// read by others than its owner: a warning for people, else "".
std::string permission_warning(const std::string& path);

}  // namespace pgtail
