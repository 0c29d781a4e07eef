# Lode - one GNU Makefile, dependencies from pkg-config (STYLE S4.11).
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
PROMPTSDIR ?= $(PREFIX)/share/lode/prompts
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/lode
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/vendor-completions
# Units go where systemd looks for the PREFIX: /usr/lib/systemd/system for
# the distribution's /usr, /etc/systemd/system for a local install.
ifeq ($(PREFIX),/usr)
  SYSTEMDDIR ?= $(PREFIX)/lib/systemd/system
else
  SYSTEMDDIR ?= /etc/systemd/system
endif
BUILD  ?= build
PKGS   := libczmq libzmq libsodium hiredis libzstd msgpack libcurl jansson libxml-2.0 libmicrohttpd libutf8proc libcmark libsystemd
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
override CFLAGS  += -std=gnu11 $(WARN) $(SAN) $(shell pkg-config --cflags $(PKGS)) -MMD -MP
override LDFLAGS += $(SAN)
pkglibs = $(shell pkg-config --libs $(1))
# libstemmer (Snowball stemmers, Debian libstemmer-dev) ships no pkg-config
# file: linked by name. Only the text layer uses it.
STEMMER := -lstemmer
LIBS   := $(call pkglibs,$(PKGS)) $(STEMMER) -lm
objs    = $(patsubst %.c,$(BUILD)/%.o,$(1))

# The layers (README "Layout"): dependencies point one way only, and each
# folder compiles with only the include paths it may use, so a wrong
# #include fails the build. The client reaches the two lower-layer headers
# it needs by path ("sources/youtube_url.h", "llm/prompts.h"); layer-check
# keeps it to those.
I_CORE    := -Icommon
I_TEXT    := $(I_CORE) -Icommon/text
I_NET     := $(I_CORE) -Icommon/net
I_SOURCES := $(I_TEXT) -Icommon/net -Icommon/sources
I_LLM     := $(I_TEXT) -Icommon/net -Icommon/llm
I_ALL     := $(I_TEXT) -Icommon/net -Icommon/sources -Icommon/llm
$(BUILD)/common/%.o:         INC = $(I_CORE)
$(BUILD)/common/text/%.o:    INC = $(I_TEXT)
$(BUILD)/common/net/%.o:     INC = $(I_NET)
$(BUILD)/common/sources/%.o: INC = $(I_SOURCES)
$(BUILD)/common/llm/%.o:     INC = $(I_LLM)
$(BUILD)/broker/%.o:         INC = $(I_CORE) -Ibroker
$(BUILD)/worker/%.o:         INC = $(I_ALL) -Iworker
$(BUILD)/client/%.o:         INC = $(I_CORE) -Iclient
$(BUILD)/tests/%.o:          INC = $(I_ALL) -Ibroker -Iworker -Iclient -Itests/helpers
$(BUILD)/bench/%.o:          INC = $(I_ALL) -Ibroker -Iworker -Iclient -Itests/helpers
$(BUILD)/gen/%.o:            INC = $(I_ALL)

PROMPTS := $(sort $(wildcard prompts/*.md))
EMBED  := $(BUILD)/gen/prompts_embed.o
CORE    := $(call objs,$(wildcard common/*.c))
TEXT    := $(call objs,$(wildcard common/text/*.c))
NET     := $(call objs,$(wildcard common/net/*.c))
SRCS    := $(call objs,$(wildcard common/sources/*.c))
LLM     := $(call objs,$(wildcard common/llm/*.c)) $(EMBED)
BINS   := $(BUILD)/bin/lode-broker $(BUILD)/bin/lode-worker $(BUILD)/bin/lode
# Each program links only the layers and libraries it uses.
BROKER_OBJS := $(call objs,$(wildcard broker/*.c)) $(CORE)
WORKER_OBJS := $(call objs,$(wildcard worker/*.c)) $(CORE) $(TEXT) $(NET) $(SRCS) $(LLM)
WEBEMBED := $(BUILD)/gen/web_assets.o
# The search index's words (client/searchidx.c): the one text-layer module
# the client links, with the stemmer and stopword lists it uses.
SEARCHTERM := $(call objs,common/text/searchterm.c common/text/stem.c common/text/stopword.c)
CLIENT_OBJS := $(call objs,$(wildcard client/*.c)) $(filter-out %/service.o,$(CORE)) \
               $(BUILD)/common/sources/youtube_url.o $(BUILD)/common/llm/prompts.o $(EMBED) \
               $(WEBEMBED) $(SEARCHTERM)
BROKER_LIBS := $(call pkglibs,libczmq libzmq libsodium hiredis libzstd msgpack jansson libmicrohttpd libsystemd) -lm
WORKER_LIBS := $(call pkglibs,libczmq libzmq libsodium hiredis libzstd msgpack libcurl jansson libxml-2.0 libutf8proc libsystemd) \
               $(STEMMER) -lm
CLIENT_LIBS := $(call pkglibs,libczmq libzmq libsodium hiredis libzstd msgpack jansson libmicrohttpd libcmark) \
               $(STEMMER) -lm
LIBOBJ := $(call objs,$(filter-out %/main.c,$(wildcard common/*.c common/*/*.c broker/*.c worker/*.c client/*.c))) $(EMBED) \
          $(WEBEMBED)
HELPERS := $(call objs,$(wildcard tests/helpers/*.c))
UNIT   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/*.c))
INTEG  := $(patsubst tests/integration/%.c,$(BUILD)/tests/%,$(wildcard tests/integration/*.c))
TESTLIBS := $(shell pkg-config --libs cmocka)
SOURCES := $(wildcard */*.c */*.h common/*/*.c common/*/*.h tests/*/*.c tests/*/*.h bench/*/*.c bench/*/*.h)

all: layer-check $(BINS)

# The client may reach below core only through these headers; nothing that
# builds may be tracked (an ELF or object file in git).
layer-check:
	@deploy/layers.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(INC) -c $< -o $@

# The default prompts built into the programs (prompts.h): one byte array per
# prompts/*.md, written with od and awk (no xxd).
%/gen/prompts_embed.c: $(PROMPTS) Makefile
	@mkdir -p $(@D)
	@{ echo '/* generated by make from the prompts/NAME.md files: do not edit */'; \
	  echo '#include "prompts.h"'; \
	  for f in $(PROMPTS); do \
	    echo "static const char s_$$(basename $$f .md | tr -c 'A-Za-z0-9_\n' _)[] = {"; \
	    od -An -v -tx1 $$f | awk '{ for (i = 1; i <= NF; i++) printf "0x%s,", $$i; print "" }'; \
	    echo '0};'; \
	  done; \
	  echo 'const prompts_builtin_t prompts_builtin[] = {'; \
	  for f in $(PROMPTS); do \
	    n=$$(basename $$f); v=s_$$(basename $$f .md | tr -c 'A-Za-z0-9_\n' _); \
	    echo "{\"$$n\", $$v, sizeof $$v - 1},"; \
	  done; \
	  echo '{0, 0, 0}};'; } >$@.tmp && mv $@.tmp $@

# The web workbench's stylesheet and script (client/web/), embedded the same
# way, with a checksum of them all for cache-busting URLs (web_assets.h).
WEB_ASSETS := $(sort $(wildcard client/web/*.js client/web/*.css))
%/gen/web_assets.c: $(WEB_ASSETS) Makefile
	@mkdir -p $(@D)
	@{ echo '/* generated by make from client/web/: do not edit */'; \
	  echo '#include "web_assets.h"'; \
	  for f in $(WEB_ASSETS); do \
	    echo "static const unsigned char a_$$(basename $$f | tr -c 'A-Za-z0-9_\n' _)[] = {"; \
	    od -An -v -tx1 $$f | awk '{ for (i = 1; i <= NF; i++) printf "0x%s,", $$i; print "" }'; \
	    echo '0};'; \
	  done; \
	  echo 'const web_asset_t web_assets[] = {'; \
	  for f in $(WEB_ASSETS); do \
	    n=$$(basename $$f); v=a_$$(echo $$n | tr -c 'A-Za-z0-9_\n' _); \
	    case $$n in *.js) t='text/javascript; charset=utf-8';; *) t='text/css; charset=utf-8';; esac; \
	    echo "{\"$$n\", \"$$t\", $$v, sizeof $$v - 1},"; \
	  done; \
	  echo '{0, 0, 0, 0}};'; \
	  echo "const char web_assets_version[] = \"$$(cat $(WEB_ASSETS) | cksum | cut -d' ' -f1)\";"; \
	} >$@.tmp && mv $@.tmp $@
$(BUILD)/gen/web_assets.o: INC = $(I_CORE) -Iclient

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(CC) $(CPPFLAGS) $(CFLAGS) $(INC) -c $< -o $@

# Where the installed copies are is compiled in. A stamp holding PROMPTSDIR,
# rewritten when it differs (checked as the Makefile is read: `.SECONDARY:`
# keeps a FORCE rule from running), rebuilds prompts.o for another PREFIX.
PROMPTSDIR_STAMP := $(BUILD)/gen/prompts_dir
ifneq ($(shell cat $(PROMPTSDIR_STAMP) 2>/dev/null),$(PROMPTSDIR))
  $(shell mkdir -p $(BUILD)/gen && echo '$(PROMPTSDIR)' >$(PROMPTSDIR_STAMP))
endif
$(BUILD)/common/llm/prompts.o: CPPFLAGS += -DLODE_PROMPTS_DIR='"$(PROMPTSDIR)"'
$(BUILD)/common/llm/prompts.o: $(PROMPTSDIR_STAMP)

$(BUILD)/bin/lode-broker: $(BROKER_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(BROKER_LIBS) -o $@
$(BUILD)/bin/lode-worker: $(WORKER_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(WORKER_LIBS) -o $@
$(BUILD)/bin/lode: $(CLIENT_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(CLIENT_LIBS) -o $@

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIBOBJ) $(HELPERS)
	$(CC) $(LDFLAGS) $^ $(LIBS) $(TESTLIBS) -o $@

$(BUILD)/tests/%: $(BUILD)/tests/integration/%.o $(LIBOBJ) $(HELPERS)
	$(CC) $(LDFLAGS) $^ $(LIBS) $(TESTLIBS) -o $@

# Benchmarks link the test helpers too (stand-in servers such as llmstand),
# and so cmocka, which the tests' shared fixtures (stagefix.c …) call.
$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIBOBJ) $(HELPERS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(LIBS) $(TESTLIBS) -o $@

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
	bench/llm/run.sh $(BUILD)
	bench/web/run.sh $(BUILD)

deps:
	deploy/deps.sh

# Installs what is missing, builds, and mines a seed document on a throwaway cluster.
demo: deps
	$(MAKE) all
	deploy/demo.sh $(BUILD) $(SEED)

# What CI runs: deps, format-check, -Werror build + tests, ASan+UBSan build + tests.
check:
	tests/check.sh

# Man pages (docs/man/*.scd) built with scdoc; units with the binaries'
# path of this PREFIX; bash and zsh completion. `make uninstall` removes
# exactly what install put there (same PREFIX and DESTDIR).
MANSRC := $(wildcard docs/man/*.scd)
MANS   := $(patsubst docs/man/%.scd,$(BUILD)/man/%,$(MANSRC))
UNITS  := $(wildcard deploy/*.service)
DOCS   := README.md docs/config.md docs/deploy.md docs/cli.md docs/security.md docs/packaging.md

$(BUILD)/man/%: docs/man/%.scd
	@mkdir -p $(@D)
	scdoc <$< >$@

man: $(MANS)

install: all man
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(PROMPTSDIR) $(DESTDIR)$(MANDIR)/man1 \
	  $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) \
	  $(DESTDIR)$(SYSTEMDDIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(DOCDIR)/grafana
	install -m 0755 $(BINS) $(DESTDIR)$(BINDIR)
	install -m 0644 $(PROMPTS) $(DESTDIR)$(PROMPTSDIR)
	install -m 0644 $(filter %.1,$(MANS)) $(DESTDIR)$(MANDIR)/man1
	install -m 0644 $(filter %.8,$(MANS)) $(DESTDIR)$(MANDIR)/man8
	install -m 0644 deploy/completion/lode.bash $(DESTDIR)$(BASHCOMPDIR)/lode
	ln -sf lode $(DESTDIR)$(BASHCOMPDIR)/lode-broker
	ln -sf lode $(DESTDIR)$(BASHCOMPDIR)/lode-worker
	install -m 0644 deploy/completion/_lode $(DESTDIR)$(ZSHCOMPDIR)/_lode
	for u in $(UNITS); do \
	  sed 's|/usr/local/bin/|$(BINDIR)/|g' $$u >$(DESTDIR)$(SYSTEMDDIR)/$$(basename $$u) && \
	  chmod 0644 $(DESTDIR)$(SYSTEMDDIR)/$$(basename $$u) || exit 1; done
	install -m 0644 $(wildcard $(DOCS)) $(DESTDIR)$(DOCDIR)
	install -m 0644 deploy/grafana/lode.json $(DESTDIR)$(DOCDIR)/grafana

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(BINS)))
	rm -f $(addprefix $(DESTDIR)$(PROMPTSDIR)/,$(notdir $(PROMPTS)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(filter %.1,$(MANS))))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(filter %.8,$(MANS))))
	rm -f $(DESTDIR)$(BASHCOMPDIR)/lode $(DESTDIR)$(BASHCOMPDIR)/lode-broker \
	  $(DESTDIR)$(BASHCOMPDIR)/lode-worker $(DESTDIR)$(ZSHCOMPDIR)/_lode
	rm -f $(addprefix $(DESTDIR)$(SYSTEMDDIR)/,$(notdir $(UNITS)))
	rm -f $(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(DOCS))) $(DESTDIR)$(DOCDIR)/grafana/lode.json
	-rmdir $(DESTDIR)$(DOCDIR)/grafana $(DESTDIR)$(DOCDIR) $(DESTDIR)$(PROMPTSDIR) \
	  $(DESTDIR)$(dir $(PROMPTSDIR)) 2>/dev/null

# A Debian package (debian/, dpkg-buildpackage) built from a copy of the
# tracked files in $(BUILD)/deb/, where the .deb lands; then lintian on it.
# tests/package/run.sh checks what it holds.
deb:
	rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/lode
	git ls-files -z | xargs -0 cp --parents -t $(BUILD)/deb/lode
	cd $(BUILD)/deb/lode && dpkg-buildpackage -us -uc -b
	lintian --info $(BUILD)/deb/*.deb | tee $(BUILD)/deb/lintian.txt

clean:
	rm -rf build build-*

format:
	clang-format -i $(SOURCES)

format-check:
	clang-format --dry-run -Werror $(SOURCES)

lint:
	-cppcheck --quiet --enable=warning,performance $(I_ALL) common broker worker client
	-pmccabe $(wildcard common/*.c common/*/*.c broker/*.c worker/*.c client/*.c) | awk '$$1 > 20 || $$5 > 60'

memcheck: tests
	for t in $(UNIT); do valgrind --error-exitcode=1 --leak-check=full -q $$t || exit 1; done

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
.SECONDARY:
.PHONY: all layer-check tests test bench demo deps check install uninstall man deb clean format format-check lint memcheck

# --- fuzzing ---
# `make fuzz [FUZZ_SECONDS=60]`: libFuzzer harnesses (fuzz/fuzz_*.c) built with
# clang -fsanitize=fuzzer,address,undefined in build-fuzz/, each run for
# FUZZ_SECONDS on a copy of its seed corpus fuzz/corpus/NAME/ (installs clang
# if missing). `make chaos [N=1000] [CHAOS_ARGS='--cluster 1']`: the fault
# suite (bench/chaos/README.md).
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := build-fuzz
FUZZ_CC      ?= clang
FUZZ_SAN     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
                -fno-sanitize-recover=all
FUZZ_CFLAGS  := -std=gnu11 $(WARN) $(FUZZ_SAN) $(I_ALL) $(shell pkg-config --cflags $(PKGS))
FUZZ_OBJS    := $(patsubst %.c,$(FUZZ_BUILD)/%.o,$(wildcard common/*.c common/*/*.c)) \
                $(FUZZ_BUILD)/gen/prompts_embed.o
FUZZERS      := $(patsubst fuzz/%.c,$(FUZZ_BUILD)/%,$(wildcard fuzz/fuzz_*.c))
N            ?= 1000
CHAOS_ARGS   ?= # e.g. --cluster 1: on a Redis Cluster of 3 masters + 3 replicas

$(FUZZ_BUILD)/common/%.o: common/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_BUILD)/gen/%.o: $(FUZZ_BUILD)/gen/%.c
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

$(BUILD)/bench/chaos/chaos: $(patsubst %.c,$(BUILD)/%.o,$(wildcard bench/chaos/*.c)) $(LIBOBJ) $(HELPERS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(LIBS) $(TESTLIBS) -o $@

chaos: all $(BUILD)/bench/chaos/chaos
	LODE_BUILD=$(BUILD) $(BUILD)/bench/chaos/chaos -n $(N) $(CHAOS_ARGS)

.PHONY: fuzz fuzz-build fuzz-seeds chaos
# --- end fuzzing ---
