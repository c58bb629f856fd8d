/*
 * `mote bench`: boot latency, density and start-rate benchmarks of any
 * image, side by side with the raw-KVM floor and QEMU microvm.
 */
#ifndef MOTE_BENCH_H
#define MOTE_BENCH_H

/* argv holds the arguments after "bench"; returns the exit status. */
int bench_main(int argc, char **argv);

#endif
