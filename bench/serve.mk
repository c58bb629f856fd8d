# `make bench-serve` (also part of `make bench`): mote serve against busybox
# httpd running the same echo program as CGI, with wrk (bench/serve.sh).
# Included by the top-level Makefile after bench/bench.mk.

BENCH_ECHO_CGI := $(BENCH_DIR)/echo-cgi
SERVE_SECS ?= 5

# The baseline is the echo guest's source, natively: static musl, with a
# CGI header block first (ECHO_CGI).
$(BENCH_ECHO_CGI): guest_abi/examples/echo.c
	@mkdir -p $(@D)
	musl-gcc -static -O2 -DECHO_CGI $< -o $@

.PHONY: bench-serve
bench-serve: $(MOTE) $(BUILD)/guests/echo.elf $(BENCH_ECHO_CGI)
	@mkdir -p $(BENCH_RESULTS)
	SECS=$(SERVE_SECS) bash bench/serve.sh $(MOTE) $(BUILD)/guests/echo.elf \
		$(BENCH_ECHO_CGI) $(BENCH_RESULTS)

bench: bench-serve

# `make bench-guests` (also part of `make bench`): Lua against Debian's
# lua5.4, stdio through pipes against native musl, snapshot restore,
# a Lua function from its snapshot, clones' memory (bench/guests.sh).
.PHONY: bench-guests
bench-guests: $(MOTE) guests
	@mkdir -p $(BENCH_RESULTS)
	bash bench/guests.sh $(BUILD) $(BENCH_RESULTS)

bench: bench-guests
