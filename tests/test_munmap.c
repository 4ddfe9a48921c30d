/* munmap of any page-aligned range, of anonymous private memory and of
 * shared file mappings; the aligned-allocator pattern. */
#define _GNU_SOURCE 1
#include "mt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SEED 77u
#define FILE_PAGES 64
/* Windows places separate mappings only at 64 KiB boundaries, so tests
 * that need two mappings side by side put them there. */
#define GRAIN ((size_t)65536)

/* What a test maps, by loop index: 0 anonymous private memory filled with
 * the pattern, 1 a shared mapping of a pattern file. Either way page i
 * of a mapping that starts at pattern page first holds the pattern from
 * (first + i) * page. The file exists in both cases. */
struct kind {
    int file;
    int fd;
};

static size_t pg;

static void kind_open(struct kind *k, int file, const char *name)
{
    pg = mt_page();
    k->file = file;
    k->fd = mt_make_file(mt_path(name), FILE_PAGES * pg, SEED);
    ck_assert_int_ge(k->fd, 0);
}

/* munmap never changes the file. */
static void kind_close(struct kind *k)
{
    size_t len = FILE_PAGES * pg;
    char *buf = malloc(len);

    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(mt_pread(k->fd, buf, len, 0), (ssize_t)len);
    ck_assert(mt_is_pattern(buf, len, 0, SEED));
    free(buf);
    ck_assert_int_eq(close(k->fd), 0);
}

/* Maps pages pages from pattern page first, at at (MAP_FIXED) or
 * anywhere when at is NULL. */
static char *kmap(struct kind *k, char *at, size_t pages, size_t first)
{
    int fixed = at ? MAP_FIXED : 0;
    char *p;
    size_t i;

    if (k->file)
        p = mmap(at, pages * pg, PROT_READ | PROT_WRITE, MAP_SHARED | fixed,
                 k->fd, (off_t)(first * pg));
    else
        p = mmap(at, pages * pg, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | fixed, -1, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    if (at)
        ck_assert_ptr_eq(p, at);
    if (!k->file)
        for (i = 0; i < pages * pg; i++)
            p[i] = (char)mt_pattern(first * pg + i, SEED);
    return p;
}

/* Page i of a mapping at p that starts at pattern page first is still
 * there: readable, writable, with its data; for a file, the bytes read()
 * sees, and a write through it reaches the file. */
static void expect_live(struct kind *k, char *p, size_t i, size_t first)
{
    char *q = p + i * pg;
    long long off = (long long)((first + i) * pg);
    char buf[65536];

    ck_assert_uint_le(pg, sizeof buf);
    ck_assert(!mt_read_faults(q));
    ck_assert(!mt_write_faults(q));
    ck_assert(!mt_write_faults(q + pg - 1));
    ck_assert(mt_is_pattern(q, pg, (uint64_t)off, SEED));
    if (k->file) {
        ck_assert_int_eq(mt_pread(k->fd, buf, pg, off), (ssize_t)pg);
        ck_assert(memcmp(buf, q, pg) == 0);
        q[100] = (char)~q[100];
        ck_assert_int_eq(mt_pread(k->fd, buf, 1, off + 100), 1);
        ck_assert_int_eq(buf[0], q[100]);
        q[100] = (char)~q[100];
    }
}

static void expect_dead(char *q)
{
    ck_assert(mt_read_faults(q));
    ck_assert(mt_write_faults(q));
    ck_assert(mt_read_faults(q + pg - 1));
    ck_assert(mt_write_faults(q + pg - 1));
}

#ifdef MMAN_CE
/* CE: a page cut out of a shared file mapping is no longer mapped
 * (ENOMEM from msync and mprotect) but stays readable, with the file's
 * data, until the rest of its view goes: CE unmaps only whole views and
 * cannot protect their pages (README, "Windows CE"). */
static void expect_cut(char *q, size_t off)
{
    errno = 0;
    ck_assert_int_eq(msync(q, pg, MS_SYNC), -1);
    ck_assert_int_eq(errno, ENOMEM);
    errno = 0;
    ck_assert_int_eq(mprotect(q, pg, PROT_READ), -1);
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert(!mt_read_faults(q));
    ck_assert(mt_is_pattern(q, pg, off, SEED));
}

/* CE: no file view can be placed (no MapViewOfFileEx), so MAP_FIXED of
 * a file is EINVAL and leaves at empty (README, "Windows CE"). Whether
 * k maps a file, checking that if so. */
static int fixed_file_refused(struct kind *k, char *at, size_t pages,
                              size_t first)
{
    if (!k->file)
        return 0;
    errno = 0;
    ck_assert_ptr_eq(mmap(at, pages * pg, PROT_READ | PROT_WRITE,
                          MAP_SHARED | MAP_FIXED, k->fd,
                          (off_t)(first * pg)),
                     MAP_FAILED);
    ck_assert_int_eq(errno, EINVAL);
    expect_dead(at);
    return 1;
}
#endif

/* state has one letter a page of the mapping at p: L live, D dead. */
static void expect_pages(struct kind *k, char *p, size_t first,
                         const char *state)
{
    size_t i;
#ifdef MMAN_CE
    /* each file mapping here is one view, kept while a page is mapped */
    int view_left = k->file && strchr(state, 'L') != NULL;
#endif

    for (i = 0; state[i]; i++) {
        if (state[i] == 'L')
            expect_live(k, p, i, first);
#ifdef MMAN_CE
        else if (view_left)
            expect_cut(p + i * pg, (first + i) * pg);
#endif
        else
            expect_dead(p + i * pg);
    }
}


START_TEST(unmap_whole)
{
    struct kind k;
    char *p;

    kind_open(&k, _i, "whole.bin");
    p = kmap(&k, NULL, 8, 0);
    expect_pages(&k, p, 0, "LLLLLLLL");
    ck_assert_int_eq(munmap(p, 8 * pg), 0);
    expect_pages(&k, p, 0, "DDDDDDDD");
    kind_close(&k);
}
END_TEST

START_TEST(unmap_head)
{
    struct kind k;
    char *p;

    kind_open(&k, _i, "head.bin");
    p = kmap(&k, NULL, 8, 2);
    ck_assert_int_eq(munmap(p, 3 * pg), 0);
    expect_pages(&k, p, 2, "DDDLLLLL");
    ck_assert_int_eq(munmap(p + 3 * pg, 5 * pg), 0);
    expect_pages(&k, p, 2, "DDDDDDDD");
    kind_close(&k);
}
END_TEST

START_TEST(unmap_tail)
{
    struct kind k;
    char *p;

    kind_open(&k, _i, "tail.bin");
    p = kmap(&k, NULL, 8, 1);
    ck_assert_int_eq(munmap(p + 5 * pg, 3 * pg), 0);
    expect_pages(&k, p, 1, "LLLLLDDD");
    ck_assert_int_eq(munmap(p, 5 * pg), 0);
    expect_pages(&k, p, 1, "DDDDDDDD");
    kind_close(&k);
}
END_TEST

START_TEST(unmap_hole)
{
    struct kind k;
    char *p;

    kind_open(&k, _i, "hole.bin");
    p = kmap(&k, NULL, 8, 0);
    ck_assert_int_eq(munmap(p + 3 * pg, 2 * pg), 0);
    expect_pages(&k, p, 0, "LLLDDLLL");
    /* the pieces on either side go one by one */
    ck_assert_int_eq(munmap(p, 3 * pg), 0);
    expect_pages(&k, p, 0, "DDDDDLLL");
    ck_assert_int_eq(munmap(p + 5 * pg, 3 * pg), 0);
    expect_pages(&k, p, 0, "DDDDDDDD");
    kind_close(&k);
}
END_TEST

/* A length that is not a multiple of the page size covers whole pages. */
START_TEST(unmap_rounds_length_up)
{
    struct kind k;
    char *p;

    kind_open(&k, _i, "round.bin");
    p = kmap(&k, NULL, 6, 0);
    ck_assert_int_eq(munmap(p + 2 * pg, pg + 1), 0);
    expect_pages(&k, p, 0, "LLDDLL");
    ck_assert_int_eq(munmap(p, 6 * pg), 0);
    expect_pages(&k, p, 0, "DDDDDD");
    kind_close(&k);
}
END_TEST

/* One munmap across the boundary of two mappings made by two mmap
 * calls. */
START_TEST(unmap_spanning_two_mappings)
{
    struct kind k;
    size_t g;
    char *x, *a, *b, state[64];

    kind_open(&k, _i, "span.bin");
    g = GRAIN / pg;
    ck_assert_uint_lt(g, sizeof state);
    x = mt_free_area(2 * GRAIN);
#ifdef MMAN_CE
    /* CE: two file mappings cannot be put side by side */
    if (fixed_file_refused(&k, x, g, 0)) {
        kind_close(&k);
        return;
    }
#endif
    a = kmap(&k, x, g, 0);
    b = kmap(&k, x + GRAIN, g, g);
    ck_assert_int_eq(munmap(x + (g - 2) * pg, 4 * pg), 0);
    memset(state, 'L', g);
    state[g] = '\0';
    state[g - 2] = state[g - 1] = 'D';
    expect_pages(&k, a, 0, state);
    memset(state, 'L', g);
    state[0] = state[1] = 'D';
    expect_pages(&k, b, g, state);
    ck_assert_int_eq(munmap(x, 2 * GRAIN), 0);
    memset(state, 'D', g);
    expect_pages(&k, a, 0, state);
    expect_pages(&k, b, g, state);
    kind_close(&k);
}
END_TEST

/* One munmap from inside one mapping, over a gap with nothing mapped,
 * into the next mapping. */
START_TEST(unmap_spanning_gap)
{
    struct kind k;
    size_t g, h;
    char *x, *a, *b, state[64];

    kind_open(&k, _i, "gap.bin");
    g = GRAIN / pg;
    h = g / 2;
    ck_assert_uint_lt(g, sizeof state);
    x = mt_free_area(3 * GRAIN);
#ifdef MMAN_CE
    /* CE: two file mappings cannot be put a gap apart */
    if (fixed_file_refused(&k, x, g, 0)) {
        kind_close(&k);
        return;
    }
#endif
    a = kmap(&k, x, g, 0);
    b = kmap(&k, x + 2 * GRAIN, g, 2 * g);
    expect_dead(x + GRAIN);
    ck_assert_int_eq(munmap(a + h * pg, (size_t)(b + h * pg - (a + h * pg))),
                     0);
    memset(state, 'L', g);
    state[g] = '\0';
    memset(state + h, 'D', g - h);
    expect_pages(&k, a, 0, state);
    memset(state, 'D', g);
    expect_pages(&k, x + GRAIN, g, state);
    memset(state, 'L', g);
    memset(state, 'D', h);
    expect_pages(&k, b, 2 * g, state);
    ck_assert_int_eq(munmap(x, 3 * GRAIN), 0);
    memset(state, 'D', g);
    expect_pages(&k, a, 0, state);
    expect_pages(&k, b, 2 * g, state);
    kind_close(&k);
}
END_TEST

START_TEST(unmap_nothing_mapped_is_ok)
{
    char *x;

    pg = mt_page();
    x = mt_free_area(4 * GRAIN);
    ck_assert_int_eq(munmap(x, 4 * GRAIN), 0);
    ck_assert_int_eq(munmap(x + pg, pg), 0);
    expect_dead(x);
    expect_dead(x + pg);
}
END_TEST

START_TEST(unmap_twice_is_ok)
{
    struct kind k;
    char *p;

    kind_open(&k, _i, "twice.bin");
    p = kmap(&k, NULL, 4, 0);
    ck_assert_int_eq(munmap(p + pg, pg), 0);
    ck_assert_int_eq(munmap(p + pg, pg), 0);
    expect_pages(&k, p, 0, "LDLL");
    ck_assert_int_eq(munmap(p, 4 * pg), 0);
    ck_assert_int_eq(munmap(p, 4 * pg), 0);
    expect_pages(&k, p, 0, "DDDD");
    kind_close(&k);
}
END_TEST

/* Many partial munmaps in no particular order until no page is left;
 * then the address range is free again: a file mapping can be placed at
 * its start, which on Windows needs every reservation there gone. */
START_TEST(unmap_piecewise_to_nothing)
{
    static const unsigned char cuts[][2] = {
        {5, 1}, {0, 2}, {14, 2}, {8, 3}, {2, 1}, {11, 3}, {6, 2}, {3, 2},
    };
    struct kind k;
    char state[17], *x, *p, *again;
    size_t c, i, first;

    kind_open(&k, _i, "pieces.bin");
    /* from file offset 64 KiB: a file page at a fixed address must be
     * where its offset is in its 64 KiB block (see test_mmap_fixed) */
    first = GRAIN / pg;
    x = mt_free_area(16 * pg);
#ifdef MMAN_CE
    /* CE: the file is mapped where CE puts it, at a 64 KiB boundary as
     * its offset is one */
    if (fixed_file_refused(&k, x, 16, first))
        x = NULL;
    p = kmap(&k, x, 16, first);
    x = p;
#else
    p = kmap(&k, x, 16, first);
#endif
    memset(state, 'L', 16);
    state[16] = '\0';
    for (c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
        ck_assert_int_eq(munmap(p + cuts[c][0] * pg, cuts[c][1] * pg), 0);
        for (i = 0; i < cuts[c][1]; i++)
            state[cuts[c][0] + i] = 'D';
        expect_pages(&k, p, first, state);
    }
    ck_assert_str_eq(state, "DDDDDDDDDDDDDDDD");
#ifdef MMAN_CE
    /* CE: a file cannot be mapped at x (MAP_FIXED); a copy of it
     * (MAP_PRIVATE) asked for at x lands there only if no reservation is
     * left there */
    again = mmap(x, 16 * pg, PROT_READ, MAP_PRIVATE, k.fd, 0);
#else
    again = mmap(x, 16 * pg, PROT_READ, MAP_SHARED | MAP_FIXED, k.fd, 0);
#endif
    ck_assert_ptr_eq(again, x);
    ck_assert(mt_is_pattern(again, 16 * pg, 0, SEED));
    ck_assert_int_eq(munmap(again, 16 * pg), 0);
    kind_close(&k);
}
END_TEST

/* The aligned allocator: map size + align, cut off the misaligned head
 * and the tail; what is left is aligned, usable, and goes with munmap.
 * check_all also probes that the cut-off parts are gone. */
static void aligned_alloc_cycle(unsigned round, int check_all)
{
    size_t size = (size_t)1 << 20, align = (size_t)2 << 20;
    size_t head, tail, i;
    char *raw, *p;

    raw = mmap(NULL, size + align, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(raw, MAP_FAILED);
    p = (char *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
    head = (size_t)(p - raw);
    tail = size + align - head - size;
    if (head)
        ck_assert_int_eq(munmap(raw, head), 0);
    if (tail)
        ck_assert_int_eq(munmap(p + size, tail), 0);
    ck_assert_uint_eq((uintptr_t)p % align, 0);
    /* every page is fresh memory of ours */
    for (i = 0; i < size; i += pg) {
        ck_assert_int_eq(p[i], 0);
        p[i] = (char)(round + i / pg);
    }
    p[size - 1] = (char)round;
    for (i = 0; i < size; i += pg)
        ck_assert_int_eq(p[i], (char)(round + i / pg));
    if (check_all) {
        if (head) {
            expect_dead(raw);
            expect_dead(p - pg);
        }
        if (tail) {
            expect_dead(p + size);
            expect_dead(p + size + tail - pg);
        }
    }
    ck_assert_int_eq(munmap(p, size), 0);
    if (check_all) {
        expect_dead(p);
        expect_dead(p + size - pg);
    }
}

START_TEST(aligned_allocator_pattern)
{
    pg = mt_page();
    aligned_alloc_cycle(1, 1);
}
END_TEST

/* 2000 rounds take 6 GB of address space and touch 2 GB of memory in
 * all: that fits only if every round gives back what it took. */
START_TEST(aligned_allocator_does_not_leak)
{
    unsigned round;

    pg = mt_page();
    for (round = 0; round < 2000; round++)
        aligned_alloc_cycle(round, round % 500 == 0);
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("munmap");
    TCase *tc = tcase_create("munmap");

    tcase_set_timeout(tc, 600);
    /* loop index 0: anonymous private memory; 1: MAP_SHARED file */
    tcase_add_loop_test(tc, unmap_whole, 0, 2);
    tcase_add_loop_test(tc, unmap_head, 0, 2);
    tcase_add_loop_test(tc, unmap_tail, 0, 2);
    tcase_add_loop_test(tc, unmap_hole, 0, 2);
    tcase_add_loop_test(tc, unmap_rounds_length_up, 0, 2);
    tcase_add_loop_test(tc, unmap_spanning_two_mappings, 0, 2);
    tcase_add_loop_test(tc, unmap_spanning_gap, 0, 2);
    tcase_add_test(tc, unmap_nothing_mapped_is_ok);
    tcase_add_loop_test(tc, unmap_twice_is_ok, 0, 2);
    tcase_add_loop_test(tc, unmap_piecewise_to_nothing, 0, 2);
    tcase_add_test(tc, aligned_allocator_pattern);
    tcase_add_test(tc, aligned_allocator_does_not_leak);
    suite_add_tcase(s, tc);
    return mt_main(argc, argv, s);
}
