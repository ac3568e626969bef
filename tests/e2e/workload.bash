# workload.bash: drives the server of pg_server.bash through the log entries the
# end-to-end test expects (see compare_events.py --expect-workload). Sourced.
#
# Every psql client's own output goes to $PGT_DIR/workload.out, so a failing
# test can show it. Waits are bounded polls on files that the clients create
# themselves (psql's \! runs a shell command), never fixed sleeps.

PGT_E2E_DIR=${PGT_E2E_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}

pgt_psql() {
	psql -X -q -v ON_ERROR_STOP=0 "$@" >>"$PGT_DIR/workload.out" 2>&1
}

# The deadlock: two sessions each lock one row, say so with a flag file, wait
# for the other's flag, then update the other's row. The deadlock detector
# (deadlock_timeout = 100ms) cancels one of them with 40P01.
pgt_deadlock_session() {
	local mine=$1 theirs=$2 first=$3 second=$4
	# shellcheck disable=SC2016
	psql -X -q -d shop -U app >>"$PGT_DIR/workload.out" 2>&1 <<EOF
begin;
update t set v = v + 1 where id = $first;
\\! touch '$PGT_DIR/locked.$mine'
\\! i=0; while [ ! -e '$PGT_DIR/locked.$theirs' ] && [ \$i -lt 600 ]; do sleep 0.05; i=\$((i+1)); done
update t set v = v + 1 where id = $second;
commit;
EOF
}

# A client that holds a connection slot: it writes its backend's pid to
# $PGT_DIR/hold.NAME (renamed in place once complete), then sleeps until
# pgt_release_holders terminates it.
pgt_hold_slot() {
	local name=$1 user=$2
	psql -X -q -At -d shop -U "$user" \
		-c "\\o $PGT_DIR/hold.$name.tmp" -c 'select pg_backend_pid()' -c '\o' \
		-c "\\! mv $PGT_DIR/hold.$name.tmp $PGT_DIR/hold.$name" \
		-c 'select pg_sleep(120)' >>"$PGT_DIR/workload.out" 2>&1 3>&- &
	PGT_BG_PIDS+=($!)
	PGT_HOLDERS+=("$name")
	pgt_wait 30 "connection holder $name" test -s "$PGT_DIR/hold.$name"
}

# pgt_wait_clients N: waits until exactly N client backends run. A backend that
# refused or dropped a client can outlive the client by a moment, holding its
# connection slot: the too-many-clients steps must not race with it. Client
# backends are the postmaster's children whose title names the socket,
# "postgres: app shop [local] idle"; a backend is gone (its slot free) once
# the process is.
pgt_count_clients() {
	[[ $(ps -o args= --ppid "$PGT_POSTMASTER_PID" | grep -c '\[local\]') -eq $1 ]]
}
pgt_wait_clients() {
	pgt_wait 30 "$1 client backends" pgt_count_clients "$1" && return 0
	echo "client backends running:" >&2
	ps -o pid=,args= --ppid "$PGT_POSTMASTER_PID" | grep '\[local\]' >&2
	return 1
}

# Ends every holder's backend with SIGTERM (FATAL 57P01 in the log) and waits
# for the clients to go.
pgt_release_holders() {
	local name p
	for name in "${PGT_HOLDERS[@]}"; do
		kill -TERM "$(cat "$PGT_DIR/hold.$name")" || return 1
	done
	for p in "${PGT_BG_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	PGT_BG_PIDS=()
	PGT_HOLDERS=()
	pgt_wait_clients 0
}

run_workload() {
	PGT_HOLDERS=()
	: >"$PGT_DIR/workload.out"
	pgt_psql -c 'create role app login' -c 'create database shop owner app' || return 1

	local parallel_guc=debug_parallel_query
	(( PGT_PG_MAJOR < 16 )) && parallel_guc=force_parallel_mode
	pgt_psql -d shop -U app -v parallel_guc=$parallel_guc -f "$PGT_E2E_DIR/workload.sql" || return 1

	# A statement of more than 10 KB that fails: STATEMENT is > 10 KB.
	local big
	big=$(head -c 12000 /dev/zero | tr '\0' 'x')
	pgt_psql -d shop -U app -c "select length('$big') / 0 as big_statement"

	# A deadlock between two concurrent sessions.
	rm -f "$PGT_DIR"/locked.*
	pgt_deadlock_session a b 1 2 3>&- &
	local da=$!
	pgt_deadlock_session b a 2 1 3>&- &
	local db=$!
	wait "$da" "$db"

	# FATAL for a missing database and for a missing role.
	pgt_psql -d nosuchdb -c 'select 1'
	pgt_psql -d shop -U nosuchrole -c 'select 1'

	# Too many clients, with max_connections = 5 and 1 reserved for superusers:
	# with 4 sessions of app, a fifth app session is refused (53300, "remaining
	# connection slots are reserved ..."); with one more superuser session every
	# slot is taken, and the next client gets "sorry, too many clients already".
	# Before each step, wait for the backends of earlier clients to be gone.
	local i
	pgt_wait_clients 0 || return 1
	for i in 1 2 3 4; do
		pgt_hold_slot "app$i" app || return 1
	done
	pgt_psql -d shop -U app -c 'select 1'
	pgt_wait_clients 4 || return 1
	pgt_hold_slot su postgres || return 1
	pgt_psql -d shop -U app -c 'select 1'
	pgt_wait_clients 5 || return 1
	pgt_release_holders || return 1

	# The last entry of the workload, so a test can tell it got that far.
	pgt_psql -d shop -U app -c "do \$\$ begin raise warning 'pgtail-e2e: workload done'; end \$\$"
}
