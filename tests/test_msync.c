/* msync: what reaches the file, and the errors. */
#define _GNU_SOURCE 1
#include "mt.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static char *round_up(char *p, uintptr_t a)
{
    return (char *)(((uintptr_t)p + a - 1) & ~(a - 1));
}

START_TEST(sync_writes_reach_the_file)
{
    size_t pg = mt_page(), len = 3 * pg;
    const char *path = mt_path("msync-sync");
    unsigned char *p, buf[8];
    int fd = mt_make_file(path, len, 51);

    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, len, RW, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    memcpy(p + pg + 10, "synced!", 8);
    ck_assert_int_eq(msync(p, len, MS_SYNC), 0);
    ck_assert_int_eq(mt_pread(fd, buf, 8, (long long)pg + 10), 8);
    ck_assert_mem_eq(buf, "synced!", 8);

    /* after close(fd) too */
    ck_assert_int_eq(close(fd), 0);
    memcpy(p + 2 * pg + 1, "closed", 7);
    ck_assert_int_eq(msync(p + 2 * pg, pg, MS_SYNC), 0);
    fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(mt_pread(fd, buf, 7, 2 * (long long)pg + 1), 7);
    ck_assert_mem_eq(buf, "closed", 7);
    ck_assert_int_eq(mt_pread(fd, buf, 1, 2 * (long long)pg), 1);
    ck_assert_uint_eq(buf[0], mt_pattern(2 * pg, 51));
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(mt_file_size(path), (long long)len);
}
END_TEST

START_TEST(async_returns_zero)
{
    size_t pg = mt_page(), len = 2 * pg;
    const char *path = mt_path("msync-async");
    unsigned char *p, c;
    int fd = mt_make_file(path, len, 52);

    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, len, RW, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    p[pg] = 0xe1;
    ck_assert_int_eq(msync(p, len, MS_ASYNC), 0);
    ck_assert_int_eq(msync(p + pg, pg, MS_ASYNC | MS_INVALIDATE), 0);
    /* shared mappings and the file's reads agree, synced or not */
    ck_assert_int_eq(mt_pread(fd, &c, 1, (long long)pg), 1);
    ck_assert_uint_eq(c, 0xe1);
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(invalidate_shows_file_content)
{
    size_t pg = mt_page(), len = 2 * pg;
    const char *path = mt_path("msync-invalidate");
    unsigned char *p;
    int fd = mt_make_file(path, len, 53);

    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert(mt_is_pattern(p, len, 0, 53));
    ck_assert_int_eq(mt_pwrite(fd, "written", 7, (long long)pg + 3), 7);
    ck_assert_int_eq(msync(p, len, MS_INVALIDATE), 0);
    ck_assert_mem_eq(p + pg + 3, "written", 7);
    ck_assert(mt_is_pattern(p, pg + 3, 0, 53));
    ck_assert_int_eq(mt_pwrite(fd, "again", 5, 0), 5);
    ck_assert_int_eq(msync(p, pg, MS_SYNC | MS_INVALIDATE), 0);
    ck_assert_mem_eq(p, "again", 5);
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(bad_flags_are_einval)
{
    size_t pg = mt_page();
    const char *path = mt_path("msync-flags");
    unsigned char *p;
    int fd = mt_make_file(path, pg, 54);

    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, pg, RW, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    errno = 0;
    ck_assert_int_eq(msync(p, pg, MS_SYNC | MS_ASYNC), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(msync(p, pg, MS_SYNC | 0x100), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(msync(p, pg, 0x100), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(msync(p, pg, 0), 0);
    ck_assert_int_eq(munmap(p, pg), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(unaligned_address_is_einval)
{
    size_t pg = mt_page();
    const char *path = mt_path("msync-unaligned");
    unsigned char *p;
    int fd = mt_make_file(path, 2 * pg, 55);

    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, 2 * pg, RW, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    errno = 0;
    ck_assert_int_eq(msync(p + 1, pg, MS_SYNC), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(msync(p + pg / 2, pg, MS_ASYNC), -1);
    ck_assert_int_eq(errno, EINVAL);
    /* an unaligned length is rounded up */
    ck_assert_int_eq(msync(p, pg + 1, MS_SYNC), 0);
    ck_assert_int_eq(munmap(p, 2 * pg), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(range_not_mapped_is_enomem)
{
    size_t pg = mt_page(), len = 3 * pg;
    const char *path = mt_path("msync-hole");
    unsigned char *p, c;
    int fd = mt_make_file(path, len, 56);

    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, len, RW, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_int_eq(munmap(p + pg, pg), 0);
    p[0] = 0x42;
    errno = 0;
    ck_assert_int_eq(msync(p, len, MS_SYNC), -1);
    ck_assert_int_eq(errno, ENOMEM);
    errno = 0;
    ck_assert_int_eq(msync(p + pg, pg, MS_ASYNC), -1);
    ck_assert_int_eq(errno, ENOMEM);
    errno = 0;
    ck_assert_int_eq(msync(p + pg, 2 * pg, MS_SYNC), -1);
    ck_assert_int_eq(errno, ENOMEM);
    errno = 0;
    ck_assert_int_eq(msync(p, 2 * pg, MS_ASYNC), -1);
    ck_assert_int_eq(errno, ENOMEM);
    /* the mapped parts alone are fine */
    ck_assert_int_eq(msync(p, pg, MS_SYNC), 0);
    ck_assert_int_eq(msync(p + 2 * pg, pg, MS_SYNC), 0);
    ck_assert_int_eq(mt_pread(fd, &c, 1, 0), 1);
    ck_assert_uint_eq(c, 0x42);
    ck_assert_int_eq(munmap(p, len), 0);
    errno = 0;
    ck_assert_int_eq(msync(p, pg, MS_SYNC), -1);
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(anonymous_and_private_return_zero)
{
    size_t pg = mt_page(), len = 2 * pg;
    const char *path = mt_path("msync-private");
    unsigned char *a, *q;
    uint32_t hash;
    int fd = mt_make_file(path, len, 57);

    ck_assert_int_ge(fd, 0);
    hash = mt_file_hash(path);
    a = mmap(NULL, len, RW, ANON, -1, 0);
    ck_assert_ptr_ne(a, MAP_FAILED);
    a[0] = 1;
    ck_assert_int_eq(msync(a, len, MS_SYNC), 0);
    ck_assert_int_eq(msync(a, len, MS_ASYNC), 0);
    ck_assert_int_eq(msync(a, len, MS_INVALIDATE), 0);
    ck_assert_int_eq(a[0], 1);
    ck_assert_int_eq(munmap(a, len), 0);

    q = mmap(NULL, len, RW, MAP_PRIVATE, fd, 0);
    ck_assert_ptr_ne(q, MAP_FAILED);
    q[pg] = (unsigned char)~mt_pattern(pg, 57);
    ck_assert_int_eq(msync(q, len, MS_SYNC), 0);
    ck_assert_int_eq(msync(q, len, MS_ASYNC), 0);
    ck_assert_uint_eq(q[pg], (unsigned char)~mt_pattern(pg, 57));
    ck_assert_uint_eq(mt_file_hash(path), hash);
    ck_assert_int_eq(munmap(q, len), 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_uint_eq(mt_file_hash(path), hash);
}
END_TEST

/* A mapping longer than its file: syncing the part past end of file is
 * no error, and the file keeps its size. */
START_TEST(range_past_end_of_file)
{
    size_t pg = mt_page(), len = 4 * pg;
    const char *path = mt_path("msync-eof");
    unsigned char *p, c;
    int fd = mt_make_file(path, pg + 100, 58);

    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, len, RW, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    p[pg + 99] = 0x13;
    ck_assert_int_eq(msync(p, len, MS_SYNC), 0);
    ck_assert_int_eq(msync(p + 2 * pg, 2 * pg, MS_ASYNC), 0);
    ck_assert_int_eq(mt_pread(fd, &c, 1, (long long)pg + 99), 1);
    ck_assert_uint_eq(c, 0x13);
    ck_assert_int_eq(mt_file_size(path), (long long)(pg + 100));
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

/* Two file mappings side by side (each at a 64 KiB boundary, the place
 * emptied first): one msync over both. */
START_TEST(range_across_two_file_mappings)
{
    size_t big = 64 * 1024, pg = mt_page();
    const char *pa = mt_path("msync-a"), *pb = mt_path("msync-b");
    char *r, *q, *a, *b, buf[6];
    int fa = mt_make_file(pa, big, 59), fb = mt_make_file(pb, big, 60);

    ck_assert_int_ge(fa, 0);
    ck_assert_int_ge(fb, 0);
    r = mmap(NULL, 4 * big, PROT_NONE, ANON, -1, 0);
    ck_assert_ptr_ne(r, MAP_FAILED);
    q = round_up(r, big);
    ck_assert_int_eq(munmap(r, 4 * big), 0);
#ifdef MMAN_CE
    /* CE: no file view can be placed (no MapViewOfFileEx), so MAP_FIXED
     * of a file is EINVAL and leaves q empty; two file mappings cannot
     * be made to meet (README, "Windows CE"). */
    mt_fixed_file_einval(q, big, RW, MAP_SHARED, fa, 0);
    ck_assert(mt_read_faults(q));
    ck_assert_int_eq(close(fa), 0);
    ck_assert_int_eq(close(fb), 0);
    return;
#endif
    a = mmap(q, big, RW, MAP_SHARED | MAP_FIXED, fa, 0);
    ck_assert_ptr_eq(a, q);
    b = mmap(q + big, big, RW, MAP_SHARED | MAP_FIXED, fb, 0);
    ck_assert_ptr_eq(b, q + big);
    memcpy(a + big - 5, "aaaaa", 5);
    memcpy(b, "bbbbb", 5);
    ck_assert_int_eq(msync(a + big - pg, 2 * pg, MS_SYNC), 0);
    ck_assert_int_eq(mt_pread(fa, buf, 5, (long long)(big - 5)), 5);
    ck_assert_mem_eq(buf, "aaaaa", 5);
    ck_assert_int_eq(mt_pread(fb, buf, 5, 0), 5);
    ck_assert_mem_eq(buf, "bbbbb", 5);
    ck_assert_int_eq(msync(a, 2 * big, MS_ASYNC | MS_INVALIDATE), 0);
    ck_assert_int_eq(munmap(a, 2 * big), 0);
    ck_assert_int_eq(close(fa), 0);
    ck_assert_int_eq(close(fb), 0);
}
END_TEST

/* msync does not care about the pages' protection. */
START_TEST(protection_does_not_matter)
{
    size_t pg = mt_page(), len = 2 * pg;
    const char *path = mt_path("msync-prot");
    unsigned char *p, c;
#ifdef MMAN_CE
    unsigned char *r;
#endif
    int fd = mt_make_file(path, len, 61);

    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, len, RW, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    p[pg] = 0x6e;
#ifdef MMAN_CE
    /* CE: a shared file view keeps the protection it was mapped with
     * (mprotect to another is ENOTSUP), so a read-only mapping of the
     * file stands for the lowered one (README, "Windows CE"). */
    errno = 0;
    ck_assert_int_eq(mprotect(p, len, PROT_NONE), -1);
    ck_assert_int_eq(errno, ENOTSUP);
    ck_assert_int_eq(msync(p, len, MS_SYNC), 0);
    r = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(r, MAP_FAILED);
    ck_assert_int_eq(msync(r, len, MS_SYNC | MS_INVALIDATE), 0);
    ck_assert_uint_eq(r[pg], 0x6e);
    ck_assert_int_eq(munmap(r, len), 0);
#else
    ck_assert_int_eq(mprotect(p, len, PROT_NONE), 0);
    ck_assert_int_eq(msync(p, len, MS_SYNC), 0);
    ck_assert_int_eq(mprotect(p, pg, PROT_READ), 0);
    ck_assert_int_eq(msync(p, len, MS_SYNC | MS_INVALIDATE), 0);
#endif
    ck_assert_int_eq(mt_pread(fd, &c, 1, (long long)pg), 1);
    ck_assert_uint_eq(c, 0x6e);
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

/* A shared mapping of a read-only descriptor has nothing to write back;
 * msync succeeds all the same. */
START_TEST(read_only_descriptor)
{
    size_t pg = mt_page(), len = 2 * pg;
    const char *path = mt_path("msync-rdonly");
    unsigned char *p;
    int fd = mt_make_file(path, len, 62), rfd;

    ck_assert_int_ge(fd, 0);
    rfd = open(path, O_RDONLY);
    ck_assert_int_ge(rfd, 0);
    p = mmap(NULL, len, PROT_READ, MAP_SHARED, rfd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    errno = 0;
    ck_assert_msg(msync(p, len, MS_SYNC) == 0,
                  "msync(MS_SYNC) of a read-only mapping: errno %d", errno);
    ck_assert_int_eq(msync(p, len, MS_ASYNC), 0);
    ck_assert_int_eq(mt_pwrite(fd, "x", 1, 3), 1);
    ck_assert_int_eq(msync(p, len, MS_INVALIDATE), 0);
    ck_assert_uint_eq(p[3], 'x');
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(rfd), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(zero_length_is_noop)
{
    size_t pg = mt_page();
    char *p = mmap(NULL, pg, RW, ANON, -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_int_eq(msync(p, 0, MS_SYNC), 0);
    ck_assert_int_eq(munmap(p, pg), 0);
}
END_TEST

/* MS_INVALIDATE never throws away what was written through a shared
 * mapping: the mapping and the file both keep it. */
START_TEST(invalidate_keeps_writes_of_shared_mapping)
{
    size_t pg = mt_page(), len = 2 * pg;
    const char *path = mt_path("msync-invalidate-writes");
    unsigned char *p, buf[5];
    int fd = mt_make_file(path, len, 63);

    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, len, RW, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    memcpy(p + pg + 7, "dirty", 5);
    ck_assert_int_eq(msync(p, len, MS_INVALIDATE), 0);
    ck_assert_mem_eq(p + pg + 7, "dirty", 5);
    ck_assert_int_eq(msync(p, len, MS_ASYNC | MS_INVALIDATE), 0);
    ck_assert_mem_eq(p + pg + 7, "dirty", 5);
    ck_assert_int_eq(mt_pread(fd, buf, 5, (long long)pg + 7), 5);
    ck_assert_mem_eq(buf, "dirty", 5);
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

/* On a MAP_PRIVATE file mapping the private copies stay too. */
START_TEST(invalidate_keeps_private_copies)
{
    size_t pg = mt_page(), len = 2 * pg;
    const char *path = mt_path("msync-invalidate-private");
    unsigned char *p;
    uint32_t hash;
    int fd = mt_make_file(path, len, 64);

    ck_assert_int_ge(fd, 0);
    hash = mt_file_hash(path);
    p = mmap(NULL, len, RW, MAP_PRIVATE, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    memset(p + pg, 0x2b, pg);
    ck_assert_int_eq(msync(p, len, MS_INVALIDATE), 0);
    ck_assert_int_eq(msync(p, len, MS_SYNC | MS_INVALIDATE), 0);
    ck_assert_uint_eq(p[pg], 0x2b);
    ck_assert_uint_eq(p[len - 1], 0x2b);
    ck_assert(mt_is_pattern(p, pg, 0, 64));
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_uint_eq(mt_file_hash(path), hash);
}
END_TEST

static void unlock_all(void)
{
    munlockall();
}

/* MS_INVALIDATE on locked pages is EBUSY (POSIX; Linux, for every kind
 * of mapping), also when only part of the range is locked; MS_SYNC and
 * MS_ASYNC alone do not care. */
START_TEST(invalidate_of_locked_pages_is_ebusy)
{
    size_t pg = mt_page(), len = 3 * pg;
    const char *path = mt_path("msync-locked");
    unsigned char *s, *pf, *a, *sa, c;
    unsigned char *all[4];
    int fd = mt_make_file(path, len, 65), i;

    ck_assert_int_ge(fd, 0);
    s = mmap(NULL, len, RW, MAP_SHARED, fd, 0);
    pf = mmap(NULL, len, RW, MAP_PRIVATE, fd, 0);
    a = mmap(NULL, len, RW, ANON, -1, 0);
    sa = mmap(NULL, len, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    all[0] = s;
    all[1] = pf;
    all[2] = a;
    all[3] = sa;
    for (i = 0; i < 4; i++) {
        ck_assert_ptr_ne(all[i], MAP_FAILED);
        ck_assert_int_eq(mlock(all[i] + pg, pg), 0);
        errno = 0;
        ck_assert_int_eq(msync(all[i] + pg, pg, MS_INVALIDATE), -1);
        ck_assert_int_eq(errno, EBUSY);
        errno = 0;
        ck_assert_int_eq(msync(all[i], len, MS_INVALIDATE), -1);
        ck_assert_int_eq(errno, EBUSY);
        errno = 0;
        ck_assert_int_eq(msync(all[i], len, MS_SYNC | MS_INVALIDATE), -1);
        ck_assert_int_eq(errno, EBUSY);
        errno = 0;
        ck_assert_int_eq(msync(all[i], len, MS_ASYNC | MS_INVALIDATE),
                         -1);
        ck_assert_int_eq(errno, EBUSY);
        ck_assert_int_eq(msync(all[i], pg, MS_INVALIDATE), 0);
        ck_assert_int_eq(msync(all[i] + 2 * pg, pg, MS_INVALIDATE), 0);
        ck_assert_int_eq(msync(all[i], len, MS_ASYNC), 0);
    }
    s[pg] = 0x3e;
    ck_assert_int_eq(msync(s, len, MS_SYNC), 0);
    ck_assert_int_eq(mt_pread(fd, &c, 1, (long long)pg), 1);
    ck_assert_uint_eq(c, 0x3e);
    ck_assert_int_eq(munlockall(), 0);
    for (i = 0; i < 4; i++) {
        ck_assert_int_eq(msync(all[i], len, MS_INVALIDATE), 0);
        ck_assert_int_eq(munmap(all[i], len), 0);
    }
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(shared_anonymous_returns_zero)
{
    size_t pg = mt_page(), len = 2 * pg;
    unsigned char *p = mmap(NULL, len, RW, MAP_SHARED | MAP_ANONYMOUS,
                            -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    p[pg] = 0x19;
    ck_assert_int_eq(msync(p, len, MS_SYNC), 0);
    ck_assert_int_eq(msync(p, len, MS_ASYNC), 0);
    ck_assert_int_eq(msync(p, len, MS_INVALIDATE), 0);
    ck_assert_int_eq(msync(p + pg, pg, MS_SYNC | MS_INVALIDATE), 0);
    ck_assert_uint_eq(p[pg], 0x19);
    ck_assert_int_eq(munmap(p, len), 0);
}
END_TEST

/* A mapping at a file offset that is a multiple of the page size but
 * not of 64 KiB: what is synced lands at the right place. */
START_TEST(sync_of_mapping_at_page_offset)
{
    size_t pg = mt_page(), len = 2 * pg, off = 5 * pg;
    const char *path = mt_path("msync-offset");
    unsigned char *p, buf[6];
    int fd = mt_make_file(path, off + len, 66);

    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, len, RW, MAP_SHARED, fd, (off_t)off);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_int_eq(close(fd), 0);
    memcpy(p + pg + 2, "offset", 6);
    ck_assert_int_eq(msync(p + pg, pg, MS_SYNC), 0);
    ck_assert_int_eq(munmap(p, len), 0);
    fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(mt_pread(fd, buf, 6, (long long)(off + pg + 2)), 6);
    ck_assert_mem_eq(buf, "offset", 6);
    ck_assert_int_eq(mt_pread(fd, buf, 2, (long long)(off + pg)), 2);
    ck_assert_uint_eq(buf[0], mt_pattern(off + pg, 66));
    ck_assert_uint_eq(buf[1], mt_pattern(off + pg + 1, 66));
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(mt_file_size(path), (long long)(off + len));
}
END_TEST

/* Two file mappings with an anonymous one between them (each at a
 * 64 KiB boundary, the place emptied first), both descriptors closed:
 * one MS_SYNC over all three writes both files. */
START_TEST(sync_across_file_and_anonymous_mappings_after_close)
{
    size_t big = 64 * 1024;
    const char *pa = mt_path("msync-mixed-a"), *pb = mt_path("msync-mixed-b");
    char *r, *q, *a, *m, *b, buf[4];
    int fa = mt_make_file(pa, big, 67), fb = mt_make_file(pb, big, 68);

    ck_assert_int_ge(fa, 0);
    ck_assert_int_ge(fb, 0);
    r = mmap(NULL, 5 * big, PROT_NONE, ANON, -1, 0);
    ck_assert_ptr_ne(r, MAP_FAILED);
    q = round_up(r, big);
    ck_assert_int_eq(munmap(r, 5 * big), 0);
#ifdef MMAN_CE
    /* CE: no file view can be placed (no MapViewOfFileEx), so MAP_FIXED
     * of a file is EINVAL and leaves q empty; file mappings around an
     * anonymous one cannot be made (README, "Windows CE"). msync after
     * close is checked in sync_writes_reach_the_file. */
    mt_fixed_file_einval(q, big, RW, MAP_SHARED, fa, 0);
    ck_assert(mt_read_faults(q));
    ck_assert_int_eq(close(fa), 0);
    ck_assert_int_eq(close(fb), 0);
    return;
#endif
    a = mmap(q, big, RW, MAP_SHARED | MAP_FIXED, fa, 0);
    ck_assert_ptr_eq(a, q);
    m = mmap(q + big, big, RW, ANON | MAP_FIXED, -1, 0);
    ck_assert_ptr_eq(m, q + big);
    b = mmap(q + 2 * big, big, RW, MAP_SHARED | MAP_FIXED, fb, 0);
    ck_assert_ptr_eq(b, q + 2 * big);
    ck_assert_int_eq(close(fa), 0);
    ck_assert_int_eq(close(fb), 0);
    memcpy(a + big - 4, "AAAA", 4);
    m[0] = 1;
    memcpy(b + 4, "BBBB", 4);
    ck_assert_int_eq(msync(a, 3 * big, MS_SYNC), 0);
    ck_assert_int_eq(munmap(a, 3 * big), 0);
    fa = open(pa, O_RDONLY);
    fb = open(pb, O_RDONLY);
    ck_assert_int_ge(fa, 0);
    ck_assert_int_ge(fb, 0);
    ck_assert_int_eq(mt_pread(fa, buf, 4, (long long)(big - 4)), 4);
    ck_assert_mem_eq(buf, "AAAA", 4);
    ck_assert_int_eq(mt_pread(fb, buf, 4, 4), 4);
    ck_assert_mem_eq(buf, "BBBB", 4);
    ck_assert_int_eq(close(fa), 0);
    ck_assert_int_eq(close(fb), 0);
}
END_TEST

START_TEST(all_three_flags_are_einval)
{
    size_t pg = mt_page();
    const char *path = mt_path("msync-three");
    unsigned char *p;
    int fd = mt_make_file(path, pg, 69);

    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, pg, RW, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    errno = 0;
    ck_assert_int_eq(msync(p, pg, MS_SYNC | MS_ASYNC | MS_INVALIDATE), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(munmap(p, pg), 0);
    /* the flags are checked before the range */
    errno = 0;
    ck_assert_int_eq(msync(p, pg, MS_SYNC | MS_ASYNC), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("msync");
    TCase *tc = tcase_create("msync");

    tcase_add_test(tc, sync_writes_reach_the_file);
    tcase_add_test(tc, async_returns_zero);
    tcase_add_test(tc, invalidate_shows_file_content);
    tcase_add_test(tc, bad_flags_are_einval);
    tcase_add_test(tc, unaligned_address_is_einval);
    tcase_add_test(tc, range_not_mapped_is_enomem);
    tcase_add_test(tc, anonymous_and_private_return_zero);
    tcase_add_test(tc, range_past_end_of_file);
    tcase_add_test(tc, range_across_two_file_mappings);
    tcase_add_test(tc, protection_does_not_matter);
    tcase_add_test(tc, read_only_descriptor);
    tcase_add_test(tc, zero_length_is_noop);
    tcase_add_test(tc, invalidate_keeps_writes_of_shared_mapping);
    tcase_add_test(tc, invalidate_keeps_private_copies);
    tcase_add_test(tc, shared_anonymous_returns_zero);
    tcase_add_test(tc, sync_of_mapping_at_page_offset);
    tcase_add_test(tc, sync_across_file_and_anonymous_mappings_after_close);
    tcase_add_test(tc, all_three_flags_are_einval);
    suite_add_tcase(s, tc);
    /* tests that lock memory: unlocked again, failed or not */
    tc = tcase_create("msync-locked");
    tcase_add_checked_fixture(tc, NULL, unlock_all);
    tcase_add_test(tc, invalidate_of_locked_pages_is_ebusy);
    suite_add_tcase(s, tc);
    return mt_main(argc, argv, s);
}
