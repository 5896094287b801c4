# xinan build. Two commands matter to a newcomer: `make run` and `make test`.
# Every room is a folder under src/; its .c files are picked up by wildcard, so a new file
# needs no Makefile edit. `make SAN=1 ...` builds with ASan+UBSan into build/san/.

SHELL := /bin/bash
CC ?= cc
PKGS := libmicrohttpd sqlite3 jansson inih libsodium libcrypto libcurl libutf8proc libargon2 xlsxwriter libqrencode libmagic pangocairo cairo-pdf gumbo libzip expat

ifeq ($(SAN),1)
  BUILD := build/san
  OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
         -DXN_ARENA_MALLOC=1
  LDSAN := -fsanitize=address,undefined
else
  BUILD := build
  OPT := -O2 -g
  LDSAN :=
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS := -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla \
          -Wno-missing-field-initializers $(OPT) -Isrc -I$(BUILD)/gen $(PKG_CFLAGS) $(EXTRA_CFLAGS)
LDLIBS = $(PKG_LIBS) -lpthread -lm
DEPFLAGS = -MMD -MP
# Terse output; `make V=1` shows full commands.
ifeq ($(V),1)
  Q :=
  say := @true
else
  Q := @
  say := @echo
endif

MAIN_SRC := src/cli/main.c
LIB_SRC := $(filter-out $(MAIN_SRC),$(sort $(wildcard src/*/*.c)))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIB := $(BUILD)/libxinan.a
BIN := $(BUILD)/xinan

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

WEB_SRC := $(shell find web/src web/public web/index.html web/vite.config.* web/package.json \
             -type f 2>/dev/null)
HAVE_WEB := $(wildcard web/package.json)

.PHONY: all run test deps deps-test unit unit-san api browser lint fuzz bench clean web format \
        install-web help

all: $(BIN)

help:
	@echo "make run    build everything and start xinan on http://127.0.0.1:8080"
	@echo "make test   lint, unit (plain and ASan+UBSan), API and browser tests"
	@echo "make fuzz   run every libFuzzer harness for FUZZ_SECONDS (default 30) each"
	@echo "make bench  run the benchmarks in bench/ and print their figures"

# ---- dependencies --------------------------------------------------------------------------
deps:
	@scripts/deps.sh run
deps-test:
	@scripts/deps.sh test

# ---- the web UI, embedded into the binary --------------------------------------------------
ifneq ($(HAVE_WEB),)
web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

web/dist/index.html: web/node_modules/.installed $(WEB_SRC)
	cd web && npm run build --silent
	touch $@

$(BUILD)/gen/assets.c: web/dist/index.html scripts/embed-assets.sh
	@mkdir -p $(dir $@)
	scripts/embed-assets.sh web/dist $@
else
$(BUILD)/gen/assets.c: scripts/embed-assets.sh
	@mkdir -p $(dir $@)
	scripts/embed-assets.sh /nonexistent $@
endif
web: $(BUILD)/gen/assets.c

# Unit tests and fuzzers link an empty asset table so they never wait on the UI build.
$(BUILD)/gen/assets_empty.c: scripts/embed-assets.sh
	@mkdir -p $(dir $@)
	scripts/embed-assets.sh /nonexistent $@

# The password dictionary (src/auth): Debian's English word lists and data/passwords, built in
# by .incbin like the UI. A missing word list stops the build with the package to install.
PWDICT_DEPS := scripts/gen-pwdict.sh $(wildcard data/passwords/*.txt) \
               $(wildcard /usr/share/dict/american-english /usr/share/dict/british-english)
$(BUILD)/gen/pwdict.c: $(PWDICT_DEPS)
	@mkdir -p $(dir $@)
	$(say) "  GEN   $@"
	$(Q)scripts/gen-pwdict.sh $@

# The shipped lexicons (data/lexicons/*.txt), built in the same way so that a server started
# in any directory has them (src/lexicon: used when text.lexicons is the default and missing).
LEXICONS_DEPS := scripts/gen-lexicons.sh $(wildcard data/lexicons/*.txt)
$(BUILD)/gen/lexicons.c: $(LEXICONS_DEPS)
	@mkdir -p $(dir $@)
	$(say) "  GEN   $@"
	$(Q)scripts/gen-lexicons.sh $@

# The shipped working-day calendars (data/calendar/YYYY.txt), built in the same way so that a
# server or `xinan calendar` run in any directory knows the shipped years (src/calendar).
CALENDAR_DEPS := scripts/gen-calendar.sh $(wildcard data/calendar/*.txt)
$(BUILD)/gen/calendar.c: $(CALENDAR_DEPS)
	@mkdir -p $(dir $@)
	$(say) "  GEN   $@"
	$(Q)scripts/gen-calendar.sh $@

# The requirement catalogue (data/requirements/catalogue.md) the compliance report reads.
REQUIREMENTS_DEPS := scripts/gen-requirements.sh data/requirements/catalogue.md
$(BUILD)/gen/requirements.c: $(REQUIREMENTS_DEPS)
	@mkdir -p $(dir $@)
	$(say) "  GEN   $@"
	$(Q)scripts/gen-requirements.sh $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(say) "  CC    $<"
	$(Q)$(CC) $(CFLAGS) -Wno-overlength-strings -c $< -o $@

# ---- C ---------------------------------------------------------------------------------------
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(say) "  CC    $<"
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(say) "  AR    $@"
	$(Q)ar rcs $@ $^

$(BIN): $(BUILD)/obj/$(MAIN_SRC:.c=.o) $(LIB) $(BUILD)/gen/assets.o $(BUILD)/gen/pwdict.o \
        $(BUILD)/gen/lexicons.o $(BUILD)/gen/calendar.o $(BUILD)/gen/requirements.o
	$(say) "  LD    $@"
	$(Q)$(CC) $(LDSAN) -o $@ $(BUILD)/obj/$(MAIN_SRC:.c=.o) $(BUILD)/gen/assets.o \
	    $(BUILD)/gen/pwdict.o $(BUILD)/gen/lexicons.o $(BUILD)/gen/calendar.o \
	    $(BUILD)/gen/requirements.o $(LIB) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB) $(BUILD)/gen/assets_empty.o $(BUILD)/gen/pwdict.o \
                  $(BUILD)/gen/calendar.o
	@mkdir -p $(dir $@)
	$(say) "  TEST  $@"
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) -Itests/unit $(LDSAN) -o $@ $< $(BUILD)/gen/assets_empty.o \
	    $(BUILD)/gen/pwdict.o $(BUILD)/gen/calendar.o $(LIB) $(LDLIBS) -lcmocka

-include $(shell find $(BUILD)/obj $(BUILD)/tests -name '*.d' 2>/dev/null)

# ---- run -------------------------------------------------------------------------------------
run: deps
	@$(MAKE) --no-print-directory $(BIN)
	@mkdir -p var
	./$(BIN) serve

# ---- tests -----------------------------------------------------------------------------------
test: deps-test
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory SAN=1 unit
	@$(MAKE) --no-print-directory api
	@$(MAKE) --no-print-directory browser
	@echo "make test: every layer passed"

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; \
	  d=$$(mktemp -d); XN_TEST_TMP=$$d ./$$t; rm -rf "$$d"; done

tests/node_modules/.installed: tests/package.json tests/package-lock.json
	cd tests && npm ci --no-audit --no-fund --loglevel=error
	touch $@

api: $(BIN) tests/node_modules/.installed
	XINAN_BIN=$(abspath $(BIN)) node --test --test-concurrency=1 tests/api/

browser: $(BIN) tests/node_modules/.installed
	XINAN_BIN=$(abspath $(BIN)) node --test --test-concurrency=1 tests/browser/

C_FILES = $(shell find src tests/unit bench fuzz -name '*.[ch]' 2>/dev/null)
BANNED := strcpy|strcat|sprintf|vsprintf|strtok|atoi|gets

lint:
	@echo "== clang-format"
	@clang-format --dry-run --Werror $(C_FILES)
	@echo "== banned functions"
	@if grep -nwE '($(BANNED))[[:space:]]*\(' $(C_FILES) | grep -v 'snprintf\|vsnprintf'; then \
	  echo "banned function used (see STYLE.md)"; exit 1; fi
	@echo "== cppcheck"
	@cppcheck -q --error-exitcode=1 --std=c11 --enable=warning,portability \
	  --inline-suppr --suppress=missingIncludeSystem -Isrc src

format:
	clang-format -i $(C_FILES)

# ---- fuzzing ---------------------------------------------------------------------------------
FUZZ_SECONDS ?= 30
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=build/fuzz/%)
FUZZ_CFLAGS := -std=c17 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
               -DXN_ARENA_MALLOC=1 -Isrc $(PKG_CFLAGS)

FUZZ_LIB_SRC := $(filter-out src/cli/%,$(LIB_SRC))

build/fuzz/%: fuzz/%.c $(FUZZ_LIB_SRC) build/fuzz/gen/assets_empty.c build/fuzz/gen/pwdict.c
	@mkdir -p $(dir $@)
	$(say) "  FUZZ  $@"
	$(Q)clang $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_LIB_SRC) build/fuzz/gen/assets_empty.c \
	    build/fuzz/gen/pwdict.c $(LDLIBS)

build/fuzz/gen/pwdict.c: $(PWDICT_DEPS)
	@mkdir -p $(dir $@)
	scripts/gen-pwdict.sh $@

build/fuzz/gen/assets_empty.c: scripts/embed-assets.sh
	@mkdir -p $(dir $@)
	scripts/embed-assets.sh /nonexistent $@

fuzz:
	@scripts/deps.sh fuzz
	@$(MAKE) --no-print-directory $(FUZZ_BIN)
	@set -e; for f in $(FUZZ_BIN); do n=$$(basename $$f); \
	  mkdir -p fuzz/corpus-$$n; \
	  dict=""; [ -f fuzz/$$n.dict ] && dict="-dict=fuzz/$$n.dict"; \
	  echo "== $$n for $(FUZZ_SECONDS)s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 $$dict fuzz/corpus-$$n fuzz/seeds/$$n; \
	done

# ---- benchmarks ------------------------------------------------------------------------------
bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory $(BIN)
	@for b in bench/*/run.sh; do echo "== $$b"; bash $$b; done

clean:
	rm -rf build
