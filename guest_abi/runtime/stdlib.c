/*
 * Small <stdlib.h> utilities: absolute values, division, a seeded
 * pseudo-random generator and getenv (a mote guest has no environment).
 */
#include <stdint.h>
#include <stdlib.h>

int abs(int x)
{
	return x < 0 ? -x : x;
}

long labs(long x)
{
	return x < 0 ? -x : x;
}

long long llabs(long long x)
{
	return x < 0 ? -x : x;
}

div_t div(int num, int den)
{
	return (div_t){ num / den, num % den };
}

ldiv_t ldiv(long num, long den)
{
	return (ldiv_t){ num / den, num % den };
}

/* Same default seed as C specifies (srand(1)); a 64-bit LCG whose high
 * bits are used because the low ones have short periods. */
static uint64_t rand_state = 1;

void srand(unsigned seed)
{
	rand_state = seed;
}

int rand(void)
{
	rand_state = rand_state * 6364136223846793005ULL +
		     1442695040888963407ULL;
	return (int)(rand_state >> 33);
}

char *getenv(const char *name)
{
	(void)name;
	return NULL;
}
