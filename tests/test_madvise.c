/* madvise and posix_madvise: every advice on every kind of mapping, what
 * MADV_DONTNEED and MADV_FREE do to contents, and the errors. */
#define _GNU_SOURCE 1
#include "mt.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define LEN(a) (sizeof (a) / sizeof *(a))

static const int posix_advice[] = {
    POSIX_MADV_NORMAL, POSIX_MADV_SEQUENTIAL, POSIX_MADV_RANDOM,
    POSIX_MADV_WILLNEED, POSIX_MADV_DONTNEED,
};

/* The madvise advice that never changes contents. */
static const int keeping_advice[] = {
    MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED,
};

/* Values no system takes as advice. */
static const int bad_advice[] = {-1, 7, 12345};

static char *round_up(char *p, uintptr_t a)
{
    return (char *)(((uintptr_t)p + a - 1) & ~(a - 1));
}

/* Whether len bytes at p all hold c. */
static int all(const void *p, int c, size_t len)
{
    const unsigned char *q = p;
    size_t i;

    for (i = 0; i < len; i++)
        if (q[i] != (unsigned char)c)
            return 0;
    return 1;
}

/* Four mappings of len bytes, each written to, for the advice that
 * must leave contents alone. */
struct kinds {
    int fd;
    unsigned char *anon, *shared_anon, *shared_file, *private_file;
};

static void kinds_make(struct kinds *k, const char *name, size_t len,
                       unsigned seed)
{
    k->fd = mt_make_file(mt_path(name), len, seed);
    ck_assert_int_ge(k->fd, 0);
    k->anon = mmap(NULL, len, RW, ANON, -1, 0);
    k->shared_anon = mmap(NULL, len, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    k->shared_file = mmap(NULL, len, RW, MAP_SHARED, k->fd, 0);
    ck_assert_ptr_ne(k->anon, MAP_FAILED);
    ck_assert_ptr_ne(k->shared_anon, MAP_FAILED);
    ck_assert_ptr_ne(k->shared_file, MAP_FAILED);
    memset(k->anon, 0xa1, len);
    memset(k->shared_anon, 0xa2, len);
    memset(k->shared_file, 0xa3, len / 2);
    /* made after that write: its first half shows it, unwritten */
    k->private_file = mmap(NULL, len, RW, MAP_PRIVATE, k->fd, 0);
    ck_assert_ptr_ne(k->private_file, MAP_FAILED);
    memset(k->private_file + len / 2, 0xa4, len / 2);
}

/* Whether each mapping still holds what kinds_make put there. */
static void kinds_check(const struct kinds *k, size_t len, unsigned seed,
                        const char *what, int advice)
{
    ck_assert_msg(all(k->anon, 0xa1, len), "%s %d: anonymous", what,
                  advice);
    ck_assert_msg(all(k->shared_anon, 0xa2, len), "%s %d: shared anon",
                  what, advice);
    ck_assert_msg(all(k->shared_file, 0xa3, len / 2) &&
                      mt_is_pattern(k->shared_file + len / 2, len / 2,
                                    len / 2, seed),
                  "%s %d: shared file", what, advice);
    ck_assert_msg(all(k->private_file + len / 2, 0xa4, len / 2) &&
                      all(k->private_file, 0xa3, len / 2),
                  "%s %d: private file", what, advice);
}

static void kinds_free(struct kinds *k, size_t len)
{
    ck_assert_int_eq(munmap(k->anon, len), 0);
    ck_assert_int_eq(munmap(k->shared_anon, len), 0);
    ck_assert_int_eq(munmap(k->shared_file, len), 0);
    ck_assert_int_eq(munmap(k->private_file, len), 0);
    ck_assert_int_eq(close(k->fd), 0);
}

/* Runs after every test, failed or not, so that no lock outlives it. */
static void unlock_all(void)
{
    munlockall();
}

/* posix_madvise is advice only: it never changes contents, not even
 * POSIX_MADV_DONTNEED, and returns 0 on success. */
START_TEST(posix_madvise_accepts_every_advice)
{
    size_t len = 4 * mt_page(), i;
    struct kinds k;
    int r;

    kinds_make(&k, "posix-madvise-all", len, 91);
    for (i = 0; i < LEN(posix_advice); i++) {
        r = posix_madvise(k.anon, len, posix_advice[i]);
        ck_assert_msg(r == 0, "advice %d: %d", posix_advice[i], r);
        r = posix_madvise(k.shared_anon, len, posix_advice[i]);
        ck_assert_msg(r == 0, "advice %d: %d", posix_advice[i], r);
        r = posix_madvise(k.shared_file, len, posix_advice[i]);
        ck_assert_msg(r == 0, "advice %d: %d", posix_advice[i], r);
        r = posix_madvise(k.private_file, len, posix_advice[i]);
        ck_assert_msg(r == 0, "advice %d: %d", posix_advice[i], r);
        /* part of a mapping */
        r = posix_madvise(k.anon + mt_page(), mt_page(), posix_advice[i]);
        ck_assert_msg(r == 0, "advice %d: %d", posix_advice[i], r);
        kinds_check(&k, len, 91, "posix_madvise", posix_advice[i]);
    }
    kinds_free(&k, len);
}
END_TEST

START_TEST(madvise_accepts_every_keeping_advice)
{
    size_t len = 4 * mt_page(), i;
    struct kinds k;

    kinds_make(&k, "madvise-keep", len, 92);
    for (i = 0; i < LEN(keeping_advice); i++) {
        errno = 0;
        ck_assert_msg(madvise(k.anon, len, keeping_advice[i]) == 0,
                      "advice %d: errno %d", keeping_advice[i], errno);
        ck_assert_msg(madvise(k.shared_anon, len, keeping_advice[i]) == 0,
                      "advice %d: errno %d", keeping_advice[i], errno);
        ck_assert_msg(madvise(k.shared_file, len, keeping_advice[i]) == 0,
                      "advice %d: errno %d", keeping_advice[i], errno);
        ck_assert_msg(madvise(k.private_file, len, keeping_advice[i]) ==
                          0,
                      "advice %d: errno %d", keeping_advice[i], errno);
        ck_assert_msg(madvise(k.shared_file + mt_page(), mt_page(),
                              keeping_advice[i]) == 0,
                      "advice %d: errno %d", keeping_advice[i], errno);
        kinds_check(&k, len, 92, "madvise", keeping_advice[i]);
    }
    kinds_free(&k, len);
}
END_TEST

/* Read-only and inaccessible memory takes advice too. */
START_TEST(advice_on_read_only_and_prot_none_memory)
{
    size_t pg = mt_page(), len = 2 * pg, i;
    const char *path = mt_path("madvise-rdonly");
    unsigned char *ro, *none;
    int fd = mt_make_file(path, len, 93);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(close(fd), 0);
    fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ro = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(ro, MAP_FAILED);
    none = mmap(NULL, len, PROT_NONE, ANON, -1, 0);
    ck_assert_ptr_ne(none, MAP_FAILED);
    for (i = 0; i < LEN(keeping_advice); i++) {
        ck_assert_int_eq(madvise(ro, len, keeping_advice[i]), 0);
        ck_assert_int_eq(madvise(none, len, keeping_advice[i]), 0);
    }
    ck_assert_int_eq(madvise(ro, len, MADV_DONTNEED), 0);
    ck_assert_int_eq(madvise(none, len, MADV_DONTNEED), 0);
    ck_assert_int_eq(madvise(none, len, MADV_FREE), 0);
    for (i = 0; i < LEN(posix_advice); i++) {
        ck_assert_int_eq(posix_madvise(ro, len, posix_advice[i]), 0);
        ck_assert_int_eq(posix_madvise(none, len, posix_advice[i]), 0);
    }
    ck_assert(mt_is_pattern(ro, len, 0, 93));
    ck_assert(mt_write_faults(ro));
    ck_assert(mt_read_faults(none));
    ck_assert(mt_read_faults(none + pg));
    ck_assert_int_eq(munmap(none, len), 0);
    ck_assert_int_eq(munmap(ro, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(dontneed_zeroes_private_anonymous_memory)
{
    size_t pg = mt_page(), len = 4 * pg;
    unsigned char *p = mmap(NULL, len, RW, ANON, -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    memset(p, 0x6b, len);
    ck_assert_int_eq(madvise(p + pg, 2 * pg, MADV_DONTNEED), 0);
    ck_assert(all(p, 0x6b, pg));
    ck_assert(all(p + pg, 0, 2 * pg));
    ck_assert(all(p + 3 * pg, 0x6b, pg));
    /* the pages are still there, writable */
    p[pg] = 0x6c;
    ck_assert_uint_eq(p[pg], 0x6c);
    ck_assert_int_eq(madvise(p, len, MADV_DONTNEED), 0);
    ck_assert(all(p, 0, len));
    ck_assert_int_eq(munmap(p, len), 0);
}
END_TEST

/* Inaccessible pages are discarded too, and read as zero once opened. */
START_TEST(dontneed_on_prot_none_private_memory)
{
    size_t pg = mt_page(), len = 2 * pg;
    unsigned char *p = mmap(NULL, len, RW, ANON, -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    memset(p, 0x2e, len);
    ck_assert_int_eq(mprotect(p, len, PROT_NONE), 0);
    ck_assert_int_eq(madvise(p, pg, MADV_DONTNEED), 0);
    ck_assert(mt_read_faults(p));
    ck_assert_int_eq(mprotect(p, len, PROT_READ), 0);
    ck_assert(all(p, 0, pg));
    ck_assert(all(p + pg, 0x2e, pg));
    ck_assert(mt_write_faults(p));
    ck_assert_int_eq(munmap(p, len), 0);
}
END_TEST

START_TEST(dontneed_keeps_shared_file_contents)
{
    size_t pg = mt_page(), len = 3 * pg;
    const char *path = mt_path("madvise-shared-file");
    unsigned char *p, buf[4];
    int fd = mt_make_file(path, len, 94);

    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, len, RW, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    memcpy(p + pg, "kept", 4);
    ck_assert_int_eq(madvise(p, len, MADV_DONTNEED), 0);
    ck_assert_mem_eq(p + pg, "kept", 4);
    ck_assert(mt_is_pattern(p, pg, 0, 94));
    ck_assert(mt_is_pattern(p + pg + 4, len - pg - 4, pg + 4, 94));
    ck_assert_int_eq(mt_pread(fd, buf, 4, (long long)pg), 4);
    ck_assert_mem_eq(buf, "kept", 4);
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(dontneed_keeps_shared_anonymous_contents)
{
    size_t pg = mt_page(), len = 3 * pg;
    unsigned char *p = mmap(NULL, len, RW, MAP_SHARED | MAP_ANONYMOUS,
                            -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    memset(p, 0x3d, len);
    ck_assert_int_eq(madvise(p, len, MADV_DONTNEED), 0);
    ck_assert(all(p, 0x3d, len));
    ck_assert_int_eq(munmap(p, len), 0);
}
END_TEST

/* On a MAP_PRIVATE file mapping the private copies go, and the pages
 * show the file again, as it is now. */
START_TEST(dontneed_drops_private_writes_of_file_mapping)
{
    size_t pg = mt_page(), len = 3 * pg;
    const char *path = mt_path("madvise-private-file");
    unsigned char *p;
    uint32_t hash;
    int fd = mt_make_file(path, len, 95);

    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, len, RW, MAP_PRIVATE, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    memset(p, 0x4e, len);
    ck_assert_int_eq(mt_pwrite(fd, "file", 4, (long long)pg + 8), 4);
    hash = mt_file_hash(path);
    ck_assert_int_eq(madvise(p + pg, pg, MADV_DONTNEED), 0);
    ck_assert(all(p, 0x4e, pg));
    ck_assert(mt_is_pattern(p + pg, 8, pg, 95));
    ck_assert_mem_eq(p + pg + 8, "file", 4);
    ck_assert(mt_is_pattern(p + pg + 12, pg - 12, pg + 12, 95));
    ck_assert(all(p + 2 * pg, 0x4e, pg));
    /* still private and writable */
    p[pg] = 0x4f;
    ck_assert_uint_eq(p[pg], 0x4f);
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_uint_eq(mt_file_hash(path), hash);
}
END_TEST

/* One call over an anonymous mapping and a file mapping that meet at a
 * 64 KiB boundary (the place emptied first). */
START_TEST(dontneed_across_two_mappings)
{
    size_t big = 64 * 1024, pg = mt_page();
    const char *path = mt_path("madvise-across");
    char *r, *q, *a, *f;
    int fd = mt_make_file(path, big, 96);

    ck_assert_int_ge(fd, 0);
    r = mmap(NULL, 4 * big, PROT_NONE, ANON, -1, 0);
    ck_assert_ptr_ne(r, MAP_FAILED);
    q = round_up(r + big, big);
    ck_assert_int_eq(munmap(r, 4 * big), 0);
    a = mmap(q - 2 * pg, 2 * pg, RW, ANON | MAP_FIXED, -1, 0);
    ck_assert_ptr_eq(a, q - 2 * pg);
#ifdef MMAN_CE
    /* CE: MAP_FIXED with a file is EINVAL (no MapViewOfFileEx), so the
     * shared mapping is anonymous, filled from the file (README,
     * "Windows CE"). */
    mt_fixed_file_einval(q, big, RW, MAP_SHARED, fd, 0);
    f = mmap(q, big, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    ck_assert_ptr_eq(f, q);
    ck_assert_int_eq(mt_pread(fd, f, big, 0), (ssize_t)big);
#else
    f = mmap(q, big, RW, MAP_SHARED | MAP_FIXED, fd, 0);
    ck_assert_ptr_eq(f, q);
#endif
    memset(a, 0x7d, 2 * pg);
    f[0] = 0x7e;
    ck_assert_int_eq(madvise(a + pg, 2 * pg, MADV_DONTNEED), 0);
    ck_assert(all(a, 0x7d, pg));
    ck_assert(all(a + pg, 0, pg));
    ck_assert_int_eq(f[0], 0x7e);
    ck_assert(mt_is_pattern(f + 1, big - 1, 1, 96));
    ck_assert_int_eq(munmap(a, 2 * pg), 0);
    ck_assert_int_eq(munmap(f, big), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

/* Shared and private anonymous memory side by side (one placed with
 * MAP_FIXED inside the other): each keeps its own behaviour. */
START_TEST(dontneed_on_mixed_anonymous_memory)
{
    size_t pg = mt_page(), len = 4 * pg;
    unsigned char *p, *s, *q, *t;

    p = mmap(NULL, len, RW, ANON, -1, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    s = mmap(p + pg, pg, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    ck_assert_ptr_eq(s, p + pg);
    memset(p, 0x71, len);
    ck_assert_int_eq(madvise(p, len, MADV_DONTNEED), 0);
    ck_assert(all(p, 0, pg));
    ck_assert(all(p + pg, 0x71, pg));
    ck_assert(all(p + 2 * pg, 0, 2 * pg));
    errno = 0;
    ck_assert_int_eq(madvise(p, len, MADV_FREE), -1);
    ck_assert_int_eq(errno, EINVAL);

    q = mmap(NULL, len, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(q, MAP_FAILED);
    t = mmap(q + 2 * pg, pg, RW, ANON | MAP_FIXED, -1, 0);
    ck_assert_ptr_eq(t, q + 2 * pg);
    memset(q, 0x72, len);
    ck_assert_int_eq(madvise(q, len, MADV_DONTNEED), 0);
    ck_assert(all(q, 0x72, 2 * pg));
    ck_assert(all(q + 2 * pg, 0, pg));
    ck_assert(all(q + 3 * pg, 0x72, pg));
    t[0] = 0x73;
    ck_assert_int_eq(madvise(t, pg, MADV_FREE), 0);
    ck_assert(t[0] == 0x73 || t[0] == 0);
    ck_assert_int_eq(munmap(q, len), 0);
    ck_assert_int_eq(munmap(p, len), 0);
}
END_TEST

/* MADV_FREE lets the system take the pages when it likes: each then
 * reads as it was or as zero, and stays usable. */
START_TEST(free_on_private_anonymous_memory)
{
    size_t pg = mt_page(), len = 4 * pg, i;
    unsigned char *p = mmap(NULL, len, RW, ANON, -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    memset(p, 0x5c, len);
    ck_assert_int_eq(madvise(p, len, MADV_FREE), 0);
    for (i = 0; i < len; i += pg)
        ck_assert(all(p + i, 0x5c, pg) || all(p + i, 0, pg));
    memset(p + pg, 0x5d, pg);
    ck_assert(all(p + pg, 0x5d, pg));
    ck_assert_int_eq(munmap(p, len), 0);
}
END_TEST

/* Linux takes MADV_FREE on private anonymous memory only. */
START_TEST(free_on_file_and_shared_memory_is_einval)
{
    size_t len = 4 * mt_page();
    struct kinds k;

    kinds_make(&k, "madvise-free", len, 97);
    errno = 0;
    ck_assert_int_eq(madvise(k.shared_file, len, MADV_FREE), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(madvise(k.private_file, len, MADV_FREE), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(madvise(k.shared_anon, len, MADV_FREE), -1);
    ck_assert_int_eq(errno, EINVAL);
    kinds_check(&k, len, 97, "MADV_FREE", MADV_FREE);
    kinds_free(&k, len);
}
END_TEST

/* Locked pages are not discarded: Linux refuses with EINVAL. */
START_TEST(discarding_locked_pages_is_einval)
{
    size_t pg = mt_page(), len = 2 * pg;
    unsigned char *p = mmap(NULL, len, RW, ANON, -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    memset(p, 0x1f, len);
    ck_assert_int_eq(mlock(p + pg, pg), 0);
    errno = 0;
    ck_assert_int_eq(madvise(p + pg, pg, MADV_DONTNEED), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(madvise(p + pg, pg, MADV_FREE), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert(all(p, 0x1f, len));
    /* the other advice is fine */
    ck_assert_int_eq(madvise(p + pg, pg, MADV_WILLNEED), 0);
    ck_assert_int_eq(posix_madvise(p + pg, pg, POSIX_MADV_DONTNEED), 0);
    ck_assert(all(p, 0x1f, len));
    ck_assert_int_eq(munlockall(), 0);
    ck_assert_int_eq(madvise(p + pg, pg, MADV_DONTNEED), 0);
    ck_assert(all(p + pg, 0, pg));
    ck_assert_int_eq(munmap(p, len), 0);
}
END_TEST

START_TEST(invalid_advice_is_einval)
{
    size_t pg = mt_page(), len = 2 * pg, i;
    unsigned char *p = mmap(NULL, len, RW, ANON, -1, 0);
    int r;

    ck_assert_ptr_ne(p, MAP_FAILED);
    memset(p, 0x2a, len);
    for (i = 0; i < LEN(bad_advice); i++) {
        errno = 0;
        ck_assert_int_eq(madvise(p, len, bad_advice[i]), -1);
        ck_assert_int_eq(errno, EINVAL);
        /* posix_madvise returns the error number */
        r = posix_madvise(p, len, bad_advice[i]);
        ck_assert_msg(r == EINVAL, "advice %d: %d", bad_advice[i], r);
        /* also with nothing to advise */
        errno = 0;
        ck_assert_int_eq(madvise(p, 0, bad_advice[i]), -1);
        ck_assert_int_eq(errno, EINVAL);
        ck_assert_int_eq(posix_madvise(p, 0, bad_advice[i]), EINVAL);
    }
    ck_assert(all(p, 0x2a, len));
    ck_assert_int_eq(munmap(p, len), 0);
}
END_TEST

/* An unaligned addr is refused, changing nothing; an unaligned length
 * is rounded up to whole pages. */
START_TEST(unaligned_address_is_einval)
{
    size_t pg = mt_page(), len = 3 * pg;
    unsigned char *p = mmap(NULL, len, RW, ANON, -1, 0);
    int r;

    ck_assert_ptr_ne(p, MAP_FAILED);
    memset(p, 0x33, len);
    errno = 0;
    ck_assert_int_eq(madvise(p + 1, pg, MADV_DONTNEED), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(madvise(p + pg / 2, pg, MADV_FREE), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(madvise(p + 1, pg, MADV_NORMAL), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(madvise(p + 1, 0, MADV_NORMAL), -1);
    ck_assert_int_eq(errno, EINVAL);
    r = posix_madvise(p + 1, pg, POSIX_MADV_WILLNEED);
    ck_assert_msg(r == EINVAL, "posix_madvise: %d", r);
    r = posix_madvise(p + 1, pg, POSIX_MADV_NORMAL);
    ck_assert_msg(r == EINVAL, "posix_madvise: %d", r);
    ck_assert(all(p, 0x33, len));

    ck_assert_int_eq(madvise(p, pg + 1, MADV_DONTNEED), 0);
    ck_assert(all(p, 0, 2 * pg));
    ck_assert(all(p + 2 * pg, 0x33, pg));
    ck_assert_int_eq(munmap(p, len), 0);
}
END_TEST

/* A range with unmapped pages: ENOMEM. Linux applies the advice to the
 * mapped part all the same, so only advice that keeps contents (and
 * MADV_DONTNEED on shared memory) can show that the contents stay. */
START_TEST(unmapped_range_is_enomem)
{
    size_t pg = mt_page(), len = 4 * pg, i, j;
    const char *path = mt_path("madvise-hole");
    unsigned char *a, *f;
    int fd = mt_make_file(path, len, 98), r;
    struct {
        unsigned char *start;
        size_t len;
    } ranges[4];

    ck_assert_int_ge(fd, 0);
    a = mmap(NULL, len, RW, ANON, -1, 0);
    ck_assert_ptr_ne(a, MAP_FAILED);
    memset(a, 0x44, len);
    ck_assert_int_eq(munmap(a + pg, pg), 0);
    ck_assert_int_eq(munmap(a + 3 * pg, pg), 0);
    /* mapped: pages 0 and 2 */
    ranges[0].start = a + pg;     /* nothing mapped */
    ranges[0].len = pg;
    ranges[1].start = a;          /* a hole in the middle */
    ranges[1].len = 3 * pg;
    ranges[2].start = a + pg;     /* begins in the hole */
    ranges[2].len = 2 * pg;
    ranges[3].start = a + 2 * pg; /* past the last mapping */
    ranges[3].len = 2 * pg;
    for (i = 0; i < LEN(ranges); i++) {
        for (j = 0; j < LEN(keeping_advice); j++) {
            errno = 0;
            ck_assert_int_eq(madvise(ranges[i].start, ranges[i].len,
                                     keeping_advice[j]), -1);
            ck_assert_int_eq(errno, ENOMEM);
        }
        r = posix_madvise(ranges[i].start, ranges[i].len,
                          POSIX_MADV_WILLNEED);
        ck_assert_msg(r == ENOMEM, "range %d: %d", (int)i, r);
        r = posix_madvise(ranges[i].start, ranges[i].len,
                          POSIX_MADV_RANDOM);
        ck_assert_msg(r == ENOMEM, "range %d: %d", (int)i, r);
    }
    ck_assert(all(a, 0x44, pg));
    ck_assert(all(a + 2 * pg, 0x44, pg));
    for (i = 0; i < LEN(ranges); i++) {
        errno = 0;
        ck_assert_int_eq(madvise(ranges[i].start, ranges[i].len,
                                 MADV_DONTNEED), -1);
        ck_assert_int_eq(errno, ENOMEM);
        errno = 0;
        ck_assert_int_eq(madvise(ranges[i].start, ranges[i].len,
                                 MADV_FREE), -1);
        ck_assert_int_eq(errno, ENOMEM);
    }
    ck_assert(all(a, 0x44, pg) || all(a, 0, pg));

    /* on a shared file mapping nothing is lost */
    f = mmap(NULL, len, RW, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(f, MAP_FAILED);
    f[0] = 0x45;
    ck_assert_int_eq(munmap(f + pg, pg), 0);
    errno = 0;
    ck_assert_int_eq(madvise(f, len, MADV_DONTNEED), -1);
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert_uint_eq(f[0], 0x45);
    ck_assert(mt_is_pattern(f + 1, pg - 1, 1, 98));
    ck_assert(mt_is_pattern(f + 2 * pg, 2 * pg, 2 * pg, 98));

    ck_assert_int_eq(munmap(f, len), 0);
    ck_assert_int_eq(munmap(a, len), 0);
    errno = 0;
    ck_assert_int_eq(madvise(a, len, MADV_NORMAL), -1);
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

/* len 0 advises nothing, wherever addr is (if it is aligned). */
START_TEST(zero_length_is_noop)
{
    size_t pg = mt_page();
    unsigned char *p = mmap(NULL, pg, RW, ANON, -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    p[0] = 0x55;
    ck_assert_int_eq(madvise(p, 0, MADV_DONTNEED), 0);
    ck_assert_int_eq(madvise(p, 0, MADV_FREE), 0);
    ck_assert_uint_eq(p[0], 0x55);
    ck_assert_int_eq(posix_madvise(p, 0, POSIX_MADV_NORMAL), 0);
    ck_assert_int_eq(munmap(p, pg), 0);
    ck_assert_int_eq(madvise(p, 0, MADV_NORMAL), 0);
    ck_assert_int_eq(madvise(p, 0, MADV_DONTNEED), 0);
    ck_assert_int_eq(posix_madvise(p, 0, POSIX_MADV_WILLNEED), 0);
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("madvise");
    TCase *tc = tcase_create("madvise");

    tcase_add_checked_fixture(tc, NULL, unlock_all);
    tcase_add_test(tc, posix_madvise_accepts_every_advice);
    tcase_add_test(tc, madvise_accepts_every_keeping_advice);
    tcase_add_test(tc, advice_on_read_only_and_prot_none_memory);
    tcase_add_test(tc, dontneed_zeroes_private_anonymous_memory);
    tcase_add_test(tc, dontneed_on_prot_none_private_memory);
    tcase_add_test(tc, dontneed_keeps_shared_file_contents);
    tcase_add_test(tc, dontneed_keeps_shared_anonymous_contents);
    tcase_add_test(tc, dontneed_drops_private_writes_of_file_mapping);
    tcase_add_test(tc, dontneed_across_two_mappings);
    tcase_add_test(tc, dontneed_on_mixed_anonymous_memory);
    tcase_add_test(tc, free_on_private_anonymous_memory);
    tcase_add_test(tc, free_on_file_and_shared_memory_is_einval);
    tcase_add_test(tc, discarding_locked_pages_is_einval);
    tcase_add_test(tc, invalid_advice_is_einval);
    tcase_add_test(tc, unaligned_address_is_einval);
    tcase_add_test(tc, unmapped_range_is_enomem);
    tcase_add_test(tc, zero_length_is_noop);
    suite_add_tcase(s, tc);
    return mt_main(argc, argv, s);
}
