/* shm_open: an object is a file in the store (shm_store.c), opened as
 * a C runtime descriptor. */
#include "internal.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

/* With execute access too, so that mmap can map the object with
 * PROT_EXEC without opening it again, which an unlinked one refuses. */
static DWORD file_access(int oflag)
{
    switch (oflag & O_ACCMODE) {
    case O_WRONLY:
        return GENERIC_WRITE;
    case O_RDWR:
        return GENERIC_READ | GENERIC_WRITE | FILE_EXECUTE;
    default:
        return GENERIC_READ | FILE_EXECUTE;
    }
}

static DWORD disposition(int oflag)
{
    if (!(oflag & O_CREAT))
        return OPEN_EXISTING;
    return (oflag & O_EXCL) ? CREATE_NEW : OPEN_ALWAYS;
}

/* POSIX says mode holds the permission bits; a Windows file has one,
 * read-only, which a mode without write bits sets. A temporary file's
 * data stays in memory rather than being written back early, as befits
 * shared memory. */
static DWORD attributes(mode_t mode)
{
    return FILE_ATTRIBUTE_TEMPORARY |
           ((mode & 0222) ? 0 : FILE_ATTRIBUTE_READONLY);
}

/* O_TRUNC. glibc truncates also for an O_RDONLY descriptor; that needs
 * a second handle that may write, for the descriptor must not. */
static int truncate_object(HANDLE h, int oflag)
{
    HANDLE writer;
    DWORD error = 0;

    if ((oflag & O_ACCMODE) != O_RDONLY)
        return mman__truncate(h) ? 0
                                 : mman__errno_from_win32(GetLastError());
    if (!mman__reopen(h, GENERIC_WRITE, &writer))
        return mman__errno_from_win32(GetLastError());
    if (!mman__truncate(writer))
        error = GetLastError();
    mman__close(writer);
    return mman__errno_from_win32(error);
}

/* Opens or creates the object's file, making the store (and the
 * directories of a long name) when O_CREAT finds them missing. */
static HANDLE open_object(const wchar_t *path, int oflag, mode_t mode,
                          int *created, int *err)
{
    SECURITY_ATTRIBUTES inside, *sa = NULL;
    HANDLE h;

    if (oflag & O_CREAT) {
        *err = mman__shm_inside_security(&inside);
        if (*err == ENOENT)
            *err = mman__shm_make_directories(path);
        if (!*err)
            *err = mman__shm_inside_security(&inside);
        if (*err)
            return INVALID_HANDLE_VALUE;
        sa = &inside;
    }
    h = mman__open_file(path, file_access(oflag), disposition(oflag),
                        attributes(mode), sa);
    if (h == INVALID_HANDLE_VALUE &&
        GetLastError() == ERROR_PATH_NOT_FOUND && (oflag & O_CREAT)) {
        *err = mman__shm_make_directories(path);
        if (*err)
            return INVALID_HANDLE_VALUE;
        h = mman__open_file(path, file_access(oflag), disposition(oflag),
                            attributes(mode), sa);
    }
    if (h == INVALID_HANDLE_VALUE) {
        *err = mman__errno_from_win32(GetLastError());
        return h;
    }
    *created = (oflag & O_CREAT) &&
               ((oflag & O_EXCL) || GetLastError() != ERROR_ALREADY_EXISTS);
    /* Wine makes a file created with a security descriptor writable
     * whatever its attributes say: read-only is set again, by name. */
    if (*created && !(mode & 0222) &&
        !mman__set_attributes(path, attributes(mode))) {
        *err = mman__errno_from_win32(GetLastError());
        mman__close(h);
        mman__delete(path);
        return INVALID_HANDLE_VALUE;
    }
    return h;
}

/* POSIX says the descriptor is the lowest free one and (as glibc sets
 * FD_CLOEXEC) is not passed to child processes. */
static int descriptor(HANDLE h, int oflag)
{
    return mman__fd_from_handle(h, (oflag & (O_ACCMODE | O_APPEND)) |
                                       O_NOINHERIT | O_BINARY);
}

int shm_open(const char *name, int oflag, mode_t mode)
{
    wchar_t *path;
    HANDLE h;
    int err, created = 0, fd = -1;

    err = mman__shm_open_path(name, oflag, &path);
    if (err)
        return mman__fail(err);
    h = open_object(path, oflag, mode, &created, &err);
    if (h != INVALID_HANDLE_VALUE) {
        if (!created)
            err = mman__shm_read_only_refuses(h, oflag);
        if (!err) {
            fd = descriptor(h, oflag);
            if (fd < 0)
                err = EMFILE;
        }
        /* last, for a failure before must not have emptied the object */
        if (!err && (oflag & O_TRUNC) && !created) {
            err = truncate_object(h, oflag);
            if (err) {
                close(fd); /* and h with it */
                h = INVALID_HANDLE_VALUE;
            }
        }
        if (err && h != INVALID_HANDLE_VALUE)
            mman__close(h);
        if (err && created)
            mman__delete(path);
    }
    if (err && (oflag & O_CREAT))
        mman__shm_remove_directories(path);
    free(path);
    return err ? mman__fail(err) : fd;
}
