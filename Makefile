# libpinky -- GNU make build.  meson.build builds the same library.
#
#   make            build the shared and static library
#   make demo       install what is missing, build, run examples/demo on a
#                   throwaway PostgreSQL (or on $PINKY_DSN)
#   make check      install what is missing, build, run every test suite,
#                   the meson build and the install check
#   make bench      benchmarks printing comparable figures (BENCH_ARGS=--quick)
#   make install PREFIX=/usr/local DESTDIR=
#   make asan / make tsan / make valgrind   the suites under sanitizers / valgrind
#   make abi-update  rewrite the ABI baseline abi/ after a deliberate API change

VERSION     := 0.1.0
SOVERSION   := 0
PREFIX      ?= /usr/local
LIBDIR      ?= $(PREFIX)/lib
INCLUDEDIR  ?= $(PREFIX)/include
DESTDIR     ?=
B           ?= build

CC          ?= cc
PKG_CONFIG  ?= pkg-config
DEPS        := libpq json-c uuid
DEP_CFLAGS   = $(shell $(PKG_CONFIG) --cflags $(DEPS) 2>/dev/null)
DEP_LIBS     = $(shell $(PKG_CONFIG) --libs $(DEPS) 2>/dev/null)
CMOCKA_LIBS  = $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

WARN        := -Wall -Wextra -Werror
CSTD        := -std=c11 -D_GNU_SOURCE
OPT         ?= -O2 -g
SAN         ?=
CFLAGS_LIB   = $(CSTD) $(WARN) $(OPT) $(SAN) -fPIC -fvisibility=hidden -DPINKY_BUILDING \
               -Iinclude -Ilib -I$(B) $(DEP_CFLAGS)
CFLAGS_TEST  = $(CSTD) $(WARN) $(OPT) $(SAN) -Iinclude -Ilib -Itests/support $(DEP_CFLAGS)

LIB_SRC     := $(sort $(wildcard lib/core/*.c lib/db/*.c lib/model/*.c))
SQL_FILES   := $(sort $(wildcard sql/*.sql))
LIB_OBJ     := $(LIB_SRC:%.c=$(B)/%.o) $(B)/gen/migrations.o
HEADERS     := $(wildcard include/pinky/*.h)

SONAME      := libpinky.so.$(SOVERSION)
SHARED      := $(B)/libpinky.so.$(VERSION)
STATIC      := $(B)/libpinky.a

UNIT_SRC    := $(sort $(wildcard tests/unit/test_*.c))
INTEG_SRC   := $(sort $(wildcard tests/integration/test_*.c))
UNIT_BIN    := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
INTEG_BIN   := $(INTEG_SRC:tests/integration/%.c=$(B)/tests/%)
SUPPORT_SRC := $(wildcard tests/support/*.c)
EXAMPLES    := $(B)/examples/demo $(B)/examples/quickstart

.PHONY: FORCE all lib examples tests check check-unit check-integration check-meson check-install \
        check-python check-rust check-headers check-abi abi-update \
        check-symbols demo bench bootstrap install uninstall clean asan tsan valgrind

all: lib examples

lib: $(SHARED) $(STATIC) $(B)/pinky.pc

# ---- the library ----------------------------------------------------------

$(B)/tools/embed_sql: tools/embed_sql.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(WARN) -O2 -o $@ $<

$(B)/gen/migrations.c: $(SQL_FILES) $(B)/tools/embed_sql
	@mkdir -p $(dir $@)
	$(B)/tools/embed_sql $@ $(SQL_FILES)

$(B)/gen/migrations.o: $(B)/gen/migrations.c lib/db/migrations.h
	$(CC) $(CFLAGS_LIB) -c -o $@ $<

$(B)/lib/%.o: lib/%.c $(HEADERS) $(wildcard lib/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_LIB) -c -o $@ $<

$(SHARED): $(LIB_OBJ) pinky.map
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=pinky.map -Wl,--no-undefined -Wl,--no-undefined-version \
	    $(SAN) -o $@ $(LIB_OBJ) $(DEP_LIBS) -lpthread -lm
	ln -sf libpinky.so.$(VERSION) $(B)/$(SONAME)
	ln -sf $(SONAME) $(B)/libpinky.so

$(STATIC): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $(LIB_OBJ)

# pinky.pc depends on the install paths: remember them, rewrite it when they change
$(B)/install-paths: FORCE
	@mkdir -p $(B)
	@echo '$(PREFIX) $(LIBDIR) $(INCLUDEDIR)' | cmp -s - $@ || echo '$(PREFIX) $(LIBDIR) $(INCLUDEDIR)' > $@

FORCE:

$(B)/pinky.pc: pinky.pc.in Makefile $(B)/install-paths
	@mkdir -p $(B)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' $< > $@

# ---- examples and tests ---------------------------------------------------

examples: $(EXAMPLES)

# the demo: examples/demo.c and its helpers in examples/demo/
DEMO_SRC := examples/demo.c $(sort $(wildcard examples/demo/*.c))
$(B)/examples/demo: $(DEMO_SRC) examples/demo/demo.h $(SHARED) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(OPT) $(SAN) -Iinclude -Iexamples -o $@ $(DEMO_SRC) -L$(B) -lpinky \
	    -Wl,-rpath,'$$ORIGIN/..' -lm

$(B)/examples/%: examples/%.c $(SHARED) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(OPT) $(SAN) -Iinclude -o $@ $< -L$(B) -lpinky -Wl,-rpath,'$$ORIGIN/..' -lm

# unit tests link the static archive: they may test internal functions
$(B)/tests/%: tests/unit/%.c $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_TEST) -o $@ $< $(STATIC) $(DEP_LIBS) $(CMOCKA_LIBS) -lpthread -lm

# integration tests use the shared library, as programs do
$(B)/tests/%: tests/integration/%.c $(SUPPORT_SRC) tests/support/testdb.h $(SHARED)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_TEST) -o $@ $< $(SUPPORT_SRC) -L$(B) -lpinky -Wl,-rpath,'$$ORIGIN/..' \
	    $(DEP_LIBS) $(CMOCKA_LIBS) -lpthread -lm

tests: $(UNIT_BIN) $(INTEG_BIN)

# benchmarks: programs that print comparable figures (not timed tests)
BENCH_SRC   := $(sort $(wildcard bench/bench_*.c))
BENCH_BIN   := $(BENCH_SRC:bench/%.c=$(B)/bench/%)
$(B)/bench/%: bench/%.c $(SHARED) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(OPT) -Iinclude -Ibench $(DEP_CFLAGS) -o $@ $< -L$(B) -lpinky \
	    -Wl,-rpath,'$$ORIGIN/..' $(DEP_LIBS) -lpthread -lm

bench: bootstrap
	@$(MAKE) --no-print-directory lib $(BENCH_BIN)
	scripts/with-db sh -c 'set -e; for b in $(BENCH_BIN); do echo "== $$b"; $$b $(BENCH_ARGS); done'

# ---- the two commands -----------------------------------------------------

bootstrap:
	@scripts/bootstrap

demo: bootstrap
	@$(MAKE) --no-print-directory lib examples
	scripts/with-db $(B)/examples/demo $(DEMO_ARGS)

check: bootstrap
	@$(MAKE) --no-print-directory lib examples tests
	@$(MAKE) --no-print-directory check-unit
	@$(MAKE) --no-print-directory check-symbols
	@$(MAKE) --no-print-directory check-headers
	@$(MAKE) --no-print-directory check-abi
	scripts/with-db $(MAKE) --no-print-directory check-integration check-python check-rust
	@$(MAKE) --no-print-directory check-meson
	@$(MAKE) --no-print-directory check-install
	@echo "make check: all suites passed"

# bindings: Python (ctypes) and Rust (bindgen); both need PINKY_DSN (run through with-db)
check-python: $(SHARED)
	@PINKY_LIBRARY=$(abspath $(B))/libpinky.so.0 scripts/check-python

check-rust: $(SHARED)
	@PINKY_LIB_DIR=$(abspath $(B)) scripts/check-rust

check-unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

check-integration: $(INTEG_BIN) $(EXAMPLES)
	@test -n "$$PINKY_DSN" || { echo "check-integration: PINKY_DSN is not set (run it through scripts/with-db)"; exit 1; }
	@set -e; for t in $(INTEG_BIN); do echo "== $$t"; $$t; done
	@echo "== examples/quickstart"; $(B)/examples/quickstart > $(B)/quickstart.out && cat $(B)/quickstart.out

# every public header alone as C99/C11/C++17, declared = exported, a C++ caller
check-headers: $(SHARED)
	@scripts/check-headers $(SHARED)

# abidiff against the committed baseline: additions pass, anything incompatible fails
check-abi: $(SHARED)
	@scripts/check-abi $(SHARED)

# rewrite abi/libpinky.so.0.abi from this build (deliberately; review and commit it)
abi-update: $(SHARED)
	scripts/abi-update $(SHARED)

check-symbols: $(SHARED)
	@scripts/check-symbols $(SHARED)

check-meson: $(SHARED)
	@scripts/check-meson $(SHARED)

check-install: lib
	@scripts/check-install

# ---- install --------------------------------------------------------------

install: lib
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/pinky $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 0644 $(HEADERS) $(DESTDIR)$(INCLUDEDIR)/pinky/
	install -m 0755 $(SHARED) $(DESTDIR)$(LIBDIR)/
	ln -sf libpinky.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libpinky.so
	install -m 0644 $(STATIC) $(DESTDIR)$(LIBDIR)/
	install -m 0644 $(B)/pinky.pc $(DESTDIR)$(LIBDIR)/pkgconfig/

uninstall:
	rm -rf $(DESTDIR)$(INCLUDEDIR)/pinky
	rm -f $(DESTDIR)$(LIBDIR)/libpinky.* $(DESTDIR)$(LIBDIR)/pkgconfig/pinky.pc

# ---- sanitizers -----------------------------------------------------------

asan: bootstrap
	@$(MAKE) --no-print-directory B=build-asan OPT="-O1 -g" \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    lib tests check-unit
	scripts/with-db $(MAKE) --no-print-directory B=build-asan OPT="-O1 -g" \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    check-integration

# the pool and transaction suites under ThreadSanitizer
TSAN_TESTS := test_db test_pool
tsan: bootstrap
	@$(MAKE) --no-print-directory B=build-tsan OPT="-O1 -g" SAN="-fsanitize=thread" \
	    lib $(TSAN_TESTS:%=build-tsan/tests/%)
	scripts/with-db sh -c 'set -e; for t in $(TSAN_TESTS); do \
	    TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" build-tsan/tests/$$t; done'

valgrind: bootstrap
	@$(MAKE) --no-print-directory lib tests examples
	@set -e; for t in $(UNIT_BIN); do \
	    valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite $$t; done
	scripts/with-db sh -c 'set -e; for t in $(INTEG_BIN); do \
	    valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite $$t; done'

clean:
	rm -rf build build-asan build-tsan build-meson

