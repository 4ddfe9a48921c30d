/* Shared memory object names: checked as glibc checks them, and turned
 * one-to-one into paths in the store. */
#include "internal.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* Name bytes per path component: file names are at most 255 characters
 * on Windows and 255 bytes on the Unix file systems under Wine. */
#define CHUNK 64

/* NAME_MAX as glibc has it (MinGW's <limits.h> hides it). */
#define LONGEST_NAME 255

int mman__shm_name(const char *name, const char **bare, size_t *len)
{
    size_t n;

    while (*name == '/')
        name++;
    n = strlen(name);
    if (n == 0 || memchr(name, '/', n))
        return EINVAL;
    if (n > LONGEST_NAME)
        return ENAMETOOLONG;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return EISDIR;
    *bare = name;
    *len = n;
    return 0;
}

/* POSIX lets a name hold any byte but '/', and names differ by case;
 * Windows file names do not, and forbid some characters, trailing dots
 * and spaces, and device names. So each byte is written as two
 * lowercase hexadecimal digits, which can spell none of those, in
 * components of CHUNK bytes: directories "<hex>.d", then the file
 * "<hex>", which no directory name can equal. */
wchar_t *mman__shm_path(const char *bare, size_t len, int *err)
{
    static const char digits[] = "0123456789abcdef";
    const wchar_t *store = mman__shm_store(err);
    wchar_t *path, *p;
    size_t i;

    if (!store)
        return NULL;
    path = malloc((wcslen(store) + 3 * len + 3 * (len / CHUNK + 1) + 1) *
                  sizeof *path);
    if (!path) {
        *err = ENOMEM;
        return NULL;
    }
    wcscpy(path, store);
    p = path + wcslen(path);
    for (i = 0; i < len; i++) {
        unsigned char byte = (unsigned char)bare[i];

        if (i % CHUNK == 0) {
            if (i > 0) {
                *p++ = L'.';
                *p++ = L'd';
            }
            *p++ = L'\\';
        }
        *p++ = (wchar_t)digits[byte >> 4];
        *p++ = (wchar_t)digits[byte & 15];
    }
    *p = 0;
    return path;
}

void mman__shm_remove_directories(wchar_t *path)
{
    const wchar_t *base;
    wchar_t *cut;
    int err;

    base = mman__shm_store(&err);
    if (!base)
        return;
    while ((cut = wcsrchr(path, L'\\')) != NULL &&
           (size_t)(cut - path) > wcslen(base)) {
        *cut = 0;
        /* one that was never made is no reason to stop */
        if (!mman__remove_directory(path) &&
            GetLastError() != ERROR_FILE_NOT_FOUND &&
            GetLastError() != ERROR_PATH_NOT_FOUND)
            break;
    }
}

int mman__shm_open_path(const char *name, int oflag, wchar_t **path)
{
    const char *bare;
    size_t len;
    int err = mman__shm_name(name, &bare, &len);

    /* glibc opens "." and ".." as the store directory itself: EEXIST
     * for O_CREAT|O_EXCL, EINVAL otherwise (its EISDIR, renamed). */
    if (err == EISDIR)
        err = (oflag & O_CREAT) && (oflag & O_EXCL) ? EEXIST : EINVAL;
    /* Linux gives O_ACCMODE an fd that can neither read nor write;
     * Windows has no such handle (the README says so). */
    if (!err && (oflag & O_ACCMODE) == O_ACCMODE)
        err = EINVAL;
    if (!err)
        *path = mman__shm_path(bare, len, &err);
    return err;
}

int mman__shm_unlink_path(const char *name, wchar_t **path)
{
    const char *bare;
    size_t len;
    int err = mman__shm_name(name, &bare, &len);

    /* glibc: a name it refuses names nothing, so ENOENT. */
    if (err == EINVAL)
        err = ENOENT;
    if (!err)
        *path = mman__shm_path(bare, len, &err);
    return err;
}

/* POSIX says opening for writing (or O_TRUNC) an object whose mode
 * denies it is EACCES. Windows refuses to write to a read-only file,
 * but Wine run by root does not: the attribute is checked here too. */
int mman__shm_read_only_refuses(HANDLE h, int oflag)
{
    DWORD attributes;

    if ((oflag & O_ACCMODE) == O_RDONLY && !(oflag & O_TRUNC))
        return 0;
    if (!mman__file_attributes(h, &attributes))
        return mman__errno_from_win32(GetLastError());
    return (attributes & FILE_ATTRIBUTE_READONLY) ? EACCES : 0;
}
