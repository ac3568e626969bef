# pg_server.bash: start and stop a private, throw-away PostgreSQL server for the
# end-to-end tests. Sourced by the .bats files.
#
# The server lives in a fresh temporary directory, listens only on a Unix
# socket in that directory (listen_addresses = ''), on a random port, so it
# cannot collide with another PostgreSQL on the machine. PostgreSQL refuses to
# run as root, so when the tests run as root (CI does) the server runs as the
# unprivileged user PGT_RUN_USER (default `nobody`, which every Debian machine
# has; created with useradd if missing).
#
# After pg_server_init + pg_server_start:
#   PGT_DIR      the temporary directory (data/, the socket, log/, scratch files)
#   PGT_LOG_STDERR, PGT_LOG_CSV, PGT_LOG_JSON   log/pg.log, log/pg.csv, log/pg.json
#                (PostgreSQL replaces a .log suffix by .csv and .json)
#   PGHOST, PGPORT, PGUSER exported, so a bare `psql` reaches the server
# pg_server_teardown (call it from bats' teardown) stops everything and removes
# PGT_DIR, also after a failure.

PGT_RUN_USER=${PGT_RUN_USER:-nobody}

# Bounded polling: pgt_wait SECONDS DESCRIPTION COMMAND... runs COMMAND every
# 50 ms until it succeeds; fails with a message naming DESCRIPTION on timeout.
pgt_wait() {
	local secs=$1 what=$2 i
	shift 2
	for ((i = 0; i < secs * 20; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	echo "timed out after ${secs}s waiting for $what" >&2
	return 1
}

# The newest PostgreSQL server binaries (jsonlog needs 15 or later).
pgt_find_bindir() {
	local d best=${PG_BINDIR:-}
	if [[ -z $best ]]; then
		for d in /usr/lib/postgresql/*/bin; do
			[[ -x $d/postgres ]] || continue
			if [[ -z $best ]] || (( ${d//[^0-9]/} > ${best//[^0-9]/} )); then
				best=$d
			fi
		done
	fi
	if [[ -z $best || ! -x $best/postgres ]]; then
		echo "no PostgreSQL server in /usr/lib/postgresql/*/bin (apt-get install postgresql, or set PG_BINDIR)" >&2
		return 1
	fi
	PGT_BIN=$best
	PGT_PG_MAJOR=$("$PGT_BIN/postgres" --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)*.*/\1/')
	if (( PGT_PG_MAJOR < 15 )); then
		echo "PostgreSQL $PGT_PG_MAJOR in $PGT_BIN has no jsonlog: need 15 or later" >&2
		return 1
	fi
}

# Runs a server-side command (initdb, pg_ctl) as the server's owner, from
# $PGT_DIR (the owner may not be able to read the current directory).
pgt_as_owner() {
	if [[ $(id -u) -eq 0 ]]; then
		(cd "$PGT_DIR" && runuser -u "$PGT_RUN_USER" -- "$@")
	else
		(cd "$PGT_DIR" && "$@")
	fi
}

# Sets PGT_DIR to a new directory that the server's owner can use. Always
# under /tmp, whatever TMPDIR says: a Unix socket path must stay under 108
# bytes, and the server's user must be able to reach the directory.
pgt_make_dir() {
	if [[ $(id -u) -eq 0 ]] && ! id -u "$PGT_RUN_USER" >/dev/null 2>&1; then
		useradd --system --no-create-home --shell /usr/sbin/nologin "$PGT_RUN_USER" || return 1
	fi
	PGT_DIR=$(mktemp -d /tmp/pgtail-e2e.XXXXXX) || return 1
	chmod 0755 "$PGT_DIR"
	if [[ $(id -u) -eq 0 ]]; then
		chown "$PGT_RUN_USER" "$PGT_DIR" || return 1
	fi
}

# initdb into $PGT_DIR/data.
pgt_initdb() {
	pgt_as_owner "$PGT_BIN/initdb" -D "$PGT_DIR/data" -U postgres --auth=trust \
		--encoding=UTF8 --locale=C.UTF-8 --no-sync >"$PGT_DIR/initdb.out" 2>&1 || {
		echo "initdb failed:" >&2
		cat "$PGT_DIR/initdb.out" >&2
		return 1
	}
}

# pg_server_template: one initdb for all the tests of a file (call it from
# setup_file; it takes seconds, copying the result takes milliseconds). Sets
# and exports PGT_TEMPLATE; pg_server_template_remove (teardown_file) removes it.
pg_server_template() {
	local PGT_DIR
	pgt_find_bindir || return 1
	pgt_make_dir || return 1
	export PGT_TEMPLATE=$PGT_DIR
	pgt_initdb
}

pg_server_template_remove() {
	[[ -n ${PGT_TEMPLATE:-} && -d $PGT_TEMPLATE ]] && rm -rf "$PGT_TEMPLATE"
	return 0
}

# pg_server_init LOG_LINE_PREFIX LOG_TIMEZONE LOG_ERROR_VERBOSITY
# Creates the directory and the cluster (a copy of PGT_TEMPLATE when there is
# one), and writes its configuration.
pg_server_init() {
	local prefix=$1 tz=$2 verbosity=$3
	pgt_find_bindir || return 1
	pgt_make_dir || return 1
	PGT_LOG_STDERR=$PGT_DIR/log/pg.log
	PGT_LOG_CSV=$PGT_DIR/log/pg.csv
	PGT_LOG_JSON=$PGT_DIR/log/pg.json
	# A random port: the socket is private anyway, but the port also names the
	# socket file and lock, so keep it unlikely to match another test run.
	PGPORT=$((20000 + RANDOM % 30000))
	PGHOST=$PGT_DIR
	PGUSER=postgres
	export PGHOST PGPORT PGUSER
	export PGDATABASE=postgres PGCONNECT_TIMEOUT=10
	unset PGPASSWORD PGSERVICE PGOPTIONS PGSSLMODE

	if [[ -n ${PGT_TEMPLATE:-} && -f $PGT_TEMPLATE/data/PG_VERSION ]]; then
		cp -a "$PGT_TEMPLATE/data" "$PGT_DIR/data" || return 1
	else
		pgt_initdb || return 1
	fi
	pgt_as_owner mkdir "$PGT_DIR/log" || return 1
	cat >>"$PGT_DIR/data/postgresql.conf" <<EOF

# --- pgtail e2e ---
listen_addresses = ''
unix_socket_directories = '$PGT_DIR'
port = $PGPORT
# small, so that "too many clients" is cheap to provoke
max_connections = 5
superuser_reserved_connections = 1
max_wal_senders = 0
max_worker_processes = 4
shared_buffers = 16MB
fsync = off
logging_collector = on
log_destination = 'stderr,csvlog,jsonlog'
log_directory = '$PGT_DIR/log'
log_filename = 'pg.log'
log_rotation_age = 0
log_rotation_size = 0
log_line_prefix = '$prefix'
log_timezone = '$tz'
log_error_verbosity = $verbosity
log_statement = 'all'
log_connections = on
log_disconnections = on
lc_messages = 'C'
compute_query_id = on
deadlock_timeout = 100ms
EOF
}

pg_server_start() {
	pgt_as_owner "$PGT_BIN/pg_ctl" -D "$PGT_DIR/data" -l "$PGT_DIR/pg_ctl.out" \
		-w -t 60 start >"$PGT_DIR/pg_ctl-start.out" 2>&1 || {
		echo "pg_ctl start failed:" >&2
		cat "$PGT_DIR/pg_ctl-start.out" "$PGT_DIR/pg_ctl.out" >&2
		return 1
	}
	PGT_POSTMASTER_PID=$(head -n 1 "$PGT_DIR/data/postmaster.pid")
	pgt_wait 30 "the logging collector process" pgt_find_logger || return 1
	pgt_wait 30 "the three log files" \
		test -e "$PGT_LOG_STDERR" -a -e "$PGT_LOG_CSV" -a -e "$PGT_LOG_JSON" || return 1
}

# Sets PGT_LOGGER_PID: the postmaster's child whose title says "logger".
pgt_find_logger() {
	PGT_LOGGER_PID=$(ps -o pid=,args= --ppid "$PGT_POSTMASTER_PID" | awk '/logger/ { print $1; exit }')
	[[ -n $PGT_LOGGER_PID ]]
}

# A fast shutdown, then waits for the logging collector to exit: it is the last
# to go and writes what it still holds, so after this the logs are complete.
pg_server_stop() {
	pgt_as_owner "$PGT_BIN/pg_ctl" -D "$PGT_DIR/data" -m fast -w -t 60 stop \
		>"$PGT_DIR/pg_ctl-stop.out" 2>&1 || {
		echo "pg_ctl stop failed:" >&2
		cat "$PGT_DIR/pg_ctl-stop.out" >&2
		return 1
	}
	pgt_wait 30 "the logging collector (pid $PGT_LOGGER_PID) to exit" \
		pgt_exited "$PGT_LOGGER_PID" || return 1
}

# True when process PID has exited: gone, or a zombie (in a container whose
# first process does not reap orphans, it may stay one).
pgt_exited() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	[[ ${stat##*) } == Z* ]]
}

# Background clients started by the workload are recorded here and killed in
# teardown; their output must not hold bats' fd 3 open.
PGT_BG_PIDS=()

pg_server_teardown() {
	local p
	for p in "${PGT_BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	PGT_BG_PIDS=()
	[[ -n ${PGT_DIR:-} && -d $PGT_DIR ]] || return 0
	if [[ -e $PGT_DIR/data/postmaster.pid ]]; then
		pgt_as_owner "$PGT_BIN/pg_ctl" -D "$PGT_DIR/data" -m immediate -w -t 30 stop >/dev/null 2>&1
	fi
	if [[ -n ${PGT_KEEP:-} ]]; then
		echo "# kept $PGT_DIR" >&3
	else
		rm -rf "$PGT_DIR"
	fi
	PGT_DIR=
}
