/*
 * Report identity. MOTE_VERSION and MOTE_GIT_COMMIT come from the build
 * (bench/bench.mk: the version in monitor/main.c, `git rev-parse HEAD`);
 * outside a checkout the commit is "unknown".
 */
#include "ident.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "mote_sha256.h"

#ifndef MOTE_VERSION
#define MOTE_VERSION "unknown"
#endif
#ifndef MOTE_GIT_COMMIT
#define MOTE_GIT_COMMIT "unknown"
#endif

void ident_json(struct jw *j, int argc, char *const argv[],
		const struct machine *m)
{
	jw_str(j, "mote_version", MOTE_VERSION);
	jw_str(j, "git_commit", MOTE_GIT_COMMIT);
#ifdef __clang__
	jw_str(j, "compiler", "clang " __clang_version__);
#else
	jw_str(j, "compiler", "gcc " __VERSION__);
#endif
	jw_arr(j, "command_line");
	for (int i = 0; i < argc; i++)
		jw_str(j, NULL, argv[i]);
	jw_arr_end(j);
	jw_str(j, "timestamp", m->timestamp);
}

void machine_json(struct jw *j, const struct machine *m)
{
	const struct kvm_flavour *k = &m->kvm;

	jw_obj(j, "machine");
	jw_int(j, "cores", m->nproc);
	jw_int(j, "mem_total_kib", (long long)m->mem_kb);
	jw_str(j, "kernel", m->kernel);
	jw_str(j, "cpu", m->cpu);
	jw_obj(j, "kvm");
	jw_str(j, "flavour", k->name);
	jw_str(j, "decided_by", k->why);
	jw_str(j, "rule",
	       "the loaded KVM vendor module decides (kvm_pvm -> pvm, "
	       "kvm_intel -> vmx, kvm_amd -> svm); /proc/cpuinfo vmx/svm flags "
	       "are recorded as supporting evidence");
	jw_obj(j, "evidence");
	jw_bool(j, "cpu_flag_vmx", k->flag_vmx);
	jw_bool(j, "cpu_flag_svm", k->flag_svm);
	jw_bool(j, "cpu_flag_hypervisor", k->flag_hypervisor);
	jw_bool(j, "module_kvm", k->mod_kvm);
	jw_bool(j, "module_kvm_pvm", k->mod_pvm);
	jw_bool(j, "module_kvm_intel", k->mod_intel);
	jw_bool(j, "module_kvm_amd", k->mod_amd);
	jw_obj_end(j);
	jw_obj_end(j);
	jw_num(j, "others_cpu_share", m->others_cpu, 3);
	jw_bool(j, "busy", m->others_cpu > MACHINE_BUSY_SHARE);
	jw_num(j, "loadavg1_start", m->load_start, 2);
	jw_num(j, "loadavg1_end", m->load_end, 2);
	jw_obj_end(j);
}

int file_sha256(const char *path, char out[65])
{
	static unsigned char buf[1 << 16];
	uint8_t d[MOTE_SHA256_BYTES];
	struct mote_sha256 c;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	mote_sha256_init(&c);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		mote_sha256_update(&c, buf, (size_t)n);
	if (n < 0)
		rc = -errno;
	close(fd);
	if (rc == 0) {
		mote_sha256_final(&c, d);
		mote_sha256_hex(d, out);
	}
	return rc;
}

void image_json(struct jw *j, const char *prefix, const char *path, int argc,
		char *const argv[])
{
	char key[64], hex[65];
	int rc = file_sha256(path, hex);

	snprintf(key, sizeof(key), "%s_path", prefix);
	jw_str(j, key, path);
	snprintf(key, sizeof(key), "%s_args", prefix);
	jw_arr(j, key);
	for (int i = 0; i < argc; i++)
		jw_str(j, NULL, argv[i]);
	jw_arr_end(j);
	snprintf(key, sizeof(key), "%s_sha256", prefix);
	if (rc == 0) {
		jw_str(j, key, hex);
	} else {
		jw_null(j, key);
		snprintf(key, sizeof(key), "%s_sha256_error", prefix);
		jw_str(j, key, strerror(-rc));
	}
}
