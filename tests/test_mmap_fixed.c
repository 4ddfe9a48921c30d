/* MAP_FIXED: exact placement, replacement of what was there, page
 * granularity inside anonymous memory, file pages inside reserved
 * memory; addr without MAP_FIXED is only a hint. */
#define _GNU_SOURCE 1
#include "mt.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SEED 31u
#define GRAIN ((size_t)65536)

static size_t pg;

/* Fills each page i of [p, p + pages pages) with tag + i. */
static void tag_pages(char *p, size_t pages, int tag)
{
    size_t i;

    for (i = 0; i < pages; i++)
        memset(p + i * pg, tag + (int)i, pg);
}

/* Whether page i of p is all tag + i (tag < 0: all zero). */
static int page_is(const char *p, size_t i, int tag)
{
    unsigned char want = (unsigned char)(tag < 0 ? 0 : tag + (int)i);
    const unsigned char *q = (const unsigned char *)p + i * pg;
    size_t j;

    for (j = 0; j < pg; j++)
        if (q[j] != want)
            return 0;
    return 1;
}

static char *anon(char *at, size_t pages, int prot)
{
    char *p = mmap(at, pages * pg, prot,
                   MAP_PRIVATE | MAP_ANONYMOUS | (at ? MAP_FIXED : 0), -1,
                   0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    if (at)
        ck_assert_ptr_eq(p, at);
    return p;
}


START_TEST(fixed_returns_exactly_addr)
{
    char *x, *p;
    int fd;

    pg = mt_page();
    fd = mt_make_file(mt_path("exact.bin"), 4 * pg, SEED);
    ck_assert_int_ge(fd, 0);
    x = mt_free_area(2 * GRAIN);
    /* anonymous memory at any page */
    p = anon(x + 3 * pg, 2, PROT_READ | PROT_WRITE);
    ck_assert(page_is(p, 0, -1));
    ck_assert(page_is(p, 1, -1));
    tag_pages(p, 2, 1);
    ck_assert_int_eq(munmap(p, 2 * pg), 0);
    /* a file at a 64 KiB boundary */
#ifdef MMAN_CE
    /* CE: no view can be placed (no MapViewOfFileEx), so MAP_FIXED
     * with a file is EINVAL, shared or private, and nothing is mapped
     * there; README, "Windows CE" */
    mt_fixed_file_einval(x + GRAIN, 4 * pg, PROT_READ, MAP_SHARED, fd, 0);
    errno = 0;
    p = mmap(x + GRAIN, 4 * pg, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
    ck_assert_ptr_eq(p, MAP_FAILED);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert(mt_read_faults(x + GRAIN));
#else
    p = mmap(x + GRAIN, 4 * pg, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
    ck_assert_ptr_eq(p, x + GRAIN);
    ck_assert(mt_is_pattern(p, 4 * pg, 0, SEED));
    ck_assert_int_eq(munmap(p, 4 * pg), 0);
#endif
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(fixed_replaces_whole_mapping)
{
    char *p, *q;

    pg = mt_page();
    p = anon(NULL, 8, PROT_READ | PROT_WRITE);
    tag_pages(p, 8, 10);
    q = anon(p, 8, PROT_READ | PROT_WRITE);
    ck_assert(page_is(q, 0, -1));
    ck_assert(page_is(q, 7, -1));
    ck_assert(!mt_write_faults(q + 4 * pg));
    ck_assert_int_eq(munmap(q, 8 * pg), 0);
    ck_assert(mt_read_faults(p));
}
END_TEST

/* The middle of a mapping is replaced, with another protection: as if
 * munmap came first; the pages on either side keep data and access. */
START_TEST(fixed_replaces_middle)
{
    char *p;
    size_t i;

    pg = mt_page();
    p = anon(NULL, 16, PROT_READ | PROT_WRITE);
    tag_pages(p, 16, 20);
    anon(p + 4 * pg, 8, PROT_READ);
    for (i = 0; i < 16; i++) {
        ck_assert(!mt_read_faults(p + i * pg));
        if (i >= 4 && i < 12) {
            ck_assert(page_is(p, i, -1));
            ck_assert(mt_write_faults(p + i * pg));
        } else {
            ck_assert(page_is(p, i, 20));
            ck_assert(!mt_write_faults(p + i * pg + pg - 1));
        }
    }
    ck_assert_int_eq(munmap(p, 16 * pg), 0);
    ck_assert(mt_read_faults(p + 5 * pg));
}
END_TEST

START_TEST(fixed_replaces_half)
{
    char *p;
    size_t i;

    pg = mt_page();
    p = anon(NULL, 16, PROT_READ | PROT_WRITE);
    tag_pages(p, 16, 40);
    anon(p + 8 * pg, 8, PROT_READ | PROT_WRITE);
    for (i = 0; i < 16; i++)
        ck_assert(page_is(p, i, i < 8 ? 40 : -1));
    /* then the first half */
    tag_pages(p + 8 * pg, 8, 48);
    anon(p, 8, PROT_READ | PROT_WRITE);
    for (i = 0; i < 16; i++)
        ck_assert(page_is(p, i, i < 8 ? -1 : 40));
    ck_assert_int_eq(munmap(p, 16 * pg), 0);
}
END_TEST

/* 4 KiB granularity inside anonymous memory: one page in the middle. */
START_TEST(fixed_one_page_inside_anonymous)
{
    char *p;
    size_t i;

    pg = mt_page();
    p = anon(NULL, 16, PROT_READ | PROT_WRITE);
    tag_pages(p, 16, 60);
    anon(p + 3 * pg, 1, PROT_READ | PROT_WRITE);
    for (i = 0; i < 16; i++)
        ck_assert(page_is(p, i, i == 3 ? -1 : 60));
    /* the new page is independent of its neighbours: unmapping it
     * leaves them */
    memset(p + 3 * pg, 0x5a, pg);
    ck_assert_int_eq(munmap(p + 3 * pg, pg), 0);
    ck_assert(mt_read_faults(p + 3 * pg));
    ck_assert(page_is(p, 2, 60));
    ck_assert(page_is(p, 4, 60));
    ck_assert_int_eq(munmap(p, 16 * pg), 0);
}
END_TEST

/* Across two anonymous mappings made one after the other at adjacent
 * 64 KiB ranges (two reservations on Windows): the pages straddling the
 * boundary are replaced, the rest of both mappings is intact. */
START_TEST(fixed_across_two_anonymous_mappings)
{
    size_t half = GRAIN / mt_page(), i;
    char *x, *p;

    pg = mt_page();
    x = mt_free_area(2 * GRAIN);
    anon(x, half, PROT_READ | PROT_WRITE);
    anon(x + GRAIN, half, PROT_READ | PROT_WRITE);
    tag_pages(x, 2 * half, 70);
    p = anon(x + GRAIN - 2 * pg, 4, PROT_READ);
    for (i = 0; i < 2 * half; i++) {
        int replaced = i >= half - 2 && i < half + 2;

        ck_assert(page_is(x, i, replaced ? -1 : 70));
        ck_assert_int_eq(mt_write_faults(x + i * pg), replaced);
    }
    /* the new mapping is one mapping: it goes as one */
    ck_assert_int_eq(munmap(p, 4 * pg), 0);
    for (i = half - 3; i < half + 3; i++)
        ck_assert_int_eq(mt_read_faults(x + i * pg),
                         i >= half - 2 && i < half + 2);
    ck_assert_int_eq(munmap(x, 2 * GRAIN), 0);
    ck_assert(mt_read_faults(x));
    ck_assert(mt_read_faults(x + 2 * GRAIN - pg));
}
END_TEST

/* A file placed in memory reserved with PROT_NONE, at a 64 KiB boundary
 * with offset 0: possible on both sides. */
START_TEST(fixed_file_in_reserved_memory_at_64k)
{
    size_t len = (size_t)1 << 20, flen;
    char *r, *a, *p;
    int fd;

    pg = mt_page();
    flen = 8 * pg;
    fd = mt_make_file(mt_path("reserve.bin"), flen, SEED);
    ck_assert_int_ge(fd, 0);
    r = anon(NULL, len / pg, PROT_NONE);
    a = (char *)(((uintptr_t)r + pg + GRAIN - 1) & ~(uintptr_t)(GRAIN - 1));
    ck_assert(a > r && a + flen <= r + len);
#ifdef MMAN_CE
    /* CE: no view can be placed (no MapViewOfFileEx): EINVAL, shared
     * or private, and the reservation is left as it was; README,
     * "Windows CE" */
    mt_fixed_file_einval(a, flen, PROT_READ, MAP_SHARED, fd, 0);
    errno = 0;
    p = mmap(a, flen, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
    ck_assert_ptr_eq(p, MAP_FAILED);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert(mt_read_faults(a));
    ck_assert_int_eq(mprotect(a, flen, PROT_READ), 0);
    ck_assert(page_is(a, 0, -1));
    ck_assert(page_is(a, flen / pg - 1, -1));
    ck_assert(mt_write_faults(a));
    ck_assert(mt_read_faults(a - pg));
#else
    p = mmap(a, flen, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
    ck_assert_ptr_eq(p, a);
    ck_assert(mt_is_pattern(p, flen, 0, SEED));
    ck_assert(mt_write_faults(p));
    /* the rest of the reservation is as it was */
    ck_assert(mt_read_faults(a - pg));
    ck_assert(mt_read_faults(a + flen));
    ck_assert_int_eq(munmap(p, flen), 0);
    ck_assert(mt_read_faults(a));
#endif
    ck_assert_int_eq(munmap(r, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

/* The same one page further on, still with offset 0. */
START_TEST(fixed_file_not_congruent_with_offset)
{
    size_t len = (size_t)1 << 20, flen;
    char *r, *a, *p;
    int fd;

    pg = mt_page();
    flen = 8 * pg;
    fd = mt_make_file(mt_path("congruent.bin"), flen, SEED);
    ck_assert_int_ge(fd, 0);
    r = anon(NULL, len / pg, PROT_NONE);
    a = (char *)(((uintptr_t)r + pg + GRAIN - 1) & ~(uintptr_t)(GRAIN - 1));
    ck_assert(a > r && a + pg + flen <= r + len);
    errno = 0;
    p = mmap(a + pg, flen, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
#ifdef _WIN32
    /* Difference from POSIX (documented): Windows places a file view
     * only at a 64 KiB boundary, so a file page can go only where its
     * offset sits at the same place in its 64 KiB block. EINVAL, and
     * the reservation is left as it was. */
    ck_assert_ptr_eq(p, MAP_FAILED);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert(mt_read_faults(a + pg));
    ck_assert_int_eq(mprotect(a + pg, pg, PROT_READ), 0);
    ck_assert(!mt_read_faults(a + pg));
    ck_assert_int_eq(((char *)a)[pg], 0);
#else
    ck_assert_ptr_eq(p, a + pg);
    ck_assert(mt_is_pattern(p, flen, 0, SEED));
    ck_assert(mt_read_faults(a));
    ck_assert_int_eq(munmap(p, flen), 0);
#endif
    ck_assert_int_eq(munmap(r, len), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

/* Without MAP_FIXED, an occupied addr gives a mapping elsewhere and the
 * one there is untouched. */
START_TEST(hint_does_not_replace)
{
    char *a, *b, *c;
    int fd;

    pg = mt_page();
    fd = mt_make_file(mt_path("hint.bin"), 4 * pg, SEED);
    ck_assert_int_ge(fd, 0);
    a = anon(NULL, 4, PROT_READ | PROT_WRITE);
    tag_pages(a, 4, 80);
    b = mmap(a + pg, 2 * pg, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(b, MAP_FAILED);
    ck_assert(b + 2 * pg <= a || b >= a + 4 * pg);
    c = mmap(a, 4 * pg, PROT_READ, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(c, MAP_FAILED);
    ck_assert(c + 4 * pg <= a || c >= a + 4 * pg);
    ck_assert(mt_is_pattern(c, 4 * pg, 0, SEED));
    ck_assert(page_is(a, 0, 80));
    ck_assert(page_is(a, 1, 80));
    ck_assert(page_is(a, 2, 80));
    ck_assert(page_is(a, 3, 80));
    ck_assert(page_is(b, 0, -1));
    ck_assert_int_eq(munmap(a, 4 * pg), 0);
    ck_assert_int_eq(munmap(b, 2 * pg), 0);
    ck_assert_int_eq(munmap(c, 4 * pg), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(fixed_unaligned_is_einval)
{
    char *p, *q;
    int fd;

    pg = mt_page();
    fd = mt_make_file(mt_path("unaligned.bin"), 4 * pg, SEED);
    ck_assert_int_ge(fd, 0);
    p = anon(NULL, 4, PROT_READ | PROT_WRITE);
    tag_pages(p, 4, 90);
    errno = 0;
    q = mmap(p + pg + 1, pg, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    ck_assert_ptr_eq(q, MAP_FAILED);
    ck_assert_int_eq(errno, EINVAL);
    mt_fixed_file_einval(p + 100, pg, PROT_READ, MAP_SHARED, fd, 0);
    ck_assert(page_is(p, 0, 90));
    ck_assert(page_is(p, 1, 90));
    ck_assert(page_is(p, 2, 90));
    ck_assert(page_is(p, 3, 90));
    ck_assert(!mt_write_faults(p + pg));
    ck_assert_int_eq(munmap(p, 4 * pg), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("mmap_fixed");
    TCase *tc = tcase_create("fixed");

    tcase_add_test(tc, fixed_returns_exactly_addr);
    tcase_add_test(tc, fixed_replaces_whole_mapping);
    tcase_add_test(tc, fixed_replaces_middle);
    tcase_add_test(tc, fixed_replaces_half);
    tcase_add_test(tc, fixed_one_page_inside_anonymous);
    tcase_add_test(tc, fixed_across_two_anonymous_mappings);
    tcase_add_test(tc, fixed_file_in_reserved_memory_at_64k);
    tcase_add_test(tc, fixed_file_not_congruent_with_offset);
    tcase_add_test(tc, hint_does_not_replace);
    tcase_add_test(tc, fixed_unaligned_is_einval);
    suite_add_tcase(s, tc);
    return mt_main(argc, argv, s);
}
