/*
 * Builds the CPU environment a guest runs in: long mode, CPL3, identity
 * paging with per-segment rights. The guest can read or write none of it.
 */
#include "cpu.h"

#include <elf.h>
#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../guest_abi/mote_abi.h"

#define PTE_P (1ULL << 0)
#define PTE_W (1ULL << 1)
#define PTE_U (1ULL << 2)
#define PTE_A (1ULL << 5)
#define PTE_D (1ULL << 6)
#define PTE_PS (1ULL << 7)
#define PTE_NX (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL
#define TWO_MIB (2ULL << 20)

#define CR0_PE (1ULL << 0)
#define CR0_MP (1ULL << 1)
#define CR0_ET (1ULL << 4)
#define CR0_NE (1ULL << 5)
#define CR0_WP (1ULL << 16)
#define CR0_PG (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define CR4_OSFXSR (1ULL << 9)
#define CR4_OSXMMEXCPT (1ULL << 10)
#define CR4_FSGSBASE (1ULL << 16)
#define CR4_OSXSAVE (1ULL << 18)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define EFER_NXE (1ULL << 11)

/* Offsets inside the descriptor page at MOTE_GDT_GPA. */
#define GDT_ENTRIES 7
#define TSS_OFF 0x80
#define IDT_OFF 0x100
#define TSS_LIMIT 0x67

struct pt_alloc {
	uint8_t *mem;
	uint64_t next, end; /* next free page-table page, end of area */
};

static uint64_t *pt_page(struct pt_alloc *a, uint64_t gpa)
{
	return (uint64_t *)(a->mem + gpa);
}

/* Returns the table that entry e points to, allocating a zeroed one. */
static int pt_next(struct pt_alloc *a, uint64_t *e, uint64_t *out)
{
	if (!(*e & PTE_P)) {
		if (a->next >= a->end)
			return -E2BIG;
		memset(a->mem + a->next, 0, MOTE_PAGE_SIZE);
		/* Intermediate levels grant everything; leaves restrict. */
		*e = a->next | PTE_P | PTE_W | PTE_U | PTE_A;
		a->next += MOTE_PAGE_SIZE;
	}
	*out = *e & PTE_ADDR;
	return 0;
}

/* Identity-maps [start, end) with leaf flags, 2 MiB pages where possible. */
static int map_range(struct pt_alloc *a, uint64_t start, uint64_t end,
		     uint64_t flags)
{
	uint64_t *pml4 = pt_page(a, MOTE_PT_GPA);

	while (start < end) {
		uint64_t pdpt, pd, pt, *pde;
		int rc;

		rc = pt_next(a, &pml4[(start >> 39) & 511], &pdpt);
		if (!rc)
			rc = pt_next(a, &pt_page(a, pdpt)[(start >> 30) & 511],
				     &pd);
		if (rc)
			return rc;
		pde = &pt_page(a, pd)[(start >> 21) & 511];
		if ((start & (TWO_MIB - 1)) == 0 && end - start >= TWO_MIB &&
		    !(*pde & PTE_P)) {
			*pde = start | flags | PTE_PS;
			start += TWO_MIB;
			continue;
		}
		rc = pt_next(a, pde, &pt);
		if (rc)
			return rc;
		pt_page(a, pt)[(start >> 12) & 511] = start | flags;
		start += MOTE_PAGE_SIZE;
	}
	return 0;
}

static uint64_t seg_flags(uint32_t pf)
{
	uint64_t f = PTE_P | PTE_U | PTE_A;

	if (pf & PF_W)
		f |= PTE_W | PTE_D;
	if (!(pf & PF_X))
		f |= PTE_NX;
	return f;
}

static void build_descriptors(uint8_t *mem)
{
	uint64_t *gdt = (uint64_t *)(mem + MOTE_GDT_GPA);
	uint8_t *idt = mem + MOTE_GDT_GPA + IDT_OFF;
	uint64_t tss = MOTE_GDT_GPA + TSS_OFF;

	memset(mem + MOTE_GDT_GPA, 0, MOTE_PAGE_SIZE);
	/* Accessed bits preset: the page is read-only to the CPU's view too. */
	gdt[1] = 0x00af9b000000ffffULL; /* 0x08: code64, DPL0 (unused) */
	gdt[2] = 0x00cf93000000ffffULL; /* 0x10: data, DPL0 (unused) */
	gdt[3] = 0x00affb000000ffffULL; /* 0x18: code64, DPL3 */
	gdt[4] = 0x00cff3000000ffffULL; /* 0x20: data, DPL3 */
	/* 0x28: 64-bit TSS, busy */
	gdt[5] = TSS_LIMIT | ((tss & 0xffffff) << 16) | (0x8bULL << 40) |
		 (((tss >> 24) & 0xff) << 56);
	gdt[6] = tss >> 32;
	/* No privilege change on exceptions, so no stack switch; the I/O map
	 * base lies past the limit: no port is open to the guest. */
	*(uint16_t *)(mem + tss + 0x66) = 0x68;

	/* Interrupt gates, DPL 0 (so `int n` from the guest is a #GP), into
	 * DPL-3 stubs that report the vector and never return. */
	for (unsigned v = 0; v < MOTE_EXCEPTION_VECTORS; v++) {
		uint64_t h = MOTE_STUBS_GPA + v * MOTE_STUB_SIZE;
		uint8_t *g = idt + v * 16;

		memset(g, 0, 16);
		g[0] = h & 0xff;
		g[1] = (h >> 8) & 0xff;
		g[2] = MOTE_SEL_CODE;
		g[5] = 0x8e; /* present, DPL0, 64-bit interrupt gate */
		g[6] = (h >> 16) & 0xff;
		g[7] = (h >> 24) & 0xff;
		*(uint32_t *)(g + 8) = (uint32_t)(h >> 32);
	}
}

/*
 * Warm-up code for pooled VMs: reads one byte of every page in [%rsi, %rcx)
 * so the VM's first real guest finds its image pages already mapped in
 * the shadow page tables, then falls into the #UD stub's doorbell store.
 */
static void build_warm_stub(uint8_t *p)
{
	static const uint8_t loop[] = {
		0x8a, 0x06,                               /* 1: mov (%rsi), %al */
		0x48, 0x81, 0xc6, 0x00, 0x10, 0x00, 0x00, /* add $4096, %rsi */
		0x48, 0x39, 0xce,                         /* cmp %rcx, %rsi */
		0x72, 0xf2,                               /* jb 1b */
		0xe9, 0, 0, 0, 0,                         /* jmp stub 6 */
	};
	int32_t rel = (int32_t)((int64_t)(MOTE_STUBS_GPA + 6 * MOTE_STUB_SIZE) -
				(int64_t)(CPU_WARM_GPA + sizeof(loop)));

	memcpy(p, loop, sizeof(loop));
	memcpy(p + sizeof(loop) - 4, &rel, sizeof(rel));
}

static void build_stubs(uint8_t *mem)
{
	uint8_t *p = mem + MOTE_STUBS_GPA;
	uint64_t hc = MOTE_HC_GPA + 8 * MOTE_HC_FAULT;

	memset(p, 0xcc, MOTE_PAGE_SIZE); /* int3 between stubs */
	for (unsigned v = 0; v < MOTE_EXCEPTION_VECTORS; v++) {
		/* rax and rdx are saved first: the monitor reports the
		 * guest's rax (a system call's number, say). */
		uint8_t code[] = {
			0x50,                      /* push %rax */
			0x52,                      /* push %rdx */
			0xb8, (uint8_t)v, 0, 0, 0, /* mov $v, %eax */
			0x48, 0xba, 0, 0, 0, 0, 0, 0, 0, 0, /* movabs $hc, %rdx */
			0x48, 0x89, 0x02,          /* mov %rax, (%rdx) */
			0x0f, 0x0b,                /* ud2 */
			0xeb, 0xfe,                /* jmp . */
		};
		_Static_assert(sizeof(code) <= MOTE_STUB_SIZE, "stub size");
		memcpy(code + 9, &hc, sizeof(hc));
		memcpy(p + v * MOTE_STUB_SIZE, code, sizeof(code));
	}
	build_warm_stub(p + (CPU_WARM_GPA - MOTE_STUBS_GPA));
}

/* One range to map, for the table cpu_build_tables walks. */
struct map_item {
	uint64_t start, end, flags;
};

int cpu_build_tables(uint8_t *mem, const struct mote_image *img,
		     const struct guest_layout *l, unsigned ndev,
		     struct mote_err *err)
{
	struct pt_alloc a = { mem, MOTE_PT_GPA + MOTE_PAGE_SIZE, MOTE_PT_END };
	struct map_item items[IMAGE_MAX_SEGMENTS + 8];
	unsigned n = 0;

	build_descriptors(mem);
	build_stubs(mem);
	memset(mem + MOTE_PT_GPA, 0, MOTE_PAGE_SIZE);

	/* Descriptor page: supervisor-only, read-only, so the guest can
	 * neither read nor change it. */
	items[n++] = (struct map_item){ MOTE_GDT_GPA,
					MOTE_GDT_GPA + MOTE_PAGE_SIZE,
					PTE_P | PTE_A | PTE_NX };
	items[n++] = (struct map_item){ MOTE_STUBS_GPA,
					MOTE_STUBS_GPA + MOTE_PAGE_SIZE,
					PTE_P | PTE_U | PTE_A };
	/* Boot info, device table and the program headers: read-only. */
	items[n++] = (struct map_item){ MOTE_BOOT_INFO_GPA,
					MOTE_PHDR_GPA + MOTE_PHDR_SIZE,
					PTE_P | PTE_U | PTE_A | PTE_NX };
	for (unsigned i = 0; i < img->nseg; i++)
		items[n++] = (struct map_item){ img->seg[i].start,
						img->seg[i].end,
						seg_flags(img->seg[i].flags) };
	/* TLS, TCB and heap are one writable range; the guard below the
	 * stack stays unmapped. */
	items[n++] = (struct map_item){ img->hi, l->heap_end,
					seg_flags(PF_R | PF_W) };
	items[n++] = (struct map_item){ l->stack_lo, l->mem_size,
					seg_flags(PF_R | PF_W) };
	/* The hypercall doorbell: no memory behind it, every store exits. */
	items[n++] = (struct map_item){ MOTE_HC_GPA, MOTE_HC_GPA + MOTE_PAGE_SIZE,
					seg_flags(PF_W) };
	/* The VM's virtio-mmio windows, the same way: read+write, NX, no
	 * memory behind them, so every access but the ioeventfd-bound
	 * QueueNotify exits. Windows of devices it lacks stay unmapped. */
	items[n++] = (struct map_item){ MOTE_DEVICE_GPA,
					MOTE_DEVICE_GPA +
						ndev * MOTE_DEVICE_SIZE,
					seg_flags(PF_R | PF_W) };
	for (unsigned i = 0; i < n; i++)
		if (map_range(&a, items[i].start, items[i].end,
			      items[i].flags) < 0)
			return err_set(err, E2BIG,
				       "page tables for this image exceed the "
				       "reserved area");
	return 0;
}

static void set_seg(struct kvm_segment *s, uint16_t sel, uint8_t type,
		    uint8_t dpl, uint8_t l, uint8_t db)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->dpl = dpl;
	s->db = db;
	s->s = 1;
	s->l = l;
	s->g = 1;
}

int cpu_set_entry_state(int vcpu_fd, const struct cpu_entry *e,
			struct mote_err *err)
{
	struct kvm_sregs sr;
	struct kvm_regs r;

	memset(&sr, 0, sizeof(sr));
	set_seg(&sr.cs, MOTE_SEL_CODE, 0xb, 3, 1, 0);
	set_seg(&sr.ds, MOTE_SEL_DATA, 0x3, 3, 0, 1);
	sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
	/* The thread pointer; GS base starts at 0. Both are rewritten at
	 * every start, so nothing a guest set survives into the next. */
	sr.fs.base = e->fs_base;
	sr.gs.base = e->gs_base;
	sr.tr.base = MOTE_GDT_GPA + TSS_OFF;
	sr.tr.limit = TSS_LIMIT;
	sr.tr.selector = MOTE_SEL_TSS;
	sr.tr.type = 0xb;
	sr.tr.present = 1;
	sr.ldt.selector = 0;
	sr.ldt.type = 0x2;
	sr.ldt.unusable = 1;
	sr.gdt.base = MOTE_GDT_GPA;
	sr.gdt.limit = GDT_ENTRIES * 8 - 1;
	sr.idt.base = MOTE_GDT_GPA + IDT_OFF;
	sr.idt.limit = MOTE_EXCEPTION_VECTORS * 16 - 1;
	sr.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	sr.cr3 = MOTE_PT_GPA;
	/* OSXSAVE: xgetbv works and XCR0 (set by the monitor) says what
	 * state the guest may use; FSGSBASE only where the CPU has it. */
	sr.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE |
		 (e->fsgsbase ? CR4_FSGSBASE : 0);
	sr.efer = EFER_LME | EFER_LMA | EFER_NXE;
	if (ioctl(vcpu_fd, KVM_SET_SREGS, &sr) < 0)
		return err_set(err, errno, "KVM_SET_SREGS: %s", strerror(errno));

	memset(&r, 0, sizeof(r));
	r.rip = e->rip;
	r.rsp = e->rsp;
	r.rdi = MOTE_BOOT_INFO_GPA;
	r.rflags = 0x2;
	if (ioctl(vcpu_fd, KVM_SET_REGS, &r) < 0)
		return err_set(err, errno, "KVM_SET_REGS: %s", strerror(errno));
	return 0;
}
