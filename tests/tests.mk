# Makefile fragment, included from the top-level Makefile: builds the one
# Criterion test binary from tests/test_*.c and runs it (`make test-unit`).

TEST_SRCS := $(wildcard tests/test_*.c) tests/helpers.c
TEST_OBJS := $(TEST_SRCS:%.c=$(BUILD)/%.o)
TEST_BIN := $(BUILD)/tests/mote-tests
TEST_LOG := $(BUILD)/tests/mote-tests.log

# The integration tests run this build's mote on this build's guests.
$(TEST_OBJS): CFLAGS += -DMOTE_BIN=\"$(abspath $(MOTE))\" \
	-DGUEST_DIR=\"$(abspath $(BUILD)/guests)\"

$(TEST_BIN): $(TEST_OBJS) $(MONITOR_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ -lcriterion -lpthread -o $@

# Sanitizer settings for SAN=1 builds (ignored otherwise). Criterion runs
# each test in a forked worker, and LeakSanitizer does work there, but a
# leak is only found when the worker exits, after Criterion has counted the
# test as passed, and the worker's exit status is ignored. So the output is
# also searched for sanitizer reports, and any report fails the run. In the
# mote children that the integration tests start, a report changes mote's
# exit status and stderr, which fails that test directly.
TEST_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
TEST_FLAGS := --jobs 2
SANITIZER_REPORT := ERROR: [A-Za-z]+Sanitizer|runtime error:

.PHONY: test-unit
test-unit: $(MOTE) guests $(TEST_BIN)
	@rc=0; $(TEST_ENV) $(TEST_BIN) $(TEST_FLAGS) >$(TEST_LOG) 2>&1 || rc=$$?; \
	cat $(TEST_LOG); \
	if grep -Eq '$(SANITIZER_REPORT)' $(TEST_LOG); then \
		echo "test-unit: sanitizer reports above ($(TEST_LOG))" >&2; \
		rc=1; \
	fi; \
	exit $$rc
