#pragma once
// The lines of a file under tests/unit/data/ (plain, gzip or bzip2), read
// with the project's own LineReader; the tests run from the repository root,
// as make runs them.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "line_reader.hpp"

inline std::vector<std::string> data_lines(const std::string& name) {
  std::string path = "tests/unit/data/" + name, err;
  auto reader = pgtail::LineReader::open(path, 1 << 30, &err);
  INFO("cannot open " << path << ": " << err << " (run the tests from the repository root)");
  REQUIRE(reader);
  std::vector<std::string> lines;
  std::string_view line;
  bool cut;
  while (reader->next(&line, &cut, -1, &err) == pgtail::LineReader::Status::kLine) lines.emplace_back(line);
  REQUIRE(err.empty());
  return lines;
}
