/* The store of shared memory objects on Windows CE: where it is, and
 * the generations each object's file goes through.
 *
 * POSIX says an object lives until shm_unlink, which removes its name
 * at once, even while the object is open or mapped. CE cannot delete
 * (WINCE.md 1) or, as far as is known, rename an open or mapped file,
 * and has no FILE_SHARE_DELETE. So a name stands for a series of files,
 * its generations: the object named N is "<path(N)>.<g>", g = 1, 2, ...
 * An unlink that cannot delete the file leaves a marker "<path(N)>.<g>.u"
 * beside it instead, and the name is gone: the live generation is the
 * one without a marker, and O_CREAT makes the next one.
 *
 * The files of unlinked generations are deleted by sweeps, at every
 * shm_unlink and every shm_open with O_CREAT, in the directory of the
 * name at hand: storage is freed at the next sweep after the last user
 * of the object lets go. That directory is the store for names of up
 * to 64 bytes; a longer name's file is in a directory of its own first
 * 64 bytes, "<hex>.d", swept only when a name beginning with the same
 * 64 bytes is used again. */
#include "internal.h"

#include <stdlib.h>
#include <wchar.h>

/* ---- the store ---- */

/* CE has no environment variables and no per-user folders: one store
 * per device, in the temporary directory. */
#define STORE_LEAF L"mman-shm"

/* The longest a generation adds to its object's path: "." and a
 * generation number of 32 bits, then a marker's ".u". Every name whose
 * path leaves no room for it is ENAMETOOLONG, whatever its generation,
 * so that what a name may do does not change as it is reused. */
#define LONGEST_SUFFIX 13

static wchar_t store[MAX_PATH + 2 + sizeof STORE_LEAF / sizeof(wchar_t)];
/* 0: not found yet, 1: being found, 2: found. CE has no
 * InitOnceExecuteOnce; a failure is not kept, the next call tries
 * again. */
static volatile LONG store_state;

const wchar_t *mman__shm_store(int *err)
{
    LONG state;

    while ((state = InterlockedCompareExchange(&store_state, 1, 0)) == 1)
        Sleep(0);
    if (state == 2)
        return store;
    if (!mman__temp_path(store)) {
        /* a temporary directory past MAX_PATH sets no error */
        *err = mman__errno_from_win32(GetLastError());
        if (!*err)
            *err = ENAMETOOLONG;
        InterlockedExchange(&store_state, 0);
        return NULL;
    }
    wcscat(store, STORE_LEAF);
    InterlockedExchange(&store_state, 2);
    return store;
}

#ifdef MMAN_TESTING
void mman__shm_store_forget(void)
{
    InterlockedExchange(&store_state, 0);
}
#endif

/* CE has no security attributes: the store and what is in it are
 * made with none (README, "Windows CE"). A file where a directory
 * should be makes the object's file "not found" later: ENOENT. */
int mman__shm_make_directories(const wchar_t *path)
{
    wchar_t copy[MAX_PATH], *p;
    const wchar_t *base;
    int err;
    BOOL ok;

    base = mman__shm_store(&err);
    if (!base)
        return err;
    if (wcslen(path) >= MAX_PATH)
        return ENAMETOOLONG;
    if (!mman__make_directory(base, NULL))
        return mman__errno_from_win32(GetLastError());
    wcscpy(copy, path);
    /* each directory of a long name; the last component is the object */
    for (p = copy + wcslen(base) + 1; (p = wcschr(p, L'\\')) != NULL; p++) {
        *p = 0;
        ok = mman__make_directory(copy, NULL);
        *p = L'\\';
        if (!ok)
            return mman__errno_from_win32(GetLastError());
    }
    return 0;
}

/* ---- generations ---- */

int mman__shm_present(const wchar_t *path)
{
    WIN32_FIND_DATAW found;
    HANDLE search;

    if (!mman__find_first(path, &found, &search))
        return 0;
    FindClose(search);
    return 1;
}

/* Appends the decimal digits of g to out. */
static void append_number(wchar_t *out, unsigned long g)
{
    wchar_t digits[16];
    size_t n = 0;

    do {
        digits[n++] = (wchar_t)(L'0' + g % 10);
        g /= 10;
    } while (g);
    out += wcslen(out);
    while (n)
        *out++ = digits[--n];
    *out = 0;
}

void mman__shm_generation_path(wchar_t *out, const wchar_t *path,
                               unsigned long g, int unlinked)
{
    wcscpy(out, path);
    wcscat(out, L".");
    append_number(out, g);
    if (unlinked)
        wcscat(out, L".u");
}

/* Reads "<g>" or "<g>.u" (g from 1, no leading zero, 32 bits at most)
 * at p: g, and in *unlinked whether it is a marker; 0 if p is neither
 * (the directory of a longer name, "<hex>.d", is one such). */
static unsigned long generation_at(const wchar_t *p, int *unlinked)
{
    unsigned long g = 0, digit;

    if (*p < L'1' || *p > L'9')
        return 0;
    for (; *p >= L'0' && *p <= L'9'; p++) {
        digit = (unsigned long)(*p - L'0');
        if (g > (0xFFFFFFFFul - digit) / 10)
            return 0;
        g = g * 10 + digit;
    }
    *unlinked = wcscmp(p, L".u") == 0;
    return *unlinked || *p == 0 ? g : 0;
}

/* What one search found: each generation, and whether it is marked. */
struct seen {
    unsigned long g;
    int unlinked;
    DWORD attributes;
};

struct seen_list {
    struct seen *at;
    size_t n, room;
};

static int add_seen(struct seen_list *list, unsigned long g, int unlinked,
                    DWORD attributes)
{
    struct seen *more;

    if (list->n == list->room) {
        list->room = list->room ? 2 * list->room : 8;
        more = realloc(list->at, list->room * sizeof *more);
        if (!more)
            return ENOMEM;
        list->at = more;
    }
    list->at[list->n].g = g;
    list->at[list->n].unlinked = unlinked;
    list->at[list->n].attributes = attributes;
    list->n++;
    return 0;
}

static int marked(const struct seen_list *list, unsigned long g)
{
    size_t i;

    for (i = 0; i < list->n; i++)
        if (list->at[i].unlinked && list->at[i].g == g)
            return 1;
    return 0;
}

/* Every "<base>.<g>" and "<base>.<g>.u" beside path. 0 or errno. */
static int list_generations(const wchar_t *path, struct seen_list *list)
{
    const wchar_t *base = wcsrchr(path, L'\\') + 1;
    size_t n = wcslen(base);
    wchar_t pattern[MAX_PATH];
    WIN32_FIND_DATAW found;
    HANDLE search;
    unsigned long g;
    int unlinked, err = 0;

    wcscpy(pattern, path);
    wcscat(pattern, L".*");
    if (!mman__find_first(pattern, &found, &search))
        /* no such file, or no such directory yet: no generation */
        return GetLastError() == ERROR_FILE_NOT_FOUND ||
                       GetLastError() == ERROR_PATH_NOT_FOUND ||
                       GetLastError() == ERROR_NO_MORE_FILES
                   ? 0
                   : mman__errno_from_win32(GetLastError());
    do {
        /* the pattern matches more than generations ("<base>" itself,
         * "<base>.d"), and matching ignores case: the name is read */
        if (wcsncmp(found.cFileName, base, n) != 0 ||
            found.cFileName[n] != L'.' ||
            (found.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY))
            continue;
        g = generation_at(found.cFileName + n + 1, &unlinked);
        if (g)
            err = add_seen(list, g, unlinked, found.dwFileAttributes);
    } while (!err && FindNextFileW(search, &found));
    if (!err && GetLastError() != ERROR_NO_MORE_FILES)
        err = mman__errno_from_win32(GetLastError());
    FindClose(search);
    return err;
}

int mman__shm_generations(const wchar_t *path,
                          struct mman_shm_generations *gens)
{
    struct seen_list list = {NULL, 0, 0};
    size_t i;
    int err;

    /* CE paths are at most MAX_PATH characters, with the final NUL */
    if (wcslen(path) + LONGEST_SUFFIX >= MAX_PATH)
        return ENAMETOOLONG;
    gens->live = gens->highest = 0;
    gens->attributes = 0;
    err = list_generations(path, &list);
    for (i = 0; !err && i < list.n; i++) {
        const struct seen *s = &list.at[i];

        if (s->g > gens->highest)
            gens->highest = s->g;
        /* at most one has no marker; if in doubt, the newest */
        if (!s->unlinked && s->g > gens->live && !marked(&list, s->g)) {
            gens->live = s->g;
            gens->attributes = s->attributes;
        }
    }
    free(list.at);
    return err;
}

/* ---- the sweep ---- */

/* Whether name is a marker "<hex>.<g>.u". */
static int is_marker(const wchar_t *name)
{
    const wchar_t *p = name;
    int unlinked = 0;

    while ((*p >= L'0' && *p <= L'9') || (*p >= L'a' && *p <= L'f'))
        p++;
    return p > name && *p == L'.' && generation_at(p + 1, &unlinked) &&
           unlinked;
}

/* One marker at marker (its object the same without ".u"). The marker
 * is looked for again first: another sweep may have finished with it
 * since the search listed it, and the name been given a new object of
 * the same generation since, which must not be deleted. What is left
 * of that window is a few calls wide. */
static void sweep_one(wchar_t *marker)
{
    size_t n = wcslen(marker);

    if (!mman__shm_present(marker))
        return;
    marker[n - 2] = 0;
    /* the object goes when its last user has let go */
    if (mman__delete(marker) || GetLastError() == ERROR_FILE_NOT_FOUND) {
        marker[n - 2] = L'.';
        mman__delete(marker);
    }
}

void mman__shm_sweep(const wchar_t *path)
{
    const wchar_t *cut = wcsrchr(path, L'\\');
    size_t dir = cut ? (size_t)(cut - path) : 0;
    wchar_t pattern[MAX_PATH], marker[MAX_PATH];
    WIN32_FIND_DATAW found;
    HANDLE search;

    if (!cut || dir + 5 > MAX_PATH)
        return;
    wcsncpy(pattern, path, dir);
    wcscpy(pattern + dir, L"\\*.u");
    if (!mman__find_first(pattern, &found, &search))
        return;
    do {
        if (!is_marker(found.cFileName) ||
            dir + 1 + wcslen(found.cFileName) >= MAX_PATH)
            continue;
        wcsncpy(marker, path, dir + 1);
        wcscpy(marker + dir + 1, found.cFileName);
        sweep_one(marker);
    } while (FindNextFileW(search, &found));
    FindClose(search);
}
