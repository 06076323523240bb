# fuzz.mk - builds and replays the libFuzzer harnesses (GNU make; run through
# `make fuzz` and `make fuzz-replay` in a configured build directory, which
# pass the variables below; see tests/fuzz/README).
#
# The library is compiled again, with clang, into tests/fuzz/obj/ of the build
# directory: -fsanitize=fuzzer-no-link,address,undefined, so libFuzzer sees
# its coverage and ASan/UBSan its errors; each harness links that copy with
# -fsanitize=fuzzer. The configured build (gcc or otherwise) is untouched.
#
# From Makefile.am: srcdir, LIB_SOURCES (the library's sources), FUZZ_CPPFLAGS
# (defines and include paths), FUZZ_MODELS_DIR (the installed models' directory,
# apart because of its quotes), FUZZ_LIBS (the libraries the program links).

FUZZ_CC ?= clang-14
FUZZ_OUT = tests/fuzz
HARNESSES = idx image config dataset checkpoint fonts
SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
# -Wno-unknown-pragmas: clang ignores the library's "GCC ivdep" hints (src/fastmath.h).
FUZZ_CFLAGS = -g -O1 $(SANITIZE) -Wall -Wextra -Wno-unknown-pragmas -DFFVAE_MODELS_DIR='"$(FUZZ_MODELS_DIR)"'

# The models' directory arrives with its quotes lost on the way: set it again.
CPPFLAGS_ALL = $(filter-out -DFFVAE_MODELS_DIR=%,$(FUZZ_CPPFLAGS))

LIB_OBJS = $(patsubst %.c,$(FUZZ_OUT)/obj/%.o,$(filter %.c,$(LIB_SOURCES)))
PROGRAMS = $(HARNESSES:%=$(FUZZ_OUT)/fuzz_%)

all: check-cc $(PROGRAMS)

check-cc:
	@command -v $(FUZZ_CC) >/dev/null 2>&1 || { \
	  echo "make fuzz: $(FUZZ_CC) not found; the harnesses need clang and libFuzzer." >&2; \
	  echo "  On Debian 12: apt-get install clang-14 libclang-rt-14-dev libfuzzer-14-dev" >&2; \
	  echo "  (or make fuzz FUZZ_CC=clang for another clang)" >&2; exit 1; }

$(FUZZ_OUT)/obj/%.o: $(srcdir)/%.c
	@mkdir -p $(@D)
	@echo "  FUZZCC   $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP $(CPPFLAGS_ALL) -c $< -o $@

-include $(LIB_OBJS:.o=.d)

$(FUZZ_OUT)/libffvae-fuzz.a: $(LIB_OBJS)
	@rm -f $@
	@ar cr $@ $^
	@ranlib $@

# stb's image, resize and font code, instrumented (stb_impl.c says why).
# -w: stb's own code is not held to the library's warning flags.
$(FUZZ_OUT)/obj/stb_impl.o: $(srcdir)/tests/fuzz/stb_impl.c
	@mkdir -p $(@D)
	@echo "  FUZZCC   $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -w -fsanitize=fuzzer-no-link $(CPPFLAGS_ALL) -c $< -o $@

$(FUZZ_OUT)/fuzz_%: $(srcdir)/tests/fuzz/fuzz_%.c $(FUZZ_OUT)/libffvae-fuzz.a \
		$(FUZZ_OUT)/obj/stb_impl.o $(srcdir)/tests/fuzz/fuzz_util.h $(srcdir)/tests/fuzz/fuzz_h5.h
	@echo "  FUZZLD   $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(CPPFLAGS_ALL) $< $(FUZZ_OUT)/obj/stb_impl.o \
	  $(FUZZ_OUT)/libffvae-fuzz.a $(FUZZ_LIBS) -o $@

# Every harness over its seed corpus and its past findings (each input run
# once; any crash, sanitizer report, timeout or OOM fails). Files committed
# elsewhere (the fixtures, the hostile inputs the CLI tests use, the models)
# are replayed from where they are: corpus/<harness>.list and
# regressions/<harness>.list name them, relative to the source tree.
# -malloc_limit_mb=1024: the child check's memory allowance (H5CHECK_MEMORY_BYTES),
# which a sanitizer build cannot set as an address-space limit; libFuzzer's
# malloc hook runs in the forked child too, and stops it there the same way.
REPLAY_FLAGS = -timeout=60 -rss_limit_mb=2048 -malloc_limit_mb=1024

replay: all
	@set -e; scratch=$$(mktemp -d "$${TMPDIR:-/tmp}/ffvae-fuzz-replay.XXXXXX"); \
	trap 'rm -rf "$$scratch"' EXIT; \
	for h in $(HARNESSES); do \
	  files=$$(find $(srcdir)/tests/fuzz/corpus/$$h $(srcdir)/tests/fuzz/regressions/$$h \
	           -type f 2>/dev/null | sort); \
	  for list in $(srcdir)/tests/fuzz/corpus/$$h.list $(srcdir)/tests/fuzz/regressions/$$h.list; do \
	    test -f "$$list" || continue; \
	    for f in $$(grep -v '^#' "$$list"); do files="$$files $(srcdir)/$$f"; done; \
	  done; \
	  n=$$(echo $$files | wc -w); \
	  if test "$$n" -eq 0; then echo "fuzz-replay: no inputs for $$h" >&2; exit 1; fi; \
	  start=$$(date +%s); \
	  if ! $(FUZZ_OUT)/fuzz_$$h $(REPLAY_FLAGS) -artifact_prefix="$$scratch/" $$files \
	       > "$$scratch/$$h.log" 2>&1; then \
	    tail -n 60 "$$scratch/$$h.log" >&2; \
	    echo "fuzz-replay: fuzz_$$h failed on one of its $$n inputs (above)" >&2; exit 1; \
	  fi; \
	  echo "fuzz-replay: fuzz_$$h: $$n inputs, no crash ($$(( $$(date +%s) - start )) s)"; \
	done

clean:
	rm -rf $(FUZZ_OUT)/obj $(FUZZ_OUT)/libffvae-fuzz.a $(PROGRAMS)

.PHONY: all check-cc replay clean
