# Makefile fragment, included from the top-level Makefile: the guest SDK.
# It is staged in $(BUILD)/guest_abi/sdk with the installed layout, and the example
# guests are built with that staged mote-cc; `make install` copies it.
#
#   $(PREFIX)/bin/mote-cc            compiler wrapper (finds the rest
#                                    relative to itself)
#   $(PREFIX)/include/mote/*.h       mote.h, mote_abi.h and the device APIs
#   $(PREFIX)/lib/mote/              mote.ld, mote_platform.o, libmote.a,
#                                    check-no-syscall

PREFIX ?= /usr/local
DESTDIR ?=
SDK_HEADERS := guest_abi/mote_abi.h $(addprefix $(GUEST_RT_DIR)/include/,\
	mote.h mote_blk.h mote_net.h mote_ip.h mote_inet.h mote_virtio.h \
	mote_sha256.h)

$(SDK_STAMP): guest_abi/tools/mote-cc $(CHECK_NO_SYSCALL) $(SDK_HEADERS) \
		$(GUEST_LDSCRIPT) $(GUEST_PLATFORM) $(GUEST_LIB)
	@mkdir -p $(SDK)/bin $(SDK)/include/mote $(SDK)/lib/mote
	cp guest_abi/tools/mote-cc $(SDK)/bin/mote-cc
	cp $(SDK_HEADERS) $(SDK)/include/mote/
	cp $(GUEST_LDSCRIPT) $(GUEST_PLATFORM) $(GUEST_LIB) $(CHECK_NO_SYSCALL) \
		$(SDK)/lib/mote/
	@touch $@

.PHONY: sdk install
sdk: $(SDK_STAMP)

install: $(SDK_STAMP) $(MOTE)
	install -D $(MOTE) $(DESTDIR)$(PREFIX)/bin/mote
	install -D -m 755 $(SDK)/bin/mote-cc $(DESTDIR)$(PREFIX)/bin/mote-cc
	install -d $(DESTDIR)$(PREFIX)/include/mote $(DESTDIR)$(PREFIX)/lib/mote
	install -m 644 $(SDK)/include/mote/*.h $(DESTDIR)$(PREFIX)/include/mote/
	install -m 644 $(SDK)/lib/mote/mote.ld $(SDK)/lib/mote/mote_platform.o \
		$(SDK)/lib/mote/libmote.a $(DESTDIR)$(PREFIX)/lib/mote/
	install -m 755 $(SDK)/lib/mote/check-no-syscall \
		$(DESTDIR)$(PREFIX)/lib/mote/
