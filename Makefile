# TrendGuard - plain Makefile. `make help` lists the targets.
#
# Knobs: DEVELOPER=1 adds -Werror; SANITIZE=address,undefined builds with
# sanitizers (into build/san so plain objects are not mixed in);
# PREFIX/DESTDIR for install.

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
PKG_CONFIG ?= pkg-config
VERSION := 0.1.0

BUILD ?= build
ifneq ($(SANITIZE),)
BUILD := build/san
endif

PKGS := libuv libcurl libxml-2.0 libpcre2-8 lmdb jansson inih libmicrohttpd hiredis libcrypto xgboost zlib

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wformat=2 -Wvla -fno-common -Wno-format-nonliteral
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -Iinclude -Icli -I. \
              -DTG_VERSION='"$(VERSION)"' $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lm -lpthread
ifeq ($(DEVELOPER),1)
ALL_CFLAGS += -Werror
endif
ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
endif

MODULES := util config store parser crawler crawler/sources model sim web cli
LIB_SRC := $(filter-out cli/main.c,$(foreach m,$(MODULES),$(wildcard $(m)/*.c)))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIB := $(BUILD)/libtrendguard.a
BIN := $(BUILD)/trendguard

UNIT_SRC := $(wildcard tests/unit/*/test_*.c tests/unit/*/*/test_*.c)
UNIT_BIN := $(UNIT_SRC:%.c=$(BUILD)/%)
UNIT_HELPERS := $(wildcard tests/unit/helpers/*.c)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)

.PHONY: all test check demo bench fuzz install clean deps help unit integ format
all: $(BIN)

help:
	@echo "targets: all test check demo bench fuzz install clean"
	@echo "knobs:   DEVELOPER=1  SANITIZE=address,undefined  PREFIX=...  DESTDIR=..."

deps:
	@scripts/install-deps

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BIN): $(BUILD)/obj/cli/main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIB) $(UNIT_HELPERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(UNIT_HELPERS) $(LIB) $(LIBS) \
	    $(shell $(PKG_CONFIG) --libs cmocka)

unit: $(UNIT_BIN)

test: deps
	@$(MAKE) --no-print-directory all unit
	@BUILD=$(BUILD) scripts/run-tests $(UNIT_BIN)

check: test
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
	    --suppress=missingIncludeSystem --suppress=unknownMacro -Iinclude $(MODULES)

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo

bench:
	@scripts/install-deps --bench
	@$(MAKE) --no-print-directory all
	@scripts/bench

FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -Iinclude -Icli -I. \
               $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
FUZZ_OBJ := $(LIB_SRC:%.c=build/fuzz/obj/%.o)
build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=address,undefined,fuzzer-no-link -c -o $@ $<
build/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=address,undefined,fuzzer -o $@ $< $(FUZZ_OBJ) $(LIBS)
fuzz: $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-30} scripts/run-fuzz $^

install: $(BIN) $(LIB)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/trendguard \
	    $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/trendguard
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/libtrendguard.a
	install -m 644 include/trendguard/*.h $(DESTDIR)$(PREFIX)/include/trendguard/
	install -m 644 docs/trendguard.1 $(DESTDIR)$(PREFIX)/share/man/man1/trendguard.1
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    -e 's|@PKGS@|$(PKGS)|g' scripts/trendguard.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/trendguard.pc

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(BUILD)/obj/cli/main.d
