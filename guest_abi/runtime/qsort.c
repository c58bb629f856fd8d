/*
 * qsort and bsearch. qsort is an introsort: median-of-three quicksort,
 * heapsort once recursion gets too deep, insertion sort for short runs.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

typedef int (*cmp_fn)(const void *, const void *);

static void swap(char *a, char *b, size_t size)
{
	if (a == b)
		return;
	for (; size >= 8; size -= 8, a += 8, b += 8) {
		uint64_t t;

		__builtin_memcpy(&t, a, 8);
		__builtin_memcpy(a, b, 8);
		__builtin_memcpy(b, &t, 8);
	}
	for (; size > 0; size--, a++, b++) {
		char t = *a;

		*a = *b;
		*b = t;
	}
}

static void insertion_sort(char *base, size_t n, size_t size, cmp_fn cmp)
{
	for (size_t i = 1; i < n; i++)
		for (char *p = base + i * size;
		     p > base && cmp(p - size, p) > 0; p -= size)
			swap(p - size, p, size);
}

static void sift_down(char *base, size_t root, size_t n, size_t size,
		      cmp_fn cmp)
{
	for (;;) {
		size_t child = 2 * root + 1;

		if (child >= n)
			return;
		if (child + 1 < n &&
		    cmp(base + child * size, base + (child + 1) * size) < 0)
			child++;
		if (cmp(base + root * size, base + child * size) >= 0)
			return;
		swap(base + root * size, base + child * size, size);
		root = child;
	}
}

static void heap_sort(char *base, size_t n, size_t size, cmp_fn cmp)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(base, i, n, size, cmp);
	for (size_t end = n - 1; end > 0; end--) {
		swap(base, base + end * size, size);
		sift_down(base, 0, end, size, cmp);
	}
}

/* Moves the median of first, middle and last to the front as the pivot. */
static void choose_pivot(char *base, size_t n, size_t size, cmp_fn cmp)
{
	char *a = base, *b = base + n / 2 * size, *c = base + (n - 1) * size;

	if (cmp(a, b) > 0)
		swap(a, b, size);
	if (cmp(b, c) > 0) {
		swap(b, c, size);
		if (cmp(a, b) > 0)
			swap(a, b, size);
	}
	swap(base, b, size);
}

static void intro_sort(char *base, size_t n, size_t size, cmp_fn cmp,
		       unsigned depth)
{
	while (n > 16) {
		if (depth-- == 0) {
			heap_sort(base, n, size, cmp);
			return;
		}
		choose_pivot(base, n, size, cmp);

		/* Hoare partition around base[0]; equal keys go both ways,
		 * which keeps runs of duplicates balanced. */
		size_t i = 0, j = n;

		for (;;) {
			do
				i++;
			while (i < n && cmp(base + i * size, base) < 0);
			do
				j--;
			while (cmp(base + j * size, base) > 0);
			if (i >= j)
				break;
			swap(base + i * size, base + j * size, size);
		}
		swap(base, base + j * size, size);

		/* Recurse into the smaller side, loop on the larger, so the
		 * stack stays logarithmic. */
		size_t left = j, right = n - j - 1;
		char *rbase = base + (j + 1) * size;

		if (left < right) {
			intro_sort(base, left, size, cmp, depth);
			base = rbase;
			n = right;
		} else {
			intro_sort(rbase, right, size, cmp, depth);
			n = left;
		}
	}
	insertion_sort(base, n, size, cmp);
}

void qsort(void *base, size_t nmemb, size_t size, cmp_fn cmp)
{
	unsigned depth = 0;

	if (nmemb < 2 || size == 0)
		return;
	for (size_t n = nmemb; n > 1; n >>= 1)
		depth += 2;
	intro_sort(base, nmemb, size, cmp, depth);
}

void *bsearch(const void *key, const void *base, size_t nmemb, size_t size,
	      cmp_fn cmp)
{
	const char *lo = base;

	while (nmemb > 0) {
		const char *mid = lo + nmemb / 2 * size;
		int r = cmp(key, mid);

		if (r == 0)
			return (void *)mid;
		if (r > 0) {
			lo = mid + size;
			nmemb -= nmemb / 2 + 1;
		} else {
			nmemb /= 2;
		}
	}
	return NULL;
}
