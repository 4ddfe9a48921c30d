/* shm_unlink: the name goes at once, the data when its last user lets
 * go. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

#define TOMBSTONE L"\\deleted."

/* Whether tombstones may be left: by an earlier process, or by a
 * delete of ours that failed. */
static volatile LONG tombstones_left = 1;

/* Deletes what earlier unlinks could not. */
static void sweep(const wchar_t *store, wchar_t *scratch)
{
    WIN32_FIND_DATAW found;
    HANDLE search;

    if (!InterlockedExchange(&tombstones_left, 0))
        return;
    wcscpy(scratch, store);
    wcscat(scratch, TOMBSTONE L"*");
    if (!mman__find_first(scratch, &found, &search))
        return;
    do {
        wcscpy(scratch, store);
        wcscat(scratch, L"\\");
        wcscat(scratch, found.cFileName);
        mman__delete(scratch);
    } while (FindNextFileW(search, &found));
    FindClose(search);
}

/* POSIX says the name is gone at once while the object lives on for
 * those who hold it. Windows keeps the name of a deleted file until its
 * last handle closes, so the file is first renamed to a name no object
 * can have, then deleted. 0 or an errno value. */
static int bury(const wchar_t *store, const wchar_t *path, wchar_t *tomb)
{
    static volatile LONG serial;
    int tries;

    for (tries = 0; tries < 100; tries++) {
        swprintf(tomb, 64 + wcslen(store), L"%ls%ls%lu.%ld", store,
                 TOMBSTONE, (unsigned long)GetCurrentProcessId(),
                 (long)InterlockedIncrement(&serial));
        if (mman__rename(path, tomb)) {
            if (!mman__delete(tomb))
                InterlockedExchange(&tombstones_left, 1);
            return 0;
        }
        if (GetLastError() != ERROR_ALREADY_EXISTS &&
            GetLastError() != ERROR_FILE_EXISTS)
            return mman__errno_from_win32(GetLastError());
    }
    return EBUSY;
}

int shm_unlink(const char *name)
{
    const wchar_t *store;
    wchar_t *path, *scratch;
    int err = mman__shm_unlink_path(name, &path);

    if (err)
        return mman__fail(err);
    store = mman__shm_store(&err); /* found for the path already */
    scratch = malloc((wcslen(path) + wcslen(store) + MAX_PATH + 64) *
                     sizeof *scratch);
    err = scratch ? bury(store, path, scratch) : ENOMEM;
    if (!err) {
        mman__shm_remove_directories(path);
        sweep(store, scratch);
    }
    free(scratch);
    free(path);
    return err ? mman__fail(err) : 0;
}
