/*
 * The heap, in place of musl's malloc objects (mallocng's and the lite
 * bump allocator, plus calloc, aligned_alloc, posix_memalign, memalign,
 * malloc_usable_size, donate and replaced): boundary-tag chunks over
 * [heap_start, heap_end) from the boot info, segregated free lists with
 * coalescing, and an untouched "top" that is carved on demand so guest pages
 * are only touched when first used.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

/* The allocator calls itself by its internal names: the compiler knows
 * what malloc and free mean and would flag the header arithmetic. */
void *__libc_malloc(size_t n);
void __libc_free(void *p);
void *__libc_calloc(size_t nmemb, size_t size);
void *__libc_realloc(void *p, size_t n);

/*
 * A chunk starts 16-byte aligned; its payload starts 16 bytes in. The
 * first word (prev_size) belongs to the previous chunk's payload unless
 * that chunk is free, in which case it holds the previous chunk's size.
 * Free chunks keep their list links in their own payload.
 */
struct chunk {
	size_t prev_size;
	size_t head; /* size (multiple of 16) | PREV_INUSE */
	struct chunk *next, *prev;
};

#define PREV_INUSE  ((size_t)1)
#define SIZE_MASK   (~(size_t)15)
#define HDR	    16		      /* chunk start to payload */
#define MIN_CHUNK   ((size_t)32)      /* room for the list links */
#define MAX_REQUEST ((size_t)1 << 40) /* far beyond MOTE_MEM_MAX */

/*
 * Bins 2..63 hold exactly one size each (32..1008 bytes); from 1024 up,
 * each power of two is split into four bins. A bitmap of non-empty bins
 * makes finding the next usable one cheap.
 */
#define NBINS 192
static struct chunk *bins[NBINS];
static uint64_t binmap[NBINS / 64];

static char *heap_lo, *heap_hi;
static struct chunk *top; /* never in a bin; runs to heap_hi */
static char *clean_from;  /* bytes from here on were never written */
static int heap_ready;	  /* 0: not set up yet, 1: ready, -1: none */

static size_t chunk_size(const struct chunk *c)
{
	return c->head & SIZE_MASK;
}

static struct chunk *chunk_at(void *p)
{
	return (struct chunk *)p;
}

static struct chunk *next_chunk(struct chunk *c)
{
	return chunk_at((char *)c + chunk_size(c));
}

static int chunk_in_use(struct chunk *c)
{
	return (int)(next_chunk(c)->head & PREV_INUSE);
}

static size_t top_size(void)
{
	return (size_t)(heap_hi - (char *)top);
}

static void set_top(struct chunk *c, size_t prev_inuse)
{
	top = c;
	top->head = top_size() | prev_inuse;
	if ((char *)top + HDR > clean_from)
		clean_from = (char *)top + HDR;
}

static unsigned bin_index(size_t size)
{
	if (size < 1024)
		return (unsigned)(size >> 4);
	unsigned lg = 63u - (unsigned)__builtin_clzll(size);
	unsigned idx = 64 + (lg - 10) * 4 + (unsigned)((size >> (lg - 2)) & 3);

	return idx < NBINS ? idx : NBINS - 1;
}

static void bin_insert(struct chunk *c)
{
	unsigned i = bin_index(chunk_size(c));

	c->prev = NULL;
	c->next = bins[i];
	if (c->next)
		c->next->prev = c;
	bins[i] = c;
	binmap[i / 64] |= 1ULL << (i % 64);
}

static void bin_remove(struct chunk *c)
{
	unsigned i = bin_index(chunk_size(c));

	if (c->prev)
		c->prev->next = c->next;
	else
		bins[i] = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (!bins[i])
		binmap[i / 64] &= ~(1ULL << (i % 64));
}

/* First non-empty bin at index >= i, or NBINS. */
static unsigned next_bin(unsigned i)
{
	while (i < NBINS) {
		uint64_t m = binmap[i / 64] & (~0ULL << (i % 64));

		if (m)
			return (i & ~63u) + (unsigned)__builtin_ctzll(m);
		i = (i & ~63u) + 64;
	}
	return NBINS;
}

static int heap_init(void)
{
	const struct mote_boot_info *bi = __mote_boot;
	uintptr_t lo = ((uintptr_t)bi->heap_start + 15) & ~(uintptr_t)15;
	uintptr_t hi = (uintptr_t)bi->heap_end & ~(uintptr_t)15;

	heap_ready = -1;
	if (hi < lo || hi - lo < 4 * MIN_CHUNK)
		return -1;
	heap_lo = (char *)lo;
	heap_hi = (char *)hi;
	clean_from = heap_lo;
	set_top(chunk_at(heap_lo), PREV_INUSE);
	heap_ready = 1;
	return 0;
}

/* Shrinks in-use chunk c to size, returning the tail to the free lists. */
static void trim(struct chunk *c, size_t size);

/* Takes a free chunk of at least size from the bins, or NULL. */
static struct chunk *take_from_bins(size_t size)
{
	unsigned i = bin_index(size);

	if (i >= 64 || bins[i] == NULL) {
		/* Large bins hold a range of sizes: first fit in our own. */
		if (i >= 64)
			for (struct chunk *c = bins[i]; c; c = c->next)
				if (chunk_size(c) >= size) {
					bin_remove(c);
					return c;
				}
		/* Anything in a higher bin is big enough. */
		i = next_bin(i + 1);
		if (i == NBINS)
			return NULL;
	}
	struct chunk *c = bins[i];

	bin_remove(c);
	return c;
}

static struct chunk *take_from_top(size_t size)
{
	/* Leave room for top's own header. */
	if (top_size() < size + HDR)
		return NULL;
	struct chunk *c = top;

	c->head = size | (c->head & PREV_INUSE);
	set_top(chunk_at((char *)c + size), PREV_INUSE);
	return c;
}

/* Chunk size for a request of n bytes: the payload may also use the next
 * chunk's prev_size word, hence + 8 rather than + HDR. */
static size_t request_size(size_t n)
{
	size_t size = (n + 8 + 15) & SIZE_MASK;

	return size < MIN_CHUNK ? MIN_CHUNK : size;
}

void *__libc_malloc(size_t n)
{
	if (heap_ready <= 0 && (heap_ready < 0 || heap_init() < 0))
		goto nomem;
	if (n > MAX_REQUEST)
		goto nomem;
	size_t size = request_size(n);
	struct chunk *c = take_from_bins(size);

	if (c) {
		next_chunk(c)->head |= PREV_INUSE;
		trim(c, size);
	} else if (!(c = take_from_top(size))) {
		goto nomem;
	}
	return (char *)c + HDR;
nomem:
	errno = ENOMEM;
	return NULL;
}

void *malloc(size_t n) __attribute__((alias("__libc_malloc")));
void *__libc_malloc_impl(size_t n) __attribute__((alias("__libc_malloc")));

/* Coalesces free chunk c (not yet in a bin) with free neighbours and files
 * it, or folds it into top. c's PREV_INUSE bit is meaningful on entry. */
static void release(struct chunk *c)
{
	size_t size = chunk_size(c);

	if (!(c->head & PREV_INUSE)) {
		struct chunk *prev = chunk_at((char *)c - c->prev_size);

		bin_remove(prev);
		size += chunk_size(prev);
		c = prev;
	}
	struct chunk *next = chunk_at((char *)c + size);

	/* Free chunks always follow an in-use one, so PREV_INUSE is set. */
	if (next == top) {
		set_top(c, PREV_INUSE);
		return;
	}
	if (!chunk_in_use(next)) {
		bin_remove(next);
		size += chunk_size(next);
		next = chunk_at((char *)c + size);
	}
	c->head = size | PREV_INUSE;
	next->prev_size = size;
	next->head &= ~PREV_INUSE;
	bin_insert(c);
}

static void trim(struct chunk *c, size_t size)
{
	size_t have = chunk_size(c);

	if (have - size < MIN_CHUNK)
		return;
	struct chunk *rest = chunk_at((char *)c + size);

	c->head = size | (c->head & PREV_INUSE);
	rest->head = (have - size) | PREV_INUSE;
	release(rest);
}

/* Maps a payload pointer back to its chunk, aborting on pointers that
 * cannot have come from malloc or whose chunk is not in use. */
static struct chunk *checked_chunk(void *p)
{
	struct chunk *c = chunk_at((char *)p - HDR);

	if (heap_ready <= 0 || ((uintptr_t)p & 15) != 0 ||
	    (char *)c < heap_lo || c >= top || chunk_size(c) < MIN_CHUNK ||
	    chunk_size(c) > (size_t)((char *)top - (char *)c) ||
	    !chunk_in_use(c)) {
		__mote_complain("free(): invalid pointer\n");
		abort();
	}
	return c;
}

void __libc_free(void *p)
{
	if (p)
		release(checked_chunk(p));
}

void free(void *p) __attribute__((alias("__libc_free")));

void *__libc_calloc(size_t nmemb, size_t size)
{
	size_t n;

	if (__builtin_mul_overflow(nmemb, size, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	char *before = clean_from;
	char *p = __libc_malloc(n);

	/* Memory above the old high-water mark is still the monitor's zero
	 * fill: clearing it would only touch pages for nothing. */
	if (p && p < before) {
		size_t dirty = (size_t)(before - p);

		memset(p, 0, dirty < n ? dirty : n);
	}
	return p;
}

void *calloc(size_t nmemb, size_t size) __attribute__((alias("__libc_calloc")));

void *__libc_realloc(void *p, size_t n)
{
	if (!p)
		return __libc_malloc(n);
	if (n > MAX_REQUEST) {
		errno = ENOMEM;
		return NULL;
	}
	struct chunk *c = checked_chunk(p);
	size_t size = request_size(n), have = chunk_size(c);

	if (have >= size) {
		trim(c, size);
		return p;
	}
	struct chunk *next = next_chunk(c);

	/* Grow in place into top or into a free neighbour. */
	if (next == top && top_size() >= size - have + HDR) {
		c->head = size | (c->head & PREV_INUSE);
		set_top(chunk_at((char *)c + size), PREV_INUSE);
		return p;
	}
	if (next != top && !chunk_in_use(next) &&
	    have + chunk_size(next) >= size) {
		bin_remove(next);
		c->head = (have + chunk_size(next)) | (c->head & PREV_INUSE);
		next_chunk(c)->head |= PREV_INUSE;
		trim(c, size);
		return p;
	}
	void *q = __libc_malloc(n);

	if (q) {
		memcpy(q, p, have - 8);
		__libc_free(p);
	}
	return q;
}

void *realloc(void *p, size_t n) __attribute__((alias("__libc_realloc")));

void *aligned_alloc(size_t align, size_t n)
{
	if (align <= HDR)
		return __libc_malloc(n);
	if ((align & (align - 1)) != 0 || align > MAX_REQUEST ||
	    n > MAX_REQUEST) {
		errno = EINVAL;
		return NULL;
	}
	/* Over-allocate, then free the misaligned lead-in as its own chunk
	 * (which needs at least MIN_CHUNK bytes) and any excess tail. */
	char *p = __libc_malloc(n + align + MIN_CHUNK);

	if (!p)
		return NULL;
	uintptr_t want = ((uintptr_t)p + MIN_CHUNK + align - 1) & ~(align - 1);

	if ((uintptr_t)p % align == 0)
		want = (uintptr_t)p;
	struct chunk *c = chunk_at(p - HDR);
	struct chunk *d = chunk_at((char *)want - HDR);
	size_t lead = (size_t)((char *)d - (char *)c);

	if (lead > 0) {
		size_t total = chunk_size(c);

		d->head = (total - lead) | PREV_INUSE;
		c->head = lead | (c->head & PREV_INUSE);
		release(c);
	}
	trim(d, request_size(n));
	return (void *)want;
}

int posix_memalign(void **out, size_t align, size_t n)
{
	if (align < sizeof(void *) || (align & (align - 1)) != 0)
		return EINVAL;
	int saved = errno;
	void *p = aligned_alloc(align, n);

	if (!p) {
		int err = errno;

		errno = saved;
		return err;
	}
	*out = p;
	return 0;
}

void *memalign(size_t align, size_t n)
{
	return aligned_alloc(align, n);
}

size_t malloc_usable_size(void *p)
{
	return p ? chunk_size(checked_chunk(p)) - 8 : 0;
}

/* musl-internal names that its other objects use or that the replaced
 * objects defined: nothing is donated, malloc is never "replaced", and
 * calloc here already knows which memory is still zero. */
void __malloc_donate(char *start, char *end)
{
	(void)start, (void)end;
}

int __malloc_allzerop(void *p)
{
	(void)p;
	return 0;
}

int __malloc_replaced, __aligned_alloc_replaced;
static volatile int bump_lock;
volatile int *const __bump_lockptr = &bump_lock;
