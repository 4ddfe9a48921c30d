/* Anonymous mappings: flags, protections, MAP_NORESERVE. */
#define _GNU_SOURCE 1
#include "mt.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

START_TEST(anonymous_private_is_zeroed_and_writable)
{
    size_t len = 5 * mt_page() + 123, i;
    unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_uint_eq((uintptr_t)p % mt_page(), 0);
    for (i = 0; i < len; i++)
        ck_assert_uint_eq(p[i], 0);
    memset(p, 0xab, len);
    ck_assert_uint_eq(p[len - 1], 0xab);
    /* the rest of the last page belongs to the mapping too */
    ck_assert(!mt_write_faults(p + 6 * mt_page() - 1));
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert(mt_read_faults(p));
}
END_TEST

START_TEST(map_anon_alias_and_fd_ignored)
{
    char *p = mmap(NULL, mt_page(), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANON, 12345, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    p[0] = 1;
    ck_assert_int_eq(munmap(p, mt_page()), 0);
}
END_TEST

START_TEST(protections_are_enforced)
{
    size_t pg = mt_page();
    char *none = mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *ro = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *wo = mmap(NULL, pg, PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *rx = mmap(NULL, pg, PROT_READ | PROT_EXEC,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *rwx = mmap(NULL, pg, PROT_READ | PROT_WRITE | PROT_EXEC,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    ck_assert_ptr_ne(none, MAP_FAILED);
    ck_assert_ptr_ne(ro, MAP_FAILED);
    ck_assert_ptr_ne(wo, MAP_FAILED);
    ck_assert_ptr_ne(rx, MAP_FAILED);
    ck_assert_ptr_ne(rwx, MAP_FAILED);
    ck_assert(mt_read_faults(none));
    ck_assert(mt_write_faults(none));
    ck_assert(!mt_read_faults(ro));
    ck_assert(mt_write_faults(ro));
    /* PROT_WRITE implies read on x86, on Linux and here */
    ck_assert(!mt_write_faults(wo));
    ck_assert(!mt_read_faults(wo));
    ck_assert(!mt_read_faults(rx));
    ck_assert(mt_write_faults(rx));
    ck_assert(!mt_write_faults(rwx));
    ck_assert_int_eq(munmap(none, pg), 0);
    ck_assert_int_eq(munmap(ro, pg), 0);
    ck_assert_int_eq(munmap(wo, pg), 0);
    ck_assert_int_eq(munmap(rx, pg), 0);
    ck_assert_int_eq(munmap(rwx, pg), 0);
}
END_TEST

/* Executable anonymous memory runs code: "mov $42, %eax; ret". */
START_TEST(prot_exec_runs_code)
{
#if defined(__x86_64__) || defined(__i386__)
    static const unsigned char code[] = {0xb8, 42, 0, 0, 0, 0xc3};
    int (*fn)(void);
    unsigned char *p = mmap(NULL, mt_page(), PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    memcpy(p, code, sizeof code);
    ck_assert_int_eq(mprotect(p, mt_page(), PROT_READ | PROT_EXEC), 0);
    memcpy(&fn, &p, sizeof fn);
    ck_assert_int_eq(fn(), 42);
    ck_assert_int_eq(munmap(p, mt_page()), 0);
#endif
}
END_TEST

START_TEST(noreserve_terabyte_is_touched_lazily)
{
    /* 1 TiB where the address space has room; 1 MiB on 32-bit */
    size_t len = (size_t)1 << (sizeof(void *) * 5), step = len >> 4, off;
    char *p;

#ifdef MMAN_CE
    /* CE: MAP_NORESERVE commits at once, in CE 5's address space (a
     * 992 MiB shared region at most), so 1 TiB is ENOMEM; 256 MiB
     * works; README, "Windows CE" */
    if (sizeof(void *) > 4) {
        errno = 0;
        p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        ck_assert_ptr_eq(p, MAP_FAILED);
        ck_assert_int_eq(errno, ENOMEM);
        len = (size_t)256 << 20;
        step = len >> 4;
    }
#endif
    p = mmap(NULL, len, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    for (off = 0; off < len; off += step) {
        ck_assert_int_eq(p[off], 0);
        p[off] = (char)(off / step);
    }
    for (off = 0; off < len; off += step)
        ck_assert_int_eq(p[off], (char)(off / step));
    ck_assert_int_eq(munmap(p, len), 0);
}
END_TEST

START_TEST(noreserve_prot_none_still_faults)
{
    char *p = mmap(NULL, 16 * mt_page(), PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert(mt_read_faults(p + 3 * mt_page()));
    ck_assert_int_eq(mprotect(p, 16 * mt_page(), PROT_READ | PROT_WRITE), 0);
    ck_assert(!mt_write_faults(p + 3 * mt_page()));
    ck_assert_int_eq(munmap(p, 16 * mt_page()), 0);
}
END_TEST

START_TEST(hint_is_only_a_hint)
{
    char *a = mmap(NULL, mt_page(), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    char *b;

    ck_assert_ptr_ne(a, MAP_FAILED);
    /* a hint at an occupied address gives a mapping elsewhere */
    b = mmap(a, mt_page(), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(b, MAP_FAILED);
    ck_assert_ptr_ne(b, a);
    ck_assert(!mt_read_faults(a));
    ck_assert_int_eq(munmap(a, mt_page()), 0);
    ck_assert_int_eq(munmap(b, mt_page()), 0);
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("mmap_anon");
    TCase *tc = tcase_create("anonymous");

    tcase_add_test(tc, anonymous_private_is_zeroed_and_writable);
    tcase_add_test(tc, map_anon_alias_and_fd_ignored);
    tcase_add_test(tc, protections_are_enforced);
    tcase_add_test(tc, prot_exec_runs_code);
    tcase_add_test(tc, noreserve_terabyte_is_touched_lazily);
    tcase_add_test(tc, noreserve_prot_none_still_faults);
    tcase_add_test(tc, hint_is_only_a_hint);
    suite_add_tcase(s, tc);
    return mt_main(argc, argv, s);
}
