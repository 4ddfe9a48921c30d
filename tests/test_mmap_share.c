/* Coherence and lifetime of file mappings: shared writes are seen by
 * other mappings and processes at once, private ones by nobody; a
 * mapping outlives its descriptor. */
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
#include <windows.h>
#endif

/* Where the parent and the child meet in the shared page. */
enum { HELLO = 0, GO = 256, ANSWER = 512 };


/* Child "partner PATH": maps PATH shared, checks the parent's greeting,
 * waits for the go byte, then writes the answer. */
static int child_partner(int argc, char **argv)
{
    size_t pg = mt_page(), i;
    volatile unsigned char *p;
    int fd, rc = 0;

    if (argc < 1)
        return 2;
    fd = open(argv[0], O_RDWR);
    if (fd < 0)
        return 3;
    p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return 4;
    for (i = 0; i < 100; i++)
        if (p[HELLO + i] != (unsigned char)(i + 1))
            rc = 5;
    if (!rc && !mt_wait_for(p + GO, 0x47))
        rc = 6;
    if (!rc)
        for (i = 0; i < 100; i++)
            p[ANSWER + i] = (unsigned char)(200 - i);
    if (munmap((void *)p, pg) != 0 && !rc)
        rc = 7;
    close(fd);
    return rc;
}

START_TEST(shared_writes_seen_by_other_process)
{
    size_t pg = mt_page(), i;
    const char *path = mt_path("share-proc");
    volatile unsigned char *p;
    intptr_t child;
    int fd = mt_make_file(path, pg, 0), ok;

    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne((void *)p, MAP_FAILED);
    memset((void *)(p + GO), 0, pg - GO);
    for (i = 0; i < 100; i++)
        p[HELLO + i] = (unsigned char)(i + 1);
    /* no msync: the child sees the page itself */
    child = mt_start_child("partner", path, NULL);
    ck_assert(child != -1);
    p[GO] = 0x47;
    ok = mt_wait_for(p + ANSWER + 99, (unsigned char)(200 - 99));
    ck_assert_int_eq(mt_wait(child), 0);
    ck_assert(ok);
    for (i = 0; i < 100; i++)
        ck_assert_uint_eq(p[ANSWER + i], (unsigned char)(200 - i));
    ck_assert_int_eq(munmap((void *)p, pg), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(two_shared_mappings_are_coherent)
{
    size_t pg = mt_page(), len = 3 * pg;
    const char *path = mt_path("share-two");
    unsigned char *a, *b, c;
    int fd = mt_make_file(path, len, 21);

    ck_assert_int_ge(fd, 0);
    a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    b = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
             (off_t)pg);
    ck_assert_ptr_ne(a, MAP_FAILED);
    ck_assert_ptr_ne(b, MAP_FAILED);
    ck_assert_ptr_ne(a, b);
    a[pg + 1] = 0x11;
    ck_assert_uint_eq(b[1], 0x11);
    b[pg + 2] = 0x22;
    ck_assert_uint_eq(a[2 * pg + 2], 0x22);
    /* and the file's own reads see them */
    ck_assert_int_eq(mt_pread(fd, &c, 1, (long long)(2 * pg + 2)), 1);
    ck_assert_uint_eq(c, 0x22);
    ck_assert_int_eq(munmap(a, len), 0);
    ck_assert_uint_eq(b[0], mt_pattern(pg, 21));
    ck_assert_uint_eq(b[1], 0x11);
    ck_assert_int_eq(munmap(b, 2 * pg), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(mapping_outlives_close)
{
    size_t pg = mt_page(), len = 2 * pg;
    const char *path = mt_path("share-close");
    unsigned char *s, *q, buf[3];
    int fd = mt_make_file(path, len, 22);

    ck_assert_int_ge(fd, 0);
    s = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    q = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    ck_assert_ptr_ne(s, MAP_FAILED);
    ck_assert_ptr_ne(q, MAP_FAILED);
    ck_assert_int_eq(close(fd), 0);

    ck_assert(mt_is_pattern(s, len, 0, 22));
    ck_assert(mt_is_pattern(q, len, 0, 22));
    s[0] = 0x31;
    s[pg + 1] = 0x32;
    q[2] = 0x33;
    ck_assert_uint_eq(s[2], mt_pattern(2, 22));
    ck_assert_int_eq(msync(s, len, MS_SYNC), 0);
    ck_assert_int_eq(munmap(s, len), 0);
    ck_assert_uint_eq(q[2], 0x33);
    ck_assert_int_eq(munmap(q, len), 0);

    fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(mt_pread(fd, buf, 3, 0), 3);
    ck_assert_uint_eq(buf[0], 0x31);
    ck_assert_uint_eq(buf[1], mt_pattern(1, 22));
    ck_assert_uint_eq(buf[2], mt_pattern(2, 22));
    ck_assert_int_eq(mt_pread(fd, buf, 1, (long long)(pg + 1)), 1);
    ck_assert_uint_eq(buf[0], 0x32);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(private_mappings_are_independent)
{
    size_t pg = mt_page(), len = 2 * pg;
    const char *path = mt_path("share-private");
    unsigned char *a, *b, *s;
    uint32_t hash;
    int fd = mt_make_file(path, len, 23);

    ck_assert_int_ge(fd, 0);
    hash = mt_file_hash(path);
    a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    b = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    s = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(a, MAP_FAILED);
    ck_assert_ptr_ne(b, MAP_FAILED);
    ck_assert_ptr_ne(s, MAP_FAILED);
    memset(a, 0xaa, pg);
    b[0] = 0xbb;
    b[pg] = 0xbc;
    ck_assert_uint_eq(a[0], 0xaa);
    ck_assert_uint_eq(a[pg - 1], 0xaa);
    ck_assert_uint_eq(a[pg], mt_pattern(pg, 23));
    ck_assert_uint_eq(b[0], 0xbb);
    ck_assert(mt_is_pattern(b + 1, pg - 1, 1, 23));
    ck_assert_uint_eq(b[pg], 0xbc);
    /* neither reaches the file nor a shared mapping of it */
    ck_assert(mt_is_pattern(s, len, 0, 23));
    ck_assert_int_eq(msync(a, len, MS_SYNC), 0);
    ck_assert_int_eq(munmap(a, len), 0);
    ck_assert_int_eq(munmap(b, len), 0);
    ck_assert(mt_is_pattern(s, len, 0, 23));
    ck_assert_int_eq(munmap(s, len), 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_uint_eq(mt_file_hash(path), hash);
}
END_TEST

START_TEST(private_writable_on_read_only_fd)
{
    size_t pg = mt_page(), len = 3 * pg;
    const char *path = mt_path("share-rdonly");
    unsigned char *p;
    uint32_t hash;
    int fd = mt_make_file(path, len, 24);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(close(fd), 0);
    hash = mt_file_hash(path);
    fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    /* shared and writable needs a writable descriptor ... */
    errno = 0;
    ck_assert_ptr_eq(mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
                          fd, 0),
                     MAP_FAILED);
    ck_assert_int_eq(errno, EACCES);
    /* ... private does not */
    p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert(mt_is_pattern(p, len, 0, 24));
    memset(p + pg, 0x66, pg);
    ck_assert_uint_eq(p[2 * pg - 1], 0x66);
    ck_assert(mt_is_pattern(p + 2 * pg, pg, 2 * pg, 24));
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_uint_eq(mt_file_hash(path), hash);
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("mmap_share");
    TCase *tc = tcase_create("share");

    mt_child("partner", child_partner);
    tcase_add_test(tc, shared_writes_seen_by_other_process);
    tcase_add_test(tc, two_shared_mappings_are_coherent);
    tcase_add_test(tc, mapping_outlives_close);
    tcase_add_test(tc, private_mappings_are_independent);
    tcase_add_test(tc, private_writable_on_read_only_fd);
    suite_add_tcase(s, tc);
    return mt_main(argc, argv, s);
}
