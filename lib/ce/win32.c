/* The thin layer, Windows CE's own calls (win32.c has the shared ones;
 * MMAN_INJECT as there). Only what CE exports (WINCE.md section 1). */
#include "internal.h"

/* CE has no GetFileSizeEx. */
BOOL mman__file_size(HANDLE file, uint64_t *size)
{
    DWORD high, low;

    MMAN_INJECT("GetFileSize", FALSE);
    low = GetFileSize(file, &high);
    if (low == INVALID_FILE_SIZE && GetLastError() != NO_ERROR)
        return FALSE;
    *size = (uint64_t)high << 32 | low;
    return TRUE;
}

BOOL mman__file_identity(HANDLE file, BY_HANDLE_FILE_INFORMATION *info)
{
    MMAN_INJECT("GetFileInformationByHandle", FALSE);
    return GetFileInformationByHandle(file, info);
}

BOOL mman__file_attributes(HANDLE file, DWORD *attributes)
{
    BY_HANDLE_FILE_INFORMATION info;

    if (!mman__file_identity(file, &info))
        return FALSE;
    *attributes = info.dwFileAttributes;
    return TRUE;
}

/* A transfer of no bytes moves nothing and changes nothing, but is
 * refused (ERROR_ACCESS_DENIED) on a handle without the access. */
BOOL mman__may_transfer(HANDLE file, int write)
{
    char byte = 0;
    DWORD done;

    MMAN_INJECT("ReadFile/WriteFile", FALSE);
    return write ? WriteFile(file, &byte, 0, &done, NULL)
                 : ReadFile(file, &byte, 0, &done, NULL);
}

/* CE has neither FILE_SHARE_DELETE nor security attributes. */
HANDLE mman__open_file(const wchar_t *path, DWORD access, DWORD disposition,
                       DWORD attributes, SECURITY_ATTRIBUTES *sa)
{
    (void)sa;
    MMAN_INJECT("CreateFileW", INVALID_HANDLE_VALUE);
    return CreateFileW(path, access, FILE_SHARE_READ | FILE_SHARE_WRITE,
                       NULL, disposition, attributes, NULL);
}

/* CE has no SetFileInformationByHandle: the end of file moves to the
 * file pointer, which is put back after. */
BOOL mman__truncate(HANDLE file)
{
    LONG high = 0;
    DWORD low, error;
    BOOL ok;

    MMAN_INJECT("SetEndOfFile", FALSE);
    low = SetFilePointer(file, 0, &high, FILE_CURRENT);
    if (low == INVALID_SET_FILE_POINTER && GetLastError() != NO_ERROR)
        return FALSE;
    if (SetFilePointer(file, 0, NULL, FILE_BEGIN) ==
            INVALID_SET_FILE_POINTER &&
        GetLastError() != NO_ERROR)
        return FALSE;
    ok = SetEndOfFile(file);
    error = GetLastError();
    SetFilePointer(file, (LONG)low, &high, FILE_BEGIN);
    SetLastError(error);
    return ok;
}

BOOL mman__temp_path(wchar_t *buf)
{
    DWORD n;

    MMAN_INJECT("GetTempPathW", FALSE);
    n = GetTempPathW(MAX_PATH + 1, buf);
    if (n > MAX_PATH)
        SetLastError(ERROR_FILENAME_EXCED_RANGE);
    if (n == 0 || n > MAX_PATH)
        return FALSE;
    if (buf[n - 1] != L'\\')
        wcscat(buf, L"\\");
    return TRUE;
}
