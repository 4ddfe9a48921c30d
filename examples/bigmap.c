/* bigmap: map 32 MiB of anonymous memory and use it, then try 256 MiB.
 *
 * This is seed 003's experiment on Windows CE. What CE 5 (and Windows
 * Mobile 5/6) documents for it: a process has a 32 MB slot of address
 * space ("Virtual Memory", Windows CE 5.0, aa450669), which 32 MiB does
 * not fit in; but a reservation of 2 MB or more made without access and
 * then committed is placed outside the slot, in the shared region above
 * 0x42000000 (VirtualAlloc, aa450975; the Large Memory Area,
 * davidfindlay.org/weblog/files/ce_lma.html), which libmman does for
 * large anonymous mappings. That region spans about 992 MB (0x42000000
 * to 0x7FFFFFFF, KB Q326162), so both mappings succeed, as on desktop
 * Windows; the RAM for the pages touched must exist (CE has no page
 * file). On CE 6 and later a process has 2 GB of its own (ee482770).
 * The CE-rules build enforces these budgets (README, "Windows CE"). */
#define _POSIX_C_SOURCE 200809L
/* glibc shows MAP_ANONYMOUS only with _DEFAULT_SOURCE. */
#define _DEFAULT_SOURCE
#include <sys/mman.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIB ((size_t)1 << 20)

int main(void)
{
    size_t len = 32 * MIB;
    double *d;
    char *p;
    int i;

    d = mmap(NULL, len, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (d == MAP_FAILED) {
        fprintf(stderr, "bigmap: mmap 32 MiB: %s\n", strerror(errno));
        return 1;
    }
    for (i = 0; i < 100; i++)
        d[i] = 10.11 * i;
    printf("bigmap: mapped 32 MiB at %p, element 99 = %.2f\n",
           (void *)d, d[99]);
    if (munmap(d, len) < 0) {
        fprintf(stderr, "bigmap: munmap 32 MiB: %s\n", strerror(errno));
        return 1;
    }

    len = 256 * MIB;
    p = mmap(NULL, len, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        printf("bigmap: 256 MiB mapping failed: %s\n", strerror(errno));
        return 0;
    }
    p[0] = 1;
    p[len - 1] = 1;
    printf("bigmap: 256 MiB mapping succeeded\n");
    if (munmap(p, len) < 0) {
        fprintf(stderr, "bigmap: munmap 256 MiB: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}
