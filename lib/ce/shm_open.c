/* shm_open on Windows CE: an object is the live generation of its name
 * in the store (ce/shm_store.c), opened as a descriptor of the
 * resolver's kind. */
#include "internal.h"

#include <fcntl.h>
#include <stdlib.h>
#include <wchar.h>

/* Looks at most this often: each time again means that another process
 * made or removed a generation of the name meanwhile. */
#define TRIES 100
/* The directories are made again at most this often: a shm_open that
 * fails removes those it made, which another may have just found. */
#define MAKINGS 3

/* CE maps no file for execution: no execute access (desktop asks for
 * it). */
static DWORD file_access(int oflag)
{
    switch (oflag & O_ACCMODE) {
    case O_WRONLY:
        return GENERIC_WRITE;
    case O_RDWR:
        return GENERIC_READ | GENERIC_WRITE;
    default:
        return GENERIC_READ;
    }
}

/* POSIX says mode holds the permission bits; a CE file has one,
 * read-only, which a mode without write bits sets. CE has no
 * FILE_ATTRIBUTE_TEMPORARY (desktop sets it). */
static DWORD attributes(mode_t mode)
{
    return (mode & 0222) ? FILE_ATTRIBUTE_NORMAL : FILE_ATTRIBUTE_READONLY;
}

/* O_TRUNC. glibc truncates also for an O_RDONLY descriptor; that needs
 * a second handle that may write, which CE opens by name (it has no
 * ReOpenFile): the generation's own file, so the object truncated is
 * the one opened even if it has been unlinked since. */
static int truncate_object(HANDLE h, const wchar_t *file, int oflag)
{
    HANDLE writer;
    DWORD error = 0;

    if ((oflag & O_ACCMODE) != O_RDONLY)
        return mman__truncate(h) ? 0
                                 : mman__errno_from_win32(GetLastError());
    writer = mman__open_file(file, GENERIC_WRITE, OPEN_EXISTING,
                             FILE_ATTRIBUTE_NORMAL, NULL);
    if (writer == INVALID_HANDLE_VALUE)
        return mman__errno_from_win32(GetLastError());
    if (!mman__truncate(writer))
        error = GetLastError();
    mman__close(writer);
    return mman__errno_from_win32(error);
}

/* What open_object did, for shm_open to use or undo. */
struct opening {
    HANDLE h;               /* INVALID_HANDLE_VALUE until opened */
    wchar_t file[MAX_PATH]; /* the generation's file */
    int created;            /* the file is new */
    int makings;            /* times the directories were made */
    int store_was_missing;  /* before they were made the first time */
};

/* Makes the store and the directories of a long name. */
static int make_directories(const wchar_t *path, struct opening *o)
{
    const wchar_t *store;
    int err;

    if (o->makings++ == MAKINGS)
        return ENOENT;
    if (o->makings == 1) {
        store = mman__shm_store(&err);
        if (!store)
            return err;
        o->store_was_missing = !mman__shm_present(store);
    }
    return mman__shm_make_directories(path);
}

/* Creates the generation after every one seen: 0 when done, -1 when a
 * racing process made that generation first, or an errno value. */
static int create_generation(const wchar_t *path, unsigned long highest,
                             mode_t mode, int oflag, struct opening *o)
{
    DWORD error;
    int err;

    if (highest == 0xFFFFFFFFul)
        return ENOSPC;
    mman__shm_generation_path(o->file, path, highest + 1, 0);
    for (;;) {
        o->h = mman__open_file(o->file, file_access(oflag), CREATE_NEW,
                               attributes(mode), NULL);
        if (o->h != INVALID_HANDLE_VALUE) {
            o->created = 1;
            return 0;
        }
        error = GetLastError();
        /* made by another, or made and being deleted again (which
         * Windows refuses to create anew: access denied) */
        if (error == ERROR_FILE_EXISTS || error == ERROR_ALREADY_EXISTS ||
            (error == ERROR_ACCESS_DENIED && mman__shm_present(o->file)))
            return -1;
        if (error != ERROR_PATH_NOT_FOUND)
            return mman__errno_from_win32(error);
        err = make_directories(path, o);
        if (err)
            return err;
    }
}

/* Whether the live generation, just seen, could not be opened because
 * it is going away: it is gone (with the directory of a long name), or
 * it is being deleted. A file being deleted cannot be opened: Wine's
 * DeleteFileW holds it open for deletion, so that an open that does
 * not share deletion (CE has no FILE_SHARE_DELETE) is a sharing
 * violation, and desktop Windows refuses a file whose delete is pending
 * (ERROR_ACCESS_DENIED); either is over soon. A read-only object opened
 * for writing is refused for good. */
static int going_away(DWORD error, const struct mman_shm_generations *gens,
                      int oflag)
{
    switch (error) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_SHARING_VIOLATION:
        return 1;
    case ERROR_ACCESS_DENIED:
        return !((gens->attributes & FILE_ATTRIBUTE_READONLY) &&
                 (oflag & O_ACCMODE) != O_RDONLY);
    default:
        return 0;
    }
}

/* Opens the live generation of path, or with O_CREAT makes the next
 * one when there is none. 0 or an errno value. */
static int open_object(const wchar_t *path, int oflag, mode_t mode,
                       struct opening *o)
{
    struct mman_shm_generations gens;
    int tries, err = EBUSY;

    for (tries = 0; tries < TRIES; tries++) {
        err = mman__shm_generations(path, &gens);
        if (err)
            return err;
        if (gens.live && (oflag & O_CREAT) && (oflag & O_EXCL))
            return EEXIST;
        if (gens.live) {
            mman__shm_generation_path(o->file, path, gens.live, 0);
            o->h = mman__open_file(o->file, file_access(oflag),
                                   OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL,
                                   NULL);
            if (o->h != INVALID_HANDLE_VALUE)
                return 0;
            /* going away since it was seen: look again, for ENOENT
             * or with O_CREAT a new one; what stays is the error */
            err = mman__errno_from_win32(GetLastError());
            if (!going_away(GetLastError(), &gens, oflag))
                return err;
            continue;
        }
        if (!(oflag & O_CREAT))
            return ENOENT;
        err = create_generation(path, gens.highest, mode, oflag, o);
        /* lost to another process: its object was there first */
        if (err == -1 && (oflag & O_EXCL))
            return EEXIST;
        if (err != -1)
            return err;
        err = EBUSY;
    }
    /* each look found another process at work on the name */
    return err;
}

/* Leaves nothing of a failed shm_open behind: the handle, the file it
 * created, the directories it made. */
static void undo(const struct opening *o, wchar_t *path)
{
    const wchar_t *store;
    int err;

    if (o->h != INVALID_HANDLE_VALUE)
        mman__close(o->h);
    if (o->created)
        mman__delete(o->file);
    if (!o->makings)
        return;
    mman__shm_remove_directories(path);
    store = mman__shm_store(&err);
    if (store && o->store_was_missing)
        mman__remove_directory(store);
}

int shm_open(const char *name, int oflag, mode_t mode)
{
    struct opening o = {INVALID_HANDLE_VALUE, {0}, 0, 0, 0};
    wchar_t *path;
    int err, fd = -1;

    err = mman__shm_open_path(name, oflag, &path);
    if (err)
        return mman__fail(err);
    err = open_object(path, oflag, mode, &o);
    if (!err && !o.created)
        err = mman__shm_read_only_refuses(o.h, oflag);
    /* A shm_open that fails should change nothing, so O_TRUNC comes as
     * late as it can; but a descriptor cannot be given back once made
     * (the resolver has no close), so that comes last. Only a full
     * descriptor table (EMFILE) then leaves the object truncated, as
     * the caller asked. */
    if (!err && (oflag & O_TRUNC) && !o.created)
        err = truncate_object(o.h, o.file, oflag);
    if (!err) {
        fd = mman__fd_from_handle(o.h, oflag);
        if (fd < 0)
            err = EMFILE;
    }
    if (oflag & O_CREAT)
        mman__shm_sweep(path);
    if (err)
        undo(&o, path);
    free(path);
    return err ? mman__fail(err) : fd;
}
