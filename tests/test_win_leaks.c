/* Windows-only: map/unmap cycles give everything back. After 100,000
 * cycles (files and anonymous memory, whole and partial munmap) the
 * process's handle count, its committed private memory and the
 * registry are where they began. */
#include "../lib/internal.h"
#include "mt.h"

#include <psapi.h>
#include <unistd.h>

static DWORD handles(void)
{
    DWORD n = 0;

    GetProcessHandleCount(GetCurrentProcess(), &n);
    return n;
}

/* Committed private memory, from a walk of the address space. */
static size_t committed(void)
{
    MEMORY_BASIC_INFORMATION info;
    char *p = NULL;
    size_t total = 0;

    while (VirtualQuery(p, &info, sizeof info) == sizeof info) {
        if (info.State == MEM_COMMIT && info.Type != MEM_IMAGE)
            total += info.RegionSize;
        p = (char *)info.BaseAddress + info.RegionSize;
    }
    return total;
}

START_TEST(hundred_thousand_cycles_leak_nothing)
{
    size_t pg = mt_page(), mem0, mem1, frags0;
    DWORD h0, h1;
    int fd = mt_make_file(mt_path("f"), 5 * pg + 100, 3), i;
    char *p;

    ck_assert_int_ge(fd, 0);
    /* warm up: one-time set-up and the C runtime's own allocations */
    for (i = 0; i < 100; i++) {
        p = mmap(NULL, 8 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        ck_assert_ptr_ne(p, MAP_FAILED);
        ck_assert_int_eq(munmap(p, 8 * pg), 0);
    }
    h0 = handles();
    mem0 = committed();
    frags0 = mman__fragment_count();
    for (i = 0; i < 100000; i++) {
        switch (i % 4) {
        case 0: /* file, longer than the file, whole munmap */
            p = mmap(NULL, 8 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            ck_assert_ptr_ne(p, MAP_FAILED);
            p[0] = (char)i;
            ck_assert_int_eq(munmap(p, 8 * pg), 0);
            break;
        case 1: /* private file, at an offset, piece by piece */
            p = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd,
                     pg);
            ck_assert_ptr_ne(p, MAP_FAILED);
            p[pg] = 1;
            ck_assert_int_eq(munmap(p + pg, pg), 0);
            ck_assert_int_eq(munmap(p, pg), 0);
            ck_assert_int_eq(munmap(p + 2 * pg, 2 * pg), 0);
            break;
        case 2: /* anonymous, head and tail first */
            p = mmap(NULL, 16 * pg, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            ck_assert_ptr_ne(p, MAP_FAILED);
            p[5 * pg] = 1;
            ck_assert_int_eq(munmap(p, 4 * pg), 0);
            ck_assert_int_eq(munmap(p + 12 * pg, 4 * pg), 0);
            ck_assert_int_eq(munmap(p + 4 * pg, 8 * pg), 0);
            break;
        default: /* anonymous, MAP_NORESERVE, a hole first */
            p = mmap(NULL, 64 * pg, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
            ck_assert_ptr_ne(p, MAP_FAILED);
            p[33 * pg] = 1;
            ck_assert_int_eq(munmap(p + 32 * pg, 2 * pg), 0);
            ck_assert_int_eq(munmap(p, 64 * pg), 0);
            break;
        }
    }
    h1 = handles();
    mem1 = committed();
    close(fd);
    ck_assert_uint_eq(mman__fragment_count(), frags0);
    ck_assert_msg(h1 == h0, "handles: %lu before, %lu after",
                  (unsigned long)h0, (unsigned long)h1);
    /* the C heap may keep a little of what it grew; mappings may not */
    ck_assert_msg(mem1 <= mem0 + 256 * 1024,
                  "committed: %zu before, %zu after", mem0, mem1);
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("win_leaks");
    TCase *tc = tcase_create("leaks");

    tcase_add_test(tc, hundred_thousand_cycles_leak_nothing);
    suite_add_tcase(s, tc);
    return mt_main(argc, argv, s);
}
