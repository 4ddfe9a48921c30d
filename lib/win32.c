/* The thin layer over every Win32 call that can fail: the calls desktop
 * Windows and Windows CE share. win32_desktop.c and ce/win32.c hold
 * each one's own. A test build (MMAN_TESTING) can make any one of them
 * fail on demand, so the tests can walk every call site's failure path. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#ifdef MMAN_TESTING
/* Every call this layer wraps, by the name MMAN_INJECT gives it: a test
 * can then tell which it has not reached. A wrapper whose name is
 * missing here stops the test build at its first call. */
static const char *const wrapped[] = {
    "CreateFileMapping", "UnmapViewOfFile",
    "VirtualAlloc(MEM_RESERVE)", "VirtualAlloc(MEM_RESERVE|MEM_COMMIT)",
    "VirtualAlloc(MEM_COMMIT)", "VirtualFree(MEM_DECOMMIT)",
    "VirtualFree(MEM_RELEASE)", "VirtualProtect", "VirtualQuery",
    "FlushViewOfFile", "CloseHandle", "CreateFileW",
    "SetFileAttributesW", "DeleteFileW", "RemoveDirectoryW",
    "CreateDirectoryW", "FindFirstFileW",
#ifdef MMAN_CE
    "MapViewOfFile", "GetFileSize", "GetFileInformationByHandle",
    "SetEndOfFile", "GetTempPathW", "ReadFile/WriteFile",
#else
    "FlushFileBuffers", "MapViewOfFileEx", "GetFileInformationByHandleEx",
    "VirtualAlloc(MEM_RESERVE|MEM_TOP_DOWN)",
    "GetFileInformationByHandleEx(FileBasicInfo)",
    "PrefetchVirtualMemory", "QueryWorkingSetEx", "VirtualLock",
    "VirtualUnlock", "SetProcessWorkingSetSize", "DuplicateHandle",
    "ReOpenFile", "SetFileInformationByHandle",
    "SetFileInformationByHandle(FileRenameInfo)",
    "SetFileInformationByHandle(FileDispositionInfo)",
    "SetFileInformationByHandle(FileBasicInfo)",
    "SHGetFolderPathW", "GetFullPathNameW", "GetTokenInformation",
    "GetNamedSecurityInfoW",
    "ConvertStringSecurityDescriptorToSecurityDescriptorW",
    "_open_osfhandle",
#endif
};

const char *const *mman__wrapped_calls(size_t *count)
{
    *count = sizeof wrapped / sizeof wrapped[0];
    return wrapped;
}

/* Up to four calls can be set to fail at once. */
static struct {
    const char *call;
    unsigned skip;  /* calls to let through first */
    unsigned times; /* calls to fail then */
    DWORD error;
} injected[4];

static void (*tracer)(const char *call);

void mman__trace_calls(void (*record)(const char *call))
{
    tracer = record;
}

void mman__inject_failure(const char *call, unsigned count, unsigned times,
                          DWORD error)
{
    size_t i;

    for (i = 0; i < 4; i++) {
        if (!call) {
            injected[i].call = NULL;
        } else if (!injected[i].call) {
            injected[i].call = call;
            injected[i].skip = count - 1;
            injected[i].times = times;
            injected[i].error = error;
            return;
        }
    }
}

static void check_listed(const char *call)
{
    size_t i;

    for (i = 0; i < sizeof wrapped / sizeof wrapped[0]; i++)
        if (strcmp(call, wrapped[i]) == 0)
            return;
    abort();
}

int mman__inject(const char *call)
{
    size_t i;

    check_listed(call);
    if (tracer)
        tracer(call);
    for (i = 0; i < 4; i++) {
        if (!injected[i].call || strcmp(call, injected[i].call) != 0 ||
            injected[i].times == 0)
            continue;
        if (injected[i].skip > 0) {
            injected[i].skip--;
            return 0;
        }
        injected[i].times--;
        SetLastError(injected[i].error);
        return 1;
    }
    return 0;
}
#endif

HANDLE mman__create_section(HANDLE file, DWORD protect, uint64_t size,
                            const wchar_t *name)
{
    MMAN_INJECT("CreateFileMapping", NULL);
    return CreateFileMappingW(file, NULL, protect, (DWORD)(size >> 32),
                              (DWORD)size, name);
}

void *mman__map_view(HANDLE section, DWORD access, uint64_t offset,
                     size_t size, void *at)
{
#ifdef MMAN_CE
    /* CE has no MapViewOfFileEx: it places every view itself. */
    MMAN_INJECT("MapViewOfFile", NULL);
    if (at) {
        SetLastError(ERROR_INVALID_ADDRESS);
        return NULL;
    }
    return MapViewOfFile(section, access, (DWORD)(offset >> 32),
                         (DWORD)offset, size);
#else
    MMAN_INJECT("MapViewOfFileEx", NULL);
    return MapViewOfFileEx(section, access, (DWORD)(offset >> 32),
                           (DWORD)offset, size, at);
#endif
}

BOOL mman__unmap_view(void *base)
{
    MMAN_INJECT("UnmapViewOfFile", FALSE);
    return UnmapViewOfFile(base);
}

void *mman__reserve(void *at, size_t size)
{
    MMAN_INJECT("VirtualAlloc(MEM_RESERVE)", NULL);
    return VirtualAlloc(at, size, MEM_RESERVE, PAGE_NOACCESS);
}

void *mman__allocate(void *at, size_t size, DWORD protect)
{
    MMAN_INJECT("VirtualAlloc(MEM_RESERVE|MEM_COMMIT)", NULL);
    return VirtualAlloc(at, size, MEM_RESERVE | MEM_COMMIT, protect);
}

BOOL mman__commit(void *at, size_t size, DWORD protect)
{
    MMAN_INJECT("VirtualAlloc(MEM_COMMIT)", FALSE);
    return VirtualAlloc(at, size, MEM_COMMIT, protect) != NULL;
}

BOOL mman__decommit(void *at, size_t size)
{
    MMAN_INJECT("VirtualFree(MEM_DECOMMIT)", FALSE);
    return VirtualFree(at, size, MEM_DECOMMIT);
}

BOOL mman__release(void *base)
{
    MMAN_INJECT("VirtualFree(MEM_RELEASE)", FALSE);
    return VirtualFree(base, 0, MEM_RELEASE);
}

BOOL mman__protect(void *at, size_t size, DWORD protect)
{
    DWORD old;

    MMAN_INJECT("VirtualProtect", FALSE);
    return VirtualProtect(at, size, protect, &old);
}

BOOL mman__query(const void *at, MEMORY_BASIC_INFORMATION *info)
{
    MMAN_INJECT("VirtualQuery", FALSE);
    return VirtualQuery(at, info, sizeof *info) == sizeof *info;
}

BOOL mman__flush_view(void *at, size_t size)
{
    MMAN_INJECT("FlushViewOfFile", FALSE);
    return FlushViewOfFile(at, size);
}

#ifndef MMAN_CE
/* CE's msync flushes views only (msync.c). */
BOOL mman__flush_file(HANDLE file)
{
    MMAN_INJECT("FlushFileBuffers", FALSE);
    return FlushFileBuffers(file);
}
#endif

BOOL mman__close(HANDLE handle)
{
    MMAN_INJECT("CloseHandle", FALSE);
    return CloseHandle(handle);
}

/* ---- files by name (shm_open, shm_unlink) ---- */

BOOL mman__set_attributes(const wchar_t *path, DWORD attributes)
{
    MMAN_INJECT("SetFileAttributesW", FALSE);
    return SetFileAttributesW(path, attributes);
}

BOOL mman__delete(const wchar_t *path)
{
    MMAN_INJECT("DeleteFileW", FALSE);
    /* a read-only object must lose the attribute to be deleted */
    SetFileAttributesW(path, FILE_ATTRIBUTE_NORMAL);
    return DeleteFileW(path);
}

BOOL mman__remove_directory(const wchar_t *path)
{
    MMAN_INJECT("RemoveDirectoryW", FALSE);
    return RemoveDirectoryW(path);
}

BOOL mman__make_directory(const wchar_t *path, SECURITY_ATTRIBUTES *sa)
{
    MMAN_INJECT("CreateDirectoryW", FALSE);
    return CreateDirectoryW(path, sa) ||
           GetLastError() == ERROR_ALREADY_EXISTS;
}

BOOL mman__find_first(const wchar_t *pattern, WIN32_FIND_DATAW *found,
                      HANDLE *search)
{
    MMAN_INJECT("FindFirstFileW", FALSE);
    *search = FindFirstFileW(pattern, found);
    return *search != INVALID_HANDLE_VALUE;
}
