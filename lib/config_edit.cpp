#include "config_edit.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace pgtail {

namespace {

constexpr size_t kMaxFileBytes = 1 << 20;  // as the loader

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool is_blank(std::string_view line) { return trim(line).empty(); }

/// The text between '[' and ']' of a section header line, as inih reads it.
bool header_of(std::string_view line, std::string_view* inner) {
  std::string_view t = trim(line);
  if (t.empty() || t[0] != '[') return false;
  size_t close = t.find(']');
  *inner = trim(t.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
  return true;
}

/// The section a header names: "" for [global], NAME for [webhook "NAME"];
/// false for anything else.
bool section_of(std::string_view line, std::string* name) {
  std::string_view inner;
  if (!header_of(line, &inner)) return false;
  if (inner == "global") {
    name->clear();
    return true;
  }
  if (inner.substr(0, 7) != "webhook") return false;
  std::string_view q = trim(inner.substr(7));
  if (q.size() < 2 || q.front() != '"' || q.back() != '"') return false;
  *name = std::string(q.substr(1, q.size() - 2));
  return true;
}

/// Where the inline comment of a value starts (a ';' after white space, as
/// inih reads it), or npos.
size_t inline_comment(std::string_view s) {
  for (size_t i = 1; i < s.size(); ++i)
    if (s[i] == ';' && is_space(s[i - 1])) return i;
  return std::string_view::npos;
}

/// A "key = value" line: its key, its value (inline comment cut) and the
/// comment with the space before it ("" when none).
bool key_line(std::string_view line, std::string_view* key, std::string_view* value = nullptr,
              std::string_view* comment = nullptr) {
  std::string_view t = trim(line);
  if (t.empty() || t[0] == ';' || t[0] == '#' || t[0] == '[') return false;
  size_t sep = t.find_first_of("=:");
  if (sep == std::string_view::npos) return false;
  *key = trim(t.substr(0, sep));
  std::string_view rest = t.substr(sep + 1);
  size_t c = inline_comment(rest);
  if (value) *value = trim(rest.substr(0, c));
  if (comment) {
    *comment = std::string_view();
    if (c != std::string_view::npos) {
      size_t from = c;
      while (from > 0 && is_space(rest[from - 1])) --from;
      *comment = rest.substr(from);
    }
  }
  return true;
}

std::string key_value(std::string_view key, std::string_view value) {
  return std::string(key) + " = " + std::string(value);
}

std::string header_line(std::string_view name) {
  return name.empty() ? "[global]" : "[webhook \"" + std::string(name) + "\"]";
}

std::string dir_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string join_path(const std::string& dir, const std::string& p) {
  if (!p.empty() && p[0] == '/') return p;
  return dir + (dir.back() == '/' ? "" : "/") + p;
}

std::string sys_error(const std::string& what, const std::string& path) {
  return "cannot " + what + " " + path + ": " + std::strerror(errno);
}

/// mkdir -p with mode 0700 for what it creates.
bool make_dirs(const std::string& dir, std::string* err) {
  struct stat st;
  if (stat(dir.c_str(), &st) == 0) return true;
  std::string parent = dir_of(dir);
  if (parent != dir && !make_dirs(parent, err)) return false;
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    *err = sys_error("create folder", dir);
    return false;
  }
  return true;
}

bool write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

void fsync_dir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  fsync(fd);
  close(fd);
}

/// Writes `text` to a new 0600 temp file beside `path`, fsynced; its name in *tmp.
bool write_temp(const std::string& path, const std::string& text, const struct stat* owner, std::string* tmp,
                std::string* err) {
  std::string templ = join_path(dir_of(path), "." + base_of(path) + ".XXXXXX");
  std::vector<char> name(templ.begin(), templ.end());
  name.push_back('\0');
  int fd = mkstemp(name.data());
  if (fd < 0) {
    *err = sys_error("create a file in", dir_of(path));
    return false;
  }
  *tmp = name.data();
  bool ok = fchmod(fd, 0600) == 0;
  if (ok && owner && geteuid() == 0) ok = fchown(fd, owner->st_uid, owner->st_gid) == 0;
  ok = ok && write_all(fd, text) && fsync(fd) == 0;
  if (!ok) *err = sys_error("write", *tmp);
  if (close(fd) != 0 && ok) {
    *err = sys_error("write", *tmp);
    ok = false;
  }
  if (!ok) unlink(tmp->c_str());
  return ok;
}

bool write_file_atomically(const std::string& path, const std::string& text, std::string* err) {
  std::string tmp;
  if (!write_temp(path, text, nullptr, &tmp, err)) return false;
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    *err = sys_error("rename " + tmp + " to", path);
    unlink(tmp.c_str());
    return false;
  }
  return true;
}

/// The file a path names, symbolic links followed (the link itself stays).
bool real_path(const std::string& path, std::string* out, std::string* err) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) {
    *out = path;
    return true;
  }
  char buf[PATH_MAX];
  if (!realpath(path.c_str(), buf)) {
    *err = sys_error("follow the link", path);
    return false;
  }
  *out = buf;
  return true;
}

}  // namespace

ConfigText::ConfigText(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") {  // written back as it was
    bom_ = true;
    text.remove_prefix(3);
  }
  size_t nl = text.find('\n');
  crlf_ = nl != std::string_view::npos && nl > 0 && text[nl - 1] == '\r';
  while (!text.empty()) {
    nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines_.emplace_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

std::string ConfigText::str() const {
  std::string out = bom_ && !lines_.empty() ? "\xEF\xBB\xBF" : "";
  for (const std::string& l : lines_) out += l + (crlf_ ? "\r\n" : "\n");
  return out;
}

bool ConfigText::find(std::string_view name, Range* r) const {
  std::string section;
  size_t i = 0;
  for (; i < lines_.size(); ++i)
    if (section_of(lines_[i], &section) && section == name) break;
  if (i == lines_.size()) return false;
  r->header = r->last_key = i;
  std::string_view inner, key;
  for (r->end = i + 1; r->end < lines_.size(); ++r->end) {
    if (header_of(lines_[r->end], &inner)) break;
    if (key_line(lines_[r->end], &key)) r->last_key = r->end;
  }
  return true;
}

bool ConfigText::has_section(std::string_view name) const {
  Range r;
  return find(name, &r);
}

void ConfigText::add_section(std::string_view name, const std::vector<std::pair<std::string, std::string>>& keys) {
  if (!lines_.empty() && !is_blank(lines_.back())) lines_.emplace_back();
  lines_.push_back(header_line(name));
  for (const auto& [k, v] : keys) lines_.push_back(key_value(k, v));
}

bool ConfigText::remove_section(std::string_view name) {
  Range r;
  if (!find(name, &r)) return false;
  lines_.erase(lines_.begin() + r.header, lines_.begin() + r.last_key + 1);
  size_t at = r.header;
  if (at > 0 && is_blank(lines_[at - 1]) && (at == lines_.size() || is_blank(lines_[at])))
    lines_.erase(lines_.begin() + at - 1);
  return true;
}

std::vector<std::string> ConfigText::values(std::string_view name, std::string_view key) const {
  std::vector<std::string> out;
  Range r;
  if (!find(name, &r)) return out;
  std::string_view k, v;
  for (size_t i = r.header + 1; i < r.end; ++i)
    if (key_line(lines_[i], &k, &v) && k == key) out.emplace_back(v);
  return out;
}

void ConfigText::set(std::string_view name, std::string_view key, std::string_view value) {
  Range r;
  if (!find(name, &r)) {
    add_section(name, {{std::string(key), std::string(value)}});
    return;
  }
  std::string_view k, v, comment;
  for (size_t i = r.header + 1; i < r.end; ++i)
    if (key_line(lines_[i], &k, &v, &comment) && k == key) {
      lines_[i] = key_value(k, value) + std::string(comment);
      return;
    }
  lines_.insert(lines_.begin() + r.last_key + 1, key_value(key, value));
}

void ConfigText::add(std::string_view name, std::string_view key, std::string_view value) {
  Range r;
  if (!find(name, &r)) {
    add_section(name, {{std::string(key), std::string(value)}});
    return;
  }
  size_t after = r.last_key;
  std::string_view k;
  for (size_t i = r.header + 1; i < r.end; ++i)
    if (key_line(lines_[i], &k) && k == key) after = i;
  lines_.insert(lines_.begin() + after + 1, key_value(key, value));
}

int ConfigText::remove(std::string_view name, std::string_view key, const std::string* value) {
  Range r;
  if (!find(name, &r)) return 0;
  int removed = 0;
  std::string_view k, v;
  for (size_t i = r.end; i-- > r.header + 1;)
    if (key_line(lines_[i], &k, &v) && k == key && (!value || v == *value)) {
      lines_.erase(lines_.begin() + i);
      ++removed;
    }
  return removed;
}

void ConfigText::add_comment(std::string_view text) { lines_.push_back("# " + std::string(text)); }

bool fits_on_line(std::string_view key, std::string_view value, std::string* err) {
  std::string k(key);
  if (value.empty()) {
    *err = k + " is empty";
    return false;
  }
  for (char c : value)
    if (c == '\n' || c == '\r' || c == '\0') {
      *err = k + " contains a line break or NUL";
      return false;
    }
  if (is_space(value.front()) || is_space(value.back())) {
    *err = k + " starts or ends with a space, which the file cannot keep";
    return false;
  }
  if (inline_comment(value) != std::string_view::npos) {
    *err = k + " contains ' ;', which starts a comment in the file";
    return false;
  }
  size_t len = key_value(key, value).size();
  if (len > static_cast<size_t>(kConfigMaxLine)) {
    *err = k + " is too long for one line of the file (" + std::to_string(len) + " bytes, at most " +
           std::to_string(kConfigMaxLine) + ")";
    return false;
  }
  return true;
}

std::string secret_file_name(const std::string& config_path, std::string_view name, std::string_view what) {
  std::string base = base_of(config_path);
  if (base.size() > 4 && base.compare(base.size() - 4, 4, ".ini") == 0) base.resize(base.size() - 4);
  return base + "." + std::string(name) + "." + std::string(what);
}

bool read_config_text(const std::string& path, std::string* text, std::string* err, bool* missing) {
  *missing = false;
  text->clear();
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    *missing = errno == ENOENT;
    *err = sys_error("open", path);
    return false;
  }
  char buf[16384];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0 && text->size() <= kMaxFileBytes) text->append(buf, n);
  bool bad = std::ferror(f);
  std::fclose(f);
  if (bad) {
    *err = sys_error("read", path);
    return false;
  }
  if (text->size() > kMaxFileBytes) {
    *err = "cannot read " + path + ": larger than 1 MiB";
    return false;
  }
  return true;
}

bool write_config(const std::string& path, const std::string& expected, const std::string& text,
                  const std::vector<SecretFile>& secrets, Config* checked, std::string* err, bool* refused) {
  if (refused) *refused = false;
  std::string real;
  if (!real_path(path, &real, err) || !make_dirs(dir_of(real), err) || !make_dirs(dir_of(path), err)) return false;
  std::string now;
  bool missing = false;
  if (!read_config_text(real, &now, err, &missing) && !missing) return false;
  if (now != expected) {
    *err = path + " changed while pg-webhook was editing it: nothing written, try again";
    return false;
  }
  struct stat old;
  bool existed = stat(real.c_str(), &old) == 0;

  std::vector<std::string> written;  // secret files, removed again on failure
  auto undo = [&written]() {
    for (const std::string& p : written) unlink(p.c_str());
  };
  for (const SecretFile& s : secrets) {
    std::string p = join_path(dir_of(path), s.path);
    if (!write_file_atomically(p, s.contents, err)) {
      undo();
      return false;
    }
    written.push_back(p);
  }
  std::string tmp;
  if (!write_temp(real, text, existed ? &old : nullptr, &tmp, err)) {
    undo();
    return false;
  }
  std::string back;
  Config config;
  bool read_back = read_config_text(tmp, &back, err, &missing);
  if (!read_back || !parse_config(back, path, &config, err)) {
    if (refused) *refused = read_back;
    unlink(tmp.c_str());
    undo();
    return false;
  }
  if (rename(tmp.c_str(), real.c_str()) != 0) {
    *err = sys_error("rename " + tmp + " to", real);
    unlink(tmp.c_str());
    undo();
    return false;
  }
  fsync_dir(dir_of(real));
  if (checked) *checked = std::move(config);
  return true;
}

std::string permission_warning(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || (st.st_mode & 077) == 0) return "";
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  return path + " can be read by others (mode " + mode + ") though it holds secrets: chmod 600 " + path;
}

}  // namespace pgtail
