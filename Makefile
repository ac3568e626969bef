# pgtail webhooks — the only entry point: make [all|check|bench|demo|install|clean]
# Set-up on a fresh Debian machine is automatic: `check` and `demo` run
# scripts/install-deps, which installs what is missing and otherwise does nothing.

PREFIX  ?= /usr/local
DESTDIR ?=
CXX     ?= g++
CXXFLAGS ?= -O2 -g -DNDEBUG
WARN    := -Wall -Wextra
STD     := -std=c++17
LDLIBS  := -lre2 -linih -lcurl -lz -lbz2 -ledit -pthread

ifeq ($(SANITIZE),1)
BUILD   ?= build/sanitize
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD   ?= build
SANFLAGS :=
endif

NPROC   := $(shell nproc 2>/dev/null || echo 2)

ALL_CXXFLAGS = $(STD) $(WARN) $(CXXFLAGS) $(SANFLAGS) -Ilib -MMD -MP
ALL_LDFLAGS  = $(LDFLAGS) $(SANFLAGS)

TOOLS    := $(notdir $(wildcard tools/*))
LIB_SRC  := $(wildcard lib/*.cpp)
LIB_OBJ  := $(LIB_SRC:%.cpp=$(BUILD)/obj/%.o)
LIB_A    := $(BUILD)/libpgtail.a
BINS     := $(TOOLS:%=$(BUILD)/bin/%)
UNIT_SRC := $(wildcard tests/unit/*.cpp)
UNIT_OBJ := $(UNIT_SRC:%.cpp=$(BUILD)/obj/%.o)
UNIT_BIN := $(BUILD)/unit-tests
MANPAGES := $(wildcard man/*.[0-9])

.PHONY: all check unit cli e2e bench demo install uninstall clean deps lint-man
all: $(BINS)

# Objects are rebuilt when the compiler flags change, not only the sources.
FLAGS_STAMP := $(BUILD)/.flags
$(shell mkdir -p $(BUILD) && echo '$(CXX) $(ALL_CXXFLAGS)' | cmp -s - $(FLAGS_STAMP) || \
	echo '$(CXX) $(ALL_CXXFLAGS)' > $(FLAGS_STAMP))

$(BUILD)/obj/%.o: %.cpp $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_CXXFLAGS) -c $< -o $@

$(LIB_A): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/bin/%: $(BUILD)/obj/tools/%/main.o $(LIB_A)
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(UNIT_BIN): $(UNIT_OBJ) $(LIB_A)
	$(CXX) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

deps:
	@scripts/install-deps

# Everything: unit tests, CLI tests, end-to-end tests against real servers.
check: deps
	@$(MAKE) --no-print-directory -j$(NPROC) all $(UNIT_BIN)
	@BUILD=$(BUILD) scripts/run-tests

unit: $(UNIT_BIN)
	$(UNIT_BIN)

cli: all
	BUILD=$(BUILD) bats tests/cli

e2e: all
	BUILD=$(BUILD) bats tests/e2e

bench: deps all
	BUILD=$(BUILD) bench/run
	BUILD=$(BUILD) bench/match
	BUILD=$(BUILD) bench/format
	BUILD=$(BUILD) bench/send
	BUILD=$(BUILD) bench/latency

# The whole pipeline on the bundled real log, against a local receiver standing
# in for Slack, PagerDuty and Discord, then a failing endpoint spooled and
# flushed; a few seconds, nothing left running (scripts/demo says how).
demo: deps all
	@BUILD=$(BUILD) scripts/demo

lint-man:
	mandoc -Tlint -W warning $(MANPAGES)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	for m in $(MANPAGES); do \
		install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man$${m##*.}/; done

uninstall:
	rm -f $(TOOLS:%=$(DESTDIR)$(PREFIX)/bin/%)
	for m in $(notdir $(MANPAGES)); do rm -f $(DESTDIR)$(PREFIX)/share/man/man$${m##*.}/$$m; done

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(TOOLS:%=$(BUILD)/obj/tools/%/main.d)
