/* Offsets past 4 GiB (built with _FILE_OFFSET_BITS=64, so off_t is 64
 * bits and mmap is mmap64 on every target). */
#define _GNU_SOURCE 1
#include "mt.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define GIB4 ((long long)1 << 32)

/* The size of the file behind fd. Not mt_file_size: mt.c is built
 * without _FILE_OFFSET_BITS=64, and MinGW's 32-bit st_size cuts a size
 * past 4 GiB. */
static long long fd_size(int fd)
{
    off_t here = lseek(fd, 0, SEEK_CUR), end = lseek(fd, 0, SEEK_END);

    lseek(fd, here, SEEK_SET);
    return (long long)end;
}

/* A sparse file of 4 GiB + 8 KiB whose page at 4 GiB + 4 KiB holds the
 * pattern with seed; an O_RDWR fd. */
static int make_sparse(const char *path, unsigned seed)
{
    long long pg = (long long)mt_page();
    unsigned char buf[65536];
    size_t i;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);

    ck_assert_int_ge(fd, 0);
    ck_assert_uint_eq(sizeof(off_t), 8);
    ck_assert_int_eq(ftruncate(fd, (off_t)(GIB4 + 2 * pg)), 0);
    ck_assert_int_eq(fd_size(fd), GIB4 + 2 * pg);
    for (i = 0; i < (size_t)pg; i++)
        buf[i] = mt_pattern((uint64_t)(GIB4 + pg) + i, seed);
    ck_assert_int_eq(mt_pwrite(fd, buf, (size_t)pg, GIB4 + pg), pg);
    return fd;
}

START_TEST(shared_page_past_4gib)
{
    long long pg = (long long)mt_page(), off = GIB4 + pg;
    const char *path = mt_path("large-shared");
    unsigned char *p, buf[16];
    int fd = make_sparse(path, 31);

    p = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
             (off_t)off);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert(mt_is_pattern(p, (size_t)pg, (uint64_t)off, 31));
    memcpy(p + 100, "past four gib", 14);
    ck_assert_int_eq(msync(p, (size_t)pg, MS_SYNC), 0);
    ck_assert_int_eq(mt_pread(fd, buf, 14, off + 100), 14);
    ck_assert_mem_eq(buf, "past four gib", 14);
    /* the low 32 bits of the offset (4 KiB) were not used instead */
    ck_assert_int_eq(mt_pread(fd, buf, 14, pg + 100), 14);
    ck_assert(memcmp(buf, "past four gib", 14) != 0);
    ck_assert_int_eq(munmap(p, (size_t)pg), 0);
    ck_assert_int_eq(fd_size(fd), GIB4 + 2 * pg);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(unlink(path), 0);
}
END_TEST

/* A mapping across the 4 GiB boundary: the hole before it reads zero,
 * the page past end of file faults. */
START_TEST(mapping_across_4gib)
{
    long long pg = (long long)mt_page(), off = GIB4 - 2 * pg;
    const char *path = mt_path("large-across");
    unsigned char *p;
    size_t len = (size_t)(5 * pg), i;
    int fd = make_sparse(path, 32), zero = 1;

    p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, (off_t)off);
    ck_assert_ptr_ne(p, MAP_FAILED);
    for (i = 0; i < (size_t)(3 * pg); i++)
        if (p[i])
            zero = 0;
    ck_assert(zero);
    ck_assert(mt_is_pattern(p + 3 * pg, (size_t)pg, (uint64_t)(GIB4 + pg),
                            32));
    ck_assert(mt_read_faults(p + 4 * pg));
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(unlink(path), 0);
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("mmap_large");
    TCase *tc = tcase_create("large");

    tcase_add_test(tc, shared_page_past_4gib);
    tcase_add_test(tc, mapping_across_4gib);
    suite_add_tcase(s, tc);
    return mt_main(argc, argv, s);
}
