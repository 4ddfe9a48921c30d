/* Timing helpers the benchmarks share (see bench.h). */
#include "bench.h"

#include <windows.h>

#include <stdio.h>
#include <stdlib.h>

double bench_now(void)
{
    static LARGE_INTEGER freq;
    LARGE_INTEGER t;

    if (!freq.QuadPart)
        QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&t);
    return (double)t.QuadPart / (double)freq.QuadPart;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return v[n / 2];
}

void bench_touch(volatile char *p, size_t len)
{
    size_t i;

    for (i = 0; i < len; i += 4096)
        p[i] = (char)i;
}

void bench_print(const char *what, double ours, double bare, double target)
{
    printf("%-44s %7.1f us vs %7.1f us  ratio %.2fx ", what, ours * 1e6,
           bare * 1e6, ours / bare);
    if (target > 0)
        printf("(target <= %.2fx)\n", target);
    else
        printf("(Windows' own cost: no target)\n");
    fflush(stdout);
}

void bench_compare(const char *what, double (*ours)(int),
                   double (*bare)(int), int n, double target)
{
    double a[BENCH_ROUNDS], b[BENCH_ROUNDS];
    int r;

    ours(n / 10);
    bare(n / 10);
    for (r = 0; r < BENCH_ROUNDS; r++) {
        a[r] = ours(n);
        b[r] = bare(n);
    }
    bench_print(what, bench_median(a, BENCH_ROUNDS),
                bench_median(b, BENCH_ROUNDS), target);
}

void bench_fail(const char *what)
{
    perror(what);
    exit(1);
}
