/* The thin layer, desktop Windows' own calls (win32.c has the shared
 * ones; MMAN_INJECT as there). */
#include "internal.h"

#include <aclapi.h>
#include <io.h>
#include <psapi.h>
#include <sddl.h>
#include <shfolder.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* FileStandardInfo rather than GetFileSizeEx: the same answer at a
 * third of the cost under Wine. */
BOOL mman__file_size(HANDLE file, uint64_t *size)
{
    FILE_STANDARD_INFO info;

    MMAN_INJECT("GetFileInformationByHandleEx", FALSE);
    if (!GetFileInformationByHandleEx(file, FileStandardInfo, &info,
                                      sizeof info))
        return FALSE;
    *size = (uint64_t)info.EndOfFile.QuadPart;
    return TRUE;
}

BOOL mman__file_attributes(HANDLE file, DWORD *attributes)
{
    FILE_BASIC_INFO info;

    MMAN_INJECT("GetFileInformationByHandleEx(FileBasicInfo)", FALSE);
    if (!GetFileInformationByHandleEx(file, FileBasicInfo, &info,
                                      sizeof info))
        return FALSE;
    *attributes = info.FileAttributes;
    return TRUE;
}

/* PrefetchVirtualMemory came with Windows 8: looked up at run time,
 * with its WIN32_MEMORY_RANGE_ENTRY, which Windows 7 headers lack. */
struct mman_memory_range {
    void *start;
    SIZE_T size;
};
typedef BOOL(WINAPI *prefetch_fn)(HANDLE, ULONG_PTR,
                                  struct mman_memory_range *, ULONG);

BOOL mman__prefetch(void *at, size_t size)
{
    static prefetch_fn prefetch;
    static int looked_up;
    struct mman_memory_range range;

    MMAN_INJECT("PrefetchVirtualMemory", FALSE);
    if (!looked_up) {
        HMODULE kernel32 = GetModuleHandleW(L"kernel32.dll");

        if (kernel32)
            prefetch = (prefetch_fn)(void (*)(void))GetProcAddress(
                kernel32, "PrefetchVirtualMemory");
        looked_up = 1; /* a race here looks the same thing up twice */
    }
    if (!prefetch) {
        SetLastError(ERROR_CALL_NOT_IMPLEMENTED);
        return FALSE;
    }
    range.start = at;
    range.size = size;
    return prefetch(GetCurrentProcess(), 1, &range, 0);
}

/* QueryWorkingSetEx is in kernel32 (as K32QueryWorkingSetEx) since
 * Windows 7: no psapi.dll needed. */
BOOL mman__page_copied(void *at, int *copied)
{
    PSAPI_WORKING_SET_EX_INFORMATION info;

    MMAN_INJECT("QueryWorkingSetEx", FALSE);
    info.VirtualAddress = at;
    if (!K32QueryWorkingSetEx(GetCurrentProcess(), &info, sizeof info))
        return FALSE;
    *copied = info.VirtualAttributes.Valid && !info.VirtualAttributes.Shared;
    return TRUE;
}

BOOL mman__lock_pages(void *at, size_t size)
{
    MMAN_INJECT("VirtualLock", FALSE);
    return VirtualLock(at, size);
}

BOOL mman__unlock_pages(void *at, size_t size)
{
    MMAN_INJECT("VirtualUnlock", FALSE);
    return VirtualUnlock(at, size);
}

/* Raises the process's working set bounds by size bytes. */
BOOL mman__grow_working_set(size_t size)
{
    HANDLE self = GetCurrentProcess();
    SIZE_T low, high;

    MMAN_INJECT("SetProcessWorkingSetSize", FALSE);
    return GetProcessWorkingSetSize(self, &low, &high) &&
           SetProcessWorkingSetSize(self, low + size, high + size);
}

void *mman__reserve_high(size_t size)
{
    MMAN_INJECT("VirtualAlloc(MEM_RESERVE|MEM_TOP_DOWN)", NULL);
    return VirtualAlloc(NULL, size, MEM_RESERVE | MEM_TOP_DOWN,
                        PAGE_NOACCESS);
}

BOOL mman__duplicate(HANDLE handle, HANDLE *copy)
{
    HANDLE self = GetCurrentProcess();

    MMAN_INJECT("DuplicateHandle", FALSE);
    return DuplicateHandle(self, handle, self, copy, 0, FALSE,
                           DUPLICATE_SAME_ACCESS);
}

BOOL mman__reopen(HANDLE handle, DWORD access, HANDLE *copy)
{
    HANDLE h;

    MMAN_INJECT("ReOpenFile", FALSE);
    h = ReOpenFile(handle, access,
                   FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, 0);
    if (h == INVALID_HANDLE_VALUE)
        return FALSE;
    *copy = h;
    return TRUE;
}

/* ---- files by name (shm_open, shm_unlink) ---- */

HANDLE mman__open_file(const wchar_t *path, DWORD access, DWORD disposition,
                       DWORD attributes, SECURITY_ATTRIBUTES *sa)
{
    MMAN_INJECT("CreateFileW", INVALID_HANDLE_VALUE);
    return CreateFileW(path, access,
                       FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                       sa, disposition, attributes, NULL);
}

BOOL mman__truncate(HANDLE file)
{
    FILE_END_OF_FILE_INFO info;

    MMAN_INJECT("SetFileInformationByHandle", FALSE);
    info.EndOfFile.QuadPart = 0;
    return SetFileInformationByHandle(file, FileEndOfFileInfo, &info,
                                      sizeof info);
}

BOOL mman__rename_open(HANDLE file, const wchar_t *to)
{
    size_t name_size = (wcslen(to) + 1) * sizeof(wchar_t);
    size_t size = offsetof(FILE_RENAME_INFO, FileName) + name_size;
    FILE_RENAME_INFO *rename;
    BOOL ok;

    MMAN_INJECT("SetFileInformationByHandle(FileRenameInfo)", FALSE);
    rename = calloc(1, size);
    if (!rename) {
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return FALSE;
    }
    rename->FileNameLength = (DWORD)(name_size - sizeof(wchar_t));
    memcpy(rename->FileName, to, name_size);
    ok = SetFileInformationByHandle(file, FileRenameInfo, rename,
                                    (DWORD)size);
    free(rename);
    return ok;
}

BOOL mman__delete_open(HANDLE file)
{
    FILE_DISPOSITION_INFO disposition = {TRUE};

    MMAN_INJECT("SetFileInformationByHandle(FileDispositionInfo)", FALSE);
    return SetFileInformationByHandle(file, FileDispositionInfo,
                                      &disposition, sizeof disposition);
}

BOOL mman__make_writable(HANDLE file)
{
    FILE_BASIC_INFO info;

    MMAN_INJECT("SetFileInformationByHandle(FileBasicInfo)", FALSE);
    if (!GetFileInformationByHandleEx(file, FileBasicInfo, &info,
                                      sizeof info))
        return FALSE;
    info.FileAttributes &= ~(DWORD)FILE_ATTRIBUTE_READONLY;
    if (!info.FileAttributes)
        info.FileAttributes = FILE_ATTRIBUTE_NORMAL;
    return SetFileInformationByHandle(file, FileBasicInfo, &info,
                                      sizeof info);
}

/* ---- the shm store's place and security ---- */

typedef HRESULT(WINAPI *folder_path_fn)(HWND, int, HANDLE, DWORD, LPWSTR);

/* shell32 is loaded only here, so that programs that never call
 * shm_open do not pay for it. */
BOOL mman__local_app_data(wchar_t *buf)
{
    HMODULE shell32;
    folder_path_fn folder_path;
    HRESULT result = E_FAIL;

    MMAN_INJECT("SHGetFolderPathW", FALSE);
    shell32 = LoadLibraryW(L"shell32.dll");
    if (!shell32)
        return FALSE;
    folder_path = (folder_path_fn)(void (*)(void))GetProcAddress(
        shell32, "SHGetFolderPathW");
    if (folder_path)
        result = folder_path(NULL, CSIDL_LOCAL_APPDATA | CSIDL_FLAG_CREATE,
                             NULL, 0, buf);
    FreeLibrary(shell32);
    if (result != S_OK)
        SetLastError(ERROR_PATH_NOT_FOUND);
    return result == S_OK;
}

DWORD mman__full_path(const wchar_t *path, wchar_t *full, DWORD size)
{
    MMAN_INJECT("GetFullPathNameW", 0);
    return GetFullPathNameW(path, size, full, NULL);
}

BOOL mman__user_sid(wchar_t **sid)
{
    union {
        TOKEN_USER user;
        char bytes[256];
    } info;
    HANDLE token;
    DWORD size;
    BOOL ok;

    MMAN_INJECT("GetTokenInformation", FALSE);
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token))
        return FALSE;
    ok = GetTokenInformation(token, TokenUser, &info, sizeof info, &size) &&
         ConvertSidToStringSidW(info.user.User.Sid, sid);
    size = GetLastError();
    CloseHandle(token);
    SetLastError(size);
    return ok;
}

BOOL mman__security_of(const wchar_t *path, PSECURITY_DESCRIPTOR *descriptor)
{
    DWORD error;

    MMAN_INJECT("GetNamedSecurityInfoW", FALSE);
    error = GetNamedSecurityInfoW(path, SE_FILE_OBJECT,
                                  DACL_SECURITY_INFORMATION, NULL, NULL,
                                  NULL, NULL, descriptor);
    SetLastError(error);
    return error == ERROR_SUCCESS;
}

BOOL mman__security_from_sddl(const wchar_t *sddl,
                              PSECURITY_DESCRIPTOR *descriptor)
{
    MMAN_INJECT("ConvertStringSecurityDescriptorToSecurityDescriptorW",
                FALSE);
    return ConvertStringSecurityDescriptorToSecurityDescriptorW(
        sddl, SDDL_REVISION_1, descriptor, NULL);
}

/* ---- the C runtime ---- */

int mman__fd_from_handle(HANDLE handle, int flags)
{
    MMAN_INJECT("_open_osfhandle", -1);
    return _open_osfhandle((intptr_t)handle, flags);
}
