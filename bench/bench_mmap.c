/* mmap/munmap against the bare Win32 calls doing the same job, and
 * munmap among many mappings against among few. Prints ratios measured
 * in this one run (medians of interleaved rounds); asserts nothing. */
#include "../lib/internal.h"

#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define ROUNDS 15
#define SIZE (64 * 1024)

static double now(void)
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

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return v[n / 2];
}

static void touch(volatile char *p, size_t len)
{
    size_t i;

    for (i = 0; i < len; i += 4096)
        p[i] = (char)i;
}

static int fd;
static HANDLE file;

static double ours_file(int n)
{
    double t = now();
    int i;

    for (i = 0; i < n; i++) {
        char *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

        if (p == MAP_FAILED)
            abort();
        touch(p, SIZE);
        munmap(p, SIZE);
    }
    return (now() - t) / n;
}

static double bare_file(int n)
{
    double t = now();
    int i;

    for (i = 0; i < n; i++) {
        HANDLE s = CreateFileMappingW(file, NULL, PAGE_READWRITE, 0, 0, NULL);
        char *p = MapViewOfFile(s, FILE_MAP_WRITE, 0, 0, SIZE);

        if (!p)
            abort();
        touch(p, SIZE);
        UnmapViewOfFile(p);
        CloseHandle(s);
    }
    return (now() - t) / n;
}

static double ours_anon(int n)
{
    double t = now();
    int i;

    for (i = 0; i < n; i++) {
        char *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

        if (p == MAP_FAILED)
            abort();
        touch(p, SIZE);
        munmap(p, SIZE);
    }
    return (now() - t) / n;
}

static double bare_anon(int n)
{
    double t = now();
    int i;

    for (i = 0; i < n; i++) {
        char *p = VirtualAlloc(NULL, SIZE, MEM_RESERVE | MEM_COMMIT,
                               PAGE_READWRITE);

        if (!p)
            abort();
        touch(p, SIZE);
        VirtualFree(p, 0, MEM_RELEASE);
    }
    return (now() - t) / n;
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
        t = now();
        if (munmap(p, 4096) != 0)
            abort();
        total += now() - t;
    }
    for (i = 0; i < live; i++)
        munmap(keep[i], 4096);
    free(keep);
    return total / n;
}

static void compare(const char *what, double (*ours)(int),
                    double (*bare)(int), int n, double target)
{
    double a[ROUNDS], b[ROUNDS], ma, mb;
    int r;

    ours(n / 10);
    bare(n / 10);
    for (r = 0; r < ROUNDS; r++) {
        a[r] = ours(n);
        b[r] = bare(n);
    }
    ma = median(a, ROUNDS);
    mb = median(b, ROUNDS);
    printf("%-44s %7.1f us vs %7.1f us  ratio %.2fx (target <= %.2fx)\n",
           what, ma * 1e6, mb * 1e6, ma / mb, target);
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
    compare("mmap+touch+munmap, 64 KiB file MAP_SHARED", ours_file,
            bare_file, 200, 1.25);
    compare("mmap+touch+munmap, 64 KiB anonymous", ours_anon, bare_anon,
            2000, 1.10);
    for (r = 0; r < 5; r++) {
        many[r] = munmap_among(100000, 2000);
        few[r] = munmap_among(10, 2000);
    }
    mm = median(many, 5);
    mf = median(few, 5);
    printf("%-44s %7.1f us vs %7.1f us  ratio %.2fx (target <= 1.50x)\n",
           "munmap among 100,000 vs among 10", mm * 1e6, mf * 1e6, mm / mf);
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
