# ksim — build, test, run and benchmark.
#
# Sources are found by folder, so adding a module never means editing this file:
#   sim/            the simulated world            -> build/libksim_sim.a
#   real/           real mode: epoll loop, sockets -> build/libksim_real.a
#   broker/**       node code (log, zk, protocol)  -> build/libksim_node.a
#   faults/ checkers/ harness/ reports/ (when present) -> build/libksim_harness.a
#   cli/            the ksim command               -> ./ksim
#   tests/unit/test_*.c   one cmocka binary each   -> build/tests/test_*
#   bench/bench_*.c       one benchmark each       -> build/bench/bench_*

CC       ?= gcc
BUILD    ?= build
OPT      ?= -O2
SAN      ?=
# Link-time optimisation for ksim and the benchmarks (about 5-10% on the
# reference cluster: the codecs' and the simulator's small functions inline
# across files). Objects are "fat", so the test binaries link their plain
# code quickly; `make LTO=` turns it off.
LTO      ?= -flto=auto -ffat-lto-objects
LTO_LINK  = $(if $(LTO),-flto=auto $(OPT))
PKGS     := libfyaml cmocka
CPPFLAGS += -I. -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -MMD -MP
# `make mutants` only: switch one mechanism off (sim/mutant.h, scripts/mutants.sh).
MUTANT   ?=
CPPFLAGS += $(if $(MUTANT),-DKSIM_MUTANT='"$(MUTANT)"')
CFLAGS   += -std=c11 $(OPT) $(LTO) -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wno-unused-parameter $(SAN)
LDFLAGS  += $(SAN)

DEPS_STAMP := $(BUILD)/.deps-ok
# pkg-config is asked lazily (recursive =) so that a fresh machine can run
# install-deps.sh before the first query.
FYAML_CFLAGS  = $(shell pkg-config --cflags libfyaml 2>/dev/null)
FYAML_LIBS    = $(shell pkg-config --libs libfyaml 2>/dev/null)
CMOCKA_CFLAGS = $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   = $(shell pkg-config --libs cmocka 2>/dev/null)

find_c = $(shell find $(1) -name '*.c' 2>/dev/null | LC_ALL=C sort)

SIM_SRC     := $(call find_c,sim)
REAL_SRC    := $(call find_c,real)
NODE_SRC    := $(call find_c,broker)
HARNESS_SRC := $(call find_c,faults checkers harness reports)
CLI_SRC     := $(call find_c,cli)
TEST_SRC    := $(wildcard tests/unit/test_*.c)
TEST_COMMON := $(filter-out $(TEST_SRC),$(wildcard tests/unit/*.c))
BENCH_SRC   := $(wildcard bench/bench_*.c)
FUZZ_SRC    := $(wildcard tests/fuzz/fuzz_*.c)

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

LIB_SIM     := $(BUILD)/libksim_sim.a
LIB_REAL    := $(BUILD)/libksim_real.a
LIB_NODE    := $(BUILD)/libksim_node.a
LIB_HARNESS := $(BUILD)/libksim_harness.a
# Order matters for static linking: users before what they use.
LIBS        := $(LIB_HARNESS) $(LIB_REAL) $(LIB_NODE) $(LIB_SIM)

# The command itself: ./ksim for the normal build, inside the build tree for
# others (an ASan build must not replace the binary Valgrind runs).
KSIM_BIN ?= ksim
TESTS   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(TEST_SRC))
BENCHES := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
# Each fuzz target is also built with a plain driver that replays its corpus
# (tests/fuzz/corpus/NAME for tests/fuzz/fuzz_NAME.c) in `make test`.
REPLAYS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))

.SECONDARY:
.PHONY: all deps test unit-test run bench soak asan fuzz clean format mutants
all: $(KSIM_BIN)

deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/install-deps.sh
	@./scripts/install-deps.sh
	@mkdir -p $(@D) && touch $@

$(BUILD)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(FYAML_CFLAGS) $(CMOCKA_CFLAGS) -c $< -o $@

# An empty archive is valid, so a library with no sources yet still links.
$(BUILD)/lib%.a:
	@mkdir -p $(@D)
	@rm -f $@
	ar rcs $@ $^

$(LIB_SIM): $(call obj,$(SIM_SRC))
$(LIB_REAL): $(call obj,$(REAL_SRC))
$(LIB_NODE): $(call obj,$(NODE_SRC))
$(LIB_HARNESS): $(call obj,$(HARNESS_SRC))

$(KSIM_BIN): $(call obj,$(CLI_SRC)) $(LIBS)
	$(CC) $(LDFLAGS) $(LTO_LINK) -o $@ $(call obj,$(CLI_SRC)) $(LIBS) $(FYAML_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(call obj,$(TEST_COMMON)) $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(call obj,$(TEST_COMMON)) $(LIBS) $(FYAML_LIBS) $(CMOCKA_LIBS)

$(BUILD)/fuzz/%: $(BUILD)/tests/fuzz/%.o $(BUILD)/tests/fuzz/replay.o $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(FYAML_LIBS)

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $(LTO_LINK) -o $@ $< $(LIBS) $(FYAML_LIBS) $(BENCH_EXTRA_LIBS)

# The real-mode bench is a librdkafka client of `ksim serve` (librdkafka-dev).
$(BUILD)/bench/bench_real: BENCH_EXTRA_LIBS := -lrdkafka

# The whole suite: unit tests, then the same binaries under Valgrind memcheck.
# The benchmarks are built (not run) so that an interface change cannot leave
# `make bench` broken unnoticed.
RUN_ENV = REPLAYS="$(REPLAYS)" KSIM="./$(KSIM_BIN)" BUILD="$(BUILD)"

test: deps $(KSIM_BIN) $(TESTS) $(REPLAYS) $(BENCHES)
	@$(RUN_ENV) ./tests/run.sh $(TESTS)

unit-test: deps $(KSIM_BIN) $(TESTS) $(REPLAYS) $(BENCHES)
	@VALGRIND=0 $(RUN_ENV) ./tests/run.sh $(TESTS)

# The default scenario: a lesson in why Kafka replicates (see its description).
DEFAULT_SCENARIO ?= scenarios/single-broker-power-loss.yaml
run: deps $(KSIM_BIN)
	./$(KSIM_BIN) run $(DEFAULT_SCENARIO)

bench: deps $(KSIM_BIN) $(BENCHES)
	@for b in $(BENCHES); do $$b || exit 1; done

# The safe scenarios over many seeds (SOAK_SEEDS, SOAK_NEMESIS_SEEDS, SOAK_JOBS:
# see scripts/soak.sh). Long: about an hour for the defaults on 2 cores.
soak: deps $(KSIM_BIN)
	@KSIM=./$(KSIM_BIN) ./scripts/soak.sh

# Each mechanism a lesson relies on switched off in its own build
# (build-mutant/NAME), and the lessons that must catch it run against it
# (scripts/mutants.sh; the table is in scenarios/README.md). Long: not part
# of `make test`; exit 1 when a mutant survives.
mutants: deps
	@./scripts/mutants.sh

# ASan + UBSan build in its own tree, then the unit tests (Valgrind cannot run
# under ASan, so that pass is skipped there).
asan: deps
	$(MAKE) BUILD=build-asan KSIM_BIN=build-asan/ksim OPT=-O1 LTO= \
	  SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  unit-test

# Coverage-guided fuzzing with libFuzzer (clang), FUZZ_SECONDS per target.
# New inputs go to build-fuzz/corpus/NAME; copy the interesting ones into
# tests/fuzz/corpus/NAME to keep them replayed by `make test`.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS  := -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=all -I. -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
fuzz: deps
	@mkdir -p build-fuzz/corpus
	@for src in $(FUZZ_SRC); do \
	  name=$$(basename $$src .c); corpus=tests/fuzz/corpus/$${name#fuzz_}; \
	  echo "== $$name ($(FUZZ_SECONDS) s)"; \
	  clang $(FUZZ_CFLAGS) $(FYAML_CFLAGS) $$src $(SIM_SRC) $(NODE_SRC) $(HARNESS_SRC) \
	    -o build-fuzz/$$name $(FYAML_LIBS) || exit 1; \
	  mkdir -p build-fuzz/corpus/$$name; \
	  build-fuzz/$$name -max_total_time=$(FUZZ_SECONDS) build-fuzz/corpus/$$name $$corpus \
	    || exit 1; \
	done

format:
	clang-format -i $$(find sim real broker faults checkers harness reports cli tests bench \
	  -name '*.[ch]' 2>/dev/null)

clean:
	rm -rf build build-asan build-fuzz build-mutant ksim reports/out soak-out

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
