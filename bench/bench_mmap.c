/* mmap/munmap against the bare Win32 calls doing the same job, and
 * munmap among many mappings against among few. Prints ratios measured
 * in this one run (medians of interleaved rounds); asserts nothing. */
#include "../lib/internal.h"
#include "bench.h"

#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define SIZE (64 * 1024)

static int fd;
static HANDLE file;

static double ours_file(int n)
{
    double t = bench_now();
    int i;

    for (i = 0; i < n; i++) {
        char *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

        if (p == MAP_FAILED)
            abort();
        bench_touch(p, SIZE);
        munmap(p, SIZE);
    }
    return (bench_now() - t) / n;
}

static double bare_file(int n)
{
    double t = bench_now();
    int i;

    for (i = 0; i < n; i++) {
        HANDLE s = CreateFileMappingW(file, NULL, PAGE_READWRITE, 0, 0, NULL);
        char *p = MapViewOfFile(s, FILE_MAP_WRITE, 0, 0, SIZE);

        if (!p)
            abort();
        bench_touch(p, SIZE);
        UnmapViewOfFile(p);
        CloseHandle(s);
    }
    return (bench_now() - t) / n;
}

static double ours_anon(int n)
{
    double t = bench_now();
    int i;

    for (i = 0; i < n; i++) {
        char *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

        if (p == MAP_FAILED)
            abort();
        bench_touch(p, SIZE);
        munmap(p, SIZE);
    }
    return (bench_now() - t) / n;
}

static double bare_anon(int n)
{
    double t = bench_now();
    int i;

    for (i = 0; i < n; i++) {
        char *p = VirtualAlloc(NULL, SIZE, MEM_RESERVE | MEM_COMMIT,
                               PAGE_READWRITE);

        if (!p)
            abort();
        bench_touch(p, SIZE);
        VirtualFree(p, 0, MEM_RELEASE);
    }
    return (bench_now() - t) / n;
}

/* munmap of one mapping while `live` others exist. */
static double munmap_among(int live, int n)
{
    char **keep = malloc(sizeof *keep * (size_t)live);
    double total = 0, t;
    int i;

    for (i = 0; i < live; i++) {
        keep[i] = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (keep[i] == MAP_FAILED) {
            perror("bench: mmap");
            exit(1);
        }
    }
    for (i = 0; i < n; i++) {
        char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

        if (p == MAP_FAILED) {
            perror("bench: mmap");
            exit(1);
        }
        t = bench_now();
        if (munmap(p, 4096) != 0)
            abort();
        total += bench_now() - t;
    }
    for (i = 0; i < live; i++)
        munmap(keep[i], 4096);
    free(keep);
    return total / n;
}

int main(void)
{
    double many[5], few[5], mm, mf;
    int r;

    _fmode = _O_BINARY;
    fd = open("bench-64k.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ftruncate(fd, SIZE) != 0)
        return 1;
    file = (HANDLE)_get_osfhandle(fd);
    bench_compare("mmap+touch+munmap, 64 KiB file MAP_SHARED", ours_file,
                  bare_file, 200, 1.25);
    bench_compare("mmap+touch+munmap, 64 KiB anonymous", ours_anon,
                  bare_anon, 2000, 1.10);
    for (r = 0; r < 5; r++) {
        many[r] = munmap_among(100000, 2000);
        few[r] = munmap_among(10, 2000);
    }
    mm = bench_median(many, 5);
    mf = bench_median(few, 5);
    bench_print("munmap among 100,000 vs among 10", mm, mf, 1.50);
    printf("registry memory per live mapping: %u bytes (fragment %u + view "
           "%u, before malloc overhead)\n",
           (unsigned)(sizeof(struct mman_fragment) +
                      sizeof(struct mman_view)),
           (unsigned)sizeof(struct mman_fragment),
           (unsigned)sizeof(struct mman_view));
    close(fd);
    unlink("bench-64k.bin");
    return 0;
}
