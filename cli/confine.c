/*
 * Glue between `mote run` and the jail: option checks, the fds to keep,
 * and the thread hook that gives each monitor thread its allowlist.
 */
#include "confine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../monitor/test_seams.h"
#include "../monitor/thread_hook.h"

static bool jailed;

#ifndef MOTE_TEST_SEAMS
/* Only the test-only monitor can leave seccomp out (test_seams.h). */
static const bool mote_test_no_seccomp = false;
#endif

static bool seccomp_wanted(void)
{
	return !mote_test_no_seccomp && jail_seccomp_enabled();
}

static int thread_filter(enum mote_thread_kind kind, struct mote_err *err)
{
	static const enum jail_thread kinds[] = {
		[MOTE_THREAD_VCPU] = JAIL_VCPU,
		[MOTE_THREAD_HOUSEKEEPER] = JAIL_HOUSEKEEPER,
		[MOTE_THREAD_IO] = JAIL_IO,
	};

	return seccomp_wanted() ? jail_seccomp_thread(kinds[kind], err) : 0;
}

int confine_enter(const struct run_opts *o, const int *fds, size_t n,
		  unsigned long max_fds, struct mote_err *err)
{
	struct jail_config cfg = {
		.uid = o->uid < 0 ? (uid_t)-1 : (uid_t)o->uid,
		.gid = o->gid < 0 ? (gid_t)-1 : (gid_t)o->gid,
		.netns = o->jail_netns,
		.keep_fds = fds,
		.nkeep = n,
		.max_vms = o->count + o->pool,
		.max_fds = max_fds,
		.remove_on_failure = o->snapshot_out,
	};
	bool want = o->jail == 1 || (o->jail == -1 && jail_possible());
	int rc;

	if (!want) {
		if (o->uid >= 0 || o->gid >= 0 || o->jail_netns)
			return err_set(err, EINVAL,
				       "jail: not possible here, but --uid, "
				       "--gid or --jail-netns asked for it");
		return 0;
	}
	rc = jail_enter(&cfg, err);
	if (rc)
		return rc;
	jailed = true;
	mote_set_thread_hook(thread_filter);
	return 0;
}

int confine_seal(enum jail_thread kind, struct mote_err *err)
{
	if (!jailed)
		return 0;
	return seccomp_wanted() ? jail_seccomp_thread(kind, err) : 0;
}

const char *confine_state(void)
{
	if (!jailed)
		return "off";
	return seccomp_wanted() ? "seccomp+namespaces" : "namespaces";
}
