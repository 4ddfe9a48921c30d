/* From a C runtime file descriptor to the file behind it. The library
 * resolves descriptors with the C runtime it is built with; the README
 * says to build it with the application's. */
#include "internal.h"

#include <io.h>
#include <winternl.h>

typedef NTSTATUS(NTAPI *query_object_fn)(HANDLE, OBJECT_INFORMATION_CLASS,
                                         PVOID, ULONG, PULONG);

static query_object_fn query_object;
static INIT_ONCE lookup_once = INIT_ONCE_STATIC_INIT;

static BOOL CALLBACK lookup(PINIT_ONCE once, PVOID arg, PVOID *ctx)
{
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");

    (void)once;
    (void)arg;
    (void)ctx;
    if (ntdll)
        query_object = (query_object_fn)(void (*)(void))GetProcAddress(
            ntdll, "NtQueryObject");
    return TRUE;
}

/* The access the handle was opened with; on failure, assume read and
 * write and let the section calls refuse what is not allowed. */
static ACCESS_MASK granted_access(HANDLE h)
{
    PUBLIC_OBJECT_BASIC_INFORMATION info;

    InitOnceExecuteOnce(&lookup_once, lookup, NULL, NULL);
    if (query_object &&
        query_object(h, ObjectBasicInformation, &info, sizeof info,
                     NULL) >= 0)
        return info.GrantedAccess;
    return FILE_READ_DATA | FILE_WRITE_DATA;
}

int mman__fd_is_open(int fd)
{
    intptr_t os = fd < 0 ? -1 : _get_osfhandle(fd);

    return os != -1 && os != -2;
}

void mman__file_access(struct mman_file *file)
{
    ACCESS_MASK access = granted_access(file->handle);

    file->readable = (access & FILE_READ_DATA) != 0;
    file->writable = (access & FILE_WRITE_DATA) != 0;
    file->executable = (access & FILE_EXECUTE) != 0;
}

/* POSIX says a descriptor that is not a regular file gives ENODEV;
 * pipes, consoles and devices are not FILE_TYPE_DISK. */
int mman__file_not_regular(struct mman_file *file)
{
    if (GetFileType(file->handle) == FILE_TYPE_DISK)
        return 0;
    mman__file_access(file);
    return ENODEV;
}

int mman__file_from_fd(int fd, struct mman_file *file)
{
    intptr_t os = fd < 0 ? -1 : _get_osfhandle(fd);
    DWORD error;

    if (os == -1 || os == -2)
        return EBADF;
    file->handle = (HANDLE)os;
    file->readable = file->writable = file->executable = -1;
    if (mman__file_size(file->handle, &file->size))
        return 0;
    error = GetLastError();
    return mman__file_not_regular(file) ? ENODEV
                                       : mman__errno_from_win32(error);
}
