#include "pipeline_run.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

#include "test_env.hpp"

using namespace pgtail;

TEST_CASE("the clusters of pg_lsclusters: online ones, their log file else their data directory", "[run]") {
  TempDir d;
  std::string log = d.write("main.log", "");
  CHECK(lsclusters_logs("") == std::vector<std::string>{});
  CHECK(lsclusters_logs("15  main    5432 online postgres /var/lib/postgresql/15/main " + log + "\n" +
                        "14  old     5433 down   postgres /var/lib/postgresql/14/old /nowhere/old.log\n") ==
        std::vector<std::string>{log});
  // No file under the name (logging_collector writes elsewhere): the data
  // directory, followed through its current_logfiles.
  CHECK(lsclusters_logs("16  x 5434 online,recovery postgres /srv/16/x log/postgresql-%Y.log\n") ==
        std::vector<std::string>{"/srv/16/x"});
  CHECK(lsclusters_logs("14  old 5433 down postgres /srv/14/old /nowhere/old.log\n"
                        "13  older 5435 down postgres /srv/13/older\n") ==
        (std::vector<std::string>{"/srv/14/old", "/srv/13/older"}));
  CHECK(lsclusters_logs("garbage\n") == std::vector<std::string>{});
}

TEST_CASE("the server's logs: $PGDATA, else the usual places in order", "[run]") {
  TempDir d;
  std::string how;
  {
    EnvVar v("PGDATA", "/srv/pgdata");
    CHECK(find_server_logs(d.dir_, &how) == std::vector<std::string>{"/srv/pgdata"});
    CHECK(how == "$PGDATA");
  }
  EnvVar v("PGDATA", nullptr);
  CHECK(find_server_logs(d.dir_, &how).empty());
  CHECK(how == "no $PGDATA, no cluster in pg_lsclusters, nothing in " + d.dir_ + "/var/log/postgresql/postgresql-*.log, " +
                   d.dir_ + "/var/lib/pgsql/*/data, " + d.dir_ + "/var/lib/pgsql/data");
  std::filesystem::create_directories(d.dir_ + "/var/lib/pgsql/data");
  CHECK(find_server_logs(d.dir_, &how) == std::vector<std::string>{d.dir_ + "/var/lib/pgsql/data"});
  std::filesystem::create_directories(d.dir_ + "/var/lib/pgsql/16/data");
  CHECK(find_server_logs(d.dir_, &how) == std::vector<std::string>{d.dir_ + "/var/lib/pgsql/16/data"});
  std::filesystem::create_directories(d.dir_ + "/var/log/postgresql");
  d.write("var/log/postgresql/postgresql-15-main.log", "");
  d.write("var/log/postgresql/postgresql-15-main.log.1", "");
  d.write("var/log/postgresql/postgresql-16-main.log", "");
  CHECK(find_server_logs(d.dir_, &how) == (std::vector<std::string>{d.dir_ + "/var/log/postgresql/postgresql-15-main.log",
                                                                    d.dir_ + "/var/log/postgresql/postgresql-16-main.log"}));
  CHECK(how == "the usual place /var/log/postgresql/postgresql-*.log");
}
