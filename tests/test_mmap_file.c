/* File mappings: what shared and private mappings show and where their
 * writes go, page-granular offsets, life after close(fd), protections. */
#define _GNU_SOURCE 1
#include "mt.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define RW (PROT_READ | PROT_WRITE)

/* A fresh pattern file of size bytes opened O_RDWR. */
static int pattern_file(const char *name, size_t size, unsigned seed)
{
    int fd = mt_make_file(mt_path(name), size, seed);

    ck_assert_int_ge(fd, 0);
    return fd;
}

/* The byte that the pattern does not have at off. */
static unsigned char other(uint64_t off, unsigned seed)
{
    return (unsigned char)~mt_pattern(off, seed);
}

START_TEST(shared_read_shows_the_file)
{
    size_t pg = mt_page(), size = 3 * pg + 100;
    int fd = pattern_file("shared_read", size, 1);
    unsigned char *p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_uint_eq((uintptr_t)p % pg, 0);
    ck_assert(mt_is_pattern(p, size, 0, 1));
    ck_assert_int_eq(munmap(p, size), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(private_read_shows_the_file)
{
    size_t pg = mt_page(), size = 5 * pg;
    int fd = pattern_file("private_read", size, 2);
    unsigned char *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert(mt_is_pattern(p, size, 0, 2));
    ck_assert_int_eq(munmap(p, size), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(shared_writes_are_seen_at_once)
{
    size_t pg = mt_page(), size = 4 * pg;
    const char *path = mt_path("shared_write");
    int fd = pattern_file("shared_write", size, 3);
    unsigned char *p = mmap(NULL, size, RW, MAP_SHARED, fd, 0);
    unsigned char *q = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    unsigned char buf[64];

    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_ptr_ne(q, MAP_FAILED);
    ck_assert_ptr_ne(p, q);
    memset(p + 10, 0xc3, 64);
    p[3 * pg + 7] = other(3 * pg + 7, 3);
    /* read() sees it, with no msync */
    ck_assert_int_eq(mt_pread(fd, buf, 64, 10), 64);
    ck_assert_uint_eq(buf[0], 0xc3);
    ck_assert_uint_eq(buf[63], 0xc3);
    ck_assert_int_eq(mt_pread(fd, buf, 1, 3 * pg + 7), 1);
    ck_assert_uint_eq(buf[0], other(3 * pg + 7, 3));
    /* a second mapping sees it */
    ck_assert_uint_eq(q[10], 0xc3);
    ck_assert_uint_eq(q[73], 0xc3);
    ck_assert_uint_eq(q[3 * pg + 7], other(3 * pg + 7, 3));
    /* and nothing else changed */
    ck_assert(mt_is_pattern(q, 10, 0, 3));
    ck_assert(mt_is_pattern(q + 74, 3 * pg + 7 - 74, 74, 3));
    ck_assert_int_eq(munmap(p, size), 0);
    ck_assert_int_eq(munmap(q, size), 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(mt_file_size(path), (long long)size);
}
END_TEST

/* Windows places views at 64 KiB; offsets that are multiples of the page
 * but not of 64 KiB must still show the right bytes. */
START_TEST(page_granular_offsets)
{
    static const size_t offs[] = {4096, 32768, 69632, 65536 + 3 * 4096};
    size_t pg = mt_page(), size = 300 * 1024, len = 3 * pg, i;
    int fd = pattern_file("offsets", size, 4);
    unsigned char *whole = mmap(NULL, size, RW, MAP_SHARED, fd, 0);
    unsigned char buf[1];

    ck_assert_ptr_ne(whole, MAP_FAILED);
    for (i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        size_t off = offs[i];
        unsigned char *s = mmap(NULL, len, RW, MAP_SHARED, fd, (off_t)off);
        unsigned char *r = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd,
                                (off_t)off);

        ck_assert_ptr_ne(s, MAP_FAILED);
        ck_assert_ptr_ne(r, MAP_FAILED);
        ck_assert_uint_eq((uintptr_t)s % pg, 0);
        ck_assert_uint_eq((uintptr_t)r % pg, 0);
        ck_assert_msg(mt_is_pattern(s, len, off, 4), "shared at %lu",
                      (unsigned long)off);
        ck_assert_msg(mt_is_pattern(r, len, off, 4), "private at %lu",
                      (unsigned long)off);
        /* a write lands at off in the file and in the other mapping */
        s[1] = other(off + 1, 4);
        ck_assert_uint_eq(whole[off + 1], other(off + 1, 4));
        ck_assert_int_eq(mt_pread(fd, buf, 1, (long long)off + 1), 1);
        ck_assert_uint_eq(buf[0], other(off + 1, 4));
        whole[off + len - 1] = other(off + len - 1, 4);
        ck_assert_uint_eq(s[len - 1], other(off + len - 1, 4));
        /* put the file back */
        s[1] = mt_pattern(off + 1, 4);
        s[len - 1] = mt_pattern(off + len - 1, 4);
        ck_assert_int_eq(munmap(s, len), 0);
        ck_assert_int_eq(munmap(r, len), 0);
    }
    ck_assert(mt_is_pattern(whole, size, 0, 4));
    ck_assert_int_eq(munmap(whole, size), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(mapping_outlives_close)
{
    size_t pg = mt_page(), size = 2 * pg;
    const char *path = mt_path("outlives");
    int fd = pattern_file("outlives", size, 5);
    unsigned char *p = mmap(NULL, size, RW, MAP_SHARED, fd, (off_t)0);
    unsigned char buf[2];

    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_int_eq(close(fd), 0);
    ck_assert(mt_is_pattern(p, size, 0, 5));
    p[0] = other(0, 5);
    p[pg + 1] = other(pg + 1, 5);
    ck_assert_int_eq(munmap(p, size), 0);
    fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(mt_pread(fd, buf, 1, 0), 1);
    ck_assert_uint_eq(buf[0], other(0, 5));
    ck_assert_int_eq(mt_pread(fd, buf, 2, (long long)pg), 2);
    ck_assert_uint_eq(buf[0], mt_pattern(pg, 5));
    ck_assert_uint_eq(buf[1], other(pg + 1, 5));
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(mt_file_size(path), (long long)size);
}
END_TEST

START_TEST(private_writes_are_invisible)
{
    size_t pg = mt_page(), size = 3 * pg;
    const char *path = mt_path("private_write");
    int fd = pattern_file("private_write", size, 6);
    uint32_t hash = mt_file_hash(path);
    unsigned char *p = mmap(NULL, size, RW, MAP_PRIVATE, fd, 0);
    unsigned char *s = mmap(NULL, size, RW, MAP_SHARED, fd, 0);
    unsigned char buf[16];

    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_ptr_ne(s, MAP_FAILED);
    ck_assert(mt_is_pattern(p, size, 0, 6));
    memset(p + pg + 20, 0x11, 16);
    ck_assert_uint_eq(p[pg + 20], 0x11);
    /* not in the file, not in read(), not in a shared mapping */
    ck_assert(mt_is_pattern(s, size, 0, 6));
    ck_assert_int_eq(mt_pread(fd, buf, 16, (long long)pg + 20), 16);
    ck_assert(mt_is_pattern(buf, 16, pg + 20, 6));
    /* a private page once written stays private when the file changes */
    memset(s + pg + 20, 0x22, 16);
    ck_assert_uint_eq(p[pg + 20], 0x11);
    ck_assert_uint_eq(p[pg + 35], 0x11);
    memcpy(s + pg + 20, buf, 16);
    ck_assert_int_eq(munmap(p, size), 0);
    ck_assert_int_eq(munmap(s, size), 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(mt_file_size(path), (long long)size);
    ck_assert_uint_eq(mt_file_hash(path), hash);
}
END_TEST

START_TEST(read_only_mapping_faults_on_write)
{
    size_t pg = mt_page(), size = 2 * pg;
    const char *path = mt_path("read_only");
    int fd = pattern_file("read_only", size, 7);
    uint32_t hash = mt_file_hash(path);
    unsigned char *s = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    unsigned char *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);

    ck_assert_ptr_ne(s, MAP_FAILED);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert(!mt_read_faults(s));
    ck_assert(!mt_read_faults(s + pg + 5));
    ck_assert(mt_write_faults(s));
    ck_assert(mt_write_faults(s + pg + 5));
    ck_assert(!mt_read_faults(p + pg));
    ck_assert(mt_write_faults(p));
    ck_assert(mt_write_faults(p + pg));
    ck_assert(mt_is_pattern(s, size, 0, 7));
    ck_assert(mt_is_pattern(p, size, 0, 7));
    ck_assert_int_eq(munmap(s, size), 0);
    ck_assert_int_eq(munmap(p, size), 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_uint_eq(mt_file_hash(path), hash);
}
END_TEST

START_TEST(prot_none_mapping_faults_on_read)
{
    size_t pg = mt_page(), size = 2 * pg;
    int fd = pattern_file("prot_none", size, 8);
    unsigned char *s = mmap(NULL, size, PROT_NONE, MAP_SHARED, fd, 0);
    unsigned char *p = mmap(NULL, size, PROT_NONE, MAP_PRIVATE, fd, 0);

#ifdef MMAN_CE
    /* CE: a view is made readable or writable and stays so (no
     * VirtualProtect of a view), so a shared PROT_NONE or PROT_EXEC
     * mapping is ENOTSUP; a private one is a copy and faults as
     * anywhere; README, "Windows CE" */
    ck_assert_ptr_eq(s, MAP_FAILED);
    errno = 0;
    s = mmap(NULL, size, PROT_NONE, MAP_SHARED, fd, 0);
    ck_assert_ptr_eq(s, MAP_FAILED);
    ck_assert_int_eq(errno, ENOTSUP);
    errno = 0;
    s = mmap(NULL, size, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
    ck_assert_ptr_eq(s, MAP_FAILED);
    ck_assert_int_eq(errno, ENOTSUP);
#else
    ck_assert_ptr_ne(s, MAP_FAILED);
#endif
    ck_assert_ptr_ne(p, MAP_FAILED);
#ifndef MMAN_CE
    ck_assert(mt_read_faults(s));
    ck_assert(mt_read_faults(s + pg));
    ck_assert(mt_write_faults(s));
#endif
    ck_assert(mt_read_faults(p));
    ck_assert(mt_read_faults(p + pg + 9));
    ck_assert(mt_write_faults(p + pg));
#ifndef MMAN_CE
    ck_assert_int_eq(munmap(s, size), 0);
#endif
    ck_assert_int_eq(munmap(p, size), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(unwritten_mapping_leaves_file_alone)
{
    size_t pg = mt_page(), size = 2 * pg + 1808, i;
    const char *path = mt_path("untouched");
    int fd = pattern_file("untouched", size, 9);
    uint32_t hash = mt_file_hash(path);
    unsigned char *p = mmap(NULL, size, RW, MAP_SHARED, fd, 0);
    unsigned sum = 0;

    ck_assert_ptr_ne(p, MAP_FAILED);
    for (i = 0; i < size; i++)
        sum += p[i];
    ck_assert_uint_ne(sum, 0);
    ck_assert_int_eq(munmap(p, size), 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(mt_file_size(path), (long long)size);
    ck_assert_uint_eq(mt_file_hash(path), hash);
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("mmap_file");
    TCase *tc = tcase_create("file");

    tcase_add_test(tc, shared_read_shows_the_file);
    tcase_add_test(tc, private_read_shows_the_file);
    tcase_add_test(tc, shared_writes_are_seen_at_once);
    tcase_add_test(tc, page_granular_offsets);
    tcase_add_test(tc, mapping_outlives_close);
    tcase_add_test(tc, private_writes_are_invisible);
    tcase_add_test(tc, read_only_mapping_faults_on_write);
    tcase_add_test(tc, prot_none_mapping_faults_on_read);
    tcase_add_test(tc, unwritten_mapping_leaves_file_alone);
    suite_add_tcase(s, tc);
    return mt_main(argc, argv, s);
}
