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

/* Marks the open file h to be deleted when its last handle closes;
 * a read-only object loses the attribute first, as Windows deletes no
 * read-only file. A failure leaves a tombstone for a later sweep. */
static void delete_when_closed(HANDLE h)
{
    if (mman__delete_open(h) ||
        (mman__make_writable(h) && mman__delete_open(h)))
        return;
    InterlockedExchange(&tombstones_left, 1);
}

/* POSIX says the name is gone at once while the object lives on for
 * those who hold it. Windows keeps the name of a deleted file until its
 * last handle closes, so the file is first renamed to a name no object
 * can have, then deleted; both through one handle, which costs a third
 * of opening it by name for each. 0 or an errno value. */
static int bury(const wchar_t *store, const wchar_t *path, wchar_t *tomb)
{
    static volatile LONG serial;
    HANDLE h = mman__open_file(path,
                               DELETE | FILE_READ_ATTRIBUTES |
                                   FILE_WRITE_ATTRIBUTES,
                               OPEN_EXISTING, 0, NULL);
    DWORD error = ERROR_ALREADY_EXISTS;
    int tries;

    if (h == INVALID_HANDLE_VALUE)
        return mman__errno_from_win32(GetLastError());
    for (tries = 0; tries < 100 && (error == ERROR_ALREADY_EXISTS ||
                                    error == ERROR_FILE_EXISTS);
         tries++) {
        swprintf(tomb, 64 + wcslen(store), L"%ls%ls%lu.%ld", store,
                 TOMBSTONE, (unsigned long)GetCurrentProcessId(),
                 (long)InterlockedIncrement(&serial));
        error = mman__rename_open(h, tomb) ? 0 : GetLastError();
    }
    if (!error)
        delete_when_closed(h);
    mman__close(h);
    if (error == ERROR_ALREADY_EXISTS || error == ERROR_FILE_EXISTS)
        return EBUSY;
    return mman__errno_from_win32(error);
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
