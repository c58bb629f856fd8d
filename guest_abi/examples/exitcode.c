/*
 * Exits with the status given as argv[1] (0 if absent), to test argv
 * passing and that the monitor reports the guest's status.
 */
#include <stdlib.h>

int main(int argc, char **argv)
{
	return argc > 1 ? atoi(argv[1]) : 0;
}
