# lvsdr. Every variable below may be set on the command line (see README).
PKG_CONFIG ?= pkg-config
PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
# /etc/lvsdr holds the profiles; lvsdr@.service and the completion name it.
SYSCONFDIR ?= /etc
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# The keepalived example, with this install's paths in it.
DOCDIR ?= $(PREFIX)/share/doc/lvsdr
# The example profiles. A Debian package puts them beside the keepalived
# example (EXAMPLEDIR=$(DOCDIR)/examples): /etc/lvsdr is the operator's.
EXAMPLEDIR ?= $(SYSCONFDIR)/lvsdr
CC ?= cc
CPPFLAGS ?=
CFLAGS ?= -O2 -g
# Plain `make` only compiles. `make deps` installs the Debian packages the
# build needs; check, demo, asan, valgrind and bench install what they need
# first. NO_DEPS=1 skips that step (CI, packagers, other distributions).
NO_DEPS ?=
# Build directory; `make asan` uses build-asan with the sanitizers.
BUILD ?= build
SANITIZE ?=

PKGS := libnl-3.0 libnl-route-3.0 libnl-genl-3.0 inih
# The version `lvsdr --version` prints: `git describe` of a clone (a tag
# v1.2.3 gives 1.2.3, 1.2.3-4-gHASH after it, -dirty with edits), VERSION
# and the commit while no tag is reachable, VERSION alone in a tarball.
LVSDR_VERSION := $(shell d=$$([ -e .git ] && git describe --tags --always --dirty --match 'v[0-9]*' 2>/dev/null); \
	case "$$d" in (v[0-9]*) echo "$$d" | cut -c2- ;; ("") cat VERSION ;; (*) echo "$$(cat VERSION)-g$$d" ;; esac)
ifeq ($(V),1)
Q :=
else
Q := @
endif

LVSDR_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wformat=2 -Iinclude -MMD -MP \
	$(SANITIZE) $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
# LIBNL_STATIC=1 links libnl-3, libnl-route-3 and libnl-genl-3 from their static archives
# (Debian's -dev packages ship them): only the parts lvsdr calls are linked,
# so the 74 constructors of libnl-route-3 (every link type, qdisc and
# classifier it knows) no longer run at each start. A takeover's first frame
# leaves about 0.7 ms sooner (bench/README.md); a libnl update then needs a
# rebuild, which is why it is not the default.
# STATIC=1 goes further: one static executable, glibc included, so no
# dynamic loader runs at all. On the 2-core bench machine that takes a
# takeover's first frame from about 2.1 ms to 1.2 ms, where a static program
# that does nothing but send one frame needs 0.8 ms (bench/README.md). The
# linker warns that libnl's name lookups (getaddrinfo, getprotobyname) would
# need glibc's shared NSS modules: lvsdr never calls them, it parses every
# address itself. Same trade-off as above, so not the default either.
STATIC ?=
LIBNL_STATIC ?=
ifeq ($(STATIC),1)
LVSDR_LDLIBS = -static $(SANITIZE) $(shell $(PKG_CONFIG) --static --libs $(PKGS) 2>/dev/null)
else ifeq ($(LIBNL_STATIC),1)
LVSDR_LDLIBS = $(SANITIZE) $(shell $(PKG_CONFIG) --libs-only-L libnl-3.0 libnl-route-3.0 libnl-genl-3.0 2>/dev/null) \
	-Wl,-Bstatic $(filter-out -lpthread,$(shell $(PKG_CONFIG) --libs-only-l libnl-route-3.0 libnl-genl-3.0 libnl-3.0 2>/dev/null)) \
	-Wl,-Bdynamic $(shell $(PKG_CONFIG) --libs inih 2>/dev/null) -lpthread
else
LVSDR_LDLIBS = $(SANITIZE) $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
endif

SRCS := $(wildcard src/*.c)
LIB_OBJS := $(patsubst src/%.c,$(BUILD)/%.o,$(filter-out src/main.c,$(SRCS)))
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_OBJS := $(patsubst tests/unit/%.c,$(BUILD)/unit/%.o,$(UNIT_SRCS))
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPERS := $(patsubst tests/helpers/%.c,$(BUILD)/helpers/%,$(HELPER_SRCS))
# `make fuzz` runs the libFuzzer target for FUZZ_SECONDS with clang; the
# suite replays its corpus through a plain driver, so CI needs no fuzzer.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CORPUS := tests/fuzz/corpus

.PHONY: FORCE all deps test-deps check check-fast asan valgrind demo bench install uninstall clean fuzz golden deb layers
.DEFAULT_GOAL := all

all: lvsdr compile_commands.json

# Said once, at parse time, instead of a compiler error about a missing header.
ifeq ($(filter deps test-deps clean,$(MAKECMDGOALS)),)
ifneq ($(shell $(PKG_CONFIG) --exists $(PKGS) 2>/dev/null && echo y),y)
$(warning pkg-config finds no $(PKGS): on Debian, `make deps` installs them)
endif
endif

deps:
ifeq ($(NO_DEPS),)
	$(Q)tests/deps.sh build
endif

test-deps:
ifeq ($(NO_DEPS),)
	$(Q)tests/deps.sh test
endif

lvsdr: $(BUILD)/lvsdr
	$(Q)cp $< $@

$(BUILD)/lvsdr: $(BUILD)/main.o $(LIB_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LVSDR_LDLIBS)

# The dependency files name each object both as given and as an absolute
# path: the tests run make with BUILD=/abs/build, a developer with
# BUILD=build, and a header change must rebuild the object either way.
DEPTARGETS = -MT $@ -MT $(abspath $@)

# Rewritten only when the version changes, so only main.o is rebuilt then.
$(BUILD)/version.h: FORCE | $(BUILD)
	$(Q)echo '#define LVSDR_VERSION "$(LVSDR_VERSION)"' >$@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi
$(BUILD)/main.o: $(BUILD)/version.h
$(BUILD)/main.o: LVSDR_CFLAGS += -I$(BUILD)
FORCE:

$(BUILD)/%.o: src/%.c | $(BUILD)
	@echo "  CC      $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LVSDR_CFLAGS) $(DEPTARGETS) -c -o $@ $<

$(BUILD)/unit/%.o: tests/unit/%.c | $(BUILD)/unit
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(LVSDR_CFLAGS) $(DEPTARGETS) -Itests/unit -c -o $@ $<

$(BUILD)/unit/unit: $(UNIT_OBJS) $(LIB_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LVSDR_LDLIBS)

$(BUILD)/helpers/%: tests/helpers/%.c | $(BUILD)/helpers
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(LVSDR_CFLAGS) -o $@ $< $(LVSDR_LDLIBS)

# These link the product's objects: ipvs-tool drives the IPVS facade itself;
# arpsniff and arpwho open, read and fill packet sockets with lvsdr's code
# (nic.h, frames.h) and keep only their parsing of the answers their own.
PRODUCT_HELPERS := $(addprefix $(BUILD)/helpers/,ipvs-tool arpsniff arpwho)
$(PRODUCT_HELPERS): $(BUILD)/helpers/%: tests/helpers/%.c $(LIB_OBJS) | $(BUILD)/helpers
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(filter-out -MMD -MP,$(LVSDR_CFLAGS)) $(LDFLAGS) -o $@ $< $(LIB_OBJS) $(LVSDR_LDLIBS)

$(BUILD)/fuzz/replay: tests/fuzz/replay.c tests/fuzz/fuzz_plan.c $(LIB_OBJS) | $(BUILD)
	@echo "  LD      $@"
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(filter-out -MMD -MP,$(LVSDR_CFLAGS)) $(LDFLAGS) -o $@ tests/fuzz/replay.c tests/fuzz/fuzz_plan.c $(LIB_OBJS) \
		$(LVSDR_LDLIBS)

# One rule a directory: BUILD may exist already without them (a
# `make deb` makes BUILD/deb first).
$(BUILD) $(BUILD)/unit $(BUILD)/helpers:
	$(Q)mkdir -p $@

test-binaries: $(BUILD)/lvsdr $(BUILD)/unit/unit $(HELPERS) $(BUILD)/fuzz/replay

# New inputs the fuzzer finds go to build-fuzz/new; `make fuzz FUZZ_MERGE=1`
# merges those that add coverage into the checked-in corpus.
fuzz: deps
	$(Q)mkdir -p build-fuzz/new
	$(Q)$(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		$(filter-out -MMD -MP -Wformat=2,$(LVSDR_CFLAGS)) -o build-fuzz/fuzz_plan \
		tests/fuzz/fuzz_plan.c $(filter-out src/main.c,$(SRCS)) $(shell $(PKG_CONFIG) --libs $(PKGS))
	$(Q)build-fuzz/fuzz_plan -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 \
		build-fuzz/new $(FUZZ_CORPUS)
ifneq ($(FUZZ_MERGE),)
	$(Q)build-fuzz/fuzz_plan -merge=1 $(FUZZ_CORPUS) build-fuzz/new
endif

# Rewrite the golden output of every broken profile after a deliberate
# change of wording; review the diff before committing it.
golden: lvsdr
	$(Q)cd tests/bad-profiles && for f in *.ini; do ../../$(BUILD)/lvsdr check "$$f" >"$${f%.ini}.expect" 2>&1; done; true

# The builds the test targets start use every core (BUILD_JOBS=1 for one
# at a time): each is a minute's compile on the 2-core CI machine.
BUILD_JOBS ?= $(shell getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
SUBMAKE = $(MAKE) -j$(BUILD_JOBS) --no-print-directory NO_DEPS=1

# The README's test command. Runs everything; the last line is the summary.
check: test-deps
	$(Q)$(SUBMAKE) test-binaries lvsdr
	$(Q)bash tests/lib/debroot.sh prepare
	$(Q)LVSDR_BUILD=$(abspath $(BUILD)) tests/run

# Which file includes which project header, by layer, and every include
# that points up a layer (HACKING.md, "Layers"; t-13 allows none).
layers:
	$(Q)tests/lib/layers.sh

# The edit-compile-test loop: unit tests, the profile corpus, the command
# lines, the fuzz corpus replayed and the man pages; no namespaces, two at a
# time. One script: tests/run t-30 (README).
CHECK_FAST = unit t-10 t-11 t-12 t-13 t-90
check-fast: test-deps
	$(Q)tests/lib/sizes.sh
	$(Q)$(SUBMAKE) test-binaries lvsdr
	$(Q)TEST_JOBS=2 LVSDR_BUILD=$(abspath $(BUILD)) tests/run $(CHECK_FAST)

asan: test-deps
	$(Q)$(SUBMAKE) BUILD=build-asan \
		SANITIZE="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" test-binaries
	$(Q)$(SUBMAKE) BUILD=build-ubsan \
		SANITIZE="-fsanitize=undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" test-binaries
	$(Q)ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 LVSDR_MEMORY_RUN=asan \
		LVSDR_BUILD=$(abspath build-asan) LVSDR_GUEST_BUILD=$(abspath build-ubsan) tests/run

# --vgdb=no: without it each run leaves FIFOs in /tmp named only by PID when
# killed (tests SIGKILL on purpose); a later run under another uid that gets
# the same PID cannot open root's and valgrind exits before lvsdr starts.
valgrind: test-deps
	$(Q)$(SUBMAKE) test-binaries
	$(Q)LVSDR_BUILD=$(abspath $(BUILD)) LVSDR_MEMORY_RUN=valgrind \
		LVSDR_WRAP="valgrind -q --vgdb=no --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all --error-exitcode=99" \
		tests/run

demo: test-deps
	$(Q)$(SUBMAKE) lvsdr $(HELPERS)
	$(Q)LVSDR_BUILD=$(abspath $(BUILD)) tests/demo.sh $(abspath lvsdr)

# Figures beside a baseline measured in the same run, never pass/fail
# (bench/README.md). Needs root; BENCH_OUT names the JSON file.
bench:
ifeq ($(NO_DEPS),)
	$(Q)tests/deps.sh bench
endif
	$(Q)$(SUBMAKE) test-binaries lvsdr
	$(Q)LVSDR_BUILD=$(abspath $(BUILD)) CC="$(CC)" bench/run

# make lint: shellcheck over every shell script (.shellcheckrc; warnings
# and errors fail, notes do not) and clang-format's check of the C
# (.clang-format). make format rewrites the C in the house layout.
# A shell script: a *.sh, or a file whose first line runs sh or bash.
SH_FILES = $(sort $(shell find tests bench contrib .ci profiles $(wildcard debian) -type f \
	-not -path 'tests/fuzz/*' -not -path 'tests/bad-*' -not -path 'tests/good-*' -print 2>/dev/null | \
	while read -r f; do case "$$f" in (*.sh) echo "$$f" ;; (*) head -n1 "$$f" | grep -qE '^\#!.*[/ ](ba)?sh( |$$)' && echo "$$f" ;; esac; done))
C_FILES = $(wildcard src/*.c include/*.h tests/unit/*.c tests/unit/*.h tests/helpers/*.c tests/helpers/*.h \
	tests/fuzz/*.c bench/*.c)
.PHONY: lint lint-sh lint-c lint-size format
lint: lint-sh lint-c lint-size
lint-sh:
ifeq ($(NO_DEPS),)
	$(Q)tests/deps.sh lint
endif
	$(Q)shellcheck -S warning $(SH_FILES)
	$(Q)shellcheck -S warning -s bash dist/bash-completion/lvsdr
	@echo "  LINT    $(words $(SH_FILES)) shell scripts and the bash completion: shellcheck clean"
lint-c:
ifeq ($(NO_DEPS),)
	$(Q)tests/deps.sh lint
endif
	$(Q)clang-format --dry-run --Werror $(C_FILES)
	@echo "  LINT    $(words $(C_FILES)) C files: formatted as .clang-format says"
# The size rules (issue 18): no function of src/ over 80 body lines, no
# file over 650 lines; tests/lib/sizes.sh names each one that is.
lint-size:
	$(Q)tests/lib/sizes.sh
format:
	$(Q)clang-format -i $(C_FILES)

# For editors and clangd: each C file with the flags this Makefile compiles
# it with, written from those flags (no bear needed, nothing rebuilt).
compile_commands.json: Makefile $(SRCS) $(UNIT_SRCS) $(HELPER_SRCS)
	@echo "  GEN     $@"
	$(Q){ sep=; printf '['; \
	for f in $(SRCS) $(UNIT_SRCS) $(HELPER_SRCS) tests/fuzz/replay.c tests/fuzz/fuzz_plan.c; do \
		printf '%s\n  { "directory": "%s", "file": "%s",\n    "command": "%s %s %s -I%s -Itests/unit -c -o /dev/null %s" }' \
			"$$sep" "$(CURDIR)" "$$f" "$(CC)" "$(CFLAGS)" "$(strip $(filter-out -MMD -MP,$(LVSDR_CFLAGS)))" "$(BUILD)" "$$f"; \
		sep=,; \
	done; printf '\n]\n'; } >$@.tmp && mv -f $@.tmp $@

# Installs from $(BUILD), so `make install` after `make asan BUILD=...` is explicit.
# The unit and the completion get this install's SBINDIR and SYSCONFDIR;
# an example profile already in SYSCONFDIR/lvsdr is the operator's and stays.
DIST_PATHS = sed -e 's|/usr/sbin/lvsdr|$(SBINDIR)/lvsdr|g' -e 's|/etc/lvsdr|$(SYSCONFDIR)/lvsdr|g'
install: $(BUILD)/lvsdr
	install -v -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(EXAMPLEDIR)
	install -v -m 0755 $(BUILD)/lvsdr $(DESTDIR)$(SBINDIR)/lvsdr
	install -v -m 0644 man/lvsdr.8 $(DESTDIR)$(MANDIR)/man8/lvsdr.8
	install -v -m 0644 man/lvsdr.ini.5 $(DESTDIR)$(MANDIR)/man5/lvsdr.ini.5
	install -v -m 0644 man/lvsdr-output.5 $(DESTDIR)$(MANDIR)/man5/lvsdr-output.5
	install -v -m 0644 man/lvsdr-cluster.7 $(DESTDIR)$(MANDIR)/man7/lvsdr-cluster.7
	$(DIST_PATHS) dist/systemd/lvsdr@.service >$(BUILD)/lvsdr@.service
	install -v -m 0644 $(BUILD)/lvsdr@.service $(DESTDIR)$(SYSTEMDUNITDIR)/lvsdr@.service
	$(DIST_PATHS) dist/bash-completion/lvsdr >$(BUILD)/lvsdr.bash-completion
	install -v -m 0644 $(BUILD)/lvsdr.bash-completion $(DESTDIR)$(BASHCOMPDIR)/lvsdr
	install -v -d $(DESTDIR)$(DOCDIR)/examples
	$(DIST_PATHS) profiles/keepalived.conf >$(BUILD)/keepalived.conf
	install -v -m 0644 $(BUILD)/keepalived.conf $(DESTDIR)$(DOCDIR)/examples/keepalived.conf
	@for f in profiles/*.ini; do \
		t="$(DESTDIR)$(EXAMPLEDIR)/$${f##*/}"; \
		if [ -e "$$t" ]; then echo "kept $$t"; else install -v -m 0644 "$$f" "$$t" || exit 1; fi; \
	done

# Example profiles go only as installed: an edited one is the operator's.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/lvsdr $(DESTDIR)$(MANDIR)/man8/lvsdr.8 $(DESTDIR)$(MANDIR)/man5/lvsdr.ini.5 \
		$(DESTDIR)$(MANDIR)/man5/lvsdr-output.5 $(DESTDIR)$(MANDIR)/man7/lvsdr-cluster.7 $(DESTDIR)$(SYSTEMDUNITDIR)/lvsdr@.service $(DESTDIR)$(BASHCOMPDIR)/lvsdr \
		$(DESTDIR)$(DOCDIR)/examples/keepalived.conf
	@for f in profiles/*.ini; do \
		t="$(DESTDIR)$(EXAMPLEDIR)/$${f##*/}"; \
		if cmp -s "$$f" "$$t"; then rm -fv "$$t"; elif [ -e "$$t" ]; then echo "kept $$t (changed)"; fi; \
	done
	@rmdir "$(DESTDIR)$(EXAMPLEDIR)" 2>/dev/null || true
	@rmdir "$(DESTDIR)$(DOCDIR)/examples" "$(DESTDIR)$(DOCDIR)" 2>/dev/null || true

# `make deb`: the Debian package of debian/, built by dpkg-buildpackage -b in
# a copy of the sources so that the tree stays clean; the .deb, .changes and
# .buildinfo land in DEBDIR, rebuilt when a source is newer than the last
# build. The package's version is the program's: a changelog that says
# otherwise stops the build. This make's BUILD or SANITIZE must not reach
# the package's build: MAKEFLAGS is not passed on, and debian/rules sets
# every variable the Makefile would take from the environment.
DEBDIR ?= $(BUILD)/deb
# The package's version is the release the VERSION file names (a copy of
# the sources has no .git, so the packaged binary says the same).
DEB_SOURCES := Makefile README.md VERSION debian dist include man profiles src
DEB_VERSION := $(shell cat VERSION)
DEB_STAMP = $(DEBDIR)/lvsdr_$(DEB_VERSION).stamp
deb: $(DEB_STAMP)
$(DEB_STAMP): $(shell find $(DEB_SOURCES) -type f 2>/dev/null)
ifeq ($(NO_DEPS),)
	$(Q)tests/deps.sh deb
endif
	$(Q)v=$$(dpkg-parsechangelog -l debian/changelog -S Version) && [ "$$v" = "$(DEB_VERSION)" ] || \
		{ echo "make deb: debian/changelog is at $$v, VERSION at $(DEB_VERSION): add an entry (dch -v $(DEB_VERSION))" >&2; exit 2; }
	$(Q)rm -rf $(DEBDIR) && mkdir -p $(DEBDIR)/lvsdr-$(DEB_VERSION)
	$(Q)tar -cf - $(DEB_SOURCES) | tar -xf - -C $(DEBDIR)/lvsdr-$(DEB_VERSION)
	@echo "  DEB     $(DEBDIR) (log: $(DEBDIR)/build.log)"
	$(Q)cd $(DEBDIR)/lvsdr-$(DEB_VERSION) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		dpkg-buildpackage -b -us -uc >../build.log 2>&1 || { tail -n 40 ../build.log >&2; exit 1; }
	$(Q)rm -rf $(DEBDIR)/lvsdr-$(DEB_VERSION)
	$(Q)ls -1 $(DEBDIR)/*.deb
	$(Q)touch $@

clean:
	rm -rf build build-asan build-ubsan build-fuzz lvsdr compile_commands.json

-include $(wildcard $(BUILD)/*.d $(BUILD)/unit/*.d)
