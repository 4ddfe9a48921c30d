/* Windows-only (desktop): a mapping of a file that grew is mapped again,
 * larger, at the same place (fault.c), and for that moment its room is
 * free. What another thread allocates then must land elsewhere; and if
 * it does take the room, the mapping's pages are gone (README), but
 * nothing of the other allocation is touched or freed, and munmap still
 * gives everything of the mapping back. The other thread is played by a
 * hook the test build runs before each Win32 call: the first
 * MapViewOfFileEx of the growth is the moment the room is free. */
#include "../lib/internal.h"
#include "mt.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PAGES 32 /* the mapping; the file has one page until it grows */
#define FOREIGN (64 * 1024)
#define FILL 0x5a

static char *room;    /* where the growing view is */
static int take_room; /* allocate at room, not where Windows likes */
static char *foreign; /* what the other thread allocated, or NULL */
static int hooked;

static void another_thread(const char *call)
{
    if (hooked || strcmp(call, "MapViewOfFileEx") != 0)
        return;
    hooked = 1;
    foreign = VirtualAlloc(take_room ? room : NULL, FOREIGN,
                           MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    if (foreign)
        memset(foreign, FILL, FOREIGN);
}

static int untouched(const char *p)
{
    size_t i;

    for (i = 0; i < FOREIGN; i++)
        if ((unsigned char)p[i] != FILL)
            return 0;
    return 1;
}

/* A mapping of a one-page file, written to, then the file grown to the
 * whole mapping; the view is not grown yet. */
static char *mapping_of_growing_file(int flags, int *fd)
{
    static int files;
    size_t pg = mt_page();
    char name[16], *p;

    snprintf(name, sizeof name, "grow-%d", files++);
    *fd = mt_make_file(mt_path(name), pg, 1);
    ck_assert_int_ge(*fd, 0);
    p = mmap(NULL, PAGES * pg, PROT_READ | PROT_WRITE, flags, *fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    p[0] = 'w';
    ck_assert_int_eq(ftruncate(*fd, (off_t)(PAGES * pg)), 0);
    room = p;
    foreign = NULL;
    hooked = 0;
    return p;
}

/* Touches page i of p with the other thread at work; whether it
 * faulted. */
static int touch_with_another_thread(char *p, size_t i)
{
    int faulted;

    mman__trace_calls(another_thread);
    faulted = mt_read_faults(p + i * mt_page());
    mman__trace_calls(NULL);
    ck_assert(hooked);
    ck_assert_ptr_nonnull(foreign);
    return faulted;
}

static void grows_past_another_allocation(int flags)
{
    size_t pg = mt_page();
    int fd;
    char *p = mapping_of_growing_file(flags, &fd);

    ck_assert(!touch_with_another_thread(p, PAGES - 1));
    /* it landed outside the mapping, which grew */
    ck_assert(foreign + FOREIGN <= p || foreign >= p + PAGES * pg);
    ck_assert_int_eq(p[0], 'w');
    ck_assert_int_eq(p[PAGES * pg - 1], 0);
    ck_assert(untouched(foreign));
    ck_assert(VirtualFree(foreign, 0, MEM_RELEASE));
    ck_assert_int_eq(munmap(p, PAGES * pg), 0);
    ck_assert_int_eq(close(fd), 0);
}

START_TEST(private_mapping_grows_past_another_allocation)
{
    grows_past_another_allocation(MAP_PRIVATE);
}
END_TEST

START_TEST(shared_mapping_grows_past_another_allocation)
{
    grows_past_another_allocation(MAP_SHARED);
}
END_TEST

/* Whether handle h is still open. */
static int is_open(HANDLE h)
{
    DWORD flags;

    return GetHandleInformation(h, &flags);
}

static void room_taken_loses_the_mapping_only(int flags)
{
    size_t pg = mt_page(), frags = mman__fragment_count(),
           views = mman__view_count();
    int fd;
    char *p = mapping_of_growing_file(flags, &fd);
    HANDLE file, section;

    mman__lock();
    file = mman__find(p)->view->file;
    section = mman__find(p)->view->section;
    mman__unlock();
    take_room = 1;
    ck_assert(touch_with_another_thread(p, PAGES - 1));
    take_room = 0;
    ck_assert_ptr_eq(foreign, p);
    /* the page faults for good; the other allocation is as it was made
     * (no private page copied into it, no protection changed) */
    ck_assert(mt_read_faults(p + (PAGES - 1) * pg));
    ck_assert(untouched(foreign));
    ck_assert_int_eq(mprotect(p, PAGES * pg, PROT_READ), 0);
    ck_assert_int_eq(msync(p, PAGES * pg, MS_SYNC), 0);
    foreign[0] = FILL;
    /* munmap forgets the mapping and closes its handles, and frees
     * nothing of the other allocation */
    ck_assert_int_eq(munmap(p, PAGES * pg), 0);
    ck_assert_uint_eq(mman__fragment_count(), frags);
    ck_assert_uint_eq(mman__view_count(), views);
    ck_assert(!is_open(file));
    ck_assert(!is_open(section));
    ck_assert(untouched(foreign));
    ck_assert(VirtualFree(foreign, 0, MEM_RELEASE));
    ck_assert_int_eq(close(fd), 0);
}

START_TEST(private_mapping_room_taken_loses_the_mapping_only)
{
    room_taken_loses_the_mapping_only(MAP_PRIVATE);
}
END_TEST

START_TEST(shared_mapping_room_taken_loses_the_mapping_only)
{
    room_taken_loses_the_mapping_only(MAP_SHARED);
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("win_grow");
    TCase *tc = tcase_create("grow");

    tcase_add_test(tc, private_mapping_grows_past_another_allocation);
    tcase_add_test(tc, shared_mapping_grows_past_another_allocation);
    tcase_add_test(tc, private_mapping_room_taken_loses_the_mapping_only);
    tcase_add_test(tc, shared_mapping_room_taken_loses_the_mapping_only);
    suite_add_tcase(s, tc);
    return mt_main(argc, argv, s);
}
