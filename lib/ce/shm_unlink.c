/* shm_unlink on Windows CE: the name goes at once, the file when its
 * last user lets go (ce/shm_store.c). */
#include "internal.h"

#include <stdlib.h>
#include <wchar.h>

/* ---- */

/* POSIX says the name is gone at once while the object lives on for
 * those who hold it. CE cannot delete a file that is open or mapped;
 * so the generation gets its marker, which ends it as the name's live
 * one, and a later sweep deletes the file. 0 or an errno value. */
static int mark_unlinked(const wchar_t *path, unsigned long g)
{
    wchar_t marker[MAX_PATH];
    HANDLE h;

    mman__shm_generation_path(marker, path, g, 1);
    h = mman__open_file(marker, GENERIC_WRITE, CREATE_NEW,
                        FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE)
        /* there already: another shm_unlink was first */
        return GetLastError() == ERROR_FILE_EXISTS ||
                       GetLastError() == ERROR_ALREADY_EXISTS
                   ? ENOENT
                   : mman__errno_from_win32(GetLastError());
    mman__close(h);
    return 0;
}

/* Ends the live generation of path. 0 or an errno value. */
static int unlink_object(const wchar_t *path)
{
    struct mman_shm_generations gens;
    wchar_t file[MAX_PATH];
    DWORD error;
    int err = mman__shm_generations(path, &gens);

    if (err)
        return err;
    if (!gens.live)
        return ENOENT;
    mman__shm_generation_path(file, path, gens.live, 0);
    if (mman__delete(file))
        return 0;
    error = GetLastError();
    if (error == ERROR_FILE_NOT_FOUND)
        err = ENOENT; /* another shm_unlink was first */
    else if (error == ERROR_SHARING_VIOLATION ||
             error == ERROR_ACCESS_DENIED)
        err = mark_unlinked(path, gens.live); /* open or mapped */
    else
        err = mman__errno_from_win32(error);
    /* the delete took the read-only attribute off; a live object
     * keeps it */
    if (err && err != ENOENT && (gens.attributes & FILE_ATTRIBUTE_READONLY))
        mman__set_attributes(file, gens.attributes);
    return err;
}

int shm_unlink(const char *name)
{
    wchar_t *path;
    int err = mman__shm_unlink_path(name, &path);

    if (err)
        return mman__fail(err);
    err = unlink_object(path);
    mman__shm_sweep(path);
    if (!err)
        mman__shm_remove_directories(path);
    free(path);
    return err ? mman__fail(err) : 0;
}
