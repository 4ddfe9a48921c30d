/* Files that grow after they are mapped: the pages they grow into become
 * reachable through the mapping; pages still past end of file fault.
 *
 * Not on Windows CE (README, "Windows CE"): a mapping there never grows
 * (a view cannot be made again where the old one was, and a private
 * mapping is a copy made by mmap), so its pages past the old end of
 * file keep faulting; a new mapping sees the new size. */
#define _GNU_SOURCE 1
#include "mt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Writes pattern seed bytes [from, to) of the file at fd. */
static int write_pattern(int fd, long long from, long long to, unsigned seed)
{
    unsigned char buf[4096];
    long long off = from;
    size_t n, i;

    while (off < to) {
        n = to - off < (long long)sizeof buf ? (size_t)(to - off)
                                             : sizeof buf;
        for (i = 0; i < n; i++)
            buf[i] = mt_pattern((uint64_t)off + i, seed);
        if (mt_pwrite(fd, buf, n, off) != (ssize_t)n)
            return -1;
        off += (long long)n;
    }
    return 0;
}

static int is_zero(const unsigned char *p, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (p[i])
            return 0;
    return 1;
}

/* Child "grow PATH PAGES SEED": extends the file at PATH to PAGES pages
 * with ftruncate, then fills what lies past its old end with the
 * pattern. */
static int child_grow(int argc, char **argv)
{
    long long pg = (long long)mt_page(), old, size;
    int fd;

    if (argc < 3)
        return 2;
    fd = open(argv[0], O_RDWR);
    if (fd < 0)
        return 3;
    old = mt_file_size(argv[0]);
    size = atoll(argv[1]) * pg;
    if (old < 0 || ftruncate(fd, (off_t)size) != 0)
        return 4;
    if (write_pattern(fd, old, size, (unsigned)atoi(argv[2])) != 0)
        return 5;
    return close(fd) == 0 ? 0 : 6;
}

/* Child "check PATH OFFSET VALUE": whether the byte at OFFSET of the
 * file is VALUE. */
static int child_check(int argc, char **argv)
{
    unsigned char c = 0;
    int fd;

    if (argc < 3)
        return 2;
    fd = open(argv[0], O_RDONLY);
    if (fd < 0)
        return 3;
    if (mt_pread(fd, &c, 1, atoll(argv[1])) != 1)
        return 4;
    close(fd);
    return c == (unsigned char)atoi(argv[2]) ? 0 : 5;
}

/* What real programs do: create the file empty, map it, then give it its
 * size and fill it through the mapping. */
START_TEST(map_empty_then_ftruncate_and_fill)
{
    size_t pg = mt_page(), len = 5 * pg, i;
    const char *path = mt_path("grow-empty");
    unsigned char *p, *back;
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);

    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    /* nothing of the file exists yet */
    ck_assert(mt_read_faults(p));
    ck_assert(mt_write_faults(p + len - 1));
    ck_assert_int_eq(ftruncate(fd, (off_t)len), 0);
#ifdef MMAN_CE
    /* CE: the mapping does not grow; a new one has the pages; README,
     * "Windows CE" */
    ck_assert(mt_read_faults(p));
    ck_assert(mt_write_faults(p + len - 1));
    ck_assert_int_eq(munmap(p, len), 0);
    p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
#endif
    for (i = 0; i < len; i++)
        p[i] = mt_pattern(i, 11);
    ck_assert_int_eq(msync(p, len, MS_SYNC), 0);
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);

    ck_assert_int_eq(mt_file_size(path), (long long)len);
    back = malloc(len + 1);
    ck_assert_ptr_nonnull(back);
    fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(mt_pread(fd, back, len + 1, 0), (ssize_t)len);
    ck_assert(mt_is_pattern(back, len, 0, 11));
    free(back);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(grown_by_write_at_end)
{
    size_t pg = mt_page(), len = 8 * pg, i;
    const char *path = mt_path("grow-write");
    unsigned char *p, c;
    int fd = mt_make_file(path, pg, 12);

    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert(mt_is_pattern(p, pg, 0, 12));
    for (i = 1; i < 8; i++)
        ck_assert(mt_read_faults(p + i * pg));

    /* append 2.5 pages: the file is 3.5 pages long */
    ck_assert_int_eq(lseek(fd, 0, SEEK_END), (off_t)pg);
    {
        size_t n = 2 * pg + pg / 2;
        unsigned char *buf = malloc(n);

        ck_assert_ptr_nonnull(buf);
        for (i = 0; i < n; i++)
            buf[i] = mt_pattern(pg + i, 12);
        ck_assert_int_eq(write(fd, buf, n), (ssize_t)n);
        free(buf);
    }
    ck_assert_int_eq(mt_file_size(path), (long long)(3 * pg + pg / 2));
#ifdef MMAN_CE
    /* CE: the mapping does not grow; a new one has the pages; README,
     * "Windows CE" */
    ck_assert(mt_is_pattern(p, pg, 0, 12));
    for (i = 1; i < 8; i++)
        ck_assert(mt_read_faults(p + i * pg));
    ck_assert_int_eq(munmap(p, len), 0);
    p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
#endif

    for (i = 0; i < 4; i++) {
        ck_assert(!mt_read_faults(p + i * pg));
        ck_assert(!mt_write_faults(p + i * pg));
    }
    ck_assert(mt_is_pattern(p, 3 * pg + pg / 2, 0, 12));
    /* the rest of the last page, past the new end of file, reads zero */
    ck_assert(is_zero(p + 3 * pg + pg / 2, pg / 2));
    for (i = 4; i < 8; i++) {
        ck_assert(mt_read_faults(p + i * pg));
        ck_assert(mt_write_faults(p + i * pg + 7));
    }

    /* the new pages are the file's */
    p[2 * pg + 5] = 0xc3;
    ck_assert_int_eq(msync(p, len, MS_SYNC), 0);
    ck_assert_int_eq(mt_pread(fd, &c, 1, (long long)(2 * pg + 5)), 1);
    ck_assert_uint_eq(c, 0xc3);
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(grown_by_another_process)
{
    size_t pg = mt_page(), len = 6 * pg, i;
    const char *path = mt_path("grow-child");
    unsigned char *p;
    char off[32];
    int fd = mt_make_file(path, pg, 13);

    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert(mt_read_faults(p + pg));
    ck_assert(mt_write_faults(p + 3 * pg));

    ck_assert_int_eq(mt_run_child("grow", path, "4", "13", NULL), 0);
    ck_assert_int_eq(mt_file_size(path), (long long)(4 * pg));
#ifdef MMAN_CE
    /* CE: the mapping does not grow; a new one has the pages; README,
     * "Windows CE" */
    ck_assert(mt_is_pattern(p, pg, 0, 13));
    for (i = 1; i < 6; i++)
        ck_assert(mt_read_faults(p + i * pg));
    ck_assert_int_eq(munmap(p, len), 0);
    p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
#endif
    for (i = 0; i < 4; i++)
        ck_assert(!mt_write_faults(p + i * pg));
    ck_assert(mt_is_pattern(p, 4 * pg, 0, 13));
    ck_assert(mt_read_faults(p + 4 * pg));
    ck_assert(mt_read_faults(p + 5 * pg));

    /* and what the parent writes there, the other process reads */
    p[3 * pg + 17] = 0x5e;
    snprintf(off, sizeof off, "%lu", (unsigned long)(3 * pg + 17));
    ck_assert_int_eq(mt_run_child("check", path, off, "94", NULL), 0);

    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(private_mapping_of_growing_file)
{
    size_t pg = mt_page(), len = 4 * pg;
    const char *path = mt_path("grow-private");
    unsigned char *p;
    uint32_t hash;
    int fd = mt_make_file(path, pg + pg / 2, 14);

    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert(mt_is_pattern(p, pg + pg / 2, 0, 14));
    ck_assert(is_zero(p + pg + pg / 2, pg / 2));
    ck_assert(mt_read_faults(p + 2 * pg));
    /* private writes to both pages in the file */
    memset(p, 0x5a, 100);
    p[pg + 10] = 0xa5;

    ck_assert_int_eq(ftruncate(fd, (off_t)len), 0);
    ck_assert_int_eq(write_pattern(fd, pg + pg / 2, len, 14), 0);
    hash = mt_file_hash(path);

    /* the private pages are as they were written ... */
    ck_assert_uint_eq(p[0], 0x5a);
    ck_assert_uint_eq(p[99], 0x5a);
    ck_assert(mt_is_pattern(p + 100, pg - 100, 100, 14));
    ck_assert_uint_eq(p[pg + 10], 0xa5);
    ck_assert(mt_is_pattern(p + pg + 11, pg / 2 - 11, pg + 11, 14));
    /* ... including the zeros of page 1 that were past end of file */
    ck_assert(is_zero(p + pg + pg / 2, pg / 2));
#ifdef MMAN_CE
    /* CE: the copy made by mmap does not grow; a new one has the
     * pages; README, "Windows CE" */
    ck_assert(mt_read_faults(p + 2 * pg));
    ck_assert(mt_read_faults(p + 3 * pg));
    ck_assert_int_eq(munmap(p, len), 0);
    p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
#endif
    /* the pages the file grew into show the file */
    ck_assert(!mt_read_faults(p + 2 * pg));
    ck_assert(mt_is_pattern(p + 2 * pg, 2 * pg, 2 * pg, 14));
    /* and writing them is private too */
    p[3 * pg] ^= 0xff;
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_uint_eq(mt_file_hash(path), hash);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

/* A file of whole pages: the written page is a private copy that the
 * growth must keep, also where Windows would say it was never copied. */
START_TEST(private_write_survives_growth_of_whole_page_file)
{
    size_t pg = mt_page(), len = 8 * pg;
    const char *path = mt_path("grow-private-whole");
    unsigned char *p;
    int fd = mt_make_file(path, 2 * pg, 21);

    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    p[5] = (unsigned char)(mt_pattern(5, 21) ^ 0xff);
    ck_assert_int_eq(ftruncate(fd, (off_t)len), 0);
#ifdef MMAN_CE
    /* CE: the copy made by mmap does not grow; README, "Windows CE" */
    ck_assert(mt_read_faults(p + 2 * pg));
    ck_assert(mt_read_faults(p + 5 * pg));
#else
    ck_assert(!mt_read_faults(p + 5 * pg));
#endif
    ck_assert_uint_eq(p[5], mt_pattern(5, 21) ^ 0xff);
    ck_assert(mt_is_pattern(p + 6, pg - 6, 6, 21));
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(mapping_at_offset_grows)
{
    size_t pg = mt_page(), len = 20 * pg, i;
    long long off = 2 * (long long)pg;
    const char *path = mt_path("grow-offset");
    unsigned char *p, c;
    int fd = mt_make_file(path, 3 * pg, 15);

    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert(mt_is_pattern(p, pg, (uint64_t)off, 15));
    ck_assert(mt_read_faults(p + pg));
    ck_assert(mt_read_faults(p + 13 * pg));

    /* 16 pages: mapping pages 0..13 are in the file */
    ck_assert_int_eq(ftruncate(fd, (off_t)(16 * pg)), 0);
    ck_assert_int_eq(write_pattern(fd, 3 * pg, 16 * pg, 15), 0);
#ifdef MMAN_CE
    /* CE: the mapping does not grow; a new one has the pages; README,
     * "Windows CE" */
    ck_assert(mt_is_pattern(p, pg, (uint64_t)off, 15));
    ck_assert(mt_read_faults(p + pg));
    ck_assert(mt_read_faults(p + 13 * pg));
    ck_assert_int_eq(munmap(p, len), 0);
    p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);
    ck_assert_ptr_ne(p, MAP_FAILED);
#endif
    for (i = 0; i < 14; i++)
        ck_assert(!mt_write_faults(p + i * pg));
    ck_assert(mt_is_pattern(p, 14 * pg, (uint64_t)off, 15));
    for (i = 14; i < 20; i++)
        ck_assert(mt_read_faults(p + i * pg));

    /* 24 pages: past the end of the mapping, all of it is in the file */
    ck_assert_int_eq(ftruncate(fd, (off_t)(24 * pg)), 0);
    ck_assert_int_eq(write_pattern(fd, 16 * pg, 24 * pg, 15), 0);
#ifdef MMAN_CE
    /* CE: nor this time; README, "Windows CE" */
    ck_assert(mt_read_faults(p + 14 * pg));
    ck_assert(mt_read_faults(p + 19 * pg));
    ck_assert_int_eq(munmap(p, len), 0);
    p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);
    ck_assert_ptr_ne(p, MAP_FAILED);
#endif
    ck_assert(!mt_read_faults(p + 19 * pg));
    ck_assert(mt_is_pattern(p, len, (uint64_t)off, 15));
    p[19 * pg + 3] = 0x77;
    ck_assert_int_eq(msync(p, len, MS_SYNC), 0);
    ck_assert_int_eq(mt_pread(fd, &c, 1, off + (long long)(19 * pg) + 3),
                     1);
    ck_assert_uint_eq(c, 0x77);
    /* the mapping still ends where it ended */
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert(mt_read_faults(p));
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

/* Pages the file grows into have the protection their part of the
 * mapping was given, also when it was changed before they existed. */
START_TEST(grown_pages_keep_protection)
{
    size_t pg = mt_page(), len = 5 * pg;
    const char *path = mt_path("grow-prot");
    unsigned char *p;
    int wfd = mt_make_file(path, pg, 16), fd = open(path, O_RDONLY);

    ck_assert_int_ge(wfd, 0);
    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
#ifdef MMAN_CE
    /* CE: a shared mapping keeps the protection mmap gave it (no
     * VirtualProtect of a view), so mprotect to another one is
     * ENOTSUP, to the same one 0; and it does not grow: a new mapping
     * has the pages, read-only as asked; README, "Windows CE" */
    errno = 0;
    ck_assert_int_eq(mprotect(p + 2 * pg, pg, PROT_NONE), -1);
    ck_assert_int_eq(errno, ENOTSUP);
    ck_assert_int_eq(mprotect(p + 2 * pg, pg, PROT_READ), 0);
    ck_assert(mt_read_faults(p + pg));

    ck_assert_int_eq(write_pattern(wfd, pg, 4 * pg, 16), 0);
    ck_assert(mt_is_pattern(p, pg, 0, 16));
    ck_assert(mt_read_faults(p + pg));
    ck_assert(mt_read_faults(p + 3 * pg));
    ck_assert_int_eq(munmap(p, len), 0);
    p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert(mt_is_pattern(p, 4 * pg, 0, 16));
    ck_assert(mt_write_faults(p + pg));
    ck_assert(mt_write_faults(p + 3 * pg));
    ck_assert(mt_read_faults(p + 4 * pg));
#else
    ck_assert_int_eq(mprotect(p + 2 * pg, pg, PROT_NONE), 0);
    ck_assert(mt_read_faults(p + pg));

    ck_assert_int_eq(write_pattern(wfd, pg, 4 * pg, 16), 0);
    ck_assert(!mt_read_faults(p + pg));
    ck_assert(mt_write_faults(p + pg));
    ck_assert(mt_is_pattern(p, 2 * pg, 0, 16));
    ck_assert(mt_read_faults(p + 2 * pg));
    ck_assert(!mt_read_faults(p + 3 * pg));
    ck_assert(mt_is_pattern(p + 3 * pg, pg, 3 * pg, 16));
    ck_assert(mt_read_faults(p + 4 * pg));
    /* the page that was PROT_NONE can be opened up */
    ck_assert_int_eq(mprotect(p + 2 * pg, pg, PROT_READ), 0);
    ck_assert(mt_is_pattern(p + 2 * pg, pg, 2 * pg, 16));
#endif
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(close(wfd), 0);
}
END_TEST

/* Private pages written and then made read-only or inaccessible are
 * still private pages: the file growing does not undo the writes. */
START_TEST(private_pages_survive_growth_after_mprotect)
{
    size_t pg = mt_page(), len = 4 * pg;
    const char *path = mt_path("grow-private-prot");
    unsigned char *p;
    int fd = mt_make_file(path, 2 * pg, 17);

    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    p[1] = 0x81;
    p[pg + 1] = 0x82;
    ck_assert_int_eq(mprotect(p, pg, PROT_READ), 0);
    ck_assert_int_eq(mprotect(p + pg, pg, PROT_NONE), 0);
    ck_assert(mt_read_faults(p + 2 * pg));

    ck_assert_int_eq(write_pattern(fd, 2 * pg, len, 17), 0);
#ifdef MMAN_CE
    /* CE: the copy made by mmap does not grow; README, "Windows CE" */
    ck_assert(mt_read_faults(p + 2 * pg));
    ck_assert(mt_read_faults(p + 3 * pg));
#else
    ck_assert(!mt_read_faults(p + 2 * pg));
    ck_assert(mt_is_pattern(p + 2 * pg, 2 * pg, 2 * pg, 17));
#endif
    ck_assert_uint_eq(p[1], 0x81);
    ck_assert(mt_write_faults(p));
    ck_assert(mt_read_faults(p + pg));
    ck_assert_int_eq(mprotect(p + pg, pg, PROT_READ), 0);
    ck_assert_uint_eq(p[pg + 1], 0x82);
    ck_assert(mt_is_pattern(p + pg + 2, pg - 2, pg + 2, 17));
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("mmap_grow");
    TCase *tc = tcase_create("grow");

    mt_child("grow", child_grow);
    mt_child("check", child_check);
    tcase_add_test(tc, map_empty_then_ftruncate_and_fill);
    tcase_add_test(tc, grown_by_write_at_end);
    tcase_add_test(tc, grown_by_another_process);
    tcase_add_test(tc, private_mapping_of_growing_file);
    tcase_add_test(tc, private_write_survives_growth_of_whole_page_file);
    tcase_add_test(tc, mapping_at_offset_grows);
    tcase_add_test(tc, grown_pages_keep_protection);
    tcase_add_test(tc, private_pages_survive_growth_after_mprotect);
    suite_add_tcase(s, tc);
    return mt_main(argc, argv, s);
}
