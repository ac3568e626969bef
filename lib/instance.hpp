#pragma once
/// Instance metadata (DESIGN.md contract 1) from flags, the data directory and
/// Debian's log file names.
#include <string>
#include <vector>

#include "event.hpp"

namespace pgtail {

/// Fills what the flags left unset: `host` from the machine's host name;
/// `version` from DATA_DIR/PG_VERSION, else from a Debian-style log file name
/// (postgresql-16-main.log gives version 16 and cluster main); `name` as
/// "pg<version>" when a version is known. False with *err when --data-dir has
/// no readable PG_VERSION.
bool complete_instance(Instance* in, const std::vector<std::string>& files, std::string* err);

/// Version and cluster from a Debian log file name (any directory, any
/// .N/.gz/.bz2 suffix): "postgresql-16-main.log.1.gz" -> "16", "main".
bool debian_log_name(const std::string& path, std::string* version, std::string* cluster);

}  // namespace pgtail
