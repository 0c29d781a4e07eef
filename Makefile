# Lode - one GNU Makefile, dependencies from pkg-config (STYLE S4.11).
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
BUILD  ?= build
PKGS   := libczmq libzmq hiredis msgpack libcurl jansson libxml-2.0
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

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIBOBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

tests: all $(UNIT) $(INTEG)

# Unit tests, then integration tests (real redis-server, broker, workers).
test: tests
	tests/run.sh $(BUILD)

bench: all $(BUILD)/bench/extract/bench_extract
	bench/extract/run.sh $(BUILD)
	bench/pipeline/run.sh $(BUILD)

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
