/* The store of shared memory objects: one directory per user, each
 * object a file in it (DESIGN.md section 3). */
#include "internal.h"

#include <stdlib.h>
#include <wchar.h>

#define STORE_VARIABLE L"MMAN_SHM_DIR"
#define STORE_LEAF L"\\mman-shm"

static wchar_t *store;  /* "\\?\" form, no trailing backslash */
static int store_error; /* errno value when there is no store */
static INIT_ONCE store_once = INIT_ONCE_STATIC_INIT;
/* the store's own access, for what is made inside it */
static PSECURITY_DESCRIPTOR volatile inside;

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
        if (!mman__local_app_data(place) ||
            wcslen(place) + wcslen(STORE_LEAF) >= LONGEST_PATH)
            return ENOENT;
        wcscat(place, STORE_LEAF);
    }
    n = mman__full_path(place, full, LONGEST_PATH);
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

#ifdef MMAN_TESTING
void mman__shm_store_forget(void)
{
    free(store);
    store = NULL;
    LocalFree(inside);
    inside = NULL;
    InitOnceInitialize(&store_once);
}
#endif

/* Security attributes that give the user, and nobody else, every
 * access, inherited by what is created inside. 0 or an errno value. */
static int owner_only(SECURITY_ATTRIBUTES *sa)
{
    wchar_t *sid = NULL, sddl[256]; /* a SID string is under 200 */
    BOOL ok = mman__user_sid(&sid) && wcslen(sid) < 200;

    if (ok) {
        wcscpy(sddl, L"D:P(A;OICI;FA;;;");
        wcscat(sddl, sid);
        wcscat(sddl, L")");
        sa->nLength = sizeof *sa;
        sa->bInheritHandle = FALSE;
        ok = mman__security_from_sddl(sddl, &sa->lpSecurityDescriptor);
    }
    LocalFree(sid);
    return ok ? 0 : mman__errno_from_win32(GetLastError());
}

/* POSIX gives a new object the permissions mode asks for. Everything
 * made inside the store gets the store's own access instead (README):
 * Windows would give that by inheritance, but Wine inherits nothing and
 * falls back to the umask, which lets others read; so it is given
 * explicitly. Read once, when first needed (inside, above). */
int mman__shm_inside_security(SECURITY_ATTRIBUTES *sa)
{
    PSECURITY_DESCRIPTOR sd = inside;
    const wchar_t *base;
    int err;

    if (!sd) {
        base = mman__shm_store(&err);
        if (!base)
            return err;
        if (!mman__security_of(base, &sd))
            return mman__errno_from_win32(GetLastError());
        if (InterlockedCompareExchangePointer((PVOID volatile *)&inside, sd,
                                              NULL)) {
            LocalFree(sd);
            sd = inside;
        }
    }
    sa->nLength = sizeof *sa;
    sa->bInheritHandle = FALSE;
    sa->lpSecurityDescriptor = sd;
    return 0;
}

/* Makes one directory; ENOTDIR if a file is in the way, as POSIX says
 * for a path through a file that is not a directory. */
static int make_directory(const wchar_t *path, SECURITY_ATTRIBUTES *sa)
{
    DWORD attributes;

    if (!mman__make_directory(path, sa))
        return mman__errno_from_win32(GetLastError());
    attributes = GetFileAttributesW(path);
    if (attributes != INVALID_FILE_ATTRIBUTES &&
        !(attributes & FILE_ATTRIBUTE_DIRECTORY))
        return ENOTDIR;
    return 0;
}

/* The store itself, owner-only where it is new (an existing one keeps
 * its security: a store shared on purpose stays shared). */
static int make_store(const wchar_t *base)
{
    SECURITY_ATTRIBUTES sa;
    int err = owner_only(&sa);

    if (err)
        return err;
    err = make_directory(base, &sa);
    LocalFree(sa.lpSecurityDescriptor);
    return err;
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
    err = make_store(base);
    if (!err)
        err = mman__shm_inside_security(&sa);
    if (err)
        return err;
    copy = malloc((wcslen(path) + 1) * sizeof *copy);
    if (!copy)
        return ENOMEM;
    wcscpy(copy, path);
    /* each directory of a long name; the last component is the object */
    for (p = copy + wcslen(base) + 1; !err && (p = wcschr(p, L'\\')) != NULL;
         p++) {
        *p = 0;
        err = make_directory(copy, &sa);
        *p = L'\\';
    }
    free(copy);
    return err;
}

