/* The shared memory cycle shm_open + ftruncate(64 KiB) + mmap(MAP_SHARED)
 * + touch every page + munmap + close, against the bare Win32 job: a
 * named pagefile-backed section, CreateFileMappingW + MapViewOfFile +
 * touch + UnmapViewOfFile + CloseHandle. Twice: with the object removed
 * every cycle (shm_unlink; the section dies with its last handle), and
 * with it kept from cycle to cycle (unlinked once at the end; a handle
 * held open keeps the section). After each, the least any object that
 * is a file can cost (DESIGN.md 3: a section dies with its last handle
 * and cannot grow): the same cycle in bare Win32 calls on the object's
 * file, against the section, and ours against it. Prints ratios
 * measured in this one run (medians of interleaved rounds); asserts
 * nothing. */
#include "../lib/internal.h"
#include "bench.h"

#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SIZE (64 * 1024)

static char name[64];
static wchar_t wname[64];

/* One cycle of ours; with unlink, the object is removed at its end. */
static void ours_cycle(int unlink_each)
{
    int fd = shm_open(name, O_CREAT | O_RDWR, 0600);
    char *p;

    if (fd < 0)
        bench_fail("bench: shm_open");
    if (ftruncate(fd, SIZE) != 0)
        bench_fail("bench: ftruncate");
    p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        bench_fail("bench: mmap");
    bench_touch(p, SIZE);
    if (munmap(p, SIZE) != 0)
        bench_fail("bench: munmap");
    if (close(fd) != 0)
        bench_fail("bench: close");
    if (unlink_each && shm_unlink(name) != 0)
        bench_fail("bench: shm_unlink");
}

/* (removed: the section always goes with its last handle) */
static void bare_cycle(int removed)
{
    HANDLE s = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL,
                                  PAGE_READWRITE, 0, SIZE, wname);
    char *p = s ? MapViewOfFile(s, FILE_MAP_WRITE, 0, 0, SIZE) : NULL;

    (void)removed;
    if (!p) {
        fprintf(stderr, "bench: CreateFileMappingW/MapViewOfFile: %lu\n",
                (unsigned long)GetLastError());
        exit(1);
    }
    bench_touch(p, SIZE);
    UnmapViewOfFile(p);
    CloseHandle(s);
}

/* The cycle in bare calls on the object's file (file_path: the file
 * shm_open made): open it, give the descriptor its size, map it, touch,
 * unmap, close; with delete_each, remove it as POSIX's unlink must,
 * through one handle: renamed, so that the name goes at once also while
 * others hold the file, and deleted. What the C runtime and Windows
 * cost for a file, and nothing of ours. */
static wchar_t file_path[1024];

static void remove_file(void)
{
    static struct {
        FILE_RENAME_INFO info;
        wchar_t room[1100];
    } rename;
    FILE_DISPOSITION_INFO disposition = {TRUE};
    HANDLE h = CreateFileW(file_path, DELETE,
                           FILE_SHARE_READ | FILE_SHARE_WRITE |
                               FILE_SHARE_DELETE,
                           NULL, OPEN_EXISTING, 0, NULL);

    swprintf(rename.info.FileName, 1100, L"%ls.gone", file_path);
    rename.info.FileNameLength =
        (DWORD)(wcslen(rename.info.FileName) * sizeof(wchar_t));
    if (h == INVALID_HANDLE_VALUE ||
        !SetFileInformationByHandle(h, FileRenameInfo, &rename,
                                    sizeof rename) ||
        !SetFileInformationByHandle(h, FileDispositionInfo, &disposition,
                                    sizeof disposition) ||
        !CloseHandle(h))
        bench_fail("bench: remove the object's file");
}

static void file_cycle(int delete_each)
{
    HANDLE h = CreateFileW(file_path, GENERIC_READ | GENERIC_WRITE,
                           FILE_SHARE_READ | FILE_SHARE_WRITE |
                               FILE_SHARE_DELETE,
                           NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_TEMPORARY, NULL);
    int fd = h == INVALID_HANDLE_VALUE
                 ? -1
                 : _open_osfhandle((intptr_t)h, _O_RDWR | _O_NOINHERIT);
    HANDLE s;
    char *p;

    if (fd < 0 || ftruncate(fd, SIZE) != 0)
        bench_fail("bench: open or ftruncate the object's file");
    s = CreateFileMappingW(h, NULL, PAGE_READWRITE, 0, 0, NULL);
    p = s ? MapViewOfFile(s, FILE_MAP_WRITE, 0, 0, SIZE) : NULL;
    if (!p)
        bench_fail("bench: map the object's file");
    bench_touch(p, SIZE);
    UnmapViewOfFile(p);
    CloseHandle(s);
    close(fd);
    if (delete_each)
        remove_file();
}

/* Seconds per cycle of n cycles of cycle(removed). */
static double per_cycle(void (*cycle)(int), int removed, int n)
{
    double t = bench_now();
    int i;

    for (i = 0; i < n; i++)
        cycle(removed);
    return (bench_now() - t) / n;
}

static double file_deleted(int n)
{
    return per_cycle(file_cycle, 1, n);
}

static double file_kept(int n)
{
    return per_cycle(file_cycle, 0, n);
}

static double ours_unlinked(int n)
{
    return per_cycle(ours_cycle, 1, n);
}

/* The section has no other handle: it goes with CloseHandle. */
static double bare_unlinked(int n)
{
    return per_cycle(bare_cycle, 1, n);
}

static double ours_kept(int n)
{
    return per_cycle(ours_cycle, 0, n);
}

/* main holds a handle on the section: each cycle opens it again. */
static double bare_kept(int n)
{
    return bare_unlinked(n);
}

int main(void)
{
    unsigned long pid = (unsigned long)GetCurrentProcessId();
    HANDLE keep;
    int fd;

    _fmode = _O_BINARY;
    snprintf(name, sizeof name, "/winmman-bench-%lu", pid);
    swprintf(wname, sizeof wname / sizeof *wname,
             L"Local\\winmman-bench-%lu", pid);

    /* shm_open may not be there yet: say so and stop, not fail. */
    fd = shm_open(name, O_CREAT | O_RDWR, 0600);
    if (fd < 0) {
        printf("shm_open: %s\n", strerror(errno));
        return 0;
    }
    if (!GetFinalPathNameByHandleW((HANDLE)_get_osfhandle(fd), file_path,
                                   1024, 0))
        bench_fail("bench: the object's file");
    close(fd);
    if (shm_unlink(name) != 0)
        bench_fail("bench: shm_unlink");

    bench_compare("shm cycle 64 KiB, shm_unlink each cycle", ours_unlinked,
                  bare_unlinked, 200, 1.50);
    bench_compare("  floor: bare calls on a file, removed", file_deleted,
                  bare_unlinked, 200, 0);
    bench_compare("  ours against that floor, removed", ours_unlinked,
                  file_deleted, 200, 1.25);

    keep = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0,
                              SIZE, wname);
    if (!keep) {
        fprintf(stderr, "bench: CreateFileMappingW: %lu\n",
                (unsigned long)GetLastError());
        return 1;
    }
    bench_compare("shm cycle 64 KiB, kept, unlinked at end",
                  ours_kept, bare_kept, 200, 1.50);
    bench_compare("  floor: bare calls on a file, kept", file_kept,
                  bare_kept, 200, 0);
    bench_compare("  ours against that floor, kept", ours_kept, file_kept,
                  200, 1.25);
    CloseHandle(keep);
    if (shm_unlink(name) != 0)
        bench_fail("bench: shm_unlink");
    return 0;
}
