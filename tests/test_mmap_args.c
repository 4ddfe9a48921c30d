/* mmap and munmap argument checks: which errno, in the order Linux checks
 * them, and that a failed call returns MAP_FAILED and changes nothing. */
#define _GNU_SOURCE 1
#include "mt.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifdef _WIN32
#include <io.h>
#endif

/* The call must fail with exactly MAP_FAILED and errno err. */
#define MAP_FAILS(call, err)                                                \
    do {                                                                    \
        void *mf_p;                                                         \
        errno = 0;                                                          \
        mf_p = (call);                                                      \
        ck_assert_ptr_eq(mf_p, MAP_FAILED);                                 \
        ck_assert_int_eq(errno, (err));                                     \
    } while (0)

#define PRIV_ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static int make_pipe(int fds[2])
{
#ifdef _WIN32
    return _pipe(fds, 4096, _O_BINARY);
#else
    return pipe(fds);
#endif
}

/* The largest page-aligned value of this program's off_t. */
static off_t top_page_offset(void)
{
    off_t max = (off_t)(((uintmax_t)1 << (sizeof(off_t) * 8 - 1)) - 1);

    return max & ~(off_t)(mt_page() - 1);
}

/* A fresh 10000-byte pattern file opened O_RDWR. */
static int rw_file(const char *name)
{
    int fd = mt_make_file(mt_path(name), 10000, 7);

    ck_assert_int_ge(fd, 0);
    return fd;
}

START_TEST(zero_length_is_einval)
{
    int fd = rw_file("zero_len");

    MAP_FAILS(mmap(NULL, 0, PROT_READ, PRIV_ANON, -1, 0), EINVAL);
    MAP_FAILS(mmap(NULL, 0, PROT_READ, MAP_SHARED, fd, 0), EINVAL);
    MAP_FAILS(mmap(NULL, 0, PROT_READ, MAP_PRIVATE, fd, 0), EINVAL);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(unaligned_offset_is_einval)
{
    size_t pg = mt_page();
    int fd = rw_file("unaligned_off");

    MAP_FAILS(mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 1), EINVAL);
    MAP_FAILS(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, (off_t)pg / 2),
              EINVAL);
    MAP_FAILS(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, (off_t)pg + 512),
              EINVAL);
    /* the offset is checked for anonymous mappings too */
    MAP_FAILS(mmap(NULL, pg, PROT_READ, PRIV_ANON, -1, 1), EINVAL);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(anonymous_ignores_aligned_offset)
{
    size_t pg = mt_page();
    /* Linux ignores a page-aligned offset of an anonymous mapping, even
     * a negative one. */
    char *p = mmap(NULL, pg, PROT_READ | PROT_WRITE, PRIV_ANON, -1,
                   -(off_t)pg);

    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_int_eq(p[0], 0);
    p[0] = 1;
    ck_assert_int_eq(munmap(p, pg), 0);
}
END_TEST

START_TEST(neither_shared_nor_private_is_einval)
{
    size_t pg = mt_page();
    int fd = rw_file("type");

    MAP_FAILS(mmap(NULL, pg, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL);
    MAP_FAILS(mmap(NULL, pg, PROT_READ, 0, fd, 0), EINVAL);
    MAP_FAILS(mmap(NULL, pg, PROT_READ, MAP_FIXED, fd, 0), EINVAL);
    /* MAP_SHARED | MAP_PRIVATE is Linux's MAP_SHARED_VALIDATE, which
     * Linux refuses for anonymous memory ... */
    MAP_FAILS(mmap(NULL, pg, PROT_READ,
                   MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              EINVAL);
#ifdef _WIN32
    /* ... and accepts for files. POSIX says exactly one of the two must
     * be given; winmman has no MAP_SHARED_VALIDATE and says EINVAL. */
    MAP_FAILS(mmap(NULL, pg, PROT_READ, MAP_SHARED | MAP_PRIVATE, fd, 0),
              EINVAL);
#endif
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(fixed_unaligned_address_is_einval)
{
    size_t pg = mt_page();
    int fd = rw_file("fixed_unaligned");
    char *base = mmap(NULL, 4 * pg, PROT_READ, PRIV_ANON, -1, 0);

    ck_assert_ptr_ne(base, MAP_FAILED);
    MAP_FAILS(mmap(base + 1, pg, PROT_READ, PRIV_ANON | MAP_FIXED, -1, 0),
              EINVAL);
    MAP_FAILS(mmap(base + pg / 2, pg, PROT_READ, MAP_SHARED | MAP_FIXED, fd,
                   0),
              EINVAL);
    MAP_FAILS(mmap(base + pg + 8, pg, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd,
                   0),
              EINVAL);
    /* what was there is untouched */
    ck_assert(!mt_read_faults(base));
    ck_assert(!mt_read_faults(base + pg));
    ck_assert(mt_write_faults(base + pg));
    /* without MAP_FIXED an unaligned address is only a hint */
    {
        char *p = mmap(base + 1, pg, PROT_READ, PRIV_ANON, -1, 0);

        ck_assert_ptr_ne(p, MAP_FAILED);
        ck_assert_uint_eq((uintptr_t)p % pg, 0);
        ck_assert_int_eq(munmap(p, pg), 0);
    }
    ck_assert_int_eq(munmap(base, 4 * pg), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(unknown_flag_bits_are_ignored)
{
    size_t pg = mt_page();
    int fd = rw_file("unknown_flags");
    char *p = mmap(NULL, pg, PROT_READ | PROT_WRITE, PRIV_ANON | 0x40000000,
                   -1, 0);
    unsigned char *q;

    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_int_eq(p[pg - 1], 0);
    p[pg - 1] = 5;
    ck_assert_int_eq(munmap(p, pg), 0);
    q = mmap(NULL, pg, PROT_READ, MAP_SHARED | 0x40000000, fd, 0);
    ck_assert_ptr_ne(q, MAP_FAILED);
    ck_assert(mt_is_pattern(q, pg, 0, 7));
    ck_assert_int_eq(munmap(q, pg), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(bad_fd_is_ebadf)
{
    size_t pg = mt_page();
    int fd = rw_file("closed");

    ck_assert_int_eq(close(fd), 0);
    MAP_FAILS(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, -1, 0), EBADF);
    MAP_FAILS(mmap(NULL, pg, PROT_READ, MAP_SHARED, -1, 0), EBADF);
    MAP_FAILS(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, 0), EBADF);
    MAP_FAILS(mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0),
              EBADF);
    MAP_FAILS(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, 4321, 0), EBADF);
}
END_TEST

START_TEST(write_only_fd_is_eacces)
{
    size_t pg = mt_page();
    int fd = rw_file("write_only"), wo;

    ck_assert_int_eq(close(fd), 0);
    wo = open(mt_path("write_only"), O_WRONLY);
    ck_assert_int_ge(wo, 0);
    MAP_FAILS(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, wo, 0), EACCES);
    MAP_FAILS(mmap(NULL, pg, PROT_READ, MAP_SHARED, wo, 0), EACCES);
    MAP_FAILS(mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, wo, 0),
              EACCES);
    /* even a mapping nobody may touch needs a readable fd */
    MAP_FAILS(mmap(NULL, pg, PROT_NONE, MAP_SHARED, wo, 0), EACCES);
    ck_assert_int_eq(close(wo), 0);
}
END_TEST

START_TEST(shared_write_on_read_only_fd_is_eacces)
{
    size_t pg = mt_page();
    int fd = rw_file("read_only"), ro;
    char *p;

    ck_assert_int_eq(close(fd), 0);
    ro = open(mt_path("read_only"), O_RDONLY);
    ck_assert_int_ge(ro, 0);
    MAP_FAILS(mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0),
              EACCES);
    MAP_FAILS(mmap(NULL, pg, PROT_WRITE, MAP_SHARED, ro, 0), EACCES);
    /* reading is fine */
    p = mmap(NULL, pg, PROT_READ, MAP_SHARED, ro, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert(mt_is_pattern(p, pg, 0, 7));
    ck_assert_int_eq(munmap(p, pg), 0);
    ck_assert_int_eq(close(ro), 0);
}
END_TEST

START_TEST(private_write_on_read_only_fd_stays_private)
{
    size_t pg = mt_page();
    const char *path = mt_path("private_ro");
    int fd = rw_file("private_ro"), ro;
    uint32_t hash = mt_file_hash(path);
    unsigned char *p, buf[16];

    ck_assert_int_eq(close(fd), 0);
    ro = open(path, O_RDONLY);
    ck_assert_int_ge(ro, 0);
    p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert(mt_is_pattern(p, 2 * pg, 0, 7));
    memset(p + 100, 0x5a, 16);
    p[pg + 3] = (unsigned char)~mt_pattern(pg + 3, 7);
    ck_assert_uint_eq(p[100], 0x5a);
    ck_assert_uint_eq(p[pg + 3], (unsigned char)~mt_pattern(pg + 3, 7));
    /* the file and read() do not see it */
    ck_assert_int_eq(mt_pread(ro, buf, 16, 100), 16);
    ck_assert(mt_is_pattern(buf, 16, 100, 7));
    ck_assert_int_eq(munmap(p, 2 * pg), 0);
    ck_assert_int_eq(close(ro), 0);
    ck_assert_int_eq(mt_file_size(path), 10000);
    ck_assert_uint_eq(mt_file_hash(path), hash);
}
END_TEST

START_TEST(pipe_is_enodev)
{
    size_t pg = mt_page();
    int fds[2];

    ck_assert_int_eq(make_pipe(fds), 0);
    MAP_FAILS(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fds[0], 0), ENODEV);
    MAP_FAILS(mmap(NULL, pg, PROT_READ, MAP_SHARED, fds[0], 0), ENODEV);
    MAP_FAILS(mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fds[0], 0),
              ENODEV);
    ck_assert_int_eq(close(fds[0]), 0);
    ck_assert_int_eq(close(fds[1]), 0);
}
END_TEST

START_TEST(negative_offset_is_eoverflow)
{
    size_t pg = mt_page();
    int fd = rw_file("negative");

    MAP_FAILS(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, -(off_t)pg),
              EOVERFLOW);
    MAP_FAILS(mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                   -16 * (off_t)pg),
              EOVERFLOW);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(offset_past_off_t_max_is_eoverflow)
{
    size_t pg = mt_page();
    off_t top = top_page_offset();
    int fd = rw_file("top");

    /* off + len goes past the largest off_t */
    MAP_FAILS(mmap(NULL, 2 * pg, PROT_READ, MAP_PRIVATE, fd, top),
              EOVERFLOW);
    MAP_FAILS(mmap(NULL, 2 * pg, PROT_READ, MAP_SHARED, fd, top), EOVERFLOW);
    MAP_FAILS(mmap(NULL, 3 * pg, PROT_READ, MAP_PRIVATE, fd,
                   top - (off_t)pg),
              EOVERFLOW);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

/* More than the address space holds: ENOMEM, for anonymous memory, for
 * a file, and for MAP_FIXED at the top of the address space. */
START_TEST(too_large_for_the_address_space_is_enomem)
{
    size_t pg = mt_page();
    size_t huge = (size_t)1 << (sizeof(void *) * 8 - 2);
    char *top = (char *)(~(uintptr_t)0 - (pg - 1) - pg);
    int fd = rw_file("huge");

    MAP_FAILS(mmap(NULL, huge, PROT_READ, PRIV_ANON, -1, 0), ENOMEM);
    MAP_FAILS(mmap(NULL, huge, PROT_READ, PRIV_ANON | MAP_NORESERVE, -1, 0),
              ENOMEM);
    MAP_FAILS(mmap(NULL, huge, PROT_READ, MAP_SHARED, fd, 0), ENOMEM);
    MAP_FAILS(mmap(top, 4 * pg, PROT_READ, PRIV_ANON | MAP_FIXED, -1, 0),
              ENOMEM);
    ck_assert_int_eq(mt_file_size(mt_path("huge")), 10000);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

/* When several arguments are wrong, the errno is the one of the check
 * Linux makes first: offset alignment, fd, length, length rounding,
 * MAP_FIXED address, offset range, mapping type, then the fd's access,
 * then the fd's type. */
START_TEST(errors_come_in_linux_order)
{
    size_t pg = mt_page();
    int fd = rw_file("order"), wo, fds[2];
    char *base = mmap(NULL, 2 * pg, PROT_READ, PRIV_ANON, -1, 0);

    ck_assert_ptr_ne(base, MAP_FAILED);
    wo = open(mt_path("order"), O_WRONLY);
    ck_assert_int_ge(wo, 0);
    ck_assert_int_eq(make_pipe(fds), 0);
    /* offset alignment before everything */
    MAP_FAILS(mmap(NULL, 0, PROT_READ, 0, -1, 1), EINVAL);
    MAP_FAILS(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, -1, 1), EINVAL);
    /* then the fd */
    MAP_FAILS(mmap(NULL, 0, PROT_READ, MAP_PRIVATE, -1, 0), EBADF);
    MAP_FAILS(mmap(NULL, pg, PROT_READ, 0, -1, 0), EBADF);
    MAP_FAILS(mmap(base + 1, pg, PROT_READ, MAP_PRIVATE | MAP_FIXED, -1, 0),
              EBADF);
    /* then the length */
    MAP_FAILS(mmap(NULL, 0, PROT_READ, MAP_PRIVATE, wo, 0), EINVAL);
    MAP_FAILS(mmap(NULL, 0, PROT_READ, MAP_PRIVATE, fd, -(off_t)pg),
              EINVAL);
    MAP_FAILS(mmap(NULL, 0, PROT_READ, MAP_PRIVATE, fds[0], 0), EINVAL);
    /* then the length's page rounding */
    MAP_FAILS(mmap(NULL, SIZE_MAX, PROT_READ, 0, fd, 0), ENOMEM);
    MAP_FAILS(mmap(base + 1, SIZE_MAX, PROT_READ, MAP_PRIVATE | MAP_FIXED,
                   fd, 0),
              ENOMEM);
    /* then a MAP_FIXED address */
    MAP_FAILS(mmap(base + 1, pg, PROT_READ, MAP_PRIVATE | MAP_FIXED, wo, 0),
              EINVAL);
    MAP_FAILS(mmap(base + 1, pg, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd,
                   -(off_t)pg),
              EINVAL);
    /* then the offset range, before the fd's access and type and before
     * the mapping type */
    MAP_FAILS(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, wo, -(off_t)pg),
              EOVERFLOW);
    MAP_FAILS(mmap(NULL, pg, PROT_READ, 0, fd, -(off_t)pg), EOVERFLOW);
    /* the mapping type before the fd's access and type */
    MAP_FAILS(mmap(NULL, pg, PROT_READ, 0, wo, 0), EINVAL);
    MAP_FAILS(mmap(NULL, pg, PROT_READ, 0, fds[1], 0), EINVAL);
    /* the fd's access before its type */
#ifdef MMAN_CE
    /* CE: the access of what is not a file is not asked (a read of no
     * bytes could wait on it), so it is ENODEV; README, "Windows CE" */
    MAP_FAILS(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fds[1], 0), ENODEV);
    MAP_FAILS(mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0),
              ENODEV);
#else
    MAP_FAILS(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fds[1], 0), EACCES);
    MAP_FAILS(mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0),
              EACCES);
#endif
    ck_assert(!mt_read_faults(base + pg));
    ck_assert_int_eq(close(fds[0]), 0);
    ck_assert_int_eq(close(fds[1]), 0);
    ck_assert_int_eq(close(wo), 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(munmap(base, 2 * pg), 0);
}
END_TEST

START_TEST(failed_mmap_changes_nothing)
{
    size_t pg = mt_page();
    const char *path = mt_path("unchanged");
    int fd = rw_file("unchanged"), ro;
    uint32_t hash = mt_file_hash(path);
    int rw = PROT_READ | PROT_WRITE;
    char *base = mmap(NULL, 16 * pg, PROT_READ, PRIV_ANON, -1, 0);

    ck_assert_ptr_ne(base, MAP_FAILED);
    ck_assert_uint_ne(hash, 0);
    /* each asks for 10 pages of a 10000-byte file, shared and writable */
    MAP_FAILS(mmap(NULL, 10 * pg, rw, MAP_SHARED, fd, 1), EINVAL);
    MAP_FAILS(mmap(NULL, 10 * pg, rw, 0, fd, 0), EINVAL);
    MAP_FAILS(mmap(base + 1, 10 * pg, rw, MAP_SHARED | MAP_FIXED, fd, 0),
              EINVAL);
    MAP_FAILS(mmap(NULL, 10 * pg, rw, MAP_SHARED, fd, -(off_t)pg),
              EOVERFLOW);
    MAP_FAILS(mmap(NULL, 10 * pg, rw, MAP_SHARED, fd, top_page_offset()),
              EOVERFLOW);
    ro = open(path, O_RDONLY);
    ck_assert_int_ge(ro, 0);
    MAP_FAILS(mmap(NULL, 10 * pg, rw, MAP_SHARED, ro, 0), EACCES);
    ck_assert_int_eq(close(ro), 0);
    ck_assert_int_eq(mt_file_size(path), 10000);
    ck_assert_uint_eq(mt_file_hash(path), hash);
    /* and what was at the MAP_FIXED address is still there */
    ck_assert(!mt_read_faults(base));
    ck_assert(!mt_read_faults(base + 15 * pg));
    ck_assert_int_eq(munmap(base, 16 * pg), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(munmap_zero_length_is_einval)
{
    size_t pg = mt_page();
    char *p = mmap(NULL, pg, PROT_READ | PROT_WRITE, PRIV_ANON, -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    p[0] = 9;
    errno = 0;
    ck_assert_int_eq(munmap(p, 0), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(p[0], 9);
    ck_assert_int_eq(munmap(p, pg), 0);
}
END_TEST

START_TEST(munmap_unaligned_address_is_einval)
{
    size_t pg = mt_page();
    char *p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, PRIV_ANON, -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    p[0] = 3;
    p[pg] = 4;
    errno = 0;
    ck_assert_int_eq(munmap(p + 1, pg), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(munmap(p + pg / 2, pg), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(munmap(p + 1, 0), -1);
    ck_assert_int_eq(errno, EINVAL);
    /* nothing was unmapped */
    ck_assert_int_eq(p[0], 3);
    ck_assert_int_eq(p[pg], 4);
    ck_assert_int_eq(munmap(p, 2 * pg), 0);
}
END_TEST

START_TEST(munmap_of_nothing_succeeds)
{
    size_t pg = mt_page();
    char *p = mmap(NULL, 3 * pg, PROT_READ, PRIV_ANON, -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_int_eq(munmap(p, 3 * pg), 0);
    /* the range is empty now: unmapping it again, whole or in part,
     * is no error */
    ck_assert_int_eq(munmap(p, 3 * pg), 0);
    ck_assert_int_eq(munmap(p + pg, pg), 0);
    ck_assert_int_eq(munmap(p, 1), 0);
    ck_assert(mt_read_faults(p));
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("mmap_args");
    TCase *tc = tcase_create("args");

    tcase_add_test(tc, zero_length_is_einval);
    tcase_add_test(tc, unaligned_offset_is_einval);
    tcase_add_test(tc, anonymous_ignores_aligned_offset);
    tcase_add_test(tc, neither_shared_nor_private_is_einval);
    tcase_add_test(tc, fixed_unaligned_address_is_einval);
    tcase_add_test(tc, unknown_flag_bits_are_ignored);
    tcase_add_test(tc, bad_fd_is_ebadf);
    tcase_add_test(tc, write_only_fd_is_eacces);
    tcase_add_test(tc, shared_write_on_read_only_fd_is_eacces);
    tcase_add_test(tc, private_write_on_read_only_fd_stays_private);
    tcase_add_test(tc, pipe_is_enodev);
    tcase_add_test(tc, negative_offset_is_eoverflow);
    tcase_add_test(tc, offset_past_off_t_max_is_eoverflow);
    tcase_add_test(tc, too_large_for_the_address_space_is_enomem);
    tcase_add_test(tc, errors_come_in_linux_order);
    tcase_add_test(tc, failed_mmap_changes_nothing);
    tcase_add_test(tc, munmap_zero_length_is_einval);
    tcase_add_test(tc, munmap_unaligned_address_is_einval);
    tcase_add_test(tc, munmap_of_nothing_succeeds);
    suite_add_tcase(s, tc);
    return mt_main(argc, argv, s);
}
