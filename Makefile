# custody — build, test, demo, bench, fuzz.
#
#   make            bin/custody and bin/custody-verify
#   make test       bootstrap, build, every test; then the same tests under ASan+UBSan
#   make demo       bootstrap, build, crawl the sample site on loopback, list and verify it
#   make bench      side-by-side benchmarks (crawl vs wget, scan vs sha256sum)
#   make fuzz       libFuzzer targets with clang (build-fuzz/)
#   make lint       banned calls, cppcheck
#
# Variables: BUILD (object dir), BIN (binary dir), SAN=1 (ASan+UBSan), CC.
# Helpers and parallel builds use their own BUILD/BIN so they never share objects.

CC         ?= cc
BUILD      ?= build
BIN        ?= bin
PKG_CONFIG ?= pkg-config
OPT        ?= -O2

WARN    = -Wall -Wextra -Werror -Wshadow -Wvla -Wformat=2 -Wno-format-nonliteral
CFLAGS  = -std=c11 $(OPT) -g $(WARN) -D_GNU_SOURCE -MMD -MP -Iarchive -Icrawler
LDFLAGS =

ifeq ($(SAN),1)
OPT      = -O1
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

# The verifier links only what it needs to read and check: OpenSSL's libcrypto, zstd,
# jansson (findings bodies) and zlib (content-coded payloads). Never libcurl or libxml2.
VERIFY_PKGS  = libcrypto libzstd jansson zlib
CUSTODY_PKGS = libcurl libxml-2.0 libcrypto libssl libzstd jansson zlib
PKG_CFLAGS   := $(shell $(PKG_CONFIG) --cflags $(CUSTODY_PKGS) 2>/dev/null)
VERIFY_LIBS  := $(shell $(PKG_CONFIG) --libs $(VERIFY_PKGS) 2>/dev/null)
CUSTODY_LIBS := $(shell $(PKG_CONFIG) --libs $(CUSTODY_PKGS) 2>/dev/null)
CFLAGS += $(PKG_CFLAGS)

ARCHIVE_SRC = $(wildcard archive/*.c)
CRAWLER_SRC = $(filter-out crawler/custody.c,$(wildcard crawler/*.c))
VERIFY_SRC  = $(wildcard verify/*.c)
UNIT_SRC    = $(wildcard tests/unit/test_*.c)
FUZZ_SRC    = $(wildcard tests/fuzz/fuzz_*.c)

ARCHIVE_OBJ = $(ARCHIVE_SRC:%.c=$(BUILD)/%.o)
CRAWLER_OBJ = $(CRAWLER_SRC:%.c=$(BUILD)/%.o)
VERIFY_OBJ  = $(VERIFY_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN    = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_REPLAY = $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/%)

.PHONY: all tests test test-only demo bench fuzz lint bootstrap clean
all: $(BIN)/custody $(BIN)/custody-verify

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libarchive.a: $(ARCHIVE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libcrawler.a: $(CRAWLER_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN)/custody: $(BUILD)/crawler/custody.o $(BUILD)/libcrawler.a $(BUILD)/libarchive.a
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(CUSTODY_LIBS)

$(BIN)/custody-verify: $(VERIFY_OBJ) $(BUILD)/libarchive.a
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(VERIFY_LIBS)

# Unit tests and fuzz replays link both libraries; the linker takes what each needs.
$(BUILD)/tests/test_%: tests/unit/test_%.c tests/unit/tu.h $(BUILD)/libcrawler.a $(BUILD)/libarchive.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(BUILD)/libcrawler.a $(BUILD)/libarchive.a $(CUSTODY_LIBS)

$(BUILD)/tests/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(BUILD)/libcrawler.a $(BUILD)/libarchive.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/replay.c $(BUILD)/libcrawler.a $(BUILD)/libarchive.a $(CUSTODY_LIBS)

tests: all $(UNIT_BIN) $(FUZZ_REPLAY)

bootstrap:
	@sh tests/bootstrap.sh

# Every test, plain build then ASan+UBSan build; the runner prints "N passed, N failed".
test: bootstrap
	@$(MAKE) --no-print-directory tests
	@$(MAKE) --no-print-directory BUILD=build/asan BIN=build/asan/bin SAN=1 tests
	@$(MAKE) --no-print-directory lint
	@sh tests/run.sh build bin build/asan build/asan/bin

# Run the tests without the bootstrap (for development).
test-only: tests
	@sh tests/run.sh $(BUILD) $(BIN)

demo: bootstrap
	@$(MAKE) --no-print-directory all
	@sh samples/demo.sh

bench: bootstrap
	@$(MAKE) --no-print-directory all
	@sh tests/bench/run.sh

# libFuzzer builds with clang; each target runs briefly from its seed corpus (FUZZ_SECONDS).
FUZZ_SECONDS ?= 30
fuzz: bootstrap
	@$(MAKE) --no-print-directory CC=clang BUILD=build-fuzz BIN=build-fuzz/bin \
	    OPT="-O1 -fsanitize=fuzzer-no-link,address,undefined" build-fuzz/libarchive.a build-fuzz/libcrawler.a
	@sh tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

lint:
	@sh tests/lint.sh

clean:
	rm -rf build build-fuzz bin

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
