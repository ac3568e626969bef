# receiver.bash: starts and stops tests/receiver/receiver.py for a bats test
# (`load ../receiver/receiver` from tests/cli or tests/e2e). Needs PGT_PYTHON3
# (test_helper.bash sets it) or uses /usr/bin/python3.
#
#   receiver_start [--tls]   a receiver in $BATS_TEST_TMPDIR/recv.N/: sets
#                            RECV (http://127.0.0.1:PORT or https://…),
#                            RECV_PORT, RECV_LOG (2xx answered, NDJSON),
#                            RECV_ALL (every request), RECV_PID; --tls makes a
#                            self-signed certificate for 127.0.0.1 first
#                            (RECV_CERT, RECV_KEY). Call it again for a second one:
#                            the last started is in RECV*, each is stopped by
#                            receiver_stop_all.
#   receiver_stop_all        stops every receiver the test started (teardown)
#   recv_count [FILE]        lines in RECV_LOG (or FILE)
#   recv_wait N SECS [FILE]  waits until RECV_LOG (or FILE) has at least N lines

RECEIVER_PY=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/receiver.py
RECV_PIDS=()

# make_cert DIR: a self-signed certificate (and key) for 127.0.0.1 and
# localhost in DIR/cert.pem and DIR/key.pem, valid for a day.
make_cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
		-subj /CN=127.0.0.1 -addext 'subjectAltName=IP:127.0.0.1,DNS:localhost' \
		-keyout "$1/key.pem" -out "$1/cert.pem" >/dev/null 2>&1 ||
		{ echo "openssl req failed: install openssl (scripts/install-deps)" >&2; return 1; }
}

receiver_start() {
	local py=${PGT_PYTHON3:-/usr/bin/python3} dir i tls=() scheme=http
	dir=$(mktemp -d "${BATS_TEST_TMPDIR:-/tmp}/recv.XXXXXX")
	if [[ ${1:-} == --tls ]]; then
		make_cert "$dir" || return 1
		RECV_CERT=$dir/cert.pem RECV_KEY=$dir/key.pem
		tls=(--tls "$RECV_CERT" "$RECV_KEY")
		scheme=https
	fi
	RECV_LOG=$dir/log.ndjson RECV_ALL=$dir/all.ndjson
	"$py" "$RECEIVER_PY" --port-file "$dir/port" --log "$RECV_LOG" --all-log "$RECV_ALL" "${tls[@]}" \
		>"$dir/receiver.out" 2>&1 3>&- &
	RECV_PID=$!
	RECV_PIDS+=("$RECV_PID")
	for ((i = 0; i < 200; i++)); do
		if [[ -s $dir/port ]]; then
			RECV_PORT=$(<"$dir/port")
			RECV=$scheme://127.0.0.1:$RECV_PORT
			return 0
		fi
		kill -0 "$RECV_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$dir/receiver.out" >&2
	echo "the test receiver did not start" >&2
	return 1
}

receiver_stop_all() {
	local p
	for p in "${RECV_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${RECV_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	RECV_PIDS=()
	return 0
}

recv_count() {
	local f=${1:-$RECV_LOG}
	[[ -e $f ]] || { echo 0; return; }
	wc -l <"$f" | tr -d ' '
}

recv_wait() {
	local n=$1 secs=$2 f=${3:-$RECV_LOG} i
	for ((i = 0; i < secs * 20; i++)); do
		[[ $(recv_count "$f") -ge $n ]] && return 0
		sleep 0.05
	done
	echo "timed out after ${secs}s waiting for $n requests in $f (got $(recv_count "$f"))" >&2
	return 1
}
