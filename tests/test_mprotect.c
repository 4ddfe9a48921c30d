/* mprotect on anonymous and file mappings: whole, part, several, and the
 * errors. */
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

START_TEST(prot_none_and_back_keeps_data)
{
    size_t pg = mt_page(), len = 3 * pg;
    unsigned char *p = mmap(NULL, len, RW, ANON, -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    memset(p, 0x3c, len);
    ck_assert_int_eq(mprotect(p, len, PROT_NONE), 0);
    ck_assert(mt_read_faults(p));
    ck_assert(mt_read_faults(p + len - 1));
    ck_assert(mt_write_faults(p + pg));
    ck_assert_int_eq(mprotect(p, len, PROT_READ), 0);
    ck_assert(!mt_read_faults(p + pg));
    ck_assert(mt_write_faults(p + pg));
    ck_assert_int_eq(mprotect(p, len, RW), 0);
    ck_assert_uint_eq(p[0], 0x3c);
    ck_assert_uint_eq(p[len - 1], 0x3c);
    p[pg] = 0x4d;
    ck_assert_uint_eq(p[pg], 0x4d);
    ck_assert_int_eq(munmap(p, len), 0);
}
END_TEST

START_TEST(prot_none_and_back_on_shared_file)
{
    size_t pg = mt_page(), len = 2 * pg;
    const char *path = mt_path("mprotect-shared");
    unsigned char *p, c;
    int fd = mt_make_file(path, len, 41);

    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, len, RW, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    p[5] = 0x99;
#ifdef MMAN_CE
    /* CE: a shared file view keeps the protection it was mapped with
     * (CE protects pages of VirtualAlloc only): another one is ENOTSUP
     * and changes nothing, the same one is 0 (README, "Windows CE"). */
    errno = 0;
    ck_assert_int_eq(mprotect(p, len, PROT_NONE), -1);
    ck_assert_int_eq(errno, ENOTSUP);
    ck_assert(!mt_write_faults(p));
    ck_assert(!mt_write_faults(p + pg));
#else
    ck_assert_int_eq(mprotect(p, len, PROT_NONE), 0);
    ck_assert(mt_read_faults(p));
    ck_assert(mt_read_faults(p + pg));
#endif
    ck_assert_int_eq(mprotect(p, len, RW), 0);
    ck_assert_uint_eq(p[5], 0x99);
    ck_assert(mt_is_pattern(p + 6, len - 6, 6, 41));
    p[pg] = 0x98;
    ck_assert_int_eq(msync(p, len, MS_SYNC), 0);
    ck_assert_int_eq(mt_pread(fd, &c, 1, (long long)pg), 1);
    ck_assert_uint_eq(c, 0x98);
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(middle_page_only)
{
    size_t pg = mt_page(), len = 3 * pg;
    unsigned char *p = mmap(NULL, len, RW, ANON, -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_int_eq(mprotect(p + pg, pg, PROT_READ), 0);
    ck_assert(!mt_write_faults(p));
    ck_assert(!mt_write_faults(p + pg - 1));
    ck_assert(!mt_read_faults(p + pg));
    ck_assert(mt_write_faults(p + pg));
    ck_assert(mt_write_faults(p + 2 * pg - 1));
    ck_assert(!mt_write_faults(p + 2 * pg));
    ck_assert(!mt_write_faults(p + len - 1));
    ck_assert_int_eq(mprotect(p + pg, pg, PROT_NONE), 0);
    ck_assert(mt_read_faults(p + pg));
    ck_assert(!mt_write_faults(p));
    ck_assert(!mt_write_faults(p + 2 * pg));
    ck_assert_int_eq(munmap(p, len), 0);
}
END_TEST

START_TEST(middle_page_of_file_mapping)
{
    size_t pg = mt_page(), len = 3 * pg;
    const char *path = mt_path("mprotect-middle");
    unsigned char *p;
    int fd = mt_make_file(path, len, 42);

    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, len, RW, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
#ifdef MMAN_CE
    /* CE: a shared file view keeps the protection it was mapped with,
     * page by page too: another one is ENOTSUP (README, "Windows
     * CE"). */
    errno = 0;
    ck_assert_int_eq(mprotect(p + pg, pg, PROT_NONE), -1);
    ck_assert_int_eq(errno, ENOTSUP);
    errno = 0;
    ck_assert_int_eq(mprotect(p + pg, pg, PROT_READ), -1);
    ck_assert_int_eq(errno, ENOTSUP);
    ck_assert_int_eq(mprotect(p + pg, pg, RW), 0);
    ck_assert(!mt_write_faults(p + pg));
    ck_assert(mt_is_pattern(p, len, 0, 42));
#else
    ck_assert_int_eq(mprotect(p + pg, pg, PROT_NONE), 0);
    ck_assert(!mt_write_faults(p + pg - 1));
    ck_assert(mt_read_faults(p + pg));
    ck_assert(!mt_write_faults(p + 2 * pg));
    ck_assert_int_eq(mprotect(p + pg, pg, PROT_READ), 0);
    ck_assert(mt_is_pattern(p, len, 0, 42));
    ck_assert(mt_write_faults(p + pg));
#endif
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

/* Two mappings made with MAP_FIXED side by side inside a reservation. */
START_TEST(range_across_two_fixed_mappings)
{
    size_t pg = mt_page();
    char *r = mmap(NULL, 8 * pg, PROT_NONE, ANON, -1, 0), *a, *b;

    ck_assert_ptr_ne(r, MAP_FAILED);
    a = mmap(r + 2 * pg, 2 * pg, RW, ANON | MAP_FIXED, -1, 0);
    b = mmap(r + 4 * pg, 2 * pg, RW, ANON | MAP_FIXED, -1, 0);
    ck_assert_ptr_eq(a, r + 2 * pg);
    ck_assert_ptr_eq(b, r + 4 * pg);
    a[0] = 1;
    b[pg] = 2;
    ck_assert_int_eq(mprotect(a + pg, 2 * pg, PROT_READ), 0);
    ck_assert(!mt_write_faults(a));
    ck_assert(mt_write_faults(a + pg));
    ck_assert(mt_write_faults(b));
    ck_assert(!mt_read_faults(b));
    ck_assert(!mt_write_faults(b + pg));
    ck_assert_int_eq(mprotect(a, 4 * pg, RW), 0);
    ck_assert(!mt_write_faults(a + pg));
    ck_assert(!mt_write_faults(b));
    ck_assert_int_eq(a[0], 1);
    ck_assert_int_eq(b[pg], 2);
    /* the reservation around them is still PROT_NONE */
    ck_assert(mt_read_faults(r + pg));
    ck_assert(mt_read_faults(r + 6 * pg));
    ck_assert_int_eq(munmap(r, 8 * pg), 0);
}
END_TEST

/* Two separate mappings that meet at a 64 KiB boundary (the place
 * emptied first, so that each is a mapping of its own on Windows). */
START_TEST(range_across_two_separate_mappings)
{
    size_t pg = mt_page(), big = 64 * 1024;
    char *r = mmap(NULL, 3 * big, PROT_NONE, ANON, -1, 0), *q, *a, *b;

    ck_assert_ptr_ne(r, MAP_FAILED);
    q = round_up(r + big, big);
    ck_assert_int_eq(munmap(r, 3 * big), 0);
    a = mmap(q - 2 * pg, 2 * pg, RW, ANON | MAP_FIXED, -1, 0);
    ck_assert_ptr_eq(a, q - 2 * pg);
    b = mmap(q, 2 * pg, RW, ANON | MAP_FIXED, -1, 0);
    ck_assert_ptr_eq(b, q);
    a[0] = 3;
    b[pg] = 4;
    ck_assert_int_eq(mprotect(a + pg, 2 * pg, PROT_READ), 0);
    ck_assert(!mt_write_faults(a));
    ck_assert(mt_write_faults(a + pg));
    ck_assert(mt_write_faults(b));
    ck_assert(!mt_write_faults(b + pg));
    ck_assert_int_eq(mprotect(a, 4 * pg, PROT_NONE), 0);
    ck_assert(mt_read_faults(a));
    ck_assert(mt_read_faults(b + pg));
    ck_assert_int_eq(mprotect(a, 4 * pg, RW), 0);
    ck_assert_int_eq(a[0], 3);
    ck_assert_int_eq(b[pg], 4);
    ck_assert_int_eq(munmap(a, 4 * pg), 0);
}
END_TEST

START_TEST(write_on_shared_read_only_fd_is_eacces)
{
    size_t pg = mt_page(), len = 2 * pg;
    const char *path = mt_path("mprotect-rdonly-shared");
    unsigned char *p;
    int fd = mt_make_file(path, len, 43);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(close(fd), 0);
    fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    errno = 0;
    ck_assert_int_eq(mprotect(p, len, RW), -1);
    ck_assert_int_eq(errno, EACCES);
    errno = 0;
    ck_assert_int_eq(mprotect(p + pg, pg, PROT_WRITE), -1);
    ck_assert_int_eq(errno, EACCES);
    /* unchanged */
    ck_assert(!mt_read_faults(p));
    ck_assert(mt_write_faults(p));
    ck_assert(mt_write_faults(p + pg));
    ck_assert(mt_is_pattern(p, len, 0, 43));
    /* lowering is allowed */
#ifdef MMAN_CE
    /* CE: not on a shared file view, which keeps the protection it was
     * mapped with: ENOTSUP (README, "Windows CE") */
    errno = 0;
    ck_assert_int_eq(mprotect(p, pg, PROT_NONE), -1);
    ck_assert_int_eq(errno, ENOTSUP);
    ck_assert(!mt_read_faults(p));
#else
    ck_assert_int_eq(mprotect(p, pg, PROT_NONE), 0);
    ck_assert(mt_read_faults(p));
#endif
    ck_assert_int_eq(mprotect(p, pg, PROT_READ), 0);
    ck_assert(!mt_read_faults(p));
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(write_on_private_read_only_fd_is_copy_on_write)
{
    size_t pg = mt_page(), len = 2 * pg;
    const char *path = mt_path("mprotect-rdonly-private");
    unsigned char *p;
    uint32_t hash;
    int fd = mt_make_file(path, len, 44);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(close(fd), 0);
    hash = mt_file_hash(path);
    fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert(mt_write_faults(p));
    ck_assert_int_eq(mprotect(p, len, RW), 0);
    memset(p, 0x71, pg + 1);
    ck_assert_uint_eq(p[pg], 0x71);
    ck_assert(mt_is_pattern(p + pg + 1, pg - 1, pg + 1, 44));
    /* lowered again, the private data stays */
    ck_assert_int_eq(mprotect(p, len, PROT_READ), 0);
    ck_assert(mt_write_faults(p));
    ck_assert_uint_eq(p[0], 0x71);
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_uint_eq(mt_file_hash(path), hash);
}
END_TEST

/* A file mapping made without PROT_EXEC can be made executable later,
 * and runs what the file holds: "mov $42, %eax; ret". */
START_TEST(exec_added_to_file_mapping)
{
#if defined(__x86_64__) || defined(__i386__)
    static const unsigned char code[] = {0xb8, 42, 0, 0, 0, 0xc3};
    size_t pg = mt_page();
    const char *path = mt_path("mprotect-exec");
    unsigned char *p;
    int (*fn)(void);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, code, sizeof code), (ssize_t)sizeof code);
    ck_assert_int_eq(close(fd), 0);
    fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    errno = 0;
#ifdef MMAN_CE
    /* CE: a MAP_PRIVATE file mapping is a copy in anonymous memory, no
     * view of the file, so PROT_EXEC can be added later as on POSIX
     * (README, "Windows CE"). */
    ck_assert_msg(mprotect(p, pg, PROT_READ | PROT_EXEC) == 0,
                  "mprotect(PROT_EXEC) of a file mapping: errno %d", errno);
#elif defined(_WIN32)
    /* Difference from POSIX (README): an executable view needs a file
     * handle with execute access, which the library takes only when
     * mmap asks for PROT_EXEC; adding it later is EACCES, and the
     * mapping keeps its protection. */
    ck_assert_int_eq(mprotect(p, pg, PROT_READ | PROT_EXEC), -1);
    ck_assert_int_eq(errno, EACCES);
    ck_assert(!mt_read_faults(p));
    ck_assert_int_eq(munmap(p, pg), 0);
    p = mmap(NULL, pg, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
#else
    ck_assert_msg(mprotect(p, pg, PROT_READ | PROT_EXEC) == 0,
                  "mprotect(PROT_EXEC) of a file mapping: errno %d", errno);
#endif
    memcpy(&fn, &p, sizeof fn);
    ck_assert_int_eq(fn(), 42);
    ck_assert_int_eq(munmap(p, pg), 0);
    ck_assert_int_eq(close(fd), 0);
#endif
}
END_TEST

START_TEST(unaligned_address_is_einval)
{
    size_t pg = mt_page();
    char *p = mmap(NULL, 2 * pg, RW, ANON, -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    errno = 0;
    ck_assert_int_eq(mprotect(p + 1, pg, PROT_READ), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(mprotect(p + pg / 2, pg, PROT_READ), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert(!mt_write_faults(p));
    ck_assert(!mt_write_faults(p + pg));
    /* an unaligned length is rounded up */
    ck_assert_int_eq(mprotect(p, pg + 1, PROT_READ), 0);
    ck_assert(mt_write_faults(p + pg));
    ck_assert_int_eq(munmap(p, 2 * pg), 0);
}
END_TEST

START_TEST(unknown_prot_bits_are_einval)
{
    size_t pg = mt_page();
    char *p = mmap(NULL, pg, RW, ANON, -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    errno = 0;
    ck_assert_int_eq(mprotect(p, pg, PROT_READ | 0x100), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert(!mt_write_faults(p));
    ck_assert_int_eq(munmap(p, pg), 0);
}
END_TEST

START_TEST(unmapped_pages_are_enomem)
{
    size_t pg = mt_page();
    char *p = mmap(NULL, 4 * pg, RW, ANON, -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_int_eq(munmap(p, pg), 0);
    ck_assert_int_eq(munmap(p + 2 * pg, pg), 0);
    /* mapped: pages 1 and 3 */

    /* a range that begins with an unmapped page changes nothing */
    errno = 0;
    ck_assert_int_eq(mprotect(p, 2 * pg, PROT_READ), -1);
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert(!mt_write_faults(p + pg));

    /* a hole in the middle: ENOMEM, and the part past the hole is
     * unchanged (Linux may already have changed the part before it,
     * POSIX says nothing of it, so that part is not checked) */
    errno = 0;
    ck_assert_int_eq(mprotect(p + pg, 3 * pg, PROT_NONE), -1);
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert(!mt_write_faults(p + 3 * pg));

    /* nothing mapped at all */
    errno = 0;
    ck_assert_int_eq(mprotect(p + 2 * pg, pg, PROT_READ), -1);
    ck_assert_int_eq(errno, ENOMEM);

    ck_assert_int_eq(munmap(p, 4 * pg), 0);
    errno = 0;
    ck_assert_int_eq(mprotect(p, 4 * pg, PROT_READ), -1);
    ck_assert_int_eq(errno, ENOMEM);
}
END_TEST

START_TEST(zero_length_is_noop)
{
    size_t pg = mt_page();
    char *p = mmap(NULL, pg, RW, ANON, -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_int_eq(mprotect(p, 0, PROT_NONE), 0);
    ck_assert(!mt_write_faults(p));
    ck_assert_int_eq(munmap(p, pg), 0);
    /* nothing needs to be mapped there */
    ck_assert_int_eq(mprotect(p, 0, PROT_READ), 0);
    /* and Linux looks at prot only after the length */
    ck_assert_int_eq(mprotect(p, 0, 0x10), 0);
}
END_TEST

/* A shared mapping of a read-write descriptor made read-only (or
 * PROT_NONE) can be made writable later, and its writes reach the file. */
START_TEST(write_added_to_shared_file_mapping)
{
    size_t pg = mt_page(), len = 2 * pg;
    const char *path = mt_path("mprotect-raise-shared");
    unsigned char *p, *n, c;
    int fd = mt_make_file(path, len, 45);

    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
#ifdef MMAN_CE
    /* CE: a shared file view keeps the protection it was mapped with:
     * PROT_NONE is ENOTSUP at mmap, raising to PROT_WRITE is ENOTSUP
     * (not EACCES: the descriptor allows it), so a writable mapping is
     * asked for at mmap (README, "Windows CE"). */
    errno = 0;
    ck_assert_ptr_eq(mmap(NULL, len, PROT_NONE, MAP_SHARED, fd, 0),
                     MAP_FAILED);
    ck_assert_int_eq(errno, ENOTSUP);
    errno = 0;
    ck_assert_int_eq(mprotect(p + pg, pg, RW), -1);
    ck_assert_int_eq(errno, ENOTSUP);
    ck_assert(mt_write_faults(p + pg));
    n = mmap(NULL, len, RW, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(n, MAP_FAILED);
    n[pg] = 0x5e;
    ck_assert_uint_eq(p[pg], 0x5e);
    ck_assert_int_eq(msync(n, len, MS_SYNC), 0);
    ck_assert_int_eq(mt_pread(fd, &c, 1, (long long)pg), 1);
    ck_assert_uint_eq(c, 0x5e);
    ck_assert(mt_is_pattern(p, pg, 0, 45));
#else
    n = mmap(NULL, len, PROT_NONE, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(n, MAP_FAILED);
    ck_assert(mt_write_faults(p + pg));
    ck_assert_int_eq(mprotect(p + pg, pg, RW), 0);
    p[pg] = 0x5e;
    ck_assert(mt_write_faults(p));
    ck_assert_int_eq(mprotect(n, len, RW), 0);
    ck_assert_uint_eq(n[pg], 0x5e);
    n[pg + 1] = 0x5f;
    ck_assert_int_eq(msync(p, len, MS_SYNC), 0);
    ck_assert_int_eq(mt_pread(fd, &c, 1, (long long)pg), 1);
    ck_assert_uint_eq(c, 0x5e);
    ck_assert_int_eq(mt_pread(fd, &c, 1, (long long)pg + 1), 1);
    ck_assert_uint_eq(c, 0x5f);
    ck_assert(mt_is_pattern(p, pg, 0, 45));
#endif
    ck_assert_int_eq(munmap(n, len), 0);
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

/* MAP_PRIVATE of a read-write descriptor, made writable later: still
 * copy-on-write; the file and a shared mapping of it never see it. */
START_TEST(write_added_to_private_file_mapping_is_copy_on_write)
{
    size_t pg = mt_page(), len = 2 * pg;
    const char *path = mt_path("mprotect-raise-private");
    unsigned char *p, *s;
    uint32_t hash;
    int fd = mt_make_file(path, len, 46);

    ck_assert_int_ge(fd, 0);
    hash = mt_file_hash(path);
    p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    s = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(s, MAP_FAILED);
    ck_assert_int_eq(mprotect(p, len, RW), 0);
    ck_assert(mt_is_pattern(p, len, 0, 46));
    memset(p + pg, 0x61, pg);
    ck_assert(mt_is_pattern(s, len, 0, 46));
    ck_assert_int_eq(msync(p, len, MS_SYNC), 0);
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert(mt_is_pattern(s, len, 0, 46));
    ck_assert_int_eq(munmap(s, len), 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_uint_eq(mt_file_hash(path), hash);
}
END_TEST

/* A shared mapping of a read-only descriptor made PROT_NONE can be
 * raised to PROT_READ, never to PROT_WRITE. */
START_TEST(prot_none_on_read_only_fd_raised_to_read)
{
    size_t pg = mt_page(), len = 2 * pg;
    const char *path = mt_path("mprotect-rdonly-none");
    unsigned char *p;
    int fd = mt_make_file(path, len, 47);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(close(fd), 0);
    fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
#ifdef MMAN_CE
    /* CE: a shared file view is readable at least, from mmap on, so
     * PROT_NONE is ENOTSUP and there is nothing to raise (README,
     * "Windows CE"); EACCES on such a view is checked in
     * write_on_shared_read_only_fd_is_eacces. */
    errno = 0;
    p = mmap(NULL, len, PROT_NONE, MAP_SHARED, fd, 0);
    ck_assert_ptr_eq(p, MAP_FAILED);
    ck_assert_int_eq(errno, ENOTSUP);
#else
    p = mmap(NULL, len, PROT_NONE, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    errno = 0;
    ck_assert_int_eq(mprotect(p, len, RW), -1);
    ck_assert_int_eq(errno, EACCES);
    ck_assert(mt_read_faults(p));
    ck_assert_int_eq(mprotect(p, len, PROT_READ), 0);
    ck_assert(mt_is_pattern(p, len, 0, 47));
    ck_assert(mt_write_faults(p + pg));
    ck_assert_int_eq(munmap(p, len), 0);
#endif
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

/* A mapping at a file offset that is a multiple of the page size but
 * not of 64 KiB: the protected page is the one asked for. */
START_TEST(part_of_mapping_at_page_offset)
{
    size_t pg = mt_page(), len = 4 * pg, off = 3 * pg;
    const char *path = mt_path("mprotect-offset");
    unsigned char *p;
    int fd = mt_make_file(path, off + len, 48);

    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, len, RW, MAP_SHARED, fd, (off_t)off);
    ck_assert_ptr_ne(p, MAP_FAILED);
#ifdef MMAN_CE
    /* CE: a shared file view keeps the protection it was mapped with
     * (ENOTSUP for another one); what is left to check is that the
     * mapping begins at p, not at the view's 64 KiB boundary below it
     * (README, "Windows CE"). */
    errno = 0;
    ck_assert_int_eq(mprotect(p + pg, pg, PROT_NONE), -1);
    ck_assert_int_eq(errno, ENOTSUP);
    ck_assert(!mt_write_faults(p + pg));
    ck_assert_int_eq(mprotect(p + pg, pg, RW), 0);
    errno = 0;
    ck_assert_int_eq(mprotect(p - pg, pg, RW), -1);
    ck_assert_int_eq(errno, ENOMEM);
#else
    ck_assert_int_eq(mprotect(p + pg, pg, PROT_NONE), 0);
    ck_assert(!mt_write_faults(p + pg - 1));
    ck_assert(mt_read_faults(p + pg));
    ck_assert(mt_read_faults(p + 2 * pg - 1));
    ck_assert(!mt_write_faults(p + 2 * pg));
    ck_assert_int_eq(mprotect(p + 3 * pg, pg, PROT_READ), 0);
    ck_assert(mt_write_faults(p + 3 * pg));
    ck_assert(!mt_write_faults(p + 3 * pg - 1));
    ck_assert_int_eq(mprotect(p, len, PROT_READ), 0);
#endif
    ck_assert(mt_is_pattern(p, len, off, 48));
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

/* One call over a file mapping and an anonymous mapping that meet at a
 * 64 KiB boundary (the place emptied first). */
START_TEST(range_across_file_and_anonymous_mappings)
{
    size_t big = 64 * 1024, pg = mt_page();
    const char *path = mt_path("mprotect-file-anon");
    char *r, *q, *f, *a, c;
    int fd = mt_make_file(path, big, 49);

    ck_assert_int_ge(fd, 0);
    r = mmap(NULL, 4 * big, PROT_NONE, ANON, -1, 0);
    ck_assert_ptr_ne(r, MAP_FAILED);
    q = round_up(r, big);
    ck_assert_int_eq(munmap(r, 4 * big), 0);
#ifdef MMAN_CE
    /* CE: no file view can be placed (no MapViewOfFileEx), so MAP_FIXED
     * of a file is EINVAL and leaves q empty; the two mappings cannot be
     * made to meet (README, "Windows CE"). */
    mt_fixed_file_einval(q, big, RW, MAP_SHARED, fd, 0);
    ck_assert(mt_read_faults(q));
    ck_assert_int_eq(close(fd), 0);
    return;
#endif
    f = mmap(q, big, RW, MAP_SHARED | MAP_FIXED, fd, 0);
    ck_assert_ptr_eq(f, q);
    a = mmap(q + big, 2 * pg, RW, ANON | MAP_FIXED, -1, 0);
    ck_assert_ptr_eq(a, q + big);
    a[0] = 8;
    ck_assert_int_eq(mprotect(f + big - pg, 2 * pg, PROT_NONE), 0);
    ck_assert(!mt_write_faults(f + big - pg - 1));
    ck_assert(mt_read_faults(f + big - pg));
    ck_assert(mt_read_faults(a));
    ck_assert(!mt_write_faults(a + pg));
    ck_assert_int_eq(mprotect(f + big - pg, 2 * pg, PROT_READ), 0);
    ck_assert(mt_write_faults(f + big - 1));
    ck_assert(mt_write_faults(a));
    ck_assert_int_eq(a[0], 8);
    ck_assert_int_eq(mprotect(f, big + 2 * pg, RW), 0);
    f[big - 1] = 0x77;
    a[0] = 9;
    ck_assert_int_eq(msync(f, big, MS_SYNC), 0);
    ck_assert_int_eq(mt_pread(fd, &c, 1, (long long)big - 1), 1);
    ck_assert_int_eq(c, 0x77);
    ck_assert(mt_is_pattern(f, big - 1, 0, 49));
    ck_assert_int_eq(munmap(f, big + 2 * pg), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

/* EACCES for the first mapping of a range: the mapping after it is not
 * changed either (Linux stops at the mapping that refuses; pages before
 * it may have changed, so the refusing one comes first here). */
START_TEST(eacces_in_a_range_leaves_the_rest_alone)
{
    size_t big = 64 * 1024, pg = mt_page();
    const char *path = mt_path("mprotect-eacces-range");
    char *r, *q, *f, *a;
    int fd = mt_make_file(path, big, 50);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(close(fd), 0);
    fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    r = mmap(NULL, 4 * big, PROT_NONE, ANON, -1, 0);
    ck_assert_ptr_ne(r, MAP_FAILED);
    q = round_up(r, big);
    ck_assert_int_eq(munmap(r, 4 * big), 0);
#ifdef MMAN_CE
    /* CE: no file view can be placed (no MapViewOfFileEx), so MAP_FIXED
     * of a file is EINVAL and leaves q empty; a file mapping and one
     * after it cannot be made to meet (README, "Windows CE"). */
    mt_fixed_file_einval(q, big, PROT_READ, MAP_SHARED, fd, 0);
    ck_assert(mt_read_faults(q));
    ck_assert_int_eq(close(fd), 0);
    return;
#endif
    f = mmap(q, big, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
    ck_assert_ptr_eq(f, q);
    a = mmap(q + big, 2 * pg, PROT_READ, ANON | MAP_FIXED, -1, 0);
    ck_assert_ptr_eq(a, q + big);
    errno = 0;
    ck_assert_int_eq(mprotect(f + big - pg, 3 * pg, RW), -1);
    ck_assert_int_eq(errno, EACCES);
    ck_assert(mt_write_faults(f + big - 1));
    ck_assert(!mt_read_faults(f + big - 1));
    ck_assert(mt_write_faults(a));
    ck_assert(mt_write_faults(a + pg));
    ck_assert(!mt_read_faults(a + pg));
    errno = 0;
    ck_assert_int_eq(mprotect(f + big - pg, 3 * pg, PROT_NONE), 0);
    ck_assert(mt_read_faults(f + big - 1));
    ck_assert(mt_read_faults(a + pg));
    ck_assert(!mt_read_faults(f));
    ck_assert_int_eq(munmap(f, big + 2 * pg), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

/* A file mapping made with PROT_EXEC keeps the right to it: lowered,
 * then raised again, it runs; made writable too, it is copy-on-write
 * and runs the changed code ("mov $42, %eax; ret", then 43). */
START_TEST(exec_restored_on_file_mapping)
{
#if defined(__x86_64__) || defined(__i386__)
    static const unsigned char code[] = {0xb8, 42, 0, 0, 0, 0xc3};
    size_t pg = mt_page();
    const char *path = mt_path("mprotect-exec-again");
    unsigned char *p;
    uint32_t hash;
    int (*fn)(void);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, code, sizeof code), (ssize_t)sizeof code);
    ck_assert_int_eq(close(fd), 0);
    hash = mt_file_hash(path);
    fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, pg, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_int_eq(mprotect(p, pg, PROT_NONE), 0);
    ck_assert(mt_read_faults(p));
    ck_assert_int_eq(mprotect(p, pg, PROT_READ), 0);
    ck_assert_uint_eq(p[1], 42);
    ck_assert_int_eq(mprotect(p, pg, PROT_READ | PROT_EXEC), 0);
    memcpy(&fn, &p, sizeof fn);
    ck_assert_int_eq(fn(), 42);
    ck_assert_int_eq(mprotect(p, pg, PROT_READ | PROT_WRITE | PROT_EXEC),
                     0);
    p[1] = 43;
    ck_assert_int_eq(fn(), 43);
    ck_assert_int_eq(munmap(p, pg), 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_uint_eq(mt_file_hash(path), hash);
#endif
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("mprotect");
    TCase *tc = tcase_create("mprotect");

    tcase_add_test(tc, prot_none_and_back_keeps_data);
    tcase_add_test(tc, prot_none_and_back_on_shared_file);
    tcase_add_test(tc, middle_page_only);
    tcase_add_test(tc, middle_page_of_file_mapping);
    tcase_add_test(tc, range_across_two_fixed_mappings);
    tcase_add_test(tc, range_across_two_separate_mappings);
    tcase_add_test(tc, write_on_shared_read_only_fd_is_eacces);
    tcase_add_test(tc, write_on_private_read_only_fd_is_copy_on_write);
    tcase_add_test(tc, exec_added_to_file_mapping);
    tcase_add_test(tc, unaligned_address_is_einval);
    tcase_add_test(tc, unknown_prot_bits_are_einval);
    tcase_add_test(tc, unmapped_pages_are_enomem);
    tcase_add_test(tc, zero_length_is_noop);
    tcase_add_test(tc, write_added_to_shared_file_mapping);
    tcase_add_test(tc, write_added_to_private_file_mapping_is_copy_on_write);
    tcase_add_test(tc, prot_none_on_read_only_fd_raised_to_read);
    tcase_add_test(tc, part_of_mapping_at_page_offset);
    tcase_add_test(tc, range_across_file_and_anonymous_mappings);
    tcase_add_test(tc, eacces_in_a_range_leaves_the_rest_alone);
    tcase_add_test(tc, exec_restored_on_file_mapping);
    suite_add_tcase(s, tc);
    return mt_main(argc, argv, s);
}
