/* Windows CE builds: what a descriptor is, told by the resolver
 * (mman_set_fd_resolver). The default, the HANDLE cast of cegcc's
 * arm-mingw32ce, and a program's own descriptor table; the MinGW C
 * runtime's descriptors are what the rest of the suite uses. */
#include <windows.h>

#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mt.h"

extern const struct mman_fd_resolver mt_crt_fds;

static wchar_t *wide_path(const char *name)
{
    static wchar_t path[MAX_PATH];

    MultiByteToWideChar(CP_UTF8, 0, mt_path(name), -1, path, MAX_PATH);
    return path;
}

/* A file of len pattern bytes (seed 7), open read-write; a HANDLE. */
static HANDLE make_file(const char *name, size_t len)
{
    HANDLE h = CreateFileW(wide_path(name), GENERIC_READ | GENERIC_WRITE,
                           FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                           CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    char buf[4096];
    DWORD done;
    size_t i, at;

    ck_assert_ptr_ne(h, INVALID_HANDLE_VALUE);
    for (at = 0; at < len; at += sizeof buf) {
        for (i = 0; i < sizeof buf; i++)
            buf[i] = (char)mt_pattern(at + i, 7);
        ck_assert(WriteFile(h, buf, sizeof buf, &done, NULL));
    }
    return h;
}

static int cast_fd(HANDLE h)
{
    return (int)(intptr_t)h;
}

static void use_handle_casts(void)
{
    mman_set_fd_resolver(NULL);
}

static void use_crt_fds(void)
{
    mman_set_fd_resolver(&mt_crt_fds);
}

START_TEST(handle_cast_maps_a_file_shared_and_private)
{
    HANDLE h = make_file("cast.bin", 3 * 4096);
    char *shared, *private_map;
    char byte;
    DWORD done;

    shared = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
                  cast_fd(h), 0);
    ck_assert_ptr_ne(shared, MAP_FAILED);
    ck_assert(mt_is_pattern(shared, 3 * 4096, 0, 7));
    private_map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE,
                       cast_fd(h), 4096);
    ck_assert_ptr_ne(private_map, MAP_FAILED);
    ck_assert(mt_is_pattern(private_map, 4096, 4096, 7));
    /* a shared store reaches the file, a private one does not */
    shared[5] = 'S';
    private_map[6] = 'P';
    ck_assert_int_eq(msync(shared, 4096, MS_SYNC), 0);
    SetFilePointer(h, 5, NULL, FILE_BEGIN);
    ck_assert(ReadFile(h, &byte, 1, &done, NULL) && done == 1);
    ck_assert_int_eq(byte, 'S');
    SetFilePointer(h, 4096 + 6, NULL, FILE_BEGIN);
    ck_assert(ReadFile(h, &byte, 1, &done, NULL) && done == 1);
    ck_assert_int_eq((unsigned char)byte, mt_pattern(4096 + 6, 7));
    ck_assert_int_eq(munmap(shared, 3 * 4096), 0);
    ck_assert_int_eq(munmap(private_map, 4096), 0);
    ck_assert(CloseHandle(h));
}
END_TEST

START_TEST(handle_cast_refuses_what_is_no_file)
{
    HANDLE h = make_file("closed.bin", 4096);
    int fd = cast_fd(h);

    ck_assert(CloseHandle(h));
    errno = 0;
    ck_assert_ptr_eq(mmap(NULL, 4096, PROT_READ, MAP_SHARED, -1, 0),
                     MAP_FAILED);
    ck_assert_int_eq(errno, EBADF);
    errno = 0;
    ck_assert_ptr_eq(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0),
                     MAP_FAILED);
    ck_assert_int_eq(errno, EBADF);
}
END_TEST

START_TEST(handle_cast_shm_open_gives_a_handle)
{
    char name[64];
    int fd;
    HANDLE h;
    char *p;
    DWORD high, done;
    char byte;

    snprintf(name, sizeof name, "/ce-fds-%lu",
             (unsigned long)GetCurrentProcessId());
    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    h = (HANDLE)(intptr_t)fd;
    /* the descriptor is the handle: Win32 calls take it as it is */
    SetFilePointer(h, 8192, NULL, FILE_BEGIN);
    ck_assert(SetEndOfFile(h));
    ck_assert_uint_eq(GetFileSize(h, &high), 8192);
    p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    p[4100] = 'x';
    ck_assert_int_eq(msync(p, 8192, MS_SYNC), 0);
    SetFilePointer(h, 4100, NULL, FILE_BEGIN);
    ck_assert(ReadFile(h, &byte, 1, &done, NULL) && done == 1);
    ck_assert_int_eq(byte, 'x');
    ck_assert_int_eq(munmap(p, 8192), 0);
    ck_assert(CloseHandle(h));
    ck_assert_int_eq(shm_unlink(name), 0);
}
END_TEST

/* A program with its own descriptor table: descriptors from 100. */
enum { FIRST = 100, SLOTS = 8 };
static HANDLE table[SLOTS];

static void *table_to_handle(int fd)
{
    if (fd < FIRST || fd >= FIRST + SLOTS || !table[fd - FIRST])
        return INVALID_HANDLE_VALUE;
    return table[fd - FIRST];
}

static int table_from_handle(void *handle, int oflag)
{
    int i;

    (void)oflag;
    for (i = 0; i < SLOTS; i++)
        if (!table[i]) {
            table[i] = handle;
            return FIRST + i;
        }
    return -1;
}

static const struct mman_fd_resolver own_table = {table_to_handle,
                                                  table_from_handle};

START_TEST(own_table_resolves_its_descriptors)
{
    char name[64];
    char *p;
    int fd, shm;

    memset(table, 0, sizeof table);
    mman_set_fd_resolver(&own_table);
    table[0] = make_file("table.bin", 4096);
    fd = FIRST;
    p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert(mt_is_pattern(p, 4096, 0, 7));
    ck_assert_int_eq(munmap(p, 4096), 0);
    /* an unused slot is no descriptor */
    errno = 0;
    ck_assert_ptr_eq(mmap(NULL, 4096, PROT_READ, MAP_SHARED, FIRST + 5, 0),
                     MAP_FAILED);
    ck_assert_int_eq(errno, EBADF);
    /* shm_open's descriptor is one of the table's */
    snprintf(name, sizeof name, "/ce-table-%lu",
             (unsigned long)GetCurrentProcessId());
    shm = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_eq(shm, FIRST + 1);
    ck_assert_ptr_nonnull(table[1]);
    ck_assert(CloseHandle(table[1]));
    ck_assert(CloseHandle(table[0]));
    ck_assert_int_eq(shm_unlink(name), 0);
}
END_TEST

START_TEST(crt_descriptors_through_their_resolver)
{
    int fd;
    char *p;

    use_crt_fds();
    fd = mt_make_file(mt_path("crt.bin"), 4096, 7);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_lt(fd, 100); /* a small C runtime descriptor */
    p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert(mt_is_pattern(p, 4096, 0, 7));
    ck_assert_int_eq(munmap(p, 4096), 0);
    ck_assert_int_eq(close(fd), 0);
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("ce_fds");
    TCase *cast = tcase_create("handle_cast");
    TCase *own = tcase_create("own_table");

    tcase_add_checked_fixture(cast, use_handle_casts, use_crt_fds);
    tcase_add_test(cast, handle_cast_maps_a_file_shared_and_private);
    tcase_add_test(cast, handle_cast_refuses_what_is_no_file);
    tcase_add_test(cast, handle_cast_shm_open_gives_a_handle);
    suite_add_tcase(s, cast);
    tcase_add_checked_fixture(own, NULL, use_crt_fds);
    tcase_add_test(own, own_table_resolves_its_descriptors);
    tcase_add_test(own, crt_descriptors_through_their_resolver);
    suite_add_tcase(s, own);
    return mt_main(argc, argv, s);
}
