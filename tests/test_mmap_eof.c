/* The end of file. A mapping may reach past it; the rest of the last page
 * reads as zeros, whole pages past it fault (SIGBUS on Linux), and the
 * file is never changed by mapping it. */
#define _GNU_SOURCE 1
#include "mt.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define RW (PROT_READ | PROT_WRITE)
#define SIZE 10000

/* A fresh pattern file of size bytes opened O_RDWR. */
static int pattern_file(const char *name, size_t size, unsigned seed)
{
    int fd = mt_make_file(mt_path(name), size, seed);

    ck_assert_int_ge(fd, 0);
    return fd;
}

/* Reopens path with flags. */
static int reopen(const char *path, int flags)
{
    int fd = open(path, flags);

    ck_assert_int_ge(fd, 0);
    return fd;
}

/* The first page wholly past a SIZE-byte file. */
static size_t past_eof(void)
{
    return (SIZE + mt_page() - 1) / mt_page();
}

/* Pages [from, to) of p fault on read and on write. */
static void pages_fault(unsigned char *p, size_t from, size_t to)
{
    size_t pg = mt_page(), i;

    for (i = from; i < to; i++) {
        ck_assert_msg(mt_read_faults(p + i * pg), "read page %lu",
                      (unsigned long)i);
        ck_assert_msg(mt_write_faults(p + i * pg + pg / 2),
                      "write page %lu", (unsigned long)i);
        ck_assert_msg(mt_read_faults(p + i * pg + pg - 1),
                      "read end of page %lu", (unsigned long)i);
    }
}

/* The part of a SIZE-byte file's last page past its end, at p + SIZE:
 * zeros, and writable when writable. */
static void tail_is_zero(unsigned char *p, int writable)
{
    size_t pg = mt_page(), end = (SIZE + pg - 1) / pg * pg, i;

    for (i = SIZE; i < end; i++)
        ck_assert_msg(p[i] == 0, "byte %lu", (unsigned long)i);
    if (writable) {
        ck_assert(!mt_write_faults(p + SIZE));
        memset(p + SIZE, 0x6b, end - SIZE);
        ck_assert_uint_eq(p[end - 1], 0x6b);
    } else {
        ck_assert(mt_write_faults(p + SIZE));
        ck_assert(mt_write_faults(p + end - 1));
    }
}

/* The file at path is the SIZE-byte pattern, but for byte changed (if
 * changed < SIZE), which is value. */
static void file_is(const char *path, unsigned seed, size_t changed,
                    unsigned char value)
{
    unsigned char buf[SIZE + 1];
    int fd = reopen(path, O_RDONLY);

    ck_assert_int_eq(mt_file_size(path), SIZE);
    ck_assert_int_eq(mt_pread(fd, buf, sizeof buf, 0), SIZE);
    ck_assert_int_eq(close(fd), 0);
    if (changed < SIZE) {
        ck_assert_uint_eq(buf[changed], value);
        buf[changed] = mt_pattern(changed, seed);
    }
    ck_assert(mt_is_pattern(buf, SIZE, 0, seed));
}

START_TEST(empty_file_maps_and_faults)
{
    size_t pg = mt_page();
    const char *path = mt_path("empty");
    int fd = pattern_file("empty", 0, 1);
    unsigned char *p = mmap(NULL, 3 * pg, RW, MAP_SHARED, fd, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_uint_eq((uintptr_t)p % pg, 0);
    pages_fault(p, 0, 3);
    ck_assert_int_eq(munmap(p, 3 * pg), 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(mt_file_size(path), 0);
}
END_TEST

START_TEST(empty_file_private_and_read_only)
{
    size_t pg = mt_page();
    const char *path = mt_path("empty_ro");
    int fd = pattern_file("empty_ro", 0, 1), ro;
    unsigned char *p = mmap(NULL, 2 * pg, RW, MAP_PRIVATE, fd, 0), *r;

    ck_assert_ptr_ne(p, MAP_FAILED);
    pages_fault(p, 0, 2);
    ck_assert_int_eq(munmap(p, 2 * pg), 0);
    ro = reopen(path, O_RDONLY);
    r = mmap(NULL, 2 * pg, PROT_READ, MAP_SHARED, ro, 0);
    ck_assert_ptr_ne(r, MAP_FAILED);
    pages_fault(r, 0, 2);
    ck_assert_int_eq(munmap(r, 2 * pg), 0);
    ck_assert_int_eq(close(ro), 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(mt_file_size(path), 0);
}
END_TEST

START_TEST(shared_past_eof_leaves_file_alone)
{
    size_t pg = mt_page();
    const char *path = mt_path("shared_tail");
    int fd = pattern_file("shared_tail", SIZE, 2);
    unsigned char *p = mmap(NULL, 10 * pg, RW, MAP_SHARED, fd, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert(mt_is_pattern(p, SIZE, 0, 2));
    tail_is_zero(p, 1);
    pages_fault(p, past_eof(), 10);
    ck_assert_int_eq(munmap(p, 10 * pg), 0);
    ck_assert_int_eq(close(fd), 0);
    file_is(path, 2, SIZE, 0);
}
END_TEST

START_TEST(shared_past_eof_write_inside_file)
{
    size_t pg = mt_page();
    const char *path = mt_path("shared_inside");
    int fd = pattern_file("shared_inside", SIZE, 3);
    unsigned char *p = mmap(NULL, 10 * pg, RW, MAP_SHARED, fd, 0);
    unsigned char v = (unsigned char)~mt_pattern(SIZE - 1, 3);

    ck_assert_ptr_ne(p, MAP_FAILED);
    p[SIZE - 1] = v;
    tail_is_zero(p, 1);
    pages_fault(p, past_eof(), 10);
    ck_assert_int_eq(munmap(p, 10 * pg), 0);
    ck_assert_int_eq(close(fd), 0);
    file_is(path, 3, SIZE - 1, v);
}
END_TEST

START_TEST(private_past_eof_leaves_file_alone)
{
    size_t pg = mt_page();
    const char *path = mt_path("private_tail");
    int fd = pattern_file("private_tail", SIZE, 4);
    unsigned char *p = mmap(NULL, 10 * pg, RW, MAP_PRIVATE, fd, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert(mt_is_pattern(p, SIZE, 0, 4));
    p[5000] = (unsigned char)~mt_pattern(5000, 4);
    tail_is_zero(p, 1);
    pages_fault(p, past_eof(), 10);
    ck_assert_int_eq(munmap(p, 10 * pg), 0);
    ck_assert_int_eq(close(fd), 0);
    /* even the write inside the file stays private */
    file_is(path, 4, SIZE, 0);
}
END_TEST

START_TEST(read_only_fd_past_eof)
{
    size_t pg = mt_page();
    const char *path = mt_path("read_only_tail");
    int fd = pattern_file("read_only_tail", SIZE, 5), ro;
    unsigned char *s, *p;

    ck_assert_int_eq(close(fd), 0);
    ro = reopen(path, O_RDONLY);
    s = mmap(NULL, 10 * pg, PROT_READ, MAP_SHARED, ro, 0);
    ck_assert_ptr_ne(s, MAP_FAILED);
    ck_assert(mt_is_pattern(s, SIZE, 0, 5));
    tail_is_zero(s, 0);
    pages_fault(s, past_eof(), 10);
    /* private and writable on the same read-only fd */
    p = mmap(NULL, 10 * pg, RW, MAP_PRIVATE, ro, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert(mt_is_pattern(p, SIZE, 0, 5));
    p[0] = (unsigned char)~mt_pattern(0, 5);
    tail_is_zero(p, 1);
    pages_fault(p, past_eof(), 10);
    ck_assert_uint_eq(s[0], mt_pattern(0, 5));
    ck_assert_int_eq(munmap(s, 10 * pg), 0);
    ck_assert_int_eq(munmap(p, 10 * pg), 0);
    ck_assert_int_eq(close(ro), 0);
    file_is(path, 5, SIZE, 0);
}
END_TEST

START_TEST(offset_past_eof_maps_and_faults)
{
    size_t pg = mt_page();
    const char *path = mt_path("offset_past");
    int fd = pattern_file("offset_past", pg, 6), ro;
    uint32_t hash = mt_file_hash(path);
    unsigned char *s = mmap(NULL, 2 * pg, RW, MAP_SHARED, fd, 8 * (off_t)pg);
    unsigned char *p = mmap(NULL, 2 * pg, RW, MAP_PRIVATE, fd,
                            8 * (off_t)pg);
    unsigned char *r;

    ck_assert_ptr_ne(s, MAP_FAILED);
    ck_assert_ptr_ne(p, MAP_FAILED);
    pages_fault(s, 0, 2);
    pages_fault(p, 0, 2);
    ro = reopen(path, O_RDONLY);
    r = mmap(NULL, 2 * pg, PROT_READ, MAP_SHARED, ro, 8 * (off_t)pg);
    ck_assert_ptr_ne(r, MAP_FAILED);
    pages_fault(r, 0, 2);
    ck_assert_int_eq(munmap(s, 2 * pg), 0);
    ck_assert_int_eq(munmap(p, 2 * pg), 0);
    ck_assert_int_eq(munmap(r, 2 * pg), 0);
    ck_assert_int_eq(close(ro), 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(mt_file_size(path), (long long)pg);
    ck_assert_uint_eq(mt_file_hash(path), hash);
}
END_TEST

/* Offsets not a multiple of 64 KiB, with the end of file inside the
 * mapping: the file's part is right and the rest behaves as above. */
START_TEST(unaligned_offset_past_eof)
{
    size_t pg = mt_page(), size = 17 * pg + 300;
    const char *path = mt_path("offset_tail");
    int fd = pattern_file("offset_tail", size, 7);
    uint32_t hash = mt_file_hash(path);
    unsigned char *s = mmap(NULL, 4 * pg, RW, MAP_SHARED, fd, 15 * (off_t)pg);
    size_t i;

    ck_assert_ptr_ne(s, MAP_FAILED);
    ck_assert(mt_is_pattern(s, 2 * pg + 300, 15 * pg, 7));
    for (i = 2 * pg + 300; i < 3 * pg; i++)
        ck_assert_uint_eq(s[i], 0);
    ck_assert(!mt_write_faults(s + 3 * pg - 1));
    pages_fault(s, 3, 4);
    ck_assert_int_eq(munmap(s, 4 * pg), 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(mt_file_size(path), (long long)size);
    ck_assert_uint_eq(mt_file_hash(path), hash);
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("mmap_eof");
    TCase *tc = tcase_create("eof");

    tcase_add_test(tc, empty_file_maps_and_faults);
    tcase_add_test(tc, empty_file_private_and_read_only);
    tcase_add_test(tc, shared_past_eof_leaves_file_alone);
    tcase_add_test(tc, shared_past_eof_write_inside_file);
    tcase_add_test(tc, private_past_eof_leaves_file_alone);
    tcase_add_test(tc, read_only_fd_past_eof);
    tcase_add_test(tc, offset_past_eof_maps_and_faults);
    tcase_add_test(tc, unaligned_offset_past_eof);
    suite_add_tcase(s, tc);
    return mt_main(argc, argv, s);
}
