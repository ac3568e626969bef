#include "instance.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace pgtail {

bool debian_log_name(const std::string& path, std::string* version, std::string* cluster) {
  std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  const std::string head = "postgresql-";
  if (base.compare(0, head.size(), head) != 0) return false;
  size_t v_end = base.find('-', head.size());
  size_t dot = base.find(".log");
  if (v_end == std::string::npos || dot == std::string::npos || dot <= v_end + 1) return false;
  std::string v = base.substr(head.size(), v_end - head.size());
  if (v.empty() || v.find_first_not_of("0123456789.") != std::string::npos) return false;
  *version = v;
  *cluster = base.substr(v_end + 1, dot - v_end - 1);
  return true;
}

bool complete_instance(Instance* in, const std::vector<std::string>& files, std::string* err) {
  if (in->host.empty()) {
    char host[256] = {0};
    if (gethostname(host, sizeof host - 1) == 0) in->host = host;
  }
  if (!in->data_dir.empty() && in->version.empty()) {
    std::string path = in->data_dir + "/PG_VERSION";
    std::ifstream f(path);
    if (!f || !std::getline(f, in->version) || in->version.empty()) {
      *err = "cannot read " + path + (errno ? std::string(": ") + std::strerror(errno) : "");
      return false;
    }
  }
  for (const std::string& file : files) {
    std::string v, c;
    if (!debian_log_name(file, &v, &c)) continue;
    if (in->version.empty()) in->version = v;
    if (in->cluster.empty()) in->cluster = c;
    break;
  }
  if (in->name.empty() && !in->version.empty()) in->name = "pg" + in->version;
  return true;
}

}  // namespace pgtail
