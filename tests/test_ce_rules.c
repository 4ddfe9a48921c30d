/* CE-rules build only: the CE shim (lib/ce/shim.c), rule by rule. Each
 * refusal with the exact error CE gives, and that what CE permits still
 * works. Every test leaves the address-space budgets as it found them. */
#include "../lib/ce/shim.h"
#include "mt.h"

#include <string.h>
#include <wchar.h>

#define KIB ((SIZE_T)1 << 10)
#define MIB ((SIZE_T)1 << 20)
#define GRAIN (64 * KIB)
#define RW_SHARE (FILE_SHARE_READ | FILE_SHARE_WRITE)
#define ALL_SHARE (RW_SHARE | FILE_SHARE_DELETE)

/* call gives failed, and GetLastError() is then code (read at once:
 * a passing ck_assert may change it). */
#define REFUSED(call, failed, code)                                        \
    do {                                                                   \
        int failed_;                                                       \
        DWORD got_;                                                        \
        SetLastError(12345);                                               \
        failed_ = (call) == (failed);                                      \
        got_ = GetLastError();                                             \
        ck_assert_msg(failed_, "%s did not fail", #call);                  \
        ck_assert_msg(got_ == (DWORD)(code), "%s: error %lu, not %s",      \
                      #call, (unsigned long)got_, #code);                  \
    } while (0)

/* ---- helpers ---- */

static WCHAR dir[MAX_PATH];

static void append_number(WCHAR *s, unsigned long n)
{
    WCHAR digits[24];
    int i = 0;

    do
        digits[i++] = (WCHAR)(L'0' + n % 10);
    while ((n /= 10) != 0);
    s += wcslen(s);
    while (i > 0)
        *s++ = digits[--i];
    *s = 0;
}

/* An absolute path in this run's own temporary directory. Four at a
 * time stay valid. */
static const WCHAR *tmp(const WCHAR *name)
{
    static WCHAR ring[4][MAX_PATH];
    static unsigned next;
    WCHAR *p = ring[next++ % 4];

    if (!dir[0]) {
        unsigned n = 0;
        WCHAR base[MAX_PATH];

        ck_assert_uint_ne(GetTempPathW(MAX_PATH, base), 0);
        do {
            wcscpy(dir, base);
            wcscat(dir, L"mman-ce-");
            append_number(dir, GetCurrentProcessId());
            wcscat(dir, L"-");
            append_number(dir, n++);
        } while (!CreateDirectoryW(dir, NULL) && n < 100);
    }
    wcscpy(p, dir);
    wcscat(p, L"\\");
    wcscat(p, name);
    return p;
}

static void remove_tmp(void)
{
    WIN32_FIND_DATAW found;
    WCHAR path[MAX_PATH];
    HANDLE h;

    if (!dir[0])
        return;
    wcscpy(path, dir);
    wcscat(path, L"\\*");
    h = FindFirstFileW(path, &found);
    if (h != INVALID_HANDLE_VALUE) {
        do {
            wcscpy(path, dir);
            wcscat(path, L"\\");
            wcscat(path, found.cFileName);
            SetFileAttributesW(path, FILE_ATTRIBUTE_NORMAL);
            if (!(found.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY))
                DeleteFileW(path);
            else if (found.cFileName[0] != L'.')
                RemoveDirectoryW(path);
        } while (FindNextFileW(h, &found));
        FindClose(h);
    }
    RemoveDirectoryW(dir);
}

/* A name for a mapping object, unique to this run. */
static const WCHAR *object_name(const WCHAR *suffix)
{
    static WCHAR name[64];

    wcscpy(name, L"mman-ce-rules-");
    append_number(name, GetCurrentProcessId());
    wcscat(name, L"-");
    wcscat(name, suffix);
    return name;
}

static unsigned char pattern(SIZE_T off)
{
    return (unsigned char)(off * 7 + off / 4093);
}

/* Creates (or truncates) path with size pattern bytes (desktop calls). */
static void make_file(const WCHAR *path, SIZE_T size)
{
    static unsigned char buf[4096];
    HANDLE h = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                           FILE_ATTRIBUTE_NORMAL, NULL);
    SIZE_T off, i, n;
    DWORD wrote;

    ck_assert_ptr_ne(h, INVALID_HANDLE_VALUE);
    for (off = 0; off < size; off += n) {
        n = size - off < sizeof buf ? size - off : sizeof buf;
        for (i = 0; i < n; i++)
            buf[i] = pattern(off + i);
        ck_assert(WriteFile(h, buf, (DWORD)n, &wrote, NULL));
        ck_assert_uint_eq(wrote, n);
    }
    ck_assert(CloseHandle(h));
}

static int is_pattern(const unsigned char *p, SIZE_T len, SIZE_T off)
{
    SIZE_T i;

    for (i = 0; i < len; i++)
        if (p[i] != pattern(off + i))
            return 0;
    return 1;
}

static SIZE_T slot_at_start, shared_at_start;

static void record_budgets(void)
{
    mman__ce_budgets(&slot_at_start, &shared_at_start);
}

static SIZE_T slot_used(void)
{
    SIZE_T slot;

    mman__ce_budgets(&slot, NULL);
    return slot;
}

static SIZE_T shared_used(void)
{
    SIZE_T shared;

    mman__ce_budgets(NULL, &shared);
    return shared;
}

static void budgets_unchanged(void)
{
    ck_assert_uint_eq(slot_used(), slot_at_start);
    ck_assert_uint_eq(shared_used(), shared_at_start);
}

/* A RAM-backed section of size bytes, read-write. */
static HANDLE anon_section(SIZE_T size)
{
    HANDLE m = mman__ce_CreateFileMappingW(INVALID_HANDLE_VALUE, NULL,
                                           PAGE_READWRITE, 0, (DWORD)size,
                                           NULL);

    ck_assert_ptr_nonnull(m);
    return m;
}

/* A file of size pattern bytes, open read-write through the shim. */
static HANDLE open_file(const WCHAR *path, SIZE_T size)
{
    HANDLE f;

    make_file(path, size);
    f = mman__ce_CreateFileW(path, GENERIC_READ | GENERIC_WRITE, RW_SHARE,
                             NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL,
                             NULL);
    ck_assert_ptr_ne(f, INVALID_HANDLE_VALUE);
    return f;
}

/* ---- rule 1: CreateFileW ---- */

START_TEST(create_file_rules)
{
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, FALSE};
    DWORD rw = GENERIC_READ | GENERIC_WRITE, normal = FILE_ATTRIBUTE_NORMAL;
    const WCHAR *path = tmp(L"create");
    DWORD error;
    HANDLE h;

    REFUSED(mman__ce_CreateFileW(path, rw, RW_SHARE, &sa, CREATE_ALWAYS,
                                 normal, NULL),
            INVALID_HANDLE_VALUE, ERROR_INVALID_PARAMETER);
    REFUSED(mman__ce_CreateFileW(path, rw, ALL_SHARE, NULL, CREATE_ALWAYS,
                                 normal, NULL),
            INVALID_HANDLE_VALUE, ERROR_INVALID_PARAMETER);
    REFUSED(mman__ce_CreateFileW(path, rw, 0, NULL, CREATE_ALWAYS,
                                 normal | FILE_FLAG_DELETE_ON_CLOSE, NULL),
            INVALID_HANDLE_VALUE, ERROR_INVALID_PARAMETER);
    REFUSED(mman__ce_CreateFileW(path, rw, 0, NULL, CREATE_ALWAYS,
                                 FILE_ATTRIBUTE_TEMPORARY, NULL),
            INVALID_HANDLE_VALUE, ERROR_INVALID_PARAMETER);
    /* no current directory: nothing relative, drive-relative either */
    REFUSED(mman__ce_CreateFileW(L"ce-relative", rw, 0, NULL, CREATE_ALWAYS,
                                 normal, NULL),
            INVALID_HANDLE_VALUE, ERROR_PATH_NOT_FOUND);
    REFUSED(mman__ce_CreateFileW(L".\\ce-relative", rw, 0, NULL,
                                 CREATE_ALWAYS, normal, NULL),
            INVALID_HANDLE_VALUE, ERROR_PATH_NOT_FOUND);
    REFUSED(mman__ce_CreateFileW(L"C:ce-relative", rw, 0, NULL,
                                 CREATE_ALWAYS, normal, NULL),
            INVALID_HANDLE_VALUE, ERROR_PATH_NOT_FOUND);
    REFUSED(mman__ce_CreateFileW(NULL, rw, 0, NULL, CREATE_ALWAYS, normal,
                                 NULL),
            INVALID_HANDLE_VALUE, ERROR_PATH_NOT_FOUND);
    ck_assert_uint_eq(GetFileAttributesW(path), INVALID_FILE_ATTRIBUTES);

    /* what CE has works */
    h = mman__ce_CreateFileW(path, rw, RW_SHARE, NULL, CREATE_NEW, normal,
                             NULL);
    ck_assert_ptr_ne(h, INVALID_HANDLE_VALUE);
    ck_assert(mman__ce_CloseHandle(h));
    h = mman__ce_CreateFileW(path, rw, RW_SHARE, NULL, OPEN_ALWAYS, normal,
                             NULL);
    error = GetLastError();
    ck_assert_ptr_ne(h, INVALID_HANDLE_VALUE);
    ck_assert_uint_eq(error, ERROR_ALREADY_EXISTS);
    ck_assert(mman__ce_CloseHandle(h));
    ck_assert(mman__ce_DeleteFileW(path));
    budgets_unchanged();
}
END_TEST

/* ---- rule 2: CreateFileForMapping ---- */

START_TEST(create_file_for_mapping_rules)
{
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, FALSE};
    DWORD rw = GENERIC_READ | GENERIC_WRITE, normal = FILE_ATTRIBUTE_NORMAL;
    const WCHAR *path = tmp(L"for-mapping");
    HANDLE f, other, m;
    unsigned char *v, byte;
    DWORD got;

    make_file(path, 2 * GRAIN);
    REFUSED(mman__ce_CreateFileForMapping(L"for-mapping", GENERIC_READ, 0,
                                          NULL, OPEN_EXISTING, normal, NULL),
            INVALID_HANDLE_VALUE, ERROR_PATH_NOT_FOUND);
    REFUSED(mman__ce_CreateFileForMapping(path, GENERIC_READ, 0, &sa,
                                          OPEN_EXISTING, normal, NULL),
            INVALID_HANDLE_VALUE, ERROR_INVALID_PARAMETER);

    /* read only: FILE_SHARE_READ, whatever share mode is asked for */
    f = mman__ce_CreateFileForMapping(path, GENERIC_READ, ALL_SHARE, NULL,
                                      OPEN_EXISTING, normal, NULL);
    ck_assert_ptr_ne(f, INVALID_HANDLE_VALUE);
    other = CreateFileW(path, GENERIC_READ, ALL_SHARE, NULL, OPEN_EXISTING,
                        normal, NULL);
    ck_assert_ptr_ne(other, INVALID_HANDLE_VALUE);
    ck_assert(CloseHandle(other));
    REFUSED(CreateFileW(path, GENERIC_WRITE, ALL_SHARE, NULL, OPEN_EXISTING,
                        normal, NULL),
            INVALID_HANDLE_VALUE, ERROR_SHARING_VIOLATION);
    /* no section took it: the caller closes it */
    ck_assert(mman__ce_CloseHandle(f));

    /* read-write: exclusive, whatever share mode is asked for */
    f = mman__ce_CreateFileForMapping(path, rw, RW_SHARE, NULL,
                                      OPEN_EXISTING, normal, NULL);
    ck_assert_ptr_ne(f, INVALID_HANDLE_VALUE);
    REFUSED(CreateFileW(path, GENERIC_READ, ALL_SHARE, NULL, OPEN_EXISTING,
                        normal, NULL),
            INVALID_HANDLE_VALUE, ERROR_SHARING_VIOLATION);
    m = mman__ce_CreateFileMappingW(f, NULL, PAGE_READWRITE, 0, 0, NULL);
    ck_assert_ptr_nonnull(m);
    /* the section took the handle: the kernel closes it, not the caller */
    REFUSED(mman__ce_CloseHandle(f), FALSE, ERROR_INVALID_HANDLE);
    v = mman__ce_MapViewOfFile(m, FILE_MAP_WRITE, 0, GRAIN, 0);
    ck_assert_ptr_nonnull(v);
    ck_assert(is_pattern(v, GRAIN, GRAIN));
    v[1] = 0xA5;
    ck_assert(mman__ce_UnmapViewOfFile(v));
    ck_assert(mman__ce_CloseHandle(m));

    /* nothing holds the file now: an exclusive open works, and the
     * byte written through the view is there */
    other = CreateFileW(path, GENERIC_READ, 0, NULL, OPEN_EXISTING, normal,
                        NULL);
    ck_assert_ptr_ne(other, INVALID_HANDLE_VALUE);
    SetFilePointer(other, (LONG)GRAIN + 1, NULL, FILE_BEGIN);
    ck_assert(ReadFile(other, &byte, 1, &got, NULL));
    ck_assert_uint_eq(got, 1);
    ck_assert_uint_eq(byte, 0xA5);
    ck_assert(CloseHandle(other));
    ck_assert(mman__ce_DeleteFileW(path));
    budgets_unchanged();
}
END_TEST

/* ---- rule 3: CreateFileMappingW ---- */

START_TEST(create_file_mapping_rules)
{
    static const DWORD refused[] = {
        PAGE_WRITECOPY,
        PAGE_EXECUTE,
        PAGE_EXECUTE_READ,
        PAGE_EXECUTE_READWRITE,
        PAGE_EXECUTE_WRITECOPY,
        PAGE_NOACCESS,
        PAGE_READWRITE | SEC_RESERVE,
        PAGE_READWRITE | SEC_NOCACHE,
        PAGE_READWRITE | SEC_LARGE_PAGES | SEC_COMMIT,
        PAGE_READONLY | SEC_IMAGE,
        PAGE_READONLY | SEC_WRITECOMBINE,
        0,
    };
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, FALSE};
    const WCHAR *path = tmp(L"mapping");
    WCHAR long_name[MAX_PATH + 2], name[64];
    HANDLE m, m2, f, mutex;
    char *v, *v2;
    DWORD error;
    size_t i;

    REFUSED(mman__ce_CreateFileMappingW(INVALID_HANDLE_VALUE, &sa,
                                        PAGE_READWRITE, 0, GRAIN, NULL),
            NULL, ERROR_INVALID_PARAMETER);
    for (i = 0; i < sizeof refused / sizeof refused[0]; i++)
        REFUSED(mman__ce_CreateFileMappingW(INVALID_HANDLE_VALUE, NULL,
                                            refused[i], 0, GRAIN, NULL),
                NULL, ERROR_INVALID_PARAMETER);
    m = mman__ce_CreateFileMappingW(INVALID_HANDLE_VALUE, NULL,
                                    PAGE_READWRITE | SEC_COMMIT, 0, GRAIN,
                                    NULL);
    ck_assert_ptr_nonnull(m);
    ck_assert(mman__ce_CloseHandle(m));

    /* no read-only RAM-backed object is ever created */
    REFUSED(mman__ce_CreateFileMappingW(INVALID_HANDLE_VALUE, NULL,
                                        PAGE_READONLY, 0, GRAIN, NULL),
            NULL, ERROR_INVALID_PARAMETER);
    REFUSED(mman__ce_CreateFileMappingW(INVALID_HANDLE_VALUE, NULL,
                                        PAGE_READONLY | SEC_COMMIT, 0, GRAIN,
                                        object_name(L"none")),
            NULL, ERROR_INVALID_PARAMETER);

    /* names */
    REFUSED(mman__ce_CreateFileMappingW(INVALID_HANDLE_VALUE, NULL,
                                        PAGE_READWRITE, 0, GRAIN, L""),
            NULL, ERROR_INVALID_PARAMETER);
    REFUSED(mman__ce_CreateFileMappingW(INVALID_HANDLE_VALUE, NULL,
                                        PAGE_READWRITE, 0, GRAIN,
                                        L"Local\\mman-ce"),
            NULL, ERROR_INVALID_PARAMETER);
    REFUSED(mman__ce_CreateFileMappingW(INVALID_HANDLE_VALUE, NULL,
                                        PAGE_READWRITE, 0, GRAIN,
                                        L"Global\\mman-ce"),
            NULL, ERROR_INVALID_PARAMETER);
    REFUSED(mman__ce_CreateFileMappingW(INVALID_HANDLE_VALUE, NULL,
                                        PAGE_READWRITE, 0, GRAIN,
                                        L"mman\\ce"),
            NULL, ERROR_INVALID_PARAMETER);
    wcscpy(long_name, object_name(L"long-"));
    for (i = wcslen(long_name); i < MAX_PATH + 1; i++)
        long_name[i] = L'x';
    long_name[MAX_PATH + 1] = 0;
    REFUSED(mman__ce_CreateFileMappingW(INVALID_HANDLE_VALUE, NULL,
                                        PAGE_READWRITE, 0, GRAIN, long_name),
            NULL, ERROR_INVALID_PARAMETER);
    long_name[MAX_PATH] = 0;
    m = mman__ce_CreateFileMappingW(INVALID_HANDLE_VALUE, NULL,
                                    PAGE_READWRITE, 0, GRAIN, long_name);
    ck_assert_ptr_nonnull(m);
    ck_assert(mman__ce_CloseHandle(m));

    /* a file-backed object, read-only or read-write */
    f = open_file(path, GRAIN + 1);
    m = mman__ce_CreateFileMappingW(f, NULL, PAGE_READONLY, 0, 0, NULL);
    ck_assert_ptr_nonnull(m);
    ck_assert(mman__ce_CloseHandle(m));
    m = mman__ce_CreateFileMappingW(f, NULL, PAGE_READWRITE | SEC_COMMIT, 0,
                                    0, NULL);
    ck_assert_ptr_nonnull(m);
    ck_assert(mman__ce_CloseHandle(m));
    ck_assert(mman__ce_CloseHandle(f));
    ck_assert(mman__ce_DeleteFileW(path));

    /* PAGE_READONLY without a file opens an existing named object, as
     * CE's OpenFileMapping */
    wcscpy(name, object_name(L"open"));
    SetLastError(0);
    m = mman__ce_CreateFileMappingW(INVALID_HANDLE_VALUE, NULL,
                                    PAGE_READWRITE, 0, GRAIN, name);
    error = GetLastError();
    ck_assert_ptr_nonnull(m);
    ck_assert_uint_eq(error, ERROR_SUCCESS);
    v = mman__ce_MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
    ck_assert_ptr_nonnull(v);
    strcpy(v, "shared");
    m2 = mman__ce_CreateFileMappingW(INVALID_HANDLE_VALUE, NULL,
                                     PAGE_READONLY, 0, 0, name);
    error = GetLastError();
    ck_assert_ptr_nonnull(m2);
    ck_assert_uint_eq(error, ERROR_ALREADY_EXISTS);
    ck_assert_ptr_ne(m2, m);
    v2 = mman__ce_MapViewOfFile(m2, FILE_MAP_READ, 0, 0, 0);
    ck_assert_ptr_nonnull(v2);
    ck_assert_str_eq(v2, "shared");
    /* it was opened for reading only */
    REFUSED(mman__ce_MapViewOfFile(m2, FILE_MAP_WRITE, 0, 0, 0), NULL,
            ERROR_ACCESS_DENIED);

    /* one namespace per object type: a mutex of the same name is a
     * different object */
    SetLastError(0);
    mutex = CreateMutexW(NULL, FALSE, name);
    error = GetLastError();
    ck_assert_ptr_nonnull(mutex);
    ck_assert_uint_eq(error, ERROR_SUCCESS);
    ck_assert(CloseHandle(mutex));

    ck_assert(mman__ce_UnmapViewOfFile(v2));
    ck_assert(mman__ce_CloseHandle(m2));
    ck_assert(mman__ce_UnmapViewOfFile(v));
    ck_assert(mman__ce_CloseHandle(m));
    /* gone with its last handle and view */
    REFUSED(mman__ce_CreateFileMappingW(INVALID_HANDLE_VALUE, NULL,
                                        PAGE_READONLY, 0, 0, name),
            NULL, ERROR_INVALID_PARAMETER);
    budgets_unchanged();
}
END_TEST

/* ---- rule 4: MapViewOfFile ---- */

START_TEST(map_view_rules)
{
    static const DWORD refused[] = {
        FILE_MAP_COPY,
        FILE_MAP_EXECUTE,
        FILE_MAP_READ | FILE_MAP_EXECUTE,
        FILE_MAP_READ | FILE_MAP_WRITE,
        FILE_MAP_READ | FILE_MAP_COPY,
        0,
    };
    static const DWORD permitted[] = {
        FILE_MAP_READ,
        FILE_MAP_WRITE,
        FILE_MAP_ALL_ACCESS,
    };
    SIZE_T size = 3 * GRAIN + 1, shared;
    HANDLE f = open_file(tmp(L"view"), size), m;
    unsigned char *v, *v2;
    void *fill;
    size_t i;

    m = mman__ce_CreateFileMappingW(f, NULL, PAGE_READWRITE, 0, 0, NULL);
    ck_assert_ptr_nonnull(m);
    for (i = 0; i < sizeof refused / sizeof refused[0]; i++)
        REFUSED(mman__ce_MapViewOfFile(m, refused[i], 0, 0, 0), NULL,
                ERROR_INVALID_PARAMETER);
    for (i = 0; i < sizeof permitted / sizeof permitted[0]; i++) {
        v = mman__ce_MapViewOfFile(m, permitted[i], 0, 0, 1);
        ck_assert_ptr_nonnull(v);
        ck_assert_uint_eq(shared_used(), shared_at_start + GRAIN);
        ck_assert(mman__ce_UnmapViewOfFile(v));
        budgets_unchanged();
    }

    /* offsets: 64 KiB multiples only */
    REFUSED(mman__ce_MapViewOfFile(m, FILE_MAP_READ, 0, 4096, 0), NULL,
            ERROR_MAPPED_ALIGNMENT);
    REFUSED(mman__ce_MapViewOfFile(m, FILE_MAP_READ, 0, GRAIN + 4096, 1),
            NULL, ERROR_MAPPED_ALIGNMENT);
    budgets_unchanged();
    v = mman__ce_MapViewOfFile(m, FILE_MAP_READ, 0, GRAIN, 0);
    ck_assert_ptr_nonnull(v);
    ck_assert(is_pattern(v, size - GRAIN, GRAIN));
    /* size 0: to the end, 2 blocks and a byte, charged as 3 */
    ck_assert_uint_eq(shared_used(), shared_at_start + 3 * GRAIN);
    v2 = mman__ce_MapViewOfFile(m, FILE_MAP_ALL_ACCESS, 0, 0, 0);
    ck_assert_ptr_nonnull(v2);
    ck_assert_uint_eq(shared_used(), shared_at_start + 7 * GRAIN);
    ck_assert(mman__ce_UnmapViewOfFile(v2));
    ck_assert(mman__ce_UnmapViewOfFile(v));
    budgets_unchanged();

    /* the shared region's budget: fill all of it but one block */
    shared = MMAN_CE_SHARED_BUDGET - shared_at_start;
    fill = mman__ce_VirtualAlloc(NULL, shared - GRAIN, MEM_RESERVE,
                                 PAGE_NOACCESS);
    ck_assert_ptr_nonnull(fill);
    v = mman__ce_MapViewOfFile(m, FILE_MAP_READ, 0, 0, GRAIN);
    ck_assert_ptr_nonnull(v);
    ck_assert_uint_eq(shared_used(), MMAN_CE_SHARED_BUDGET);
    REFUSED(mman__ce_MapViewOfFile(m, FILE_MAP_READ, 0, GRAIN, 1), NULL,
            ERROR_NOT_ENOUGH_MEMORY);
    ck_assert_uint_eq(shared_used(), MMAN_CE_SHARED_BUDGET);
    ck_assert(mman__ce_UnmapViewOfFile(v));
    v = mman__ce_MapViewOfFile(m, FILE_MAP_READ, 0, GRAIN, 1);
    ck_assert_ptr_nonnull(v);
    ck_assert(mman__ce_UnmapViewOfFile(v));
    ck_assert(mman__ce_VirtualFree(fill, 0, MEM_RELEASE));

    ck_assert(mman__ce_CloseHandle(m));
    ck_assert(mman__ce_CloseHandle(f));
    ck_assert(mman__ce_DeleteFileW(tmp(L"view")));
    budgets_unchanged();
}
END_TEST

/* ---- rule 5: UnmapViewOfFile ---- */

START_TEST(unmap_view_rules)
{
    HANDLE m = anon_section(2 * GRAIN);
    char *v = mman__ce_MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
    char *a = mman__ce_VirtualAlloc(NULL, GRAIN, MEM_RESERVE | MEM_COMMIT,
                                    PAGE_READWRITE);

    ck_assert_ptr_nonnull(v);
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(shared_used(), shared_at_start + 2 * GRAIN);
    /* whole views only, by their base */
    REFUSED(mman__ce_UnmapViewOfFile(v + 4096), FALSE,
            ERROR_INVALID_PARAMETER);
    REFUSED(mman__ce_UnmapViewOfFile(v + GRAIN), FALSE,
            ERROR_INVALID_PARAMETER);
    REFUSED(mman__ce_UnmapViewOfFile(a), FALSE, ERROR_INVALID_PARAMETER);
    REFUSED(mman__ce_UnmapViewOfFile(NULL), FALSE, ERROR_INVALID_PARAMETER);
    v[0] = 1; /* still mapped */
    ck_assert(mman__ce_UnmapViewOfFile(v));
    ck_assert_uint_eq(shared_used(), shared_at_start);
    REFUSED(mman__ce_UnmapViewOfFile(v), FALSE, ERROR_INVALID_PARAMETER);
    ck_assert(mman__ce_VirtualFree(a, 0, MEM_RELEASE));
    ck_assert(mman__ce_CloseHandle(m));
    budgets_unchanged();
}
END_TEST

/* ---- rule 6: FlushViewOfFile ---- */

START_TEST(flush_view_rules)
{
    HANDLE f = open_file(tmp(L"flush"), GRAIN), m;
    char *v;

    m = mman__ce_CreateFileMappingW(f, NULL, PAGE_READWRITE, 0, 0, NULL);
    ck_assert_ptr_nonnull(m);
    v = mman__ce_MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
    ck_assert_ptr_nonnull(v);
    v[0] = 'x';
    REFUSED(mman__ce_FlushViewOfFile(v, 0), FALSE, ERROR_INVALID_PARAMETER);
    ck_assert(mman__ce_FlushViewOfFile(v, 1));
    ck_assert(mman__ce_FlushViewOfFile(v + 100, GRAIN - 100));
    ck_assert(mman__ce_UnmapViewOfFile(v));
    ck_assert(mman__ce_CloseHandle(m));
    ck_assert(mman__ce_CloseHandle(f));
    ck_assert(mman__ce_DeleteFileW(tmp(L"flush")));
    budgets_unchanged();
}
END_TEST

/* ---- rules 7 and 8: VirtualAlloc and VirtualFree ---- */

START_TEST(virtual_alloc_rules)
{
    static const DWORD refused_types[] = {
        MEM_RESERVE | MEM_LARGE_PAGES,
        MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES,
        MEM_RESERVE | MEM_WRITE_WATCH,
        MEM_RESERVE | MEM_PHYSICAL,
        MEM_RESERVE | MEM_RESET,
    };
    char *a, *b;
    size_t i;

    for (i = 0; i < sizeof refused_types / sizeof refused_types[0]; i++)
        REFUSED(mman__ce_VirtualAlloc(NULL, GRAIN, refused_types[i],
                                      PAGE_READWRITE),
                NULL, ERROR_INVALID_PARAMETER);
    REFUSED(mman__ce_VirtualAlloc(NULL, GRAIN, MEM_RESERVE | MEM_COMMIT,
                                  PAGE_WRITECOPY),
            NULL, ERROR_INVALID_PARAMETER);
    REFUSED(mman__ce_VirtualAlloc(NULL, GRAIN, MEM_RESERVE | MEM_COMMIT,
                                  PAGE_EXECUTE_WRITECOPY),
            NULL, ERROR_INVALID_PARAMETER);
    budgets_unchanged();

    /* execute protections are CE's for VirtualAlloc */
    a = mman__ce_VirtualAlloc(NULL, 1, MEM_RESERVE | MEM_COMMIT,
                              PAGE_EXECUTE_READWRITE);
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(slot_used(), slot_at_start + GRAIN);
    ck_assert(mman__ce_VirtualFree(a, 0, MEM_RELEASE));
    budgets_unchanged();

    /* MEM_RESET and MEM_RESET_UNDO on committed pages */
    a = mman__ce_VirtualAlloc(NULL, 4 * GRAIN, MEM_RESERVE, PAGE_NOACCESS);
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(slot_used(), slot_at_start + 4 * GRAIN);
    /* committing inside the reservation charges nothing more */
    ck_assert_ptr_eq(mman__ce_VirtualAlloc(a + GRAIN, GRAIN, MEM_COMMIT,
                                           PAGE_READWRITE),
                     a + GRAIN);
    ck_assert_uint_eq(slot_used(), slot_at_start + 4 * GRAIN);
    a[GRAIN] = 1;
    REFUSED(mman__ce_VirtualAlloc(a + GRAIN, GRAIN, MEM_RESET,
                                  PAGE_READWRITE),
            NULL, ERROR_INVALID_PARAMETER);
    REFUSED(mman__ce_VirtualAlloc(a + GRAIN, GRAIN, MEM_RESET_UNDO,
                                  PAGE_READWRITE),
            NULL, ERROR_INVALID_PARAMETER);
    ck_assert_int_eq(a[GRAIN], 1);
    /* decommitting gives nothing back; a release of the wrong base
     * fails and gives nothing back either */
    ck_assert(mman__ce_VirtualFree(a + GRAIN, GRAIN, MEM_DECOMMIT));
    ck_assert_uint_eq(slot_used(), slot_at_start + 4 * GRAIN);
    ck_assert(!mman__ce_VirtualFree(a + GRAIN, 0, MEM_RELEASE));
    ck_assert_uint_eq(slot_used(), slot_at_start + 4 * GRAIN);
    ck_assert(mman__ce_VirtualFree(a, 0, MEM_RELEASE));
    budgets_unchanged();

    /* MEM_COMMIT without an address reserves as well: charged */
    a = mman__ce_VirtualAlloc(NULL, GRAIN + 1, MEM_COMMIT, PAGE_READWRITE);
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(slot_used(), slot_at_start + 2 * GRAIN);
    ck_assert(mman__ce_VirtualFree(a, 0, MEM_RELEASE));
    budgets_unchanged();

    /* an address inside a block: every block touched is charged */
    a = mman__ce_VirtualAlloc(NULL, 4 * GRAIN, MEM_RESERVE, PAGE_NOACCESS);
    ck_assert_ptr_nonnull(a);
    ck_assert(mman__ce_VirtualFree(a, 0, MEM_RELEASE));
    b = mman__ce_VirtualAlloc(a + 4096, GRAIN, MEM_RESERVE, PAGE_NOACCESS);
    ck_assert_ptr_eq(b, a);
    ck_assert_uint_eq(slot_used(), slot_at_start + 2 * GRAIN);
    ck_assert(mman__ce_VirtualFree(b, 0, MEM_RELEASE));
    budgets_unchanged();
}
END_TEST

/* ---- rule 9: VirtualProtect ---- */

START_TEST(virtual_protect_rules)
{
    HANDLE m = anon_section(GRAIN);
    char *v = mman__ce_MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
    char *a = mman__ce_VirtualAlloc(NULL, 4 * GRAIN, MEM_RESERVE,
                                    PAGE_NOACCESS);
    char *b = mman__ce_VirtualAlloc(NULL, GRAIN, MEM_RESERVE | MEM_COMMIT,
                                    PAGE_READWRITE);
    char on_stack = 0;
    DWORD old;

    ck_assert_ptr_nonnull(v);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_eq(mman__ce_VirtualAlloc(a, 2 * GRAIN, MEM_COMMIT,
                                           PAGE_READWRITE),
                     a);
    /* inside one VirtualAlloc region: works */
    ck_assert(mman__ce_VirtualProtect(a, 4096, PAGE_READONLY, &old));
    ck_assert_uint_eq(old, PAGE_READWRITE);
    ck_assert(mman__ce_VirtualProtect(a + GRAIN, GRAIN, PAGE_NOACCESS,
                                      &old));
    ck_assert(mman__ce_VirtualProtect(a, 2 * GRAIN, PAGE_READWRITE, &old));
    ck_assert(mman__ce_VirtualProtect(b, GRAIN, PAGE_READONLY, &old));
    ck_assert(mman__ce_VirtualProtect(b, GRAIN, PAGE_READWRITE, &old));
    /* a mapped view, a range past a region's end, memory not from
     * VirtualAlloc: refused */
    REFUSED(mman__ce_VirtualProtect(v, 4096, PAGE_READONLY, &old), FALSE,
            ERROR_INVALID_PARAMETER);
    REFUSED(mman__ce_VirtualProtect(a + 3 * GRAIN, 2 * GRAIN, PAGE_READONLY,
                                    &old),
            FALSE, ERROR_INVALID_PARAMETER);
    REFUSED(mman__ce_VirtualProtect(a - 4096, 8192, PAGE_READONLY, &old),
            FALSE, ERROR_INVALID_PARAMETER);
    REFUSED(mman__ce_VirtualProtect(&on_stack, 1, PAGE_READONLY, &old),
            FALSE, ERROR_INVALID_PARAMETER);
    v[0] = 1; /* the view was left as it was */
    ck_assert(mman__ce_VirtualFree(a, 0, MEM_RELEASE));
    REFUSED(mman__ce_VirtualProtect(a, 4096, PAGE_READONLY, &old), FALSE,
            ERROR_INVALID_PARAMETER);
    ck_assert(mman__ce_VirtualFree(b, 0, MEM_RELEASE));
    ck_assert(mman__ce_UnmapViewOfFile(v));
    ck_assert(mman__ce_CloseHandle(m));
    budgets_unchanged();
}
END_TEST

/* ---- rule 10: CloseHandle ---- */

START_TEST(close_handle_rules)
{
    HANDLE event = CreateEventW(NULL, TRUE, FALSE, NULL);
    HANDLE m = anon_section(GRAIN);
    char *v = mman__ce_MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);

    ck_assert_ptr_nonnull(event);
    ck_assert_ptr_nonnull(v);
    /* other handles pass through */
    ck_assert(mman__ce_CloseHandle(event));
    /* a section's views outlive its handle */
    ck_assert(mman__ce_CloseHandle(m));
    v[0] = 1;
    ck_assert_uint_eq(shared_used(), shared_at_start + GRAIN);
    ck_assert(mman__ce_UnmapViewOfFile(v));
    budgets_unchanged();
}
END_TEST

/* ---- rule 11: DeleteFileW and MoveFileW ---- */

START_TEST(delete_and_move_rules)
{
    const WCHAR *path = tmp(L"mapped"), *moved = tmp(L"moved");
    HANDLE f = open_file(path, GRAIN + 1), m, again;
    WCHAR name[64];
    char *v;

    REFUSED(mman__ce_DeleteFileW(L"mapped"), FALSE, ERROR_PATH_NOT_FOUND);
    REFUSED(mman__ce_MoveFileW(path, L"moved"), FALSE, ERROR_PATH_NOT_FOUND);
    REFUSED(mman__ce_MoveFileW(L"mapped", moved), FALSE,
            ERROR_PATH_NOT_FOUND);

    m = mman__ce_CreateFileMappingW(f, NULL, PAGE_READWRITE, 0, 0, NULL);
    ck_assert_ptr_nonnull(m);
    /* open without FILE_SHARE_DELETE: refused by desktop already */
    REFUSED(mman__ce_DeleteFileW(path), FALSE, ERROR_SHARING_VIOLATION);
    ck_assert(mman__ce_CloseHandle(f));
    /* the section is open */
    REFUSED(mman__ce_DeleteFileW(path), FALSE, ERROR_SHARING_VIOLATION);
    REFUSED(mman__ce_MoveFileW(path, moved), FALSE, ERROR_SHARING_VIOLATION);
    /* only a view is left */
    v = mman__ce_MapViewOfFile(m, FILE_MAP_WRITE, 0, GRAIN, 0);
    ck_assert_ptr_nonnull(v);
    ck_assert(mman__ce_CloseHandle(m));
    REFUSED(mman__ce_DeleteFileW(path), FALSE, ERROR_SHARING_VIOLATION);
    REFUSED(mman__ce_MoveFileW(path, moved), FALSE, ERROR_SHARING_VIOLATION);
    ck_assert_uint_ne(GetFileAttributesW(path), INVALID_FILE_ATTRIBUTES);
    /* unmapped: free to go */
    ck_assert(mman__ce_UnmapViewOfFile(v));
    ck_assert(mman__ce_MoveFileW(path, moved));
    ck_assert(mman__ce_DeleteFileW(moved));
    ck_assert_uint_eq(GetFileAttributesW(moved), INVALID_FILE_ATTRIBUTES);
    REFUSED(mman__ce_DeleteFileW(moved), FALSE, ERROR_FILE_NOT_FOUND);

    /* a named section over the file, opened again by name: that handle
     * keeps the file mapped too */
    f = open_file(path, GRAIN);
    wcscpy(name, object_name(L"file"));
    m = mman__ce_CreateFileMappingW(f, NULL, PAGE_READWRITE, 0, 0, name);
    ck_assert_ptr_nonnull(m);
    ck_assert(mman__ce_CloseHandle(f));
    again = mman__ce_CreateFileMappingW(INVALID_HANDLE_VALUE, NULL,
                                        PAGE_READONLY, 0, 0, name);
    ck_assert_ptr_nonnull(again);
    ck_assert(mman__ce_CloseHandle(m));
    REFUSED(mman__ce_DeleteFileW(path), FALSE, ERROR_SHARING_VIOLATION);
    ck_assert(mman__ce_CloseHandle(again));
    ck_assert(mman__ce_DeleteFileW(path));
    budgets_unchanged();
}
END_TEST

/* ---- rule 12: directories and attributes ---- */

START_TEST(path_rules)
{
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, FALSE};
    const WCHAR *d = tmp(L"dir"), *in = tmp(L"dir\\file");
    const WCHAR *all = tmp(L"dir\\*");
    WIN32_FIND_DATAW found;
    HANDLE h;

    REFUSED(mman__ce_CreateDirectoryW(d, &sa), FALSE,
            ERROR_INVALID_PARAMETER);
    REFUSED(mman__ce_CreateDirectoryW(L"dir", NULL), FALSE,
            ERROR_PATH_NOT_FOUND);
    REFUSED(mman__ce_RemoveDirectoryW(L"dir"), FALSE, ERROR_PATH_NOT_FOUND);
    REFUSED(mman__ce_FindFirstFileW(L"*", &found), INVALID_HANDLE_VALUE,
            ERROR_PATH_NOT_FOUND);
    REFUSED(mman__ce_GetFileAttributesW(L"dir"), INVALID_FILE_ATTRIBUTES,
            ERROR_PATH_NOT_FOUND);
    REFUSED(mman__ce_SetFileAttributesW(L"dir", FILE_ATTRIBUTE_NORMAL),
            FALSE, ERROR_PATH_NOT_FOUND);
    ck_assert_uint_eq(GetFileAttributesW(d), INVALID_FILE_ATTRIBUTES);

    ck_assert(mman__ce_CreateDirectoryW(d, NULL));
    ck_assert(mman__ce_GetFileAttributesW(d) & FILE_ATTRIBUTE_DIRECTORY);
    make_file(in, 10);
    h = mman__ce_FindFirstFileW(all, &found);
    ck_assert_ptr_ne(h, INVALID_HANDLE_VALUE);
    ck_assert(FindClose(h));
    ck_assert(mman__ce_SetFileAttributesW(in, FILE_ATTRIBUTE_READONLY));
    ck_assert(mman__ce_GetFileAttributesW(in) & FILE_ATTRIBUTE_READONLY);
    ck_assert(mman__ce_SetFileAttributesW(in, FILE_ATTRIBUTE_NORMAL));
    ck_assert(mman__ce_DeleteFileW(in));
    ck_assert(mman__ce_RemoveDirectoryW(d));
    budgets_unchanged();
}
END_TEST

/* ---- rule 13: the budgets ---- */

START_TEST(budget_rules)
{
    enum { MAX = 32 + 16 };
    char *mib[MAX], *block[MAX], *large, *two;
    SIZE_T room = MMAN_CE_SLOT_BUDGET - slot_at_start;
    size_t n = 0, k = 0, i;

    /* the slot holds 32 MiB: as many 1 MiB reservations as fit */
    while (n < room / MIB) {
        mib[n] = mman__ce_VirtualAlloc(NULL, MIB, MEM_RESERVE,
                                       PAGE_READWRITE);
        ck_assert_ptr_nonnull(mib[n]);
        n++;
    }
    if (slot_at_start == 0)
        ck_assert_uint_eq(n, 32);
    REFUSED(mman__ce_VirtualAlloc(NULL, MIB, MEM_RESERVE, PAGE_READWRITE),
            NULL, ERROR_NOT_ENOUGH_MEMORY);
    /* and the rest by 64 KiB blocks: a byte costs a block */
    while (slot_used() < MMAN_CE_SLOT_BUDGET) {
        ck_assert_uint_lt(k, MAX);
        block[k] = mman__ce_VirtualAlloc(NULL, 1, MEM_RESERVE, PAGE_NOACCESS);
        ck_assert_ptr_nonnull(block[k]);
        k++;
    }
    ck_assert_uint_eq(slot_used(), MMAN_CE_SLOT_BUDGET);
    REFUSED(mman__ce_VirtualAlloc(NULL, 1, MEM_RESERVE, PAGE_NOACCESS), NULL,
            ERROR_NOT_ENOUGH_MEMORY);
    /* committing inside a reservation still works */
    ck_assert_ptr_eq(mman__ce_VirtualAlloc(mib[0], GRAIN, MEM_COMMIT,
                                           PAGE_READWRITE),
                     mib[0]);
    mib[0][0] = 1;

    /* a large reserve-only PAGE_NOACCESS goes to the shared region */
    large = mman__ce_VirtualAlloc(NULL, 3 * MIB, MEM_RESERVE, PAGE_NOACCESS);
    ck_assert_ptr_nonnull(large);
    ck_assert_uint_eq(shared_used(), shared_at_start + 3 * MIB);
    two = mman__ce_VirtualAlloc(NULL, MMAN_CE_LARGE_RESERVATION, MEM_RESERVE,
                                PAGE_NOACCESS);
    ck_assert_ptr_nonnull(two);
    ck_assert_uint_eq(shared_used(), shared_at_start + 5 * MIB);
    /* anything else stays in the (full) slot */
    REFUSED(mman__ce_VirtualAlloc(NULL, 3 * MIB, MEM_RESERVE | MEM_COMMIT,
                                  PAGE_NOACCESS),
            NULL, ERROR_NOT_ENOUGH_MEMORY);
    REFUSED(mman__ce_VirtualAlloc(NULL, 3 * MIB, MEM_RESERVE,
                                  PAGE_READWRITE),
            NULL, ERROR_NOT_ENOUGH_MEMORY);
    REFUSED(mman__ce_VirtualAlloc(NULL, MMAN_CE_LARGE_RESERVATION - GRAIN,
                                  MEM_RESERVE, PAGE_NOACCESS),
            NULL, ERROR_NOT_ENOUGH_MEMORY);
    /* more than the shared region holds */
    REFUSED(mman__ce_VirtualAlloc(NULL, (SIZE_T)1 << 30, MEM_RESERVE,
                                  PAGE_NOACCESS),
            NULL, ERROR_NOT_ENOUGH_MEMORY);
    REFUSED(mman__ce_VirtualAlloc(NULL, (SIZE_T)-1 - 4096, MEM_RESERVE,
                                  PAGE_NOACCESS),
            NULL, ERROR_NOT_ENOUGH_MEMORY);
    ck_assert_uint_eq(shared_used(), shared_at_start + 5 * MIB);
    ck_assert_uint_eq(slot_used(), MMAN_CE_SLOT_BUDGET);

    /* everything comes back on release */
    ck_assert(mman__ce_VirtualFree(large, 0, MEM_RELEASE));
    ck_assert(mman__ce_VirtualFree(two, 0, MEM_RELEASE));
    for (i = 0; i < k; i++)
        ck_assert(mman__ce_VirtualFree(block[i], 0, MEM_RELEASE));
    for (i = 0; i < n; i++)
        ck_assert(mman__ce_VirtualFree(mib[i], 0, MEM_RELEASE));
    budgets_unchanged();
}
END_TEST

/* ---- one lock: callers on several threads ---- */

static DWORD WINAPI churn(LPVOID section)
{
    DWORD failures = 0;
    int i;

    for (i = 0; i < 500; i++) {
        char *a = mman__ce_VirtualAlloc(NULL, GRAIN, MEM_RESERVE | MEM_COMMIT,
                                        PAGE_READWRITE);
        char *v = mman__ce_MapViewOfFile(section, FILE_MAP_WRITE, 0, 0, 0);

        if (!a || !v) {
            failures++;
        } else {
            a[0] = v[0] = (char)i;
            failures += !mman__ce_VirtualProtect(a, 1, PAGE_READONLY,
                                                 &(DWORD){0});
        }
        if (a && !mman__ce_VirtualFree(a, 0, MEM_RELEASE))
            failures++;
        if (v && !mman__ce_UnmapViewOfFile(v))
            failures++;
    }
    return failures;
}

START_TEST(threads_share_the_tables)
{
    enum { N = 4 };
    HANDLE thread[N], section[N];
    DWORD failures;
    int i;

    for (i = 0; i < N; i++) {
        section[i] = anon_section(GRAIN);
        thread[i] = CreateThread(NULL, 0, churn, section[i], 0, NULL);
        ck_assert_ptr_nonnull(thread[i]);
    }
    for (i = 0; i < N; i++) {
        ck_assert_uint_eq(WaitForSingleObject(thread[i], 60000),
                          WAIT_OBJECT_0);
        ck_assert(GetExitCodeThread(thread[i], &failures));
        ck_assert_uint_eq(failures, 0);
        ck_assert(CloseHandle(thread[i]));
        ck_assert(mman__ce_CloseHandle(section[i]));
    }
    budgets_unchanged();
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("ce_rules");
    TCase *tc = tcase_create("shim");
    int status;

    tcase_add_checked_fixture(tc, record_budgets, NULL);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, create_file_rules);
    tcase_add_test(tc, create_file_for_mapping_rules);
    tcase_add_test(tc, create_file_mapping_rules);
    tcase_add_test(tc, map_view_rules);
    tcase_add_test(tc, unmap_view_rules);
    tcase_add_test(tc, flush_view_rules);
    tcase_add_test(tc, virtual_alloc_rules);
    tcase_add_test(tc, virtual_protect_rules);
    tcase_add_test(tc, close_handle_rules);
    tcase_add_test(tc, delete_and_move_rules);
    tcase_add_test(tc, path_rules);
    tcase_add_test(tc, budget_rules);
    tcase_add_test(tc, threads_share_the_tables);
    suite_add_tcase(s, tc);
    status = mt_main(argc, argv, s);
    remove_tmp();
    return status;
}
