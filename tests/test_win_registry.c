/* Windows-only: the registry's cost is per fragment, not per page, and a
 * lookup among many mappings works. */
#include "../lib/internal.h"
#include "mt.h"

START_TEST(a_terabyte_costs_one_fragment)
{
    size_t frags = mman__fragment_count(), views = mman__view_count();
#ifdef MMAN_CE
    /* CE 5 has no terabyte of address space (README, "Windows CE"):
     * 512 MiB of its shared region makes the same point */
    size_t len = (size_t)512 << 20;
#else
    /* 1 TiB where the address space has room; 1 MiB on 32-bit */
    size_t len = (size_t)1 << (sizeof(void *) * 5);
#endif
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_uint_eq(mman__fragment_count(), frags + 1);
    ck_assert_uint_eq(mman__view_count(), views + 1);
    /* a hole in the middle: two fragments, still one view */
    ck_assert_int_eq(munmap(p + len / 2, mt_page()), 0);
    ck_assert_uint_eq(mman__fragment_count(), frags + 2);
    ck_assert_uint_eq(mman__view_count(), views + 1);
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_uint_eq(mman__fragment_count(), frags);
    ck_assert_uint_eq(mman__view_count(), views);
}
END_TEST

START_TEST(ten_thousand_mappings_each_found)
{
#ifdef MMAN_CE
    /* each takes 64 KiB of CE 5's 32 MiB slot: 400 fit */
    enum { N = 400 };
#else
    enum { N = 10000 };
#endif
    static char *maps[N];
    size_t frags = mman__fragment_count();
    int i;

    for (i = 0; i < N; i++) {
        maps[i] = mmap(NULL, mt_page(), PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        ck_assert_ptr_ne(maps[i], MAP_FAILED);
        maps[i][0] = (char)i;
    }
    ck_assert_uint_eq(mman__fragment_count(), frags + N);
    for (i = 0; i < N; i++) {
        mman__lock();
        ck_assert_ptr_nonnull(mman__find(maps[i] + 10));
        ck_assert_ptr_eq(mman__find(maps[i] + 10)->node.start, maps[i]);
        mman__unlock();
    }
    for (i = N - 1; i >= 0; i -= 2)
        ck_assert_int_eq(munmap(maps[i], mt_page()), 0);
    for (i = 0; i < N; i += 2)
        ck_assert_int_eq(maps[i][0], (char)i);
    for (i = 0; i < N; i += 2)
        ck_assert_int_eq(munmap(maps[i], mt_page()), 0);
    ck_assert_uint_eq(mman__fragment_count(), frags);
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("win_registry");
    TCase *tc = tcase_create("registry");

    tcase_add_test(tc, a_terabyte_costs_one_fragment);
    tcase_add_test(tc, ten_thousand_mappings_each_found);
    suite_add_tcase(s, tc);
    return mt_main(argc, argv, s);
}
