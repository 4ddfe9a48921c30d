/* Timing helpers the benchmarks share: a clock, a median, and the
 * interleaved-rounds comparison of our call against the bare Win32 one.
 * Ratios are measured in one run and printed; nothing is asserted. */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>

/* Rounds of each side in bench_compare, interleaved ours, bare, ... */
#define BENCH_ROUNDS 15

/* Seconds from an arbitrary start (QueryPerformanceCounter). */
double bench_now(void);

/* The median of v[0..n): sorts v. */
double bench_median(double *v, int n);

/* Writes one byte to every page of [p, p + len). */
void bench_touch(volatile char *p, size_t len);

/* Prints one line: what, the two times, their ratio and the target
 * (none when target is 0: a line that measures Windows, not us). */
void bench_print(const char *what, double ours, double bare,
                 double target);

/* Each side does its job n times and returns seconds per job. After a
 * warm-up of n / 10 jobs each, runs BENCH_ROUNDS rounds of ours then
 * bare and prints the medians with bench_print. */
void bench_compare(const char *what, double (*ours)(int),
                   double (*bare)(int), int n, double target);

/* perror(what) and exit(1): a benchmark that cannot do its job. */
void bench_fail(const char *what);

#endif /* BENCH_H */
