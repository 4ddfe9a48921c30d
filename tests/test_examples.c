/* The examples do what they say: mmcp copies files byte for byte. */
#define _GNU_SOURCE 1
#include "mt.h"

#include <stdio.h>
#include <unistd.h>

static void copy_and_compare(size_t size, unsigned seed)
{
    char src[64], dst[64];
    const char *from, *to;
    int fd;

    snprintf(src, sizeof src, "src-%zu", size);
    snprintf(dst, sizeof dst, "dst-%zu", size);
    from = mt_path(src);
    to = mt_path(dst);
    fd = mt_make_file(from, size, seed);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(mt_run_program(mt_built_program("examples/mmcp"), from,
                                    to, NULL),
                     0);
    ck_assert_int_eq(mt_file_size(to), (long long)size);
    ck_assert_uint_eq(mt_file_hash(to), mt_file_hash(from));
}

START_TEST(mmcp_copies_an_empty_file)
{
    copy_and_compare(0, 1);
}
END_TEST

START_TEST(mmcp_copies_an_odd_sized_file)
{
    copy_and_compare(12345, 2);
}
END_TEST

START_TEST(mmcp_copies_a_multi_mib_file)
{
    copy_and_compare(5 * 1024 * 1024 + 77, 3);
}
END_TEST

START_TEST(mmcp_refuses_a_missing_source)
{
    ck_assert_int_eq(mt_run_program(mt_built_program("examples/mmcp"),
                                    mt_path("missing"), mt_path("out"),
                                    NULL),
                     1);
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("examples");
    TCase *tc = tcase_create("mmcp");

    tcase_add_test(tc, mmcp_copies_an_empty_file);
    tcase_add_test(tc, mmcp_copies_an_odd_sized_file);
    tcase_add_test(tc, mmcp_copies_a_multi_mib_file);
    tcase_add_test(tc, mmcp_refuses_a_missing_source);
    suite_add_tcase(s, tc);
    return mt_main(argc, argv, s);
}
