/*
 * The bad-input matrix: every argument error POSIX names for each public
 * function (and those Linux adds), one case each. Every case asserts the
 * errno and that nothing changed: the mappings of a fixture keep their
 * bytes and protection, the files their size and bytes, no descriptor is
 * leaked and no shared memory object appears or changes.
 */
#define _GNU_SOURCE 1
#include "mt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifdef _WIN32
#include <io.h>
#include <process.h>
#define NULL_DEVICE "NUL"
#else
#define NULL_DEVICE "/dev/null"
#endif

/* A page-aligned address above every user address space (x86-64 Linux
 * ends at 2^47 - 4 KiB, Windows below that). */
#if UINTPTR_MAX > 0xffffffffu
#define HIGH_ADDRESS ((uintptr_t)1 << 47)
#else
#define HIGH_ADDRESS ((uintptr_t)0xfff00000u)
#endif

/* Linux's PROT_GROWSDOWN and MCL_ONFAULT, which our header lacks. */
#define LINUX_PROT_GROWSDOWN 0x01000000
#define LINUX_MCL_ONFAULT 4

#define ANON_PAGES 2
#define FILE_PAGES 3
#define RO_PAGES 2
#define SHM_SIZE 4096

struct fx {
    int fd_rw, fd_ro, fd_wo, fd_closed, fd_null, pipe_r, pipe_w;
    char *fmap;  /* MAP_SHARED read-write view of fd_rw, FILE_PAGES */
    char *anon;  /* MAP_PRIVATE anonymous, ANON_PAGES of 0x5a */
    char *sanon; /* MAP_SHARED anonymous, one page of 0x33 */
    char *rmap;  /* MAP_SHARED read-only view of fd_ro, RO_PAGES */
    char *hole;  /* three pages of 0x77, the middle one unmapped */
    uint32_t hash_rw, hash_ro, hash_wo;
    int next_fd;
};

static size_t pg;
static char shm_missing[64], shm_exists[64], shm_ro[64];
/* names of 256 and 300 bytes after the slash */
static char long_name[258], longer_name[302];

/* ---- results: the errno a call gave, 0 for success ---- */

/* Not -1 and not 0 either: a wrong return value. */
#define BAD_RETURN (-1000)
/* posix_madvise touched errno. */
#define ERRNO_TOUCHED (-1001)

static int int_result(int r)
{
    if (r == -1)
        return errno;
    return r == 0 ? 0 : BAD_RETURN;
}

/* An mmap that succeeded against expectation is undone at once, unless
 * it was MAP_FIXED: then what it replaced shows in the checks. */
static int map_result(void *p, size_t len)
{
    if (p == MAP_FAILED)
        return errno;
    if (len)
        munmap(p, len);
    return 0;
}

static int shm_result(int fd)
{
    if (fd == -1)
        return errno;
    if (fd < 0)
        return BAD_RETURN;
    close(fd);
    return 0;
}

static int advice_result(int r)
{
    if (errno != EDOM)
        return ERRNO_TOUCHED;
    return r;
}

#define PRIV_ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define MAP(f, addr, len, prot, flags, fd, off)                            \
    ((void)(f), map_result(mmap((addr), (len), (prot), (flags), (fd),      \
                                (off)),                                    \
                           ((flags) & MAP_FIXED) ? 0 : (len)))

/* ---- mmap ---- */

static int mmap_fd_minus_one(struct fx *f)
{
    return MAP(f, NULL, pg, PROT_READ, MAP_PRIVATE, -1, 0);
}

static int mmap_fd_closed(struct fx *f)
{
    return MAP(f, NULL, pg, PROT_READ, MAP_PRIVATE, f->fd_closed, 0);
}

static int mmap_fd_never_opened(struct fx *f)
{
    return MAP(f, NULL, pg, PROT_READ, MAP_SHARED, 1000, 0);
}

static int mmap_fd_negative(struct fx *f)
{
    return MAP(f, NULL, pg, PROT_READ, MAP_SHARED, -5, 0);
}

/* Linux looks at the descriptor before the length. */
static int mmap_bad_fd_and_len_zero(struct fx *f)
{
    return MAP(f, NULL, 0, PROT_READ, MAP_PRIVATE, -1, 0);
}

static int mmap_len_zero_anon(struct fx *f)
{
    return MAP(f, NULL, 0, PROT_READ, PRIV_ANON, -1, 0);
}

static int mmap_len_zero_file(struct fx *f)
{
    return MAP(f, NULL, 0, PROT_READ, MAP_SHARED, f->fd_rw, 0);
}

static int mmap_offset_unaligned_file(struct fx *f)
{
    return MAP(f, NULL, pg, PROT_READ, MAP_SHARED, f->fd_rw, 100);
}

static int mmap_offset_unaligned_anon(struct fx *f)
{
    return MAP(f, NULL, pg, PROT_READ, PRIV_ANON, -1, 100);
}

/* The offset is checked before the descriptor. */
static int mmap_offset_unaligned_bad_fd(struct fx *f)
{
    return MAP(f, NULL, pg, PROT_READ, MAP_PRIVATE, -1, 1);
}

static int mmap_no_type_anon(struct fx *f)
{
    return MAP(f, NULL, pg, PROT_READ, MAP_ANONYMOUS, -1, 0);
}

static int mmap_no_type_file(struct fx *f)
{
    return MAP(f, NULL, pg, PROT_READ, 0, f->fd_rw, 0);
}

/* Anonymous: Linux refuses MAP_SHARED_VALIDATE (with a file it is
 * MAP_SHARED that checks its flags; the README lists that). */
static int mmap_shared_and_private_anon(struct fx *f)
{
    return MAP(f, NULL, pg, PROT_READ,
               MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static int mmap_type_4_anon(struct fx *f)
{
    return MAP(f, NULL, pg, PROT_READ, 4 | MAP_ANONYMOUS, -1, 0);
}

static int mmap_type_4_file(struct fx *f)
{
    return MAP(f, NULL, pg, PROT_READ, 4, f->fd_rw, 0);
}

static int mmap_fixed_no_type_over_file(struct fx *f)
{
    return MAP(f, f->fmap, pg, PROT_READ, MAP_FIXED | MAP_ANONYMOUS, -1, 0);
}

static int mmap_fixed_unaligned(struct fx *f)
{
    return MAP(f, f->anon + 1, pg, PROT_READ, MAP_FIXED | PRIV_ANON, -1, 0);
}

static int mmap_fixed_unaligned_file(struct fx *f)
{
    return MAP(f, f->fmap + 1, pg, PROT_READ, MAP_FIXED | MAP_SHARED,
               f->fd_rw, 0);
}

static int mmap_fixed_high(struct fx *f)
{
    return MAP(f, (void *)HIGH_ADDRESS, pg, PROT_READ,
               MAP_FIXED | PRIV_ANON, -1, 0);
}

/* Linux: the range check comes before the alignment one. */
static int mmap_fixed_high_unaligned(struct fx *f)
{
    return MAP(f, (void *)(HIGH_ADDRESS + 1), pg, PROT_READ,
               MAP_FIXED | PRIV_ANON, -1, 0);
}

/* The last page-aligned address: addr + len wraps around. */
static int mmap_fixed_wraps(struct fx *f)
{
    return MAP(f, (void *)(UINTPTR_MAX - pg + 1), 2 * pg, PROT_READ,
               MAP_FIXED | PRIV_ANON, -1, 0);
}

static int mmap_fixed_len_zero(struct fx *f)
{
    return MAP(f, f->anon, 0, PROT_READ, MAP_FIXED | PRIV_ANON, -1, 0);
}

static int mmap_fixed_bad_fd_over_anon(struct fx *f)
{
    return MAP(f, f->anon, pg, PROT_READ, MAP_FIXED | MAP_PRIVATE, -1, 0);
}

static int mmap_len_huge_anon(struct fx *f)
{
    return MAP(f, NULL, SIZE_MAX >> 1, PROT_READ, PRIV_ANON, -1, 0);
}

static int mmap_len_max_anon(struct fx *f)
{
    return MAP(f, NULL, SIZE_MAX, PROT_READ, PRIV_ANON, -1, 0);
}

static int mmap_len_max_file(struct fx *f)
{
    return MAP(f, NULL, SIZE_MAX, PROT_READ, MAP_SHARED, f->fd_rw, 0);
}

static int mmap_len_huge_file(struct fx *f)
{
    return MAP(f, NULL, (SIZE_MAX >> 2) + 1, PROT_READ, MAP_SHARED,
               f->fd_rw, 0);
}

static int mmap_offset_negative(struct fx *f)
{
    return MAP(f, NULL, pg, PROT_READ, MAP_SHARED, f->fd_rw,
               -(off_t)(16 * pg));
}

/* The largest page-aligned 64-bit offset: off + len passes it. */
static int mmap64_offset_overflow(struct fx *f)
{
    int64_t off = INT64_MAX - (int64_t)pg + 1;

    return map_result(mmap64(NULL, pg, PROT_READ, MAP_SHARED, f->fd_rw,
                             off),
                      pg);
}

static int mmap_shared_write_on_rdonly(struct fx *f)
{
    return MAP(f, NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd_ro,
               0);
}

static int mmap_shared_write_only_on_rdonly(struct fx *f)
{
    return MAP(f, NULL, pg, PROT_WRITE, MAP_SHARED, f->fd_ro, 0);
}

static int mmap_private_on_wronly(struct fx *f)
{
    return MAP(f, NULL, pg, PROT_READ, MAP_PRIVATE, f->fd_wo, 0);
}

static int mmap_shared_read_on_wronly(struct fx *f)
{
    return MAP(f, NULL, pg, PROT_READ, MAP_SHARED, f->fd_wo, 0);
}

static int mmap_shared_rw_on_wronly(struct fx *f)
{
    return MAP(f, NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd_wo,
               0);
}

static int mmap_shared_none_on_wronly(struct fx *f)
{
    return MAP(f, NULL, pg, PROT_NONE, MAP_SHARED, f->fd_wo, 0);
}

/* A refused MAP_FIXED leaves what was there. */
static int mmap_fixed_write_on_rdonly_over_file(struct fx *f)
{
    return MAP(f, f->fmap, pg, PROT_READ | PROT_WRITE,
               MAP_FIXED | MAP_SHARED, f->fd_ro, 0);
}

static int mmap_fixed_on_wronly_over_anon(struct fx *f)
{
    return MAP(f, f->anon, pg, PROT_READ, MAP_FIXED | MAP_PRIVATE,
               f->fd_wo, 0);
}

/* The same over whole mappings, where Windows could place the view. */
static int mmap_fixed_write_on_rdonly_whole_file(struct fx *f)
{
    return MAP(f, f->fmap, FILE_PAGES * pg, PROT_READ | PROT_WRITE,
               MAP_FIXED | MAP_SHARED, f->fd_ro, 0);
}

static int mmap_fixed_on_wronly_whole_anon(struct fx *f)
{
    return MAP(f, f->anon, ANON_PAGES * pg, PROT_READ,
               MAP_FIXED | MAP_PRIVATE, f->fd_wo, 0);
}

static int mmap_pipe_private(struct fx *f)
{
    return MAP(f, NULL, pg, PROT_READ, MAP_PRIVATE, f->pipe_r, 0);
}

static int mmap_pipe_shared(struct fx *f)
{
    return MAP(f, NULL, pg, PROT_READ, MAP_SHARED, f->pipe_r, 0);
}

/* The write end is not readable: EACCES comes before ENODEV. */
static int mmap_pipe_write_end(struct fx *f)
{
    return MAP(f, NULL, pg, PROT_READ, MAP_PRIVATE, f->pipe_w, 0);
}

static int mmap_null_device(struct fx *f)
{
    return MAP(f, NULL, pg, PROT_READ, MAP_PRIVATE, f->fd_null, 0);
}

static int mmap_fixed_pipe_over_anon(struct fx *f)
{
    return MAP(f, f->anon, pg, PROT_READ, MAP_FIXED | MAP_PRIVATE,
               f->pipe_r, 0);
}

/* ---- munmap ---- */

static int munmap_unaligned(struct fx *f)
{
    return int_result(munmap(f->anon + 1, pg));
}

static int munmap_len_zero(struct fx *f)
{
    return int_result(munmap(f->anon, 0));
}

static int munmap_unaligned_len_zero(struct fx *f)
{
    return int_result(munmap(f->anon + 1, 0));
}

static int munmap_high(struct fx *f)
{
    (void)f;
    return int_result(munmap((void *)HIGH_ADDRESS, pg));
}

/* From a mapping to past the end of the address space. */
static int munmap_past_user_space(struct fx *f)
{
    return int_result(munmap(f->anon, HIGH_ADDRESS));
}

static int munmap_len_max(struct fx *f)
{
    return int_result(munmap(f->anon, SIZE_MAX));
}

/* ---- mprotect ---- */

static int mprotect_unaligned(struct fx *f)
{
    return int_result(mprotect(f->anon + 1, pg, PROT_READ));
}

static int mprotect_bad_prot(struct fx *f)
{
    return int_result(mprotect(f->anon, pg, 0x10));
}

static int mprotect_prot_minus_one(struct fx *f)
{
    return int_result(mprotect(f->anon, pg, -1));
}

/* Linux: PROT_GROWSDOWN on memory that does not grow down. */
static int mprotect_growsdown(struct fx *f)
{
    return int_result(mprotect(f->anon, pg, PROT_READ |
                                                LINUX_PROT_GROWSDOWN));
}

static int mprotect_wraps(struct fx *f)
{
    return int_result(mprotect(f->anon, SIZE_MAX - pg, PROT_READ));
}

static int mprotect_unmapped(struct fx *f)
{
    return int_result(mprotect(f->hole + pg, pg, PROT_READ));
}

/* Starting at the hole, so that Linux too changes nothing. */
static int mprotect_from_hole(struct fx *f)
{
    return int_result(mprotect(f->hole + pg, 2 * pg, PROT_READ));
}

static int mprotect_high(struct fx *f)
{
    (void)f;
    return int_result(mprotect((void *)HIGH_ADDRESS, pg, PROT_READ));
}

static int mprotect_write_on_rdonly(struct fx *f)
{
    return int_result(mprotect(f->rmap, RO_PAGES * pg,
                               PROT_READ | PROT_WRITE));
}

static int mprotect_write_on_rdonly_tail(struct fx *f)
{
    return int_result(mprotect(f->rmap + pg, pg, PROT_WRITE));
}

/* ---- msync ---- */

static int msync_unaligned(struct fx *f)
{
    return int_result(msync(f->fmap + 1, pg, MS_SYNC));
}

static int msync_bad_flags(struct fx *f)
{
    return int_result(msync(f->fmap, pg, 0x8));
}

static int msync_flags_minus_one(struct fx *f)
{
    return int_result(msync(f->fmap, pg, -1));
}

static int msync_sync_and_async(struct fx *f)
{
    return int_result(msync(f->fmap, pg, MS_SYNC | MS_ASYNC));
}

/* Flags are checked before the range. */
static int msync_bad_flags_unmapped(struct fx *f)
{
    return int_result(msync(f->hole + pg, pg, 0x8));
}

static int msync_unmapped(struct fx *f)
{
    return int_result(msync(f->hole + pg, pg, MS_SYNC));
}

static int msync_from_hole(struct fx *f)
{
    return int_result(msync(f->hole + pg, 2 * pg, MS_ASYNC));
}

static int msync_high(struct fx *f)
{
    (void)f;
    return int_result(msync((void *)HIGH_ADDRESS, pg, MS_ASYNC));
}

static int msync_wraps(struct fx *f)
{
    return int_result(msync(f->fmap, SIZE_MAX - 2 * pg, MS_ASYNC));
}

static int msync_invalidate_locked(struct fx *f)
{
    int r;

    if (mlock(f->fmap, pg) != 0)
        return BAD_RETURN;
    r = int_result(msync(f->fmap, pg, MS_INVALIDATE));
    munlock(f->fmap, pg);
    return r;
}

/* ---- mlock, munlock ---- */

static int mlock_unmapped(struct fx *f)
{
    return int_result(mlock(f->hole + pg, pg));
}

static int mlock_unmapped_unaligned(struct fx *f)
{
    return int_result(mlock(f->hole + pg + 1, 10));
}

static int mlock_from_hole(struct fx *f)
{
    return int_result(mlock(f->hole + pg, 2 * pg));
}

static int mlock_high(struct fx *f)
{
    (void)f;
    return int_result(mlock((void *)HIGH_ADDRESS, pg));
}

static int mlock_wraps(struct fx *f)
{
    return int_result(mlock(f->anon, SIZE_MAX - 2 * pg));
}

static int munlock_unmapped(struct fx *f)
{
    return int_result(munlock(f->hole + pg, pg));
}

static int munlock_unmapped_unaligned(struct fx *f)
{
    return int_result(munlock(f->hole + pg + 1, 10));
}

static int munlock_from_hole(struct fx *f)
{
    return int_result(munlock(f->hole + pg, 2 * pg));
}

static int munlock_high(struct fx *f)
{
    (void)f;
    return int_result(munlock((void *)HIGH_ADDRESS, pg));
}

static int munlock_wraps(struct fx *f)
{
    return int_result(munlock(f->anon, SIZE_MAX - 2 * pg));
}

/* ---- mlockall ---- */

static int mlockall_zero(struct fx *f)
{
    (void)f;
    return int_result(mlockall(0));
}

static int mlockall_onfault_alone(struct fx *f)
{
    (void)f;
    return int_result(mlockall(LINUX_MCL_ONFAULT));
}

static int mlockall_unknown_bit(struct fx *f)
{
    (void)f;
    return int_result(mlockall(MCL_CURRENT | 0x100));
}

static int mlockall_minus_one(struct fx *f)
{
    (void)f;
    return int_result(mlockall(-1));
}

/* ---- madvise ---- */

static int madvise_bad_advice(struct fx *f)
{
    return int_result(madvise(f->anon, pg, 12345));
}

static int madvise_advice_minus_one(struct fx *f)
{
    return int_result(madvise(f->anon, pg, -1));
}

/* Advice is checked first, even for nothing. */
static int madvise_bad_advice_len_zero(struct fx *f)
{
    return int_result(madvise(f->anon, 0, 12345));
}

static int madvise_bad_advice_unmapped(struct fx *f)
{
    return int_result(madvise(f->hole + pg, pg, 12345));
}

static int madvise_unaligned(struct fx *f)
{
    return int_result(madvise(f->anon + 1, pg, MADV_DONTNEED));
}

static int madvise_len_max(struct fx *f)
{
    return int_result(madvise(f->anon, SIZE_MAX, MADV_DONTNEED));
}

static int madvise_wraps(struct fx *f)
{
    return int_result(madvise(f->anon, SIZE_MAX - 2 * pg, MADV_DONTNEED));
}

static int madvise_unmapped(struct fx *f)
{
    return int_result(madvise(f->hole + pg, pg, MADV_DONTNEED));
}

/* Advice with no visible effect: Linux acts on the mapped pages of the
 * range even when it fails (the README lists it). */
static int madvise_from_hole(struct fx *f)
{
    return int_result(madvise(f->hole + pg, 2 * pg, MADV_WILLNEED));
}

static int madvise_high(struct fx *f)
{
    (void)f;
    return int_result(madvise((void *)HIGH_ADDRESS, pg, MADV_NORMAL));
}

static int madvise_dontneed_locked(struct fx *f)
{
    int r;

    if (mlock(f->anon, pg) != 0)
        return BAD_RETURN;
    r = int_result(madvise(f->anon, ANON_PAGES * pg, MADV_DONTNEED));
    munlock(f->anon, pg);
    return r;
}

static int madvise_free_locked(struct fx *f)
{
    int r;

    if (mlock(f->anon, pg) != 0)
        return BAD_RETURN;
    r = int_result(madvise(f->anon, pg, MADV_FREE));
    munlock(f->anon, pg);
    return r;
}

static int madvise_free_file(struct fx *f)
{
    return int_result(madvise(f->fmap, pg, MADV_FREE));
}

static int madvise_free_shared_anon(struct fx *f)
{
    return int_result(madvise(f->sanon, pg, MADV_FREE));
}

/* ---- posix_madvise: the error is returned, errno left alone ---- */

static int posix_madvise_bad_advice(struct fx *f)
{
    errno = EDOM;
    return advice_result(posix_madvise(f->anon, pg, 12345));
}

static int posix_madvise_advice_minus_one(struct fx *f)
{
    errno = EDOM;
    return advice_result(posix_madvise(f->anon, pg, -1));
}

static int posix_madvise_unaligned(struct fx *f)
{
    errno = EDOM;
    return advice_result(posix_madvise(f->anon + 1, pg, POSIX_MADV_NORMAL));
}

static int posix_madvise_wraps(struct fx *f)
{
    errno = EDOM;
    return advice_result(posix_madvise(f->anon, SIZE_MAX - 2 * pg,
                                       POSIX_MADV_RANDOM));
}

static int posix_madvise_unmapped(struct fx *f)
{
    errno = EDOM;
    return advice_result(posix_madvise(f->hole + pg, pg,
                                       POSIX_MADV_SEQUENTIAL));
}

static int posix_madvise_high(struct fx *f)
{
    (void)f;
    errno = EDOM;
    return advice_result(posix_madvise((void *)HIGH_ADDRESS, pg,
                                       POSIX_MADV_WILLNEED));
}

/* ---- shm_open ---- */

static int shm_open_empty(struct fx *f)
{
    (void)f;
    return shm_result(shm_open("", O_RDWR | O_CREAT, 0600));
}

static int shm_open_slash(struct fx *f)
{
    (void)f;
    return shm_result(shm_open("/", O_RDWR | O_CREAT, 0600));
}

static int shm_open_slashes(struct fx *f)
{
    (void)f;
    return shm_result(shm_open("///", O_RDONLY, 0));
}

static int shm_open_inner_slash(struct fx *f)
{
    (void)f;
    return shm_result(shm_open("/badinput/x", O_RDWR | O_CREAT, 0600));
}

static int shm_open_trailing_slash(struct fx *f)
{
    (void)f;
    return shm_result(shm_open("/badinput/", O_RDWR | O_CREAT, 0600));
}

static int shm_open_name_256(struct fx *f)
{
    (void)f;
    return shm_result(shm_open(long_name, O_RDWR | O_CREAT, 0600));
}

static int shm_open_name_300(struct fx *f)
{
    (void)f;
    return shm_result(shm_open(longer_name, O_RDWR | O_CREAT, 0600));
}

static int shm_open_missing(struct fx *f)
{
    (void)f;
    return shm_result(shm_open(shm_missing, O_RDWR, 0600));
}

static int shm_open_missing_trunc(struct fx *f)
{
    (void)f;
    return shm_result(shm_open(shm_missing, O_RDWR | O_TRUNC, 0600));
}

static int shm_open_excl_exists(struct fx *f)
{
    (void)f;
    return shm_result(shm_open(shm_exists, O_RDWR | O_CREAT | O_EXCL,
                               0600));
}

static int shm_open_excl_trunc_exists(struct fx *f)
{
    (void)f;
    return shm_result(shm_open(shm_exists,
                               O_RDWR | O_CREAT | O_EXCL | O_TRUNC, 0600));
}

static int shm_open_dot_excl(struct fx *f)
{
    (void)f;
    return shm_result(shm_open("/.", O_RDWR | O_CREAT | O_EXCL, 0600));
}

/* glibc opens its store directory only for O_RDONLY. */
static int shm_open_dotdot_rdwr(struct fx *f)
{
    (void)f;
    return shm_result(shm_open("..", O_RDWR, 0));
}

/* Permission checks: Linux lets root through, so root tries as nobody. */
static int shm_open_as_user(const char *name, int oflag)
{
    int r;
#ifndef _WIN32
    int root = geteuid() == 0;

    if (root && seteuid(65534) != 0)
        return BAD_RETURN;
#endif
    r = shm_result(shm_open(name, oflag, 0));
#ifndef _WIN32
    if (root && seteuid(0) != 0)
        return BAD_RETURN;
#endif
    return r;
}

static int shm_open_rdwr_read_only_object(struct fx *f)
{
    (void)f;
    return shm_open_as_user(shm_ro, O_RDWR);
}

static int shm_open_trunc_read_only_object(struct fx *f)
{
    (void)f;
    return shm_open_as_user(shm_ro, O_RDONLY | O_TRUNC);
}

static int shm_open_creat_rdwr_read_only_object(struct fx *f)
{
    (void)f;
    return shm_open_as_user(shm_ro, O_RDWR | O_CREAT);
}

/* ---- shm_unlink ---- */

static int shm_unlink_missing(struct fx *f)
{
    (void)f;
    return int_result(shm_unlink(shm_missing));
}

/* glibc: a name it refuses names nothing. */
static int shm_unlink_empty(struct fx *f)
{
    (void)f;
    return int_result(shm_unlink(""));
}

static int shm_unlink_slash(struct fx *f)
{
    (void)f;
    return int_result(shm_unlink("/"));
}

static int shm_unlink_inner_slash(struct fx *f)
{
    (void)f;
    return int_result(shm_unlink("/badinput/x"));
}

static int shm_unlink_name_256(struct fx *f)
{
    (void)f;
    return int_result(shm_unlink(long_name));
}

static int shm_unlink_name_300(struct fx *f)
{
    (void)f;
    return int_result(shm_unlink(longer_name));
}

static int shm_unlink_dot(struct fx *f)
{
    (void)f;
    return int_result(shm_unlink("/."));
}

static int shm_unlink_dotdot(struct fx *f)
{
    (void)f;
    return int_result(shm_unlink(".."));
}

/* ---- the table ---- */

struct bad_case {
    const char *name;
    int (*call)(struct fx *f);
    int expected;
};

#define CASE(fn, err) {#fn, fn, err}

static const struct bad_case cases[] = {
    CASE(mmap_fd_minus_one, EBADF),
    CASE(mmap_fd_closed, EBADF),
    CASE(mmap_fd_never_opened, EBADF),
    CASE(mmap_fd_negative, EBADF),
    CASE(mmap_bad_fd_and_len_zero, EBADF),
    CASE(mmap_len_zero_anon, EINVAL),
    CASE(mmap_len_zero_file, EINVAL),
    CASE(mmap_offset_unaligned_file, EINVAL),
    CASE(mmap_offset_unaligned_anon, EINVAL),
    CASE(mmap_offset_unaligned_bad_fd, EINVAL),
    CASE(mmap_no_type_anon, EINVAL),
    CASE(mmap_no_type_file, EINVAL),
    CASE(mmap_shared_and_private_anon, EINVAL),
    CASE(mmap_type_4_anon, EINVAL),
    CASE(mmap_type_4_file, EINVAL),
    CASE(mmap_fixed_no_type_over_file, EINVAL),
    CASE(mmap_fixed_unaligned, EINVAL),
    CASE(mmap_fixed_unaligned_file, EINVAL),
    CASE(mmap_fixed_high, ENOMEM),
    CASE(mmap_fixed_high_unaligned, ENOMEM),
    CASE(mmap_fixed_wraps, ENOMEM),
    CASE(mmap_fixed_len_zero, EINVAL),
    CASE(mmap_fixed_bad_fd_over_anon, EBADF),
    CASE(mmap_len_huge_anon, ENOMEM),
    CASE(mmap_len_max_anon, ENOMEM),
    CASE(mmap_len_max_file, ENOMEM),
    CASE(mmap_len_huge_file, ENOMEM),
    CASE(mmap_offset_negative, EOVERFLOW),
    CASE(mmap64_offset_overflow, EOVERFLOW),
    CASE(mmap_shared_write_on_rdonly, EACCES),
    CASE(mmap_shared_write_only_on_rdonly, EACCES),
    CASE(mmap_private_on_wronly, EACCES),
    CASE(mmap_shared_read_on_wronly, EACCES),
    CASE(mmap_shared_rw_on_wronly, EACCES),
    CASE(mmap_shared_none_on_wronly, EACCES),
    CASE(mmap_fixed_write_on_rdonly_over_file, EACCES),
    CASE(mmap_fixed_on_wronly_over_anon, EACCES),
    CASE(mmap_fixed_write_on_rdonly_whole_file, EACCES),
    CASE(mmap_fixed_on_wronly_whole_anon, EACCES),
    CASE(mmap_pipe_private, ENODEV),
    CASE(mmap_pipe_shared, ENODEV),
#ifdef MMAN_CE
    /* CE: a descriptor of no regular file is ENODEV before its access
     * is asked (a read of no bytes, CE's only way to ask, waits on a
     * pipe); README, "Windows CE". */
    CASE(mmap_pipe_write_end, ENODEV),
#else
    CASE(mmap_pipe_write_end, EACCES),
#endif
    CASE(mmap_null_device, ENODEV),
    CASE(mmap_fixed_pipe_over_anon, ENODEV),

    CASE(munmap_unaligned, EINVAL),
    CASE(munmap_len_zero, EINVAL),
    CASE(munmap_unaligned_len_zero, EINVAL),
    CASE(munmap_high, EINVAL),
    CASE(munmap_past_user_space, EINVAL),
    CASE(munmap_len_max, EINVAL),

    CASE(mprotect_unaligned, EINVAL),
    CASE(mprotect_bad_prot, EINVAL),
    CASE(mprotect_prot_minus_one, EINVAL),
    CASE(mprotect_growsdown, EINVAL),
    CASE(mprotect_wraps, ENOMEM),
    CASE(mprotect_unmapped, ENOMEM),
    CASE(mprotect_from_hole, ENOMEM),
    CASE(mprotect_high, ENOMEM),
    CASE(mprotect_write_on_rdonly, EACCES),
    CASE(mprotect_write_on_rdonly_tail, EACCES),

    CASE(msync_unaligned, EINVAL),
    CASE(msync_bad_flags, EINVAL),
    CASE(msync_flags_minus_one, EINVAL),
    CASE(msync_sync_and_async, EINVAL),
    CASE(msync_bad_flags_unmapped, EINVAL),
    CASE(msync_unmapped, ENOMEM),
    CASE(msync_from_hole, ENOMEM),
    CASE(msync_high, ENOMEM),
    CASE(msync_wraps, ENOMEM),
    CASE(msync_invalidate_locked, EBUSY),

    CASE(mlock_unmapped, ENOMEM),
    CASE(mlock_unmapped_unaligned, ENOMEM),
    CASE(mlock_from_hole, ENOMEM),
    CASE(mlock_high, ENOMEM),
    CASE(mlock_wraps, EINVAL),
    CASE(munlock_unmapped, ENOMEM),
    CASE(munlock_unmapped_unaligned, ENOMEM),
    CASE(munlock_from_hole, ENOMEM),
    CASE(munlock_high, ENOMEM),
    CASE(munlock_wraps, EINVAL),

    CASE(mlockall_zero, EINVAL),
    CASE(mlockall_onfault_alone, EINVAL),
    CASE(mlockall_unknown_bit, EINVAL),
    CASE(mlockall_minus_one, EINVAL),

    CASE(madvise_bad_advice, EINVAL),
    CASE(madvise_advice_minus_one, EINVAL),
    CASE(madvise_bad_advice_len_zero, EINVAL),
    CASE(madvise_bad_advice_unmapped, EINVAL),
    CASE(madvise_unaligned, EINVAL),
    CASE(madvise_len_max, EINVAL),
    CASE(madvise_wraps, EINVAL),
    CASE(madvise_unmapped, ENOMEM),
    CASE(madvise_from_hole, ENOMEM),
    CASE(madvise_high, ENOMEM),
    CASE(madvise_dontneed_locked, EINVAL),
    CASE(madvise_free_locked, EINVAL),
    CASE(madvise_free_file, EINVAL),
    CASE(madvise_free_shared_anon, EINVAL),

    CASE(posix_madvise_bad_advice, EINVAL),
    CASE(posix_madvise_advice_minus_one, EINVAL),
    CASE(posix_madvise_unaligned, EINVAL),
    CASE(posix_madvise_wraps, EINVAL),
    CASE(posix_madvise_unmapped, ENOMEM),
    CASE(posix_madvise_high, ENOMEM),

    CASE(shm_open_empty, EINVAL),
    CASE(shm_open_slash, EINVAL),
    CASE(shm_open_slashes, EINVAL),
    CASE(shm_open_inner_slash, EINVAL),
    CASE(shm_open_trailing_slash, EINVAL),
    CASE(shm_open_name_256, ENAMETOOLONG),
#ifdef _WIN32
    /* The README: names of 256 bytes or more are ENAMETOOLONG; glibc
     * says EINVAL from 260 on. */
    CASE(shm_open_name_300, ENAMETOOLONG),
#else
    CASE(shm_open_name_300, EINVAL),
#endif
    CASE(shm_open_missing, ENOENT),
    CASE(shm_open_missing_trunc, ENOENT),
    CASE(shm_open_excl_exists, EEXIST),
    CASE(shm_open_excl_trunc_exists, EEXIST),
    CASE(shm_open_dot_excl, EEXIST),
    CASE(shm_open_dotdot_rdwr, EINVAL),
    CASE(shm_open_rdwr_read_only_object, EACCES),
    CASE(shm_open_trunc_read_only_object, EACCES),
    CASE(shm_open_creat_rdwr_read_only_object, EACCES),

    CASE(shm_unlink_missing, ENOENT),
    CASE(shm_unlink_empty, ENOENT),
    CASE(shm_unlink_slash, ENOENT),
    CASE(shm_unlink_inner_slash, ENOENT),
    CASE(shm_unlink_name_256, ENAMETOOLONG),
#ifdef _WIN32
    CASE(shm_unlink_name_300, ENAMETOOLONG), /* as shm_open above */
#else
    CASE(shm_unlink_name_300, ENOENT),
#endif
    CASE(shm_unlink_dot, EISDIR),
    CASE(shm_unlink_dotdot, EISDIR),
};

#define NCASES ((int)(sizeof cases / sizeof cases[0]))

/* ---- the fixture and its checks ---- */

static int open_file(const char *name, size_t size, unsigned seed, int flags)
{
    int fd = mt_make_file(mt_path(name), size, seed);

    ck_assert_int_ge(fd, 0);
    if (flags == O_RDWR)
        return fd;
    close(fd);
    fd = open(mt_path(name), flags);
    ck_assert_int_ge(fd, 0);
    return fd;
}

static int lowest_free_fd(void)
{
    int fd = open(mt_path("bi-ro"), O_RDONLY);

    ck_assert_int_ge(fd, 0);
    close(fd);
    return fd;
}

static char *map_filled(size_t len, int flags, int byte)
{
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS,
                   -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    memset(p, byte, len);
    return p;
}

static void make_shm(const char *name, mode_t mode, unsigned seed)
{
    unsigned char buf[SHM_SIZE];
    int fd, i;

    shm_unlink(name);
    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, mode);
    ck_assert_int_ge(fd, 0);
    for (i = 0; i < SHM_SIZE; i++)
        buf[i] = mt_pattern((uint64_t)i, seed);
    ck_assert_int_eq(mt_pwrite(fd, buf, SHM_SIZE, 0), SHM_SIZE);
    close(fd);
}

/* The fixture of the running case: set up and torn down by check around
 * each case, also when the case fails. */
static struct fx fixture;

static void setup(void)
{
    struct fx *f = &fixture;
    int fds[2];

    f->fd_rw = f->fd_ro = f->fd_wo = f->fd_null = -1;
    f->pipe_r = f->pipe_w = -1;
    f->fmap = f->rmap = f->anon = f->sanon = f->hole = NULL;

    f->fd_rw = open_file("bi-rw", FILE_PAGES * pg, 11, O_RDWR);
    f->fd_ro = open_file("bi-ro", RO_PAGES * pg, 12, O_RDONLY);
    f->fd_wo = open_file("bi-wo", 2 * pg, 13, O_WRONLY);
    f->hash_rw = mt_file_hash(mt_path("bi-rw"));
    f->hash_ro = mt_file_hash(mt_path("bi-ro"));
    f->hash_wo = mt_file_hash(mt_path("bi-wo"));
    f->fd_null = open(NULL_DEVICE, O_RDONLY);
    ck_assert_int_ge(f->fd_null, 0);
#ifdef _WIN32
    ck_assert_int_eq(_pipe(fds, 4096, _O_BINARY), 0);
#else
    ck_assert_int_eq(pipe(fds), 0);
#endif
    f->pipe_r = fds[0];
    f->pipe_w = fds[1];
    make_shm(shm_exists, 0600, 14);
    make_shm(shm_ro, 0444, 15);
    shm_unlink(shm_missing);

    f->fmap = mmap(NULL, FILE_PAGES * pg, PROT_READ | PROT_WRITE,
                   MAP_SHARED, f->fd_rw, 0);
    ck_assert_ptr_ne(f->fmap, MAP_FAILED);
    f->rmap = mmap(NULL, RO_PAGES * pg, PROT_READ, MAP_SHARED, f->fd_ro, 0);
    ck_assert_ptr_ne(f->rmap, MAP_FAILED);
    f->anon = map_filled(ANON_PAGES * pg, MAP_PRIVATE, 0x5a);
    f->sanon = map_filled(pg, MAP_SHARED, 0x33);
    /* last, so that no mapping of the fixture lands in its hole */
    f->hole = map_filled(3 * pg, MAP_PRIVATE, 0x77);
    ck_assert_int_eq(munmap(f->hole + pg, pg), 0);

    /* a descriptor number that is free: the lowest one */
    f->fd_closed = lowest_free_fd();
    f->next_fd = f->fd_closed;
}

static void unmap_if(char *p, size_t len)
{
    if (p && p != MAP_FAILED)
        munmap(p, len);
}

static void close_if(int fd)
{
    if (fd >= 0)
        close(fd);
}

static void teardown(void)
{
    struct fx *f = &fixture;

    munlockall();
    unmap_if(f->fmap, FILE_PAGES * pg);
    unmap_if(f->rmap, RO_PAGES * pg);
    unmap_if(f->anon, ANON_PAGES * pg);
    unmap_if(f->sanon, pg);
    unmap_if(f->hole, 3 * pg);
    close_if(f->fd_rw);
    close_if(f->fd_ro);
    close_if(f->fd_wo);
    close_if(f->fd_null);
    close_if(f->pipe_r);
    close_if(f->pipe_w);
    shm_unlink(shm_exists);
    shm_unlink(shm_ro);
    shm_unlink(shm_missing);
}

/* len bytes at p hold byte, and read (and write, if writable) without
 * a fault; or, with byte -1, fault on reading. */
static void check_pages(const char *what, const char *name, char *p,
                        size_t len, int byte, int writable)
{
    size_t i;

    for (i = 0; i < len; i += pg) {
        if (byte < 0) {
            ck_assert_msg(mt_read_faults(p + i), "%s: %s page %d mapped",
                          name, what, (int)(i / pg));
            continue;
        }
        ck_assert_msg(!mt_read_faults(p + i), "%s: %s page %d unreadable",
                      name, what, (int)(i / pg));
        ck_assert_msg(mt_write_faults(p + i) == !writable,
                      "%s: %s page %d writable changed", name, what,
                      (int)(i / pg));
    }
    for (i = 0; byte >= 0 && i < len; i++)
        ck_assert_msg((unsigned char)p[i] == byte,
                      "%s: %s byte %d changed", name, what, (int)i);
}

static void check_file(const char *name, const char *file, size_t size,
                       uint32_t hash)
{
    ck_assert_msg(mt_file_size(mt_path(file)) == (long long)size,
                  "%s: size of %s changed", name, file);
    ck_assert_msg(mt_file_hash(mt_path(file)) == hash,
                  "%s: bytes of %s changed", name, file);
}

static void check_shm(const char *name, const char *obj, unsigned seed)
{
    unsigned char buf[SHM_SIZE + 1];
    int fd = shm_open(obj, O_RDONLY, 0);

    ck_assert_msg(fd >= 0, "%s: object %s gone", name, obj);
    ck_assert_msg(mt_pread(fd, buf, sizeof buf, 0) == SHM_SIZE,
                  "%s: size of object %s changed", name, obj);
    close(fd);
    ck_assert_msg(mt_is_pattern(buf, SHM_SIZE, 0, seed),
                  "%s: bytes of object %s changed", name, obj);
}

static void check_unchanged(struct fx *f, const char *name)
{
    int fd, i;

    ck_assert_msg(lowest_free_fd() == f->next_fd,
                  "%s: a descriptor leaked", name);
    ck_assert_msg(mt_is_pattern(f->fmap, FILE_PAGES * pg, 0, 11),
                  "%s: file mapping bytes changed", name);
    for (i = 0; i < FILE_PAGES; i++)
        ck_assert_msg(!mt_read_faults(f->fmap + i * pg) &&
                          !mt_write_faults(f->fmap + i * pg),
                      "%s: file mapping protection changed", name);
    ck_assert_msg(mt_is_pattern(f->rmap, RO_PAGES * pg, 0, 12),
                  "%s: read-only mapping bytes changed", name);
    for (i = 0; i < RO_PAGES; i++)
        ck_assert_msg(!mt_read_faults(f->rmap + i * pg) &&
                          mt_write_faults(f->rmap + i * pg),
                      "%s: read-only mapping protection changed", name);
    check_pages("anonymous mapping", name, f->anon, ANON_PAGES * pg, 0x5a,
                1);
    check_pages("shared anonymous mapping", name, f->sanon, pg, 0x33, 1);
    check_pages("hole head", name, f->hole, pg, 0x77, 1);
    check_pages("hole", name, f->hole + pg, pg, -1, 0);
    check_pages("hole tail", name, f->hole + 2 * pg, pg, 0x77, 1);
    check_file(name, "bi-rw", FILE_PAGES * pg, f->hash_rw);
    check_file(name, "bi-ro", RO_PAGES * pg, f->hash_ro);
    check_file(name, "bi-wo", 2 * pg, f->hash_wo);
    check_shm(name, shm_exists, 14);
    check_shm(name, shm_ro, 15);
    fd = shm_open(shm_missing, O_RDONLY, 0);
    if (fd >= 0)
        close(fd);
    ck_assert_msg(fd == -1 && errno == ENOENT, "%s: object %s appeared",
                  name, shm_missing);
}

static const char *errno_name(int err)
{
    static const struct {
        int err;
        const char *name;
    } names[] = {
        {0, "success"}, {EBADF, "EBADF"}, {EINVAL, "EINVAL"},
        {ENOMEM, "ENOMEM"}, {EACCES, "EACCES"}, {ENODEV, "ENODEV"},
        {EOVERFLOW, "EOVERFLOW"}, {EBUSY, "EBUSY"}, {EAGAIN, "EAGAIN"},
        {ENOENT, "ENOENT"}, {EEXIST, "EEXIST"}, {EISDIR, "EISDIR"},
        {ENAMETOOLONG, "ENAMETOOLONG"}, {EPERM, "EPERM"},
        {BAD_RETURN, "a return value other than -1 or 0"},
        {ERRNO_TOUCHED, "errno set"},
    };
    static char other[32];
    size_t i;

    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].err == err)
            return names[i].name;
    snprintf(other, sizeof other, "errno %d", err);
    return other;
}

#ifdef MMAN_CE
/* CE: one store of shared memory objects per device (no MMAN_SHM_DIR),
 * so the objects go at exit too, should a setup have failed before its
 * teardown could run; README, "Windows CE". */
static void unlink_objects(void)
{
    shm_unlink(shm_exists);
    shm_unlink(shm_ro);
    shm_unlink(shm_missing);
}
#endif

START_TEST(bad_input)
{
    const struct bad_case *c = &cases[_i];
    int got;

    errno = 0;
    got = c->call(&fixture);
    ck_assert_msg(got == c->expected, "%s: got %s, expected %s", c->name,
                  errno_name(got), errno_name(c->expected));
    check_unchanged(&fixture, c->name);
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("badinput");
    TCase *tc = tcase_create("matrix");
    int i;

    pg = mt_page();
    snprintf(shm_missing, sizeof shm_missing, "/badinput.%d.missing",
             (int)getpid());
    snprintf(shm_exists, sizeof shm_exists, "/badinput.%d.exists",
             (int)getpid());
    snprintf(shm_ro, sizeof shm_ro, "/badinput.%d.ro", (int)getpid());
    long_name[0] = longer_name[0] = '/';
    for (i = 1; i < (int)sizeof long_name - 1; i++)
        long_name[i] = 'n';
    for (i = 1; i < (int)sizeof longer_name - 1; i++)
        longer_name[i] = 'n';
#ifdef MMAN_CE
    atexit(unlink_objects);
#endif
    printf("badinput: %d cases\n", NCASES);
    fflush(stdout);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, bad_input, 0, NCASES);
    suite_add_tcase(s, tc);
    return mt_main(argc, argv, s);
}
