# common.bash: the opening every end-to-end test shares. Sourced by the .bats
# files; call e2e_setup from setup().

# e2e_setup TOOL: bats' assertions loaded; BUILD made absolute (default
# build, from the checkout's root) with its bin/ first on PATH, TOOL checked
# there; ROOT the checkout; C locale and UTC, so messages and times are the
# ones the tests name.
e2e_setup() {
	load '/usr/lib/bats/bats-support/load'
	load '/usr/lib/bats/bats-assert/load'
	ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	BUILD=${BUILD:-build}
	[[ $BUILD == /* ]] || BUILD=$ROOT/$BUILD
	PATH=$BUILD/bin:$PATH
	[[ -x $BUILD/bin/$1 ]] || fail "no $BUILD/bin/$1: run make all (or set BUILD)"
	export LC_ALL=C TZ=UTC
}

# e2e_private_env: HOME and the spool ($SPOOL, PGTAIL_SPOOL) the test's own,
# no XDG, PGTAIL_CONFIG or proxy variable of the machine's reaching the
# tools; PGT_PYTHON3 for the receiver.
e2e_private_env() {
	if [[ -x /usr/bin/python3 ]]; then PGT_PYTHON3=/usr/bin/python3; else PGT_PYTHON3=$(command -v python3); fi
	export HOME=$BATS_TEST_TMPDIR
	unset XDG_CONFIG_HOME XDG_STATE_HOME PGTAIL_CONFIG
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
	SPOOL=$BATS_TEST_TMPDIR/spool
	export PGTAIL_SPOOL=$SPOOL
}

# e2e_server_template, e2e_server_template_remove: setup_file and
# teardown_file of the files whose tests start PostgreSQL servers.
e2e_server_template() {
	source "$BATS_TEST_DIRNAME/pg_server.bash"
	pg_server_template
}
e2e_server_template_remove() {
	source "$BATS_TEST_DIRNAME/pg_server.bash"
	pg_server_template_remove
}
