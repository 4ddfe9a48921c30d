/* Windows-only: the one Win32-to-errno translation, entry by entry, and
 * that a Win32 failure inside mmap reaches the caller as that errno with
 * nothing changed. It needs the test build of the library
 * (MMAN_TESTING) to reach the table and to inject failures. */
#include "../lib/internal.h"
#include "mt.h"

#include <fcntl.h>
#include <unistd.h>

static const struct {
    DWORD win32;
    int posix;
} table[] = {
    {ERROR_SUCCESS, 0},
    {ERROR_ACCESS_DENIED, EACCES},
    {ERROR_SHARING_VIOLATION, EACCES},
    {ERROR_NETWORK_ACCESS_DENIED, EACCES},
    {ERROR_PRIVILEGE_NOT_HELD, EACCES},
    {ERROR_INVALID_HANDLE, EBADF},
    {ERROR_NOT_ENOUGH_MEMORY, ENOMEM},
    {ERROR_OUTOFMEMORY, ENOMEM},
    {ERROR_COMMITMENT_LIMIT, ENOMEM},
    {ERROR_NO_SYSTEM_RESOURCES, ENOMEM},
    {ERROR_NONPAGED_SYSTEM_RESOURCES, ENOMEM},
    {ERROR_PAGED_SYSTEM_RESOURCES, ENOMEM},
    {ERROR_NOT_ENOUGH_QUOTA, ENOMEM},
    {ERROR_PAGEFILE_QUOTA, ENOMEM},
    {ERROR_INVALID_ADDRESS, ENOMEM},
    {ERROR_WORKING_SET_QUOTA, EAGAIN},
    {ERROR_LOCK_VIOLATION, EBUSY},
    {ERROR_USER_MAPPED_FILE, EBUSY},
    {ERROR_BUSY, EBUSY},
    {ERROR_INVALID_PARAMETER, EINVAL},
    {ERROR_INVALID_FLAGS, EINVAL},
    {ERROR_MAPPED_ALIGNMENT, EINVAL},
    {ERROR_INVALID_FUNCTION, EINVAL},
    {ERROR_INVALID_NAME, EINVAL},
    {ERROR_BAD_PATHNAME, EINVAL},
    {ERROR_FILE_INVALID, ENODEV},
    {ERROR_BAD_DEVICE, ENODEV},
    {ERROR_NOT_READY, ENODEV},
    {ERROR_FILE_NOT_FOUND, ENOENT},
    {ERROR_PATH_NOT_FOUND, ENOENT},
    {ERROR_FILE_EXISTS, EEXIST},
    {ERROR_ALREADY_EXISTS, EEXIST},
    {ERROR_TOO_MANY_OPEN_FILES, EMFILE},
    {ERROR_DISK_FULL, ENOSPC},
    {ERROR_HANDLE_DISK_FULL, ENOSPC},
    {ERROR_FILENAME_EXCED_RANGE, ENAMETOOLONG},
    {ERROR_DIRECTORY, ENOTDIR},
    {ERROR_DIR_NOT_EMPTY, ENOTEMPTY},
    {ERROR_WRITE_PROTECT, EROFS},
    {ERROR_FILE_TOO_LARGE, EFBIG},
    {ERROR_ARITHMETIC_OVERFLOW, EOVERFLOW},
    {ERROR_NOACCESS, EFAULT},
    {ERROR_IO_DEVICE, EIO},
    {ERROR_CRC, EIO},
    {ERROR_READ_FAULT, EIO},
    {ERROR_WRITE_FAULT, EIO},
    {ERROR_GEN_FAILURE, EIO},
    {ERROR_CALL_NOT_IMPLEMENTED, ENOSYS},
    {ERROR_NOT_SUPPORTED, ENOTSUP},
    {12345, EINVAL}, /* anything unknown */
};

START_TEST(every_entry_translates)
{
    size_t i;

    for (i = 0; i < sizeof table / sizeof table[0]; i++)
        ck_assert_msg(mman__errno_from_win32(table[i].win32) ==
                          table[i].posix,
                      "Win32 error %lu gave %d, expected %d",
                      (unsigned long)table[i].win32,
                      mman__errno_from_win32(table[i].win32),
                      table[i].posix);
}
END_TEST

static int fd;

static void check_mmap_fails(const char *call, DWORD error, int expected)
{
    size_t before = mman__view_count();
    long long size = mt_file_size(mt_path("f"));
    uint32_t hash = mt_file_hash(mt_path("f"));
    DWORD handles_before, handles_after;
    void *p;

    GetProcessHandleCount(GetCurrentProcess(), &handles_before);
    mman__inject_failure(call, 1, 1, error);
    p = mmap(NULL, 20 * mt_page(), PROT_READ | PROT_WRITE, MAP_SHARED, fd,
             0);
    mman__inject_failure(NULL, 0, 0, 0);
    ck_assert_ptr_eq(p, MAP_FAILED);
    ck_assert_int_eq(errno, expected);
    GetProcessHandleCount(GetCurrentProcess(), &handles_after);
    ck_assert_uint_eq(handles_after, handles_before);
    ck_assert_uint_eq(mman__view_count(), before);
    ck_assert_int_eq(mt_file_size(mt_path("f")), size);
    ck_assert_uint_eq(mt_file_hash(mt_path("f")), hash);
}

START_TEST(win32_failures_in_mmap_reach_errno)
{
    fd = mt_make_file(mt_path("f"), 3 * mt_page() + 5, 7);
    ck_assert_int_ge(fd, 0);
    /* the mapping is longer than the file: every step is taken */
#ifdef MMAN_CE
    /* CE's steps (ce/map_file.c): the size; the file's information,
     * without which it is no file (CE has no GetFileType); a refused
     * access probe is no access; the view, the tail */
    check_mmap_fails("GetFileSize", ERROR_IO_DEVICE, EIO);
    check_mmap_fails("GetFileInformationByHandle", ERROR_IO_DEVICE, ENODEV);
    check_mmap_fails("ReadFile/WriteFile", ERROR_ACCESS_DENIED, EACCES);
    check_mmap_fails("CreateFileMapping", ERROR_ACCESS_DENIED, EACCES);
    check_mmap_fails("MapViewOfFile", ERROR_NOT_ENOUGH_MEMORY, ENOMEM);
#else
    check_mmap_fails("DuplicateHandle", ERROR_NOT_ENOUGH_MEMORY, ENOMEM);
    check_mmap_fails("CreateFileMapping", ERROR_ACCESS_DENIED, EACCES);
    check_mmap_fails("MapViewOfFileEx", ERROR_NOT_ENOUGH_MEMORY, ENOMEM);
    check_mmap_fails("GetFileInformationByHandleEx", ERROR_IO_DEVICE, EIO);
#endif
    check_mmap_fails("VirtualAlloc(MEM_RESERVE)", ERROR_COMMITMENT_LIMIT,
                     ENOMEM);
    close(fd);
}
END_TEST

/* Whether every page of [p, p + len) is locked: MS_INVALIDATE says. */
static int locked(void *p, size_t len)
{
    return msync(p, len, MS_INVALIDATE) == -1 && errno == EBUSY;
}

#ifdef MMAN_CE
static int win32_calls;

static void count_call(const char *call)
{
    (void)call;
    win32_calls++;
}

/* CE has no VirtualLock: locking records the pages and calls nothing,
 * so there are no limits to meet (README, "Windows CE"). */
START_TEST(lock_takes_no_win32_call)
{
    size_t len = 4 * mt_page();
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    win32_calls = 0;
    mman__trace_calls(count_call);
    ck_assert_int_eq(mlock(p, len), 0);
    ck_assert_int_eq(mlockall(MCL_CURRENT | MCL_FUTURE), 0);
    mman__trace_calls(NULL);
    ck_assert_int_eq(win32_calls, 0);
    ck_assert(locked(p, len));
    ck_assert_int_eq(munlockall(), 0);
    ck_assert(!locked(p, len));
    ck_assert_int_eq(munmap(p, len), 0);
}
END_TEST
#endif

#ifndef MMAN_CE
/* Windows refuses to lock past the working set: the library grows it and
 * tries again; when it cannot grow it, ENOMEM (over the limit); when the
 * pages still cannot be locked, EAGAIN. Nothing stays locked. */
START_TEST(lock_limits_reach_errno)
{
    size_t len = 4 * mt_page();
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    /* the working set grows and the second try locks */
    mman__inject_failure("VirtualLock", 1, 1, ERROR_WORKING_SET_QUOTA);
    ck_assert_int_eq(mlock(p, len), 0);
    ck_assert(locked(p, len));
    ck_assert_int_eq(munlock(p, len), 0);
    /* the working set cannot grow */
    mman__inject_failure("VirtualLock", 1, 1, ERROR_WORKING_SET_QUOTA);
    mman__inject_failure("SetProcessWorkingSetSize", 1, 1,
                         ERROR_PRIVILEGE_NOT_HELD);
    ck_assert_int_eq(mlock(p, len), -1);
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert(!locked(p, len));
    mman__inject_failure(NULL, 0, 0, 0);
    /* mlockall, when the second of two mappings cannot be locked, leaves
     * the first unlocked too */
    {
        char *q = mmap(NULL, len, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

        ck_assert_ptr_ne(q, MAP_FAILED);
        mman__inject_failure("VirtualLock", 2, 1, ERROR_NOT_ENOUGH_MEMORY);
        ck_assert_int_eq(mlockall(MCL_CURRENT), -1);
        ck_assert_int_eq(errno, ENOMEM);
        mman__inject_failure(NULL, 0, 0, 0);
        ck_assert(!locked(p, len));
        ck_assert(!locked(q, len));
        ck_assert_int_eq(munmap(q, len), 0);
    }
    ck_assert_int_eq(munmap(p, len), 0);
}
END_TEST

/* When the pages cannot be locked even in a grown working set: EAGAIN,
 * and nothing stays locked. */
START_TEST(lock_still_refused_is_eagain)
{
    size_t len = 2 * mt_page();
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    mman__inject_failure("VirtualLock", 1, 2, ERROR_WORKING_SET_QUOTA);
    ck_assert_int_eq(mlock(p, len), -1);
    ck_assert_int_eq(errno, EAGAIN);
    mman__inject_failure(NULL, 0, 0, 0);
    ck_assert(!locked(p, len));
    /* Wine's word for the same refusal */
    mman__inject_failure("VirtualLock", 1, 1, ERROR_ACCESS_DENIED);
    ck_assert_int_eq(mlock(p, len), 0);
    mman__inject_failure(NULL, 0, 0, 0);
    ck_assert(locked(p, len));
    ck_assert_int_eq(munlockall(), 0);
    ck_assert_int_eq(munmap(p, len), 0);
}
END_TEST
#endif

/* ERROR_LOCK_VIOLATION from FlushViewOfFile is transient: retried. */
START_TEST(flush_lock_violation_is_retried)
{
    size_t len = 2 * mt_page();
    int f = mt_make_file(mt_path("lv"), len, 9);
    char *p;

    ck_assert_int_ge(f, 0);
    p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    p[0] = 42;
    mman__inject_failure("FlushViewOfFile", 1, 3, ERROR_LOCK_VIOLATION);
    ck_assert_int_eq(msync(p, len, MS_SYNC), 0);
    mman__inject_failure(NULL, 0, 0, 0);
    mman__inject_failure("FlushViewOfFile", 1, 1, ERROR_IO_DEVICE);
    ck_assert_int_eq(msync(p, len, MS_SYNC), -1);
    ck_assert_int_eq(errno, EIO);
    mman__inject_failure(NULL, 0, 0, 0);
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(f), 0);
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("win_errno");
    TCase *tc = tcase_create("errno");

    tcase_add_test(tc, every_entry_translates);
    tcase_add_test(tc, win32_failures_in_mmap_reach_errno);
#ifdef MMAN_CE
    tcase_add_test(tc, lock_takes_no_win32_call);
#else
    tcase_add_test(tc, lock_limits_reach_errno);
    tcase_add_test(tc, lock_still_refused_is_eagain);
#endif
    tcase_add_test(tc, flush_lock_violation_is_retried);
    suite_add_tcase(s, tc);
    return mt_main(argc, argv, s);
}
