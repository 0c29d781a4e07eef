# Lode - one GNU Makefile, dependencies from pkg-config (STYLE S4.11).
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
BUILD  ?= build
PKGS   := libczmq libzmq hiredis msgpack libcurl jansson libxml-2.0 libmicrohttpd libutf8proc
CFLAGS ?= -O2 -g
WARN   := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
          -Wmissing-prototypes -Wvla
ifeq ($(SANITIZE),1)
  BUILD := build-asan
  SAN   := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
           -fno-omit-frame-pointer
endif
ifeq ($(WERROR),1)
  WARN  += -Werror
endif
override CFLAGS  += -std=gnu11 $(WARN) $(SAN) -Icommon -Ibroker -Iworker -Iclient \
                    $(shell pkg-config --cflags $(PKGS)) -MMD -MP
override LDFLAGS += $(SAN)
LIBS   := $(shell pkg-config --libs $(PKGS)) -lm
objs    = $(patsubst %.c,$(BUILD)/%.o,$(1))
COMMON := $(call objs,$(wildcard common/*.c))
BINS   := $(BUILD)/bin/lode-broker $(BUILD)/bin/lode-worker $(BUILD)/bin/lode
LIBOBJ := $(call objs,$(filter-out %/main.c,$(wildcard common/*.c broker/*.c worker/*.c client/*.c)))
HELPERS := $(call objs,$(wildcard tests/helpers/*.c))
UNIT   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/*.c))
INTEG  := $(patsubst tests/integration/%.c,$(BUILD)/tests/%,$(wildcard tests/integration/*.c))
TESTLIBS := $(shell pkg-config --libs cmocka)
SOURCES := $(wildcard */*.c */*.h tests/*/*.c tests/*/*.h bench/*/*.c)

all: $(BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Itests/helpers -c $< -o $@

$(BUILD)/bin/lode-broker: $(call objs,$(wildcard broker/*.c)) $(COMMON)
$(BUILD)/bin/lode-worker: $(call objs,$(wildcard worker/*.c)) $(COMMON)
$(BUILD)/bin/lode:        $(call objs,$(wildcard client/*.c)) $(COMMON)
$(BINS):
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIBOBJ) $(HELPERS)
	$(CC) $(LDFLAGS) $^ $(LIBS) $(TESTLIBS) -o $@

$(BUILD)/tests/%: $(BUILD)/tests/integration/%.o $(LIBOBJ) $(HELPERS)
	$(CC) $(LDFLAGS) $^ $(LIBS) $(TESTLIBS) -o $@

# Benchmarks link the test helpers too (stand-in servers such as llmstand).
$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIBOBJ) $(HELPERS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

tests: all $(UNIT) $(INTEG)

# Unit tests, then integration tests (real redis-server, broker, workers).
test: tests
	tests/run.sh $(BUILD)

# Every benchmark prints its figures; see each bench/*/run.sh for options.
bench: all
	bench/extract/run.sh $(BUILD)
	bench/pipeline/run.sh $(BUILD)
	bench/http/run.sh $(BUILD)
	bench/youtube/run.sh $(BUILD)
	bench/article/run.sh $(BUILD)
	bench/fetch/run.sh $(BUILD)
	bench/quote/run.sh $(BUILD)
	bench/throughput/run.sh $(BUILD)

deps:
	deploy/deps.sh

# Installs what is missing, builds, and mines a seed document on a throwaway cluster.
demo: deps
	$(MAKE) all
	deploy/demo.sh $(BUILD) $(SEED)

# What CI runs: deps, format-check, -Werror build + tests, ASan+UBSan build + tests.
check:
	tests/check.sh

install: all
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(BINS) $(DESTDIR)$(BINDIR)

clean:
	rm -rf build build-*

format:
	clang-format -i $(SOURCES)

format-check:
	clang-format --dry-run -Werror $(SOURCES)

lint:
	-cppcheck --quiet --enable=warning,performance -Icommon common broker worker client
	-pmccabe $(wildcard common/*.c broker/*.c worker/*.c client/*.c) | awk '$$1 > 15 || $$5 > 80'

memcheck: tests
	for t in $(UNIT); do valgrind --error-exitcode=1 --leak-check=full -q $$t || exit 1; done

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
.SECONDARY:
.PHONY: all tests test bench demo deps check install clean format format-check lint memcheck

# --- fuzzing ---
# `make fuzz [FUZZ_SECONDS=60]`: libFuzzer harnesses (fuzz/fuzz_*.c) built with
# clang -fsanitize=fuzzer,address,undefined in build-fuzz/, each run for
# FUZZ_SECONDS on a copy of its seed corpus fuzz/corpus/NAME/ (installs clang
# if missing). `make chaos [N=1000]`: the fault suite (bench/chaos/README.md).
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := build-fuzz
FUZZ_CC      ?= clang
FUZZ_SAN     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
                -fno-sanitize-recover=all
FUZZ_CFLAGS  := -std=gnu11 $(WARN) $(FUZZ_SAN) -Icommon $(shell pkg-config --cflags $(PKGS))
FUZZ_OBJS    := $(patsubst %.c,$(FUZZ_BUILD)/%.o,$(wildcard common/*.c))
FUZZERS      := $(patsubst fuzz/%.c,$(FUZZ_BUILD)/%,$(wildcard fuzz/fuzz_*.c))
N            ?= 1000

$(FUZZ_BUILD)/common/%.o: common/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $^ $(LIBS) -o $@

$(FUZZ_BUILD)/mkseeds: fuzz/mkseeds.c $(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $^ $(LIBS) -o $@

fuzz-build: $(FUZZERS)

# Rewrites fuzz/corpus/proto/ from proto_encode (one valid frame per type).
fuzz-seeds: $(FUZZ_BUILD)/mkseeds
	$(FUZZ_BUILD)/mkseeds fuzz/corpus/proto

fuzz:
	fuzz/deps.sh
	$(MAKE) -s fuzz-build
	fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

$(BUILD)/bench/chaos/chaos: $(BUILD)/bench/chaos/chaos.o $(LIBOBJ) $(HELPERS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

chaos: all $(BUILD)/bench/chaos/chaos
	LODE_BUILD=$(BUILD) $(BUILD)/bench/chaos/chaos -n $(N)

.PHONY: fuzz fuzz-build fuzz-seeds chaos
# --- end fuzzing ---
