/*
 * musl's internal locks (__lock.o, __lockfile.o) take futexes when
 * threads exist. A guest has one thread, so they are no-ops; file locks
 * report "nothing to unlock".
 */
#include <stdio.h>

void __lock(volatile int *l);
void __unlock(volatile int *l);
int __lockfile(FILE *f);
void __unlockfile(FILE *f);

void __lock(volatile int *l)
{
	(void)l;
}

void __unlock(volatile int *l)
{
	(void)l;
}

int __lockfile(FILE *f)
{
	(void)f;
	return 0;
}

void __unlockfile(FILE *f)
{
	(void)f;
}
