/* mlock, munlock, mlockall, munlockall: what gets locked, what the lock
 * keeps, and the errors.
 *
 * Whether pages are locked is seen through msync(MS_INVALIDATE), which
 * fails with EBUSY when any page of its range is locked (POSIX lists
 * EBUSY for it; Linux does it for every kind of mapping). */
#define _GNU_SOURCE 1
#include "mt.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static char *round_up(char *p, uintptr_t a)
{
    return (char *)(((uintptr_t)p + a - 1) & ~(a - 1));
}

/* Whether some page of [p, p + len) is locked. */
static int locked(void *p, size_t len)
{
    int r;

    errno = 0;
    r = msync(p, len, MS_INVALIDATE);
    ck_assert_msg(r == 0 || errno == EBUSY,
                  "msync(MS_INVALIDATE): %d, errno %d", r, errno);
    return r != 0;
}

/* A MAP_SHARED read-write mapping of a new pattern file of len bytes. */
static char *map_file(const char *name, size_t len, unsigned seed,
                      int *fd)
{
    char *p;

    *fd = mt_make_file(mt_path(name), len, seed);
    ck_assert_int_ge(*fd, 0);
    p = mmap(NULL, len, RW, MAP_SHARED, *fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    return p;
}

/* Runs after every test, failed or not, so that no lock outlives it. */
static void unlock_all(void)
{
    munlockall();
}

START_TEST(memlock_options_are_defined)
{
#ifdef MMAN_CE
    /* CE: _POSIX_MEMLOCK and _POSIX_MEMLOCK_RANGE are -1 (CE never pages
     * memory out); the calls are validated no-ops that still record the
     * lock (README, "Windows CE"). */
    char *p = mmap(NULL, mt_page(), RW, ANON, -1, 0);

    ck_assert_int_eq(_POSIX_MEMLOCK, -1);
    ck_assert_int_eq(_POSIX_MEMLOCK_RANGE, -1);
    ck_assert_int_eq(mlockall(MCL_CURRENT | MCL_FUTURE), 0);
    ck_assert_int_eq(munlockall(), 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_int_eq(mlock(p, mt_page()), 0);
    ck_assert(locked(p, mt_page()));
    ck_assert_int_eq(munlock(p, mt_page()), 0);
    ck_assert(!locked(p, mt_page()));
    ck_assert_int_eq(munmap(p, mt_page()), 0);
#else
#if defined(_POSIX_MEMLOCK) && _POSIX_MEMLOCK > 0
    ck_assert_int_eq(mlockall(MCL_CURRENT | MCL_FUTURE), 0);
    ck_assert_int_eq(munlockall(), 0);
#else
    ck_abort_msg("_POSIX_MEMLOCK is not defined > 0");
#endif
#if defined(_POSIX_MEMLOCK_RANGE) && _POSIX_MEMLOCK_RANGE > 0
    {
        char *p = mmap(NULL, mt_page(), RW, ANON, -1, 0);

        ck_assert_ptr_ne(p, MAP_FAILED);
        ck_assert_int_eq(mlock(p, mt_page()), 0);
        ck_assert_int_eq(munlock(p, mt_page()), 0);
        ck_assert_int_eq(munmap(p, mt_page()), 0);
    }
#else
    ck_abort_msg("_POSIX_MEMLOCK_RANGE is not defined > 0");
#endif
#endif
}
END_TEST

START_TEST(mlock_locks_and_munlock_unlocks)
{
    size_t pg = mt_page(), len = 3 * pg;
    char *p;
    int fd;

    p = map_file("mlock-basic", len, 71, &fd);
    ck_assert(!locked(p, len));
    ck_assert_int_eq(mlock(p, len), 0);
    ck_assert(locked(p, pg));
    ck_assert(locked(p + pg, pg));
    ck_assert(locked(p + 2 * pg, pg));
    ck_assert_int_eq(munlock(p, len), 0);
    ck_assert(!locked(p, len));
    /* unlocking what is not locked is no error */
    ck_assert_int_eq(munlock(p, len), 0);
    ck_assert_int_eq(munlockall(), 0);
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(locked_memory_keeps_contents)
{
    size_t pg = mt_page(), len = 4 * pg;
    unsigned char *p = mmap(NULL, len, RW, ANON, -1, 0), *f;
    int fd;

    ck_assert_ptr_ne(p, MAP_FAILED);
    memset(p, 0x5a, len);
    ck_assert_int_eq(mlock(p, len), 0);
    ck_assert_uint_eq(p[0], 0x5a);
    ck_assert_uint_eq(p[len - 1], 0x5a);
    /* still writable while locked */
    p[pg] = 0x11;
    ck_assert_int_eq(munlock(p, len), 0);
    ck_assert_uint_eq(p[pg], 0x11);
    ck_assert_uint_eq(p[2 * pg], 0x5a);

    f = (unsigned char *)map_file("mlock-contents", len, 72, &fd);
    ck_assert_int_eq(mlock(f, len), 0);
    ck_assert(mt_is_pattern(f, len, 0, 72));
    f[3] = (unsigned char)~mt_pattern(3, 72);
    ck_assert_int_eq(msync(f, len, MS_SYNC), 0);
    ck_assert_int_eq(munlock(f, len), 0);
    ck_assert_uint_eq(f[3], (unsigned char)~mt_pattern(3, 72));
    ck_assert(mt_is_pattern(f + 4, len - 4, 4, 72));
    ck_assert_int_eq(munlockall(), 0);
    ck_assert_int_eq(munmap(f, len), 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(munmap(p, len), 0);
}
END_TEST

START_TEST(large_anonymous_range)
{
    size_t pg = mt_page(), len = (size_t)16 << 20, off;
    unsigned char *p = mmap(NULL, len, RW, ANON, -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_int_eq(mlock(p, len), 0);
    for (off = 0; off < len; off += pg) {
        ck_assert_uint_eq(p[off], 0);
        p[off] = (unsigned char)(off / pg);
    }
    ck_assert(locked(p, pg));
    ck_assert(locked(p + len - pg, pg));
    ck_assert_int_eq(munlock(p, len), 0);
    ck_assert(!locked(p, len));
    for (off = 0; off < len; off += pg)
        ck_assert_uint_eq(p[off], (unsigned char)(off / pg));
    ck_assert_int_eq(munlockall(), 0);
    ck_assert_int_eq(munmap(p, len), 0);
}
END_TEST

START_TEST(large_file_range)
{
    size_t len = (size_t)8 << 20;
    char *p;
    int fd;

    p = map_file("mlock-large", len, 73, &fd);
    ck_assert_int_eq(mlock(p, len), 0);
    ck_assert(locked(p, mt_page()));
    ck_assert(locked(p + len / 2, mt_page()));
    ck_assert(locked(p + len - mt_page(), mt_page()));
    ck_assert(mt_is_pattern(p, len, 0, 73));
    ck_assert_int_eq(munlock(p, len), 0);
    ck_assert(!locked(p, len));
    ck_assert_int_eq(munlockall(), 0);
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(part_of_a_mapping)
{
    size_t pg = mt_page(), len = 3 * pg;
    char *p;
    int fd;

    p = map_file("mlock-part", len, 74, &fd);
    ck_assert_int_eq(mlock(p + pg, pg), 0);
    ck_assert(!locked(p, pg));
    ck_assert(locked(p + pg, pg));
    ck_assert(!locked(p + 2 * pg, pg));
    ck_assert(locked(p, len));
    /* lock all three, unlock the first only */
    ck_assert_int_eq(mlock(p, len), 0);
    ck_assert_int_eq(munlock(p, pg), 0);
    ck_assert(!locked(p, pg));
    ck_assert(locked(p + pg, pg));
    ck_assert(locked(p + 2 * pg, pg));
    ck_assert_int_eq(munlock(p + pg, 2 * pg), 0);
    ck_assert(!locked(p, len));
    ck_assert_int_eq(munlockall(), 0);
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

/* Two file mappings side by side (each at a 64 KiB boundary, the place
 * emptied first): one mlock over the meeting point. */
START_TEST(range_across_two_mappings)
{
    size_t big = 64 * 1024, pg = mt_page();
    int fa = mt_make_file(mt_path("mlock-a"), big, 75);
    int fb = mt_make_file(mt_path("mlock-b"), big, 76);
    char *r, *q, *a, *b;

    ck_assert_int_ge(fa, 0);
    ck_assert_int_ge(fb, 0);
    r = mmap(NULL, 4 * big, PROT_NONE, ANON, -1, 0);
    ck_assert_ptr_ne(r, MAP_FAILED);
    q = round_up(r, big);
    ck_assert_int_eq(munmap(r, 4 * big), 0);
#ifdef MMAN_CE
    /* CE: MAP_FIXED with a file is EINVAL (no MapViewOfFileEx), so the
     * two mappings are anonymous, filled from the files (README,
     * "Windows CE"). */
    mt_fixed_file_einval(q, big, RW, MAP_SHARED, fa, 0);
    errno = 0;
    ck_assert_int_eq(mlock(q, big), -1);
    ck_assert_int_eq(errno, ENOMEM);
    a = mmap(q, big, RW, ANON | MAP_FIXED, -1, 0);
    ck_assert_ptr_eq(a, q);
    b = mmap(q + big, big, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1,
             0);
    ck_assert_ptr_eq(b, q + big);
    ck_assert_int_eq(mt_pread(fa, a, big, 0), (ssize_t)big);
    ck_assert_int_eq(mt_pread(fb, b, big, 0), (ssize_t)big);
#else
    a = mmap(q, big, RW, MAP_SHARED | MAP_FIXED, fa, 0);
    ck_assert_ptr_eq(a, q);
    b = mmap(q + big, big, RW, MAP_SHARED | MAP_FIXED, fb, 0);
    ck_assert_ptr_eq(b, q + big);
#endif
    ck_assert_int_eq(mlock(a + big - pg, 2 * pg), 0);
    ck_assert(!locked(a, big - pg));
    ck_assert(locked(a + big - pg, pg));
    ck_assert(locked(b, pg));
    ck_assert(!locked(b + pg, big - pg));
    ck_assert_int_eq(munlock(a, 2 * big), 0);
    ck_assert(!locked(a, 2 * big));
    ck_assert(mt_is_pattern(a, big, 0, 75));
    ck_assert(mt_is_pattern(b, big, 0, 76));
    ck_assert_int_eq(munlockall(), 0);
    ck_assert_int_eq(munmap(a, 2 * big), 0);
    ck_assert_int_eq(close(fa), 0);
    ck_assert_int_eq(close(fb), 0);
}
END_TEST

/* Linux rounds addr down to its page and the end up: the pages that
 * hold any byte of [addr, addr + len) are locked. */
START_TEST(unaligned_address_is_rounded_down)
{
    size_t pg = mt_page(), len = 4 * pg;
    char *p;
    int fd;

    p = map_file("mlock-unaligned", len, 77, &fd);
    ck_assert_int_eq(mlock(p + pg + 1, 1), 0);
    ck_assert(!locked(p, pg));
    ck_assert(locked(p + pg, pg));
    ck_assert(!locked(p + 2 * pg, 2 * pg));
    ck_assert_int_eq(munlock(p + pg + 1, 1), 0);
    ck_assert(!locked(p, len));

    /* a page's length from the middle of a page covers two pages */
    ck_assert_int_eq(mlock(p + pg + 100, pg), 0);
    ck_assert(!locked(p, pg));
    ck_assert(locked(p + pg, pg));
    ck_assert(locked(p + 2 * pg, pg));
    ck_assert(!locked(p + 3 * pg, pg));
    /* munlock rounds the same way */
    ck_assert_int_eq(munlock(p + 2 * pg + 5, 1), 0);
    ck_assert(locked(p + pg, pg));
    ck_assert(!locked(p + 2 * pg, pg));
    ck_assert_int_eq(munlockall(), 0);
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

/* len 0 at a page boundary is an empty range: nothing is locked and
 * nothing need be mapped there. From inside a page, the rounding above
 * makes it the page that holds addr (as Linux does). */
START_TEST(zero_length)
{
    size_t pg = mt_page(), len = 2 * pg;
    char *p, *u;
    int fd;

    p = map_file("mlock-zero", len, 78, &fd);
    ck_assert_int_eq(mlock(p, 0), 0);
    ck_assert(!locked(p, len));
    ck_assert_int_eq(mlock(p + pg, 0), 0);
    ck_assert(!locked(p, len));
    ck_assert_int_eq(munlock(p, 0), 0);

    ck_assert_int_eq(mlock(p + pg + 1, 0), 0);
    ck_assert(!locked(p, pg));
    ck_assert(locked(p + pg, pg));
    ck_assert_int_eq(munlock(p + pg + 1, 0), 0);
    ck_assert(!locked(p, len));

    u = mmap(NULL, pg, RW, ANON, -1, 0);
    ck_assert_ptr_ne(u, MAP_FAILED);
    ck_assert_int_eq(munmap(u, pg), 0);
    ck_assert_int_eq(mlock(u, 0), 0);
    ck_assert_int_eq(munlock(u, 0), 0);
    ck_assert_int_eq(munlockall(), 0);
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(unmapped_range_is_enomem)
{
    size_t pg = mt_page(), len = 4 * pg;
    char *p;
    int fd;

    p = map_file("mlock-hole", len, 79, &fd);
    ck_assert_int_eq(munmap(p + pg, pg), 0);
    ck_assert_int_eq(munmap(p + 3 * pg, pg), 0);
    /* mapped: pages 0 and 2 */

    /* nothing mapped at all */
    errno = 0;
    ck_assert_int_eq(mlock(p + pg, pg), -1);
    ck_assert_int_eq(errno, ENOMEM);
    errno = 0;
    ck_assert_int_eq(munlock(p + pg, pg), -1);
    ck_assert_int_eq(errno, ENOMEM);
    errno = 0;
    ck_assert_int_eq(mlock(p + pg + 1, 1), -1);
    ck_assert_int_eq(errno, ENOMEM);

    /* a hole in the middle; what Linux did to the mapped part before
     * it is unspecified, so it is not checked */
    errno = 0;
    ck_assert_int_eq(mlock(p, 3 * pg), -1);
    ck_assert_int_eq(errno, ENOMEM);
    errno = 0;
    ck_assert_int_eq(munlock(p, 3 * pg), -1);
    ck_assert_int_eq(errno, ENOMEM);
    /* past the end of the last mapping */
    errno = 0;
    ck_assert_int_eq(mlock(p + 2 * pg, 2 * pg), -1);
    ck_assert_int_eq(errno, ENOMEM);

    ck_assert_int_eq(munlockall(), 0);
    ck_assert(!locked(p, pg));
    ck_assert(!locked(p + 2 * pg, pg));
    ck_assert_int_eq(munmap(p, len), 0);
    errno = 0;
    ck_assert_int_eq(mlock(p, len), -1);
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

/* Locks do not nest: one munlock undoes any number of mlock calls. */
START_TEST(locks_do_not_stack)
{
    size_t pg = mt_page(), len = 2 * pg;
    char *p;
    int fd;

    p = map_file("mlock-stack", len, 80, &fd);
    ck_assert_int_eq(mlock(p, len), 0);
    ck_assert_int_eq(mlock(p, len), 0);
    ck_assert_int_eq(mlock(p, pg), 0);
    ck_assert_int_eq(munlock(p, pg), 0);
    ck_assert(!locked(p, pg));
    ck_assert(locked(p + pg, pg));
    ck_assert_int_eq(munlock(p + pg, pg), 0);
    ck_assert(!locked(p, len));
    ck_assert_int_eq(munlockall(), 0);
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

/* The lock belongs to the pages, whatever their protection. */
START_TEST(lock_survives_mprotect)
{
    size_t pg = mt_page(), len = 2 * pg;
    char *p;
    int fd;

    p = map_file("mlock-mprotect", len, 81, &fd);
    ck_assert_int_eq(mlock(p, len), 0);
#ifdef MMAN_CE
    /* CE: a shared file mapping keeps the protection mmap gave it
     * (another is ENOTSUP: CE cannot VirtualProtect a view), so the
     * rest is done on a private one (README, "Windows CE"). */
    errno = 0;
    ck_assert_int_eq(mprotect(p + pg, pg, PROT_NONE), -1);
    ck_assert_int_eq(errno, ENOTSUP);
    ck_assert_int_eq(mprotect(p, len, RW), 0);
    ck_assert(locked(p, pg));
    ck_assert(locked(p + pg, pg));
    ck_assert_int_eq(munmap(p, len), 0);
    p = mmap(NULL, len, RW, MAP_PRIVATE, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_int_eq(mlock(p, len), 0);
#endif
    ck_assert_int_eq(mprotect(p + pg, pg, PROT_NONE), 0);
    ck_assert(mt_read_faults(p + pg));
    ck_assert(locked(p + pg, pg));
    ck_assert_int_eq(mprotect(p, len, PROT_READ), 0);
    ck_assert(locked(p, pg));
    ck_assert(locked(p + pg, pg));
    ck_assert(mt_is_pattern(p, len, 0, 81));
    ck_assert_int_eq(munlock(p, len), 0);
    ck_assert(!locked(p, len));
    ck_assert_int_eq(munlockall(), 0);
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

/* A new mapping where a locked one was is not locked. */
START_TEST(unmapping_drops_the_lock)
{
    size_t pg = mt_page(), len = 2 * pg;
    char *p, *q;
    int fd;

    p = map_file("mlock-unmap", len, 82, &fd);
    ck_assert_int_eq(mlock(p, len), 0);
#ifdef MMAN_CE
    /* CE: MAP_FIXED with a file is EINVAL and leaves the old mapping
     * and its lock alone; anonymous MAP_FIXED replaces it, and a file
     * mapped again after munmap is not locked (README, "Windows CE"). */
    mt_fixed_file_einval(p, len, RW, MAP_SHARED, fd, 0);
    ck_assert(locked(p, pg));
    ck_assert(locked(p + pg, pg));
    ck_assert(mt_is_pattern(p, len, 0, 82));
    q = mmap(p, len, RW, ANON | MAP_FIXED, -1, 0);
    ck_assert_ptr_eq(q, p);
    ck_assert(!locked(p, len));

    ck_assert_int_eq(mlock(p, len), 0);
    ck_assert_int_eq(munmap(p, len), 0);
    q = mmap(p, len, RW, ANON | MAP_FIXED, -1, 0);
    ck_assert_ptr_eq(q, p);
    ck_assert(!locked(p, len));
    ck_assert_int_eq(munmap(p, len), 0);

    p = mmap(NULL, len, RW, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_int_eq(mlock(p, len), 0);
    ck_assert_int_eq(munmap(p, len), 0);
    p = mmap(p, len, RW, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
#else
    q = mmap(p, len, RW, MAP_SHARED | MAP_FIXED, fd, 0);
    ck_assert_ptr_eq(q, p);
    ck_assert(!locked(p, len));

    ck_assert_int_eq(mlock(p, len), 0);
    ck_assert_int_eq(munmap(p, len), 0);
    q = mmap(p, len, RW, MAP_SHARED | MAP_FIXED, fd, 0);
    ck_assert_ptr_eq(q, p);
#endif
    ck_assert(!locked(p, len));
    ck_assert(mt_is_pattern(p, len, 0, 82));
    ck_assert_int_eq(munlockall(), 0);
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(mlockall_current_locks_existing_mappings)
{
    size_t pg = mt_page(), len = 2 * pg;
    char *f, *a, *later;
    int fd;

    f = map_file("mlockall-current", len, 83, &fd);
    a = mmap(NULL, len, RW, ANON, -1, 0);
    ck_assert_ptr_ne(a, MAP_FAILED);
    a[0] = 7;
    ck_assert_int_eq(mlockall(MCL_CURRENT), 0);
    ck_assert(locked(f, pg));
    ck_assert(locked(f + pg, pg));
    ck_assert(locked(a, pg));
    ck_assert(locked(a + pg, pg));
    ck_assert_int_eq(a[0], 7);
    /* MCL_CURRENT alone: a later mapping is not locked */
    later = mmap(NULL, len, RW, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(later, MAP_FAILED);
    ck_assert(!locked(later, len));
    ck_assert_int_eq(munlockall(), 0);
    ck_assert(!locked(f, len));
    ck_assert(!locked(a, len));
    ck_assert(mt_is_pattern(f, len, 0, 83));
    ck_assert_int_eq(munmap(later, len), 0);
    ck_assert_int_eq(munmap(a, len), 0);
    ck_assert_int_eq(munmap(f, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(mlockall_future_locks_later_mappings)
{
    size_t pg = mt_page(), len = 2 * pg;
    char *before, *f, *a, *after;
    int fd;

    before = map_file("mlockall-future", len, 84, &fd);
    ck_assert_int_eq(mlockall(MCL_FUTURE), 0);
    /* MCL_FUTURE alone: what was there is not locked */
    ck_assert(!locked(before, len));
    f = mmap(NULL, len, RW, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(f, MAP_FAILED);
    a = mmap(NULL, len, RW, ANON, -1, 0);
    ck_assert_ptr_ne(a, MAP_FAILED);
    ck_assert(locked(f, pg));
    ck_assert(locked(f + pg, pg));
    ck_assert(locked(a, pg));
    ck_assert(locked(a + pg, pg));
    ck_assert(mt_is_pattern(f, len, 0, 84));
    ck_assert_int_eq(a[len - 1], 0);
    /* munlock unlocks such a mapping like any other */
    ck_assert_int_eq(munlock(f, pg), 0);
    ck_assert(!locked(f, pg));
    ck_assert(locked(f + pg, pg));
    /* munlockall unlocks them and ends MCL_FUTURE */
    ck_assert_int_eq(munlockall(), 0);
    ck_assert(!locked(f, len));
    ck_assert(!locked(a, len));
    after = mmap(NULL, len, RW, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(after, MAP_FAILED);
    ck_assert(!locked(after, len));
    ck_assert_int_eq(munmap(after, len), 0);
    ck_assert_int_eq(munmap(a, len), 0);
    ck_assert_int_eq(munmap(f, len), 0);
    ck_assert_int_eq(munmap(before, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(mlockall_current_and_future)
{
    size_t pg = mt_page(), len = 2 * pg;
    char *before, *after;
    int fd;

    before = map_file("mlockall-both", len, 85, &fd);
    ck_assert_int_eq(mlockall(MCL_CURRENT | MCL_FUTURE), 0);
    after = mmap(NULL, len, RW, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(after, MAP_FAILED);
    ck_assert(locked(before, pg));
    ck_assert(locked(after + pg, pg));
    ck_assert_int_eq(munlockall(), 0);
    ck_assert(!locked(before, len));
    ck_assert(!locked(after, len));
    ck_assert_int_eq(munmap(after, len), 0);
    ck_assert_int_eq(munmap(before, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

/* Mappings that cannot be touched (PROT_NONE, pages past end of file)
 * do not make mlockall fail, nor a later mmap under MCL_FUTURE. */
START_TEST(mlockall_with_untouchable_pages)
{
    size_t pg = mt_page();
    const char *path = mt_path("mlockall-eof");
    char *none, *eof, *none2, *eof2;
    int fd = mt_make_file(path, pg, 86);

    ck_assert_int_ge(fd, 0);
    none = mmap(NULL, 2 * pg, PROT_NONE, ANON, -1, 0);
    ck_assert_ptr_ne(none, MAP_FAILED);
    eof = mmap(NULL, 3 * pg, RW, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(eof, MAP_FAILED);
    ck_assert_int_eq(mlockall(MCL_CURRENT | MCL_FUTURE), 0);
    ck_assert(locked(eof, pg));
    ck_assert(mt_read_faults(none));
    ck_assert(mt_read_faults(eof + pg));
    none2 = mmap(NULL, 2 * pg, PROT_NONE, ANON, -1, 0);
    ck_assert_ptr_ne(none2, MAP_FAILED);
    eof2 = mmap(NULL, 3 * pg, RW, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(eof2, MAP_FAILED);
    ck_assert(locked(eof2, pg));
    ck_assert(mt_is_pattern(eof2, pg, 0, 86));
    ck_assert(mt_read_faults(none2));
    ck_assert(mt_read_faults(eof2 + 2 * pg));
    /* opened later, the PROT_NONE mapping is locked as it was made */
    ck_assert_int_eq(mprotect(none2, 2 * pg, RW), 0);
    none2[pg] = 9;
    ck_assert(locked(none2 + pg, pg));
    ck_assert_int_eq(munlockall(), 0);
    ck_assert(!locked(none2, 2 * pg));
    ck_assert(!locked(eof2, pg));
    ck_assert_int_eq(none2[pg], 9);
    ck_assert_int_eq(munmap(eof2, 3 * pg), 0);
    ck_assert_int_eq(munmap(none2, 2 * pg), 0);
    ck_assert_int_eq(munmap(eof, 3 * pg), 0);
    ck_assert_int_eq(munmap(none, 2 * pg), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(mlockall_bad_flags_are_einval)
{
    size_t len = 2 * mt_page();
    char *p, *later;
    int fd;

    p = map_file("mlockall-flags", len, 87, &fd);
    errno = 0;
    ck_assert_int_eq(mlockall(0), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(mlockall(0x100), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(mlockall(MCL_CURRENT | 0x100), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(mlockall(MCL_CURRENT | MCL_FUTURE | 0x100), -1);
    ck_assert_int_eq(errno, EINVAL);
    /* nothing was locked, now or later */
    ck_assert(!locked(p, len));
    later = mmap(NULL, len, RW, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(later, MAP_FAILED);
    ck_assert(!locked(later, len));
    ck_assert_int_eq(munlockall(), 0);
    ck_assert_int_eq(munmap(later, len), 0);
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(munlockall_with_nothing_locked)
{
    size_t len = 2 * mt_page();
    char *p = mmap(NULL, len, RW, ANON, -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    p[0] = 3;
    ck_assert_int_eq(munlockall(), 0);
    ck_assert_int_eq(munlockall(), 0);
    ck_assert(!locked(p, len));
    ck_assert_int_eq(p[0], 3);
    ck_assert_int_eq(munmap(p, len), 0);
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("mlock");
    TCase *tc = tcase_create("mlock");

    tcase_add_checked_fixture(tc, NULL, unlock_all);
    tcase_add_test(tc, memlock_options_are_defined);
    tcase_add_test(tc, mlock_locks_and_munlock_unlocks);
    tcase_add_test(tc, locked_memory_keeps_contents);
    tcase_add_test(tc, large_anonymous_range);
    tcase_add_test(tc, large_file_range);
    tcase_add_test(tc, part_of_a_mapping);
    tcase_add_test(tc, range_across_two_mappings);
    tcase_add_test(tc, unaligned_address_is_rounded_down);
    tcase_add_test(tc, zero_length);
    tcase_add_test(tc, unmapped_range_is_enomem);
    tcase_add_test(tc, locks_do_not_stack);
    tcase_add_test(tc, lock_survives_mprotect);
    tcase_add_test(tc, unmapping_drops_the_lock);
    tcase_add_test(tc, mlockall_current_locks_existing_mappings);
    tcase_add_test(tc, mlockall_future_locks_later_mappings);
    tcase_add_test(tc, mlockall_current_and_future);
    tcase_add_test(tc, mlockall_with_untouchable_pages);
    tcase_add_test(tc, mlockall_bad_flags_are_einval);
    tcase_add_test(tc, munlockall_with_nothing_locked);
    suite_add_tcase(s, tc);
    return mt_main(argc, argv, s);
}
