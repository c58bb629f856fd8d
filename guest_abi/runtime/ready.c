/*
 * mote_ready: the MOTE_HC_READY hypercall, which marks the point a
 * benchmark times a boot to. One exit to the monitor; call it once.
 */
#include "mote.h"

void mote_ready(void)
{
	/* On the stack like every argument struct; the monitor only reads it.
	 */
	struct mote_hc_ready hc = {.reserved = 0};

	mote_hypercall(MOTE_HC_READY, &hc);
}
