/*
 * The CE shim (see ce/shim.h): desktop calls that refuse what Windows CE
 * 5 refuses. The one file of the CE-rules build that calls desktop
 * Windows directly, so it never includes ce/rules.h.
 *
 * What it must remember (section handles and the files behind them,
 * views, reservations, the handles of CreateFileForMapping) is kept in
 * one small table under one lock; every call that reads or changes the
 * table holds the lock until it returns.
 */
#include "ce/shim.h"

#include <stdint.h>
#include <stdlib.h>
#include <wchar.h>

/* CE's allocation granularity: view offsets and charges use it. */
#define GRAIN ((SIZE_T)64 << 10)

/* CE has one namespace per object type (WINCE.md 1, "Object names");
 * desktop has one for all, so mapping names get this tag there. */
#define MAPPING_TAG L"mman-ce-mapping:"
#define TAG_LEN (sizeof MAPPING_TAG / sizeof(WCHAR) - 1)

struct file_id {
    DWORD volume, index_high, index_low;
};

enum kind {
    SECTION,     /* key: a section handle; id: its file's, if any */
    VIEW,        /* key: a view's base; charge; id: its file's */
    RESERVATION, /* key: a reservation's base; charge, extent, shared */
    KERNEL_FILE, /* key: a CreateFileForMapping handle no section took */
    TAKEN_FILE   /* key: one a section took (the shim closed it) */
};

struct entry {
    enum kind kind;
    const void *key;
    SIZE_T charge;  /* bytes charged to a budget */
    SIZE_T extent;  /* RESERVATION: bytes reserved */
    int shared;     /* RESERVATION: charged to the shared region */
    int has_id;     /* SECTION, VIEW: id is the mapped file's */
    struct file_id id;
    WCHAR *name;    /* SECTION: its tagged name, or NULL */
};

static INIT_ONCE once = INIT_ONCE_STATIC_INIT;
static CRITICAL_SECTION table_lock;
static struct entry *table;
static size_t used, room;
static SIZE_T slot_charge, shared_charge;

static BOOL CALLBACK init_lock(PINIT_ONCE o, PVOID param, PVOID *context)
{
    (void)o;
    (void)param;
    (void)context;
    InitializeCriticalSection(&table_lock);
    return TRUE;
}

static void lock(void)
{
    InitOnceExecuteOnce(&once, init_lock, NULL, NULL);
    EnterCriticalSection(&table_lock);
}

static void unlock(void)
{
    LeaveCriticalSection(&table_lock);
}

/* Room for one more entry, so that add() cannot fail after the desktop
 * call has made something. Under the lock. */
static int make_room(void)
{
    struct entry *more;
    size_t n = room ? 2 * room : 64;

    if (used < room)
        return 1;
    more = realloc(table, n * sizeof *table);
    if (!more)
        return 0;
    table = more;
    room = n;
    return 1;
}

static struct entry *add(enum kind kind, const void *key)
{
    struct entry *e = &table[used++];

    e->kind = kind;
    e->key = key;
    e->charge = e->extent = 0;
    e->shared = e->has_id = 0;
    e->name = NULL;
    return e;
}

static struct entry *find(enum kind kind, const void *key)
{
    size_t i;

    for (i = 0; i < used; i++)
        if (table[i].kind == kind && table[i].key == key)
            return &table[i];
    return NULL;
}

static void drop(struct entry *e)
{
    free(e->name);
    *e = table[--used];
}

/* A handle value is no longer what the table says it was (it was
 * closed, or the system has issued the value again). */
static void forget_handle(HANDLE h)
{
    struct entry *e;

    while ((e = find(SECTION, h)) || (e = find(KERNEL_FILE, h)) ||
           (e = find(TAKEN_FILE, h)))
        drop(e);
}

static int file_id_of(HANDLE file, struct file_id *id)
{
    BY_HANDLE_FILE_INFORMATION info;

    if (!GetFileInformationByHandle(file, &info))
        return 0;
    id->volume = info.dwVolumeSerialNumber;
    id->index_high = info.nFileIndexHigh;
    id->index_low = info.nFileIndexLow;
    return 1;
}

static int same_id(const struct file_id *a, const struct file_id *b)
{
    return a->volume == b->volume && a->index_high == b->index_high &&
           a->index_low == b->index_low;
}

/* Whether a section handle or a view on the file at path is alive. */
static int is_mapped(LPCWSTR path)
{
    DWORD all = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
    HANDLE h = CreateFileW(path, 0, all, NULL, OPEN_EXISTING,
                           FILE_FLAG_BACKUP_SEMANTICS, NULL);
    struct file_id id;
    size_t i;
    int known;

    if (h == INVALID_HANDLE_VALUE)
        return 0;
    known = file_id_of(h, &id);
    CloseHandle(h);
    for (i = 0; known && i < used; i++)
        if ((table[i].kind == SECTION || table[i].kind == VIEW) &&
            table[i].has_id && same_id(&table[i].id, &id))
            return 1;
    return 0;
}

/* The bytes of the allocation that starts at base. */
static SIZE_T extent_of(const void *base)
{
    MEMORY_BASIC_INFORMATION mbi;
    const char *p = base;

    while (VirtualQuery(p, &mbi, sizeof mbi) && mbi.State != MEM_FREE &&
           mbi.AllocationBase == base)
        p = (const char *)mbi.BaseAddress + mbi.RegionSize;
    return (SIZE_T)(p - (const char *)base);
}

/* The 64 KiB blocks that bytes starting at offset (within a block)
 * touch, in bytes; SIZE_MAX if that does not fit. */
static SIZE_T charge_of(SIZE_T offset, SIZE_T bytes)
{
    if (bytes > SIZE_MAX - 2 * GRAIN)
        return SIZE_MAX;
    return (offset + bytes + GRAIN - 1) & ~(GRAIN - 1);
}

/* CE says there is no current directory (WINCE.md 1, "Other limits");
 * so a relative path is not found. Absolute: "\..." or, as desktop
 * needs a drive, "X:\...". */
static int is_absolute(LPCWSTR p)
{
    if (!p)
        return 0;
    if (p[0] == L'\\')
        return 1;
    return ((p[0] >= L'A' && p[0] <= L'Z') ||
            (p[0] >= L'a' && p[0] <= L'z')) &&
           p[1] == L':' && p[2] == L'\\';
}

static BOOL fail(DWORD error)
{
    SetLastError(error);
    return FALSE;
}

static HANDLE fail_handle(DWORD error)
{
    SetLastError(error);
    return INVALID_HANDLE_VALUE;
}

static void *fail_null(DWORD error)
{
    SetLastError(error);
    return NULL;
}

/* ---- files ---- */

/* The checks CreateFileW and CreateFileForMapping share. */
static DWORD file_refusal(LPCWSTR path, DWORD share,
                          LPSECURITY_ATTRIBUTES sa, DWORD flags)
{
    /* CE says lpSecurityAttributes is ignored and must be NULL; so
     * anything else is a library bug. */
    if (sa)
        return ERROR_INVALID_PARAMETER;
    /* CE has no FILE_SHARE_DELETE, FILE_FLAG_DELETE_ON_CLOSE or
     * FILE_ATTRIBUTE_TEMPORARY (WINCE.md 1, 4.8); so they are refused
     * rather than dropped, to show where the library relies on them. */
    if ((share & FILE_SHARE_DELETE) ||
        (flags & (FILE_FLAG_DELETE_ON_CLOSE | FILE_ATTRIBUTE_TEMPORARY)))
        return ERROR_INVALID_PARAMETER;
    if (!is_absolute(path))
        return ERROR_PATH_NOT_FOUND;
    return ERROR_SUCCESS;
}

HANDLE WINAPI mman__ce_CreateFileW(LPCWSTR path, DWORD access, DWORD share,
                                   LPSECURITY_ATTRIBUTES sa,
                                   DWORD disposition, DWORD flags,
                                   HANDLE template_file)
{
    DWORD error = file_refusal(path, share, sa, flags);
    HANDLE h;

    if (error != ERROR_SUCCESS)
        return fail_handle(error);
    lock();
    h = CreateFileW(path, access, share, NULL, disposition, flags,
                    template_file);
    error = GetLastError();
    if (h != INVALID_HANDLE_VALUE)
        forget_handle(h);
    unlock();
    SetLastError(error);
    return h;
}

HANDLE WINAPI mman__ce_CreateFileForMapping(LPCWSTR path, DWORD access,
                                            DWORD share,
                                            LPSECURITY_ATTRIBUTES sa,
                                            DWORD disposition, DWORD flags,
                                            HANDLE template_file)
{
    DWORD error;
    HANDLE h;

    /* CE says dwShareMode is ignored: GENERIC_READ alone gives
     * FILE_SHARE_READ, any other access is exclusive (aa517321). */
    share = (access & GENERIC_READ) && !(access & ~GENERIC_READ)
                ? FILE_SHARE_READ
                : 0;
    error = file_refusal(path, share, sa, flags);
    if (error != ERROR_SUCCESS)
        return fail_handle(error);
    lock();
    if (!make_room()) {
        unlock();
        return fail_handle(ERROR_NOT_ENOUGH_MEMORY);
    }
    h = CreateFileW(path, access, share, NULL, disposition, flags,
                    template_file);
    error = GetLastError();
    if (h != INVALID_HANDLE_VALUE) {
        forget_handle(h);
        add(KERNEL_FILE, h);
    }
    unlock();
    SetLastError(error);
    return h;
}

BOOL WINAPI mman__ce_CloseHandle(HANDLE handle)
{
    struct entry *e;
    DWORD error, flags;
    BOOL ok;

    lock();
    e = find(TAKEN_FILE, handle);
    if (e) {
        /* CE says the kernel closes a CreateFileForMapping handle
         * itself (aa517321); so once a section took it the caller's
         * CloseHandle fails, unless the system has since issued the
         * value again (then it is someone else's handle). */
        if (!GetHandleInformation(handle, &flags)) {
            unlock();
            return fail(ERROR_INVALID_HANDLE);
        }
        drop(e);
    }
    ok = CloseHandle(handle);
    error = GetLastError();
    if (ok)
        forget_handle(handle);
    unlock();
    SetLastError(error);
    return ok;
}

BOOL WINAPI mman__ce_DeleteFileW(LPCWSTR path)
{
    BOOL ok;
    DWORD error;

    if (!is_absolute(path))
        return fail(ERROR_PATH_NOT_FOUND);
    lock();
    /* CE says DeleteFile fails on a file that is open or mapped
     * (ms923961); desktop refuses the open case itself, the mapped one
     * is checked here. */
    if (is_mapped(path)) {
        unlock();
        return fail(ERROR_SHARING_VIOLATION);
    }
    ok = DeleteFileW(path);
    error = GetLastError();
    unlock();
    SetLastError(error);
    return ok;
}

BOOL WINAPI mman__ce_MoveFileW(LPCWSTR from, LPCWSTR to)
{
    BOOL ok;
    DWORD error;

    if (!is_absolute(from) || !is_absolute(to))
        return fail(ERROR_PATH_NOT_FOUND);
    lock();
    /* As DeleteFileW: a mapped file stays where it is (ms923961). */
    if (is_mapped(from)) {
        unlock();
        return fail(ERROR_SHARING_VIOLATION);
    }
    ok = MoveFileW(from, to);
    error = GetLastError();
    unlock();
    SetLastError(error);
    return ok;
}

BOOL WINAPI mman__ce_CreateDirectoryW(LPCWSTR path,
                                      LPSECURITY_ATTRIBUTES sa)
{
    /* CE ignores the security attributes and asks for NULL. */
    if (sa)
        return fail(ERROR_INVALID_PARAMETER);
    if (!is_absolute(path))
        return fail(ERROR_PATH_NOT_FOUND);
    return CreateDirectoryW(path, NULL);
}

BOOL WINAPI mman__ce_RemoveDirectoryW(LPCWSTR path)
{
    if (!is_absolute(path))
        return fail(ERROR_PATH_NOT_FOUND);
    return RemoveDirectoryW(path);
}

HANDLE WINAPI mman__ce_FindFirstFileW(LPCWSTR pattern,
                                      LPWIN32_FIND_DATAW found)
{
    if (!is_absolute(pattern))
        return fail_handle(ERROR_PATH_NOT_FOUND);
    return FindFirstFileW(pattern, found);
}

DWORD WINAPI mman__ce_GetFileAttributesW(LPCWSTR path)
{
    if (!is_absolute(path)) {
        SetLastError(ERROR_PATH_NOT_FOUND);
        return INVALID_FILE_ATTRIBUTES;
    }
    return GetFileAttributesW(path);
}

BOOL WINAPI mman__ce_SetFileAttributesW(LPCWSTR path, DWORD attributes)
{
    if (!is_absolute(path))
        return fail(ERROR_PATH_NOT_FOUND);
    return SetFileAttributesW(path, attributes);
}

/* ---- mappings ---- */

/* Records a new section handle, under the lock with room made. */
static void add_section(HANDLE section, HANDLE file, const WCHAR *name,
                        int existed)
{
    struct entry *e, *other = NULL;
    size_t i;

    forget_handle(section);
    for (i = 0; existed && name && i < used; i++)
        if (table[i].kind == SECTION && table[i].name &&
            wcscmp(table[i].name, name) == 0)
            other = &table[i];
    e = add(SECTION, section);
    if (name)
        e->name = _wcsdup(name);
    /* An existing object maps the file it was made with. */
    if (other && other->has_id) {
        e->has_id = 1;
        e->id = other->id;
    } else if (file != INVALID_HANDLE_VALUE) {
        e->has_id = file_id_of(file, &e->id);
    }
}

HANDLE WINAPI mman__ce_CreateFileMappingW(HANDLE file,
                                          LPSECURITY_ATTRIBUTES sa,
                                          DWORD protect, DWORD size_high,
                                          DWORD size_low, LPCWSTR name)
{
    WCHAR tagged[TAG_LEN + MAX_PATH + 1];
    const WCHAR *desktop_name = NULL;
    DWORD page = protect & ~(DWORD)SEC_COMMIT, error;
    struct entry *taken;
    HANDLE section;

    /* CE says lpFileMappingAttributes is "Ignored. Must be NULL."
     * (aa517331). */
    if (sa)
        return fail_null(ERROR_INVALID_PARAMETER);
    /* CE documents PAGE_READONLY and PAGE_READWRITE only (SEC_COMMIT is
     * used in practice); so no copy-on-write, execute or other SEC_*
     * (WINCE.md 1, 4.2). */
    if (page != PAGE_READONLY && page != PAGE_READWRITE)
        return fail_null(ERROR_INVALID_PARAMETER);
    if (name) {
        size_t n = wcslen(name);

        /* CE takes names of up to MAX_PATH, with "" a name and no
         * Global\ or Local\ (WINCE.md 4.2); so "", longer names and
         * '\' are refused. */
        if (n == 0 || n > MAX_PATH || wcschr(name, L'\\'))
            return fail_null(ERROR_INVALID_PARAMETER);
        wcscpy(tagged, MAPPING_TAG);
        wcscpy(tagged + TAG_LEN, name);
        desktop_name = tagged;
    }
    lock();
    if (!make_room()) {
        unlock();
        return fail_null(ERROR_NOT_ENOUGH_MEMORY);
    }
    if (file == INVALID_HANDLE_VALUE && page == PAGE_READONLY) {
        /* CE says "you cannot specify PAGE_READONLY without a file
         * handle", yet gives an existing object of that name, which is
         * CE's OpenFileMapping (WINCE.md 1, 4.2). */
        section = desktop_name
                      ? OpenFileMappingW(FILE_MAP_READ, FALSE, desktop_name)
                      : NULL;
        error = section ? ERROR_ALREADY_EXISTS : ERROR_INVALID_PARAMETER;
    } else {
        section = CreateFileMappingW(file, NULL, protect, size_high,
                                     size_low, desktop_name);
        error = GetLastError();
    }
    if (section) {
        add_section(section, file, desktop_name,
                    error == ERROR_ALREADY_EXISTS);
        /* CE says the kernel closes a CreateFileForMapping handle
         * itself (aa517321); so once a section has it, it is closed. */
        taken = find(KERNEL_FILE, file);
        if (taken) {
            CloseHandle(file);
            taken->kind = TAKEN_FILE;
        }
    }
    unlock();
    SetLastError(error);
    return section;
}

LPVOID WINAPI mman__ce_MapViewOfFile(HANDLE section, DWORD access,
                                     DWORD offset_high, DWORD offset_low,
                                     SIZE_T size)
{
    struct entry *e, *s;
    SIZE_T charge;
    DWORD error;
    void *base;

    /* CE has FILE_MAP_READ, FILE_MAP_WRITE and FILE_MAP_ALL_ACCESS, no
     * FILE_MAP_COPY or FILE_MAP_EXECUTE (ms891386); so one of those
     * three exactly. */
    if (access != FILE_MAP_READ && access != FILE_MAP_WRITE &&
        access != FILE_MAP_ALL_ACCESS)
        return fail_null(ERROR_INVALID_PARAMETER);
    /* CE says the offset is a multiple of the 64 KB granularity. */
    if (offset_low % GRAIN != 0)
        return fail_null(ERROR_MAPPED_ALIGNMENT);
    lock();
    if (!make_room()) {
        unlock();
        return fail_null(ERROR_NOT_ENOUGH_MEMORY);
    }
    base = MapViewOfFile(section, access, offset_high, offset_low, size);
    error = GetLastError();
    if (base) {
        /* CE 5 puts every view in the shared region, about 992 MB
         * (WINCE.md 1 "Where views live", 4.3); so views are charged
         * to that budget by their 64 KiB blocks. */
        charge = charge_of(0, extent_of(base));
        if (charge > MMAN_CE_SHARED_BUDGET - shared_charge) {
            UnmapViewOfFile(base);
            base = NULL;
            error = ERROR_NOT_ENOUGH_MEMORY;
        } else {
            shared_charge += charge;
            e = add(VIEW, base);
            e->charge = charge;
            s = find(SECTION, section);
            if (s && s->has_id) {
                e->has_id = 1;
                e->id = s->id;
            }
        }
    }
    unlock();
    SetLastError(error);
    return base;
}

BOOL WINAPI mman__ce_UnmapViewOfFile(LPCVOID base)
{
    struct entry *e;
    DWORD error;
    BOOL ok;

    lock();
    /* CE unmaps whole views: the base MapViewOfFile gave (ms892373). */
    e = find(VIEW, base);
    if (!e) {
        unlock();
        return fail(ERROR_INVALID_PARAMETER);
    }
    ok = UnmapViewOfFile(base);
    error = GetLastError();
    if (ok) {
        shared_charge -= e->charge;
        drop(e);
    }
    unlock();
    SetLastError(error);
    return ok;
}

BOOL WINAPI mman__ce_FlushViewOfFile(LPCVOID base, SIZE_T size)
{
    /* CE says the length "cannot be set to zero" (ms890303). */
    if (size == 0)
        return fail(ERROR_INVALID_PARAMETER);
    return FlushViewOfFile(base, size);
}

/* ---- virtual memory ---- */

LPVOID WINAPI mman__ce_VirtualAlloc(LPVOID at, SIZE_T size, DWORD type,
                                    DWORD protect)
{
    DWORD page = protect & 0xFF, error;
    SIZE_T charge, *budget_used, budget;
    struct entry *e;
    int shared;
    void *p;

    /* CE says MEM_RESET is "Not supported" and has no large pages,
     * write watch, physical pages or MEM_RESET_UNDO (aa450975,
     * WINCE.md 4.6). */
    if (type & (MEM_RESET | MEM_RESET_UNDO | MEM_LARGE_PAGES |
                MEM_WRITE_WATCH | MEM_PHYSICAL))
        return fail_null(ERROR_INVALID_PARAMETER);
    /* CE has no copy-on-write pages (WINCE.md 1, flProtect). */
    if (page == PAGE_WRITECOPY || page == PAGE_EXECUTE_WRITECOPY)
        return fail_null(ERROR_INVALID_PARAMETER);
    /* A commit inside an existing reservation charges nothing. */
    if (!(type & MEM_RESERVE) && (at || !(type & MEM_COMMIT)))
        return VirtualAlloc(at, size, type, protect);

    /* CE 5 puts a reserve-only of 2 MB or more with PAGE_NOACCESS in
     * the shared Large Memory Area, and everything else (one-step
     * reserve+commit too) in the process's 32 MB slot (aa450975;
     * davidfindlay.org/weblog/files/ce_lma.html); so that is where
     * the reservation is charged, by its 64 KiB blocks. */
    shared = !(type & MEM_COMMIT) && size >= MMAN_CE_LARGE_RESERVATION &&
             page == PAGE_NOACCESS;
    budget_used = shared ? &shared_charge : &slot_charge;
    budget = shared ? MMAN_CE_SHARED_BUDGET : MMAN_CE_SLOT_BUDGET;
    charge = charge_of((uintptr_t)at % GRAIN, size);
    lock();
    if (charge > budget - *budget_used || !make_room()) {
        unlock();
        return fail_null(ERROR_NOT_ENOUGH_MEMORY);
    }
    p = VirtualAlloc(at, size, type, protect);
    error = GetLastError();
    if (p) {
        *budget_used += charge;
        e = add(RESERVATION, p);
        e->charge = charge;
        e->extent = extent_of(p);
        e->shared = shared;
    }
    unlock();
    SetLastError(error);
    return p;
}

BOOL WINAPI mman__ce_VirtualFree(LPVOID at, SIZE_T size, DWORD type)
{
    struct entry *e;
    DWORD error;
    BOOL ok;

    if (!(type & MEM_RELEASE))
        return VirtualFree(at, size, type);
    lock();
    ok = VirtualFree(at, size, type);
    error = GetLastError();
    e = ok ? find(RESERVATION, at) : NULL;
    if (e) {
        *(e->shared ? &shared_charge : &slot_charge) -= e->charge;
        drop(e);
    }
    unlock();
    SetLastError(error);
    return ok;
}

BOOL WINAPI mman__ce_VirtualProtect(LPVOID at, SIZE_T size, DWORD protect,
                                    PDWORD old)
{
    uintptr_t start = (uintptr_t)at, base;
    DWORD error = ERROR_INVALID_PARAMETER;
    BOOL ok = FALSE;
    size_t i;

    lock();
    /* CE documents VirtualProtect for the pages of one VirtualAlloc
     * region only (ms913495); strict mode: not on views either
     * (WINCE.md 4.5). */
    for (i = 0; i < used; i++) {
        if (table[i].kind != RESERVATION)
            continue;
        base = (uintptr_t)table[i].key;
        if (start >= base && start - base <= table[i].extent &&
            size <= table[i].extent - (start - base)) {
            ok = VirtualProtect(at, size, protect, old);
            error = GetLastError();
            break;
        }
    }
    unlock();
    SetLastError(error);
    return ok;
}

void mman__ce_budgets(SIZE_T *slot, SIZE_T *shared)
{
    lock();
    if (slot)
        *slot = slot_charge;
    if (shared)
        *shared = shared_charge;
    unlock();
}
