/* The store of shared memory objects: one directory per user, each
 * object a file in it (DESIGN.md section 3). */
#include "internal.h"

#include <sddl.h>
#include <shfolder.h>
#include <stdlib.h>
#include <wchar.h>

#define STORE_VARIABLE L"MMAN_SHM_DIR"
#define STORE_LEAF L"\\mman-shm"

static wchar_t *store;  /* "\\?\" form, no trailing backslash */
static int store_error; /* errno value when there is no store */
static INIT_ONCE store_once = INIT_ONCE_STATIC_INIT;

typedef HRESULT(WINAPI *folder_path_fn)(HWND, int, HANDLE, DWORD, LPWSTR);

/* The user's local application data folder: per user, and unmoved by
 * TMP or TEMP. shell32 is loaded only here, so that programs that never
 * call shm_open do not pay for it. */
static int local_app_data(wchar_t *buf)
{
    HMODULE shell32 = LoadLibraryW(L"shell32.dll");
    folder_path_fn folder_path;
    int ok = 0;

    if (!shell32)
        return 0;
    folder_path = (folder_path_fn)(void (*)(void))GetProcAddress(
        shell32, "SHGetFolderPathW");
    if (folder_path)
        ok = folder_path(NULL, CSIDL_LOCAL_APPDATA | CSIDL_FLAG_CREATE, NULL,
                         0, buf) == S_OK;
    FreeLibrary(shell32);
    return ok;
}

/* The "\\?\" form of an absolute path, which takes any length and every
 * file name as it is (no device names, no trailing dots dropped). */
static wchar_t *long_form(const wchar_t *full)
{
    const wchar_t *prefix = L"\\\\?\\";
    size_t n = wcslen(full);
    wchar_t *path;

    if (wcsncmp(full, prefix, 4) == 0) {
        prefix = L"";
    } else if (wcsncmp(full, L"\\\\", 2) == 0) {
        prefix = L"\\\\?\\UNC";
        full++; /* keep one backslash before the server */
        n--;
    }
    path = malloc((wcslen(prefix) + n + 1) * sizeof *path);
    if (!path)
        return NULL;
    wcscpy(path, prefix);
    wcscat(path, full);
    n = wcslen(path);
    while (n > 0 && path[n - 1] == L'\\')
        path[--n] = 0;
    return path;
}

#define LONGEST_PATH 32768

/* The store's path: MMAN_SHM_DIR if set, else the per-user default.
 * 0 or an errno value. */
static int store_path(wchar_t *place, wchar_t *full)
{
    DWORD n = GetEnvironmentVariableW(STORE_VARIABLE, place, LONGEST_PATH);

    if (n == 0 || n >= LONGEST_PATH) {
        if (!local_app_data(place) ||
            wcslen(place) + wcslen(STORE_LEAF) >= LONGEST_PATH)
            return ENOENT;
        wcscat(place, STORE_LEAF);
    }
    n = GetFullPathNameW(place, LONGEST_PATH, full, NULL);
    if (n == 0 || n >= LONGEST_PATH)
        return mman__errno_from_win32(GetLastError());
    store = long_form(full);
    return store ? 0 : ENOMEM;
}

static BOOL CALLBACK find_store(PINIT_ONCE once, PVOID arg, PVOID *ctx)
{
    wchar_t *place = malloc(2 * LONGEST_PATH * sizeof *place);

    (void)once;
    (void)arg;
    (void)ctx;
    store_error = place ? store_path(place, place + LONGEST_PATH) : ENOMEM;
    free(place);
    return TRUE;
}

const wchar_t *mman__shm_store(int *err)
{
    InitOnceExecuteOnce(&store_once, find_store, NULL, NULL);
    *err = store_error;
    return store;
}

/* Security attributes that give the user, and nobody else, every
 * access, inherited by what is created inside. 0 or an errno value. */
static int owner_only(SECURITY_ATTRIBUTES *sa)
{
    union {
        TOKEN_USER user;
        char bytes[256];
    } info;
    wchar_t *sid = NULL, sddl[256];
    HANDLE token;
    DWORD size;
    BOOL ok;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token))
        return mman__errno_from_win32(GetLastError());
    ok = GetTokenInformation(token, TokenUser, &info, sizeof info, &size) &&
         ConvertSidToStringSidW(info.user.User.Sid, &sid) &&
         wcslen(sid) < 200;
    if (ok) {
        wcscpy(sddl, L"D:P(A;OICI;FA;;;");
        wcscat(sddl, sid);
        wcscat(sddl, L")");
        sa->nLength = sizeof *sa;
        sa->bInheritHandle = FALSE;
        ok = ConvertStringSecurityDescriptorToSecurityDescriptorW(
            sddl, SDDL_REVISION_1, &sa->lpSecurityDescriptor, NULL);
    }
    if (!ok)
        size = GetLastError();
    LocalFree(sid);
    CloseHandle(token);
    return ok ? 0 : mman__errno_from_win32(size);
}

int mman__shm_make_directories(const wchar_t *path)
{
    const wchar_t *base;
    wchar_t *copy, *p;
    SECURITY_ATTRIBUTES sa;
    int err;

    base = mman__shm_store(&err);
    if (!base)
        return err;
    err = owner_only(&sa);
    if (err)
        return err;
    copy = malloc((wcslen(path) + 1) * sizeof *copy);
    if (!copy) {
        LocalFree(sa.lpSecurityDescriptor);
        return ENOMEM;
    }
    wcscpy(copy, path);
    /* The store itself, then each directory of a long name; the last
     * component is the object. Existing directories keep their
     * security: a store shared on purpose stays shared. */
    for (p = copy + wcslen(base); !err && (p = wcschr(p, L'\\')) != NULL;
         p++) {
        DWORD attributes;

        *p = 0;
        if (!mman__make_directory(copy, &sa))
            err = mman__errno_from_win32(GetLastError());
        attributes = GetFileAttributesW(copy);
        /* POSIX: a path through a file that is not a directory */
        if (!err && attributes != INVALID_FILE_ATTRIBUTES &&
            !(attributes & FILE_ATTRIBUTE_DIRECTORY))
            err = ENOTDIR;
        *p = L'\\';
    }
    free(copy);
    LocalFree(sa.lpSecurityDescriptor);
    return err;
}
