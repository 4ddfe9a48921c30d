/* msync(MS_ASYNC) and mprotect on one page of a mapping among 100,000
 * live mappings, against the bare Win32 call on the same page
 * (FlushViewOfFile, VirtualProtect). Prints ratios measured in this one
 * run (medians of interleaved rounds); asserts nothing. */
#include "../lib/internal.h"
#include "bench.h"

#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define LIVE 100000
#define SIZE (64 * 1024)
#define PAGE 4096

/* The measured page: the second page of its mapping, so that the call
 * covers part of a mapping, not all of it. */
static char *file_page, *anon_page;

/* Both sides dirty the page before each flush, so both have a page to
 * write back. */
static double ours_msync(int n)
{
    double t = bench_now();
    int i;

    for (i = 0; i < n; i++) {
        file_page[0] = (char)i;
        if (msync(file_page, PAGE, MS_ASYNC) != 0)
            bench_fail("bench: msync");
    }
    return (bench_now() - t) / n;
}

static double bare_msync(int n)
{
    double t = bench_now();
    int i;

    for (i = 0; i < n; i++) {
        file_page[0] = (char)i;
        if (!FlushViewOfFile(file_page, PAGE)) {
            fprintf(stderr, "bench: FlushViewOfFile: %lu\n",
                    (unsigned long)GetLastError());
            exit(1);
        }
    }
    return (bench_now() - t) / n;
}

/* Both sides toggle the page between read-only and read-write; n is
 * even, so each round ends where it began (read-write). mman__mprotect
 * is what <sys/mman.h> makes mprotect call in a user's program; this
 * program is built as part of the library, which sees the plain name. */
static double ours_mprotect(int n)
{
    double t = bench_now();
    int i;

    for (i = 0; i < n; i++) {
        int prot = i & 1 ? PROT_READ | PROT_WRITE : PROT_READ;

        if (mman__mprotect(anon_page, PAGE, prot) != 0)
            bench_fail("bench: mprotect");
    }
    return (bench_now() - t) / n;
}

static double bare_mprotect(int n)
{
    double t = bench_now();
    DWORD old;
    int i;

    for (i = 0; i < n; i++) {
        DWORD protect = i & 1 ? PAGE_READWRITE : PAGE_READONLY;

        if (!VirtualProtect(anon_page, PAGE, protect, &old)) {
            fprintf(stderr, "bench: VirtualProtect: %lu\n",
                    (unsigned long)GetLastError());
            exit(1);
        }
    }
    return (bench_now() - t) / n;
}

int main(void)
{
    char **live = malloc(sizeof *live * LIVE);
    char *file_map, *anon_map;
    int fd, i;

    _fmode = _O_BINARY;
    if (!live)
        bench_fail("bench: malloc");
    for (i = 0; i < LIVE; i++) {
        live[i] = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (live[i] == MAP_FAILED)
            bench_fail("bench: mmap");
    }
    fd = open("bench-range.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ftruncate(fd, SIZE) != 0)
        bench_fail("bench: bench-range.bin");
    file_map = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    anon_map = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (file_map == MAP_FAILED || anon_map == MAP_FAILED)
        bench_fail("bench: mmap");
    bench_touch(file_map, SIZE);
    bench_touch(anon_map, SIZE);
    file_page = file_map + PAGE;
    anon_page = anon_map + PAGE;

    bench_compare("msync MS_ASYNC, dirty page, among 100,000", ours_msync,
                  bare_msync, 10000, 1.20);
    bench_compare("mprotect R<->RW, 1 page, among 100,000", ours_mprotect,
                  bare_mprotect, 10000, 1.20);

    munmap(anon_map, SIZE);
    munmap(file_map, SIZE);
    close(fd);
    unlink("bench-range.bin");
    for (i = 0; i < LIVE; i++)
        munmap(live[i], PAGE);
    free(live);
    return 0;
}
