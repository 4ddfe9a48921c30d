/* From a descriptor to the file behind it, on Windows CE.
 *
 * POSIX programs hand mmap a descriptor; CE has no descriptor layer of
 * its own, and each C runtime for CE makes its own (WINCE.md section 2):
 * cegcc's arm-mingw32ce casts the HANDLE to int, others keep a table.
 * So one resolver, set by the program (mman_set_fd_resolver), says what
 * a descriptor is; the default is the HANDLE cast. */
#include "internal.h"

static void *handle_cast(int fd)
{
    return (void *)(intptr_t)fd;
}

static int fd_cast(void *handle, int oflag)
{
    (void)oflag;
    return (int)(intptr_t)handle;
}

static const struct mman_fd_resolver handle_casts = {handle_cast, fd_cast};
static struct mman_fd_resolver resolver = {handle_cast, fd_cast};

int mman_set_fd_resolver(const struct mman_fd_resolver *r)
{
    resolver = r ? *r : handle_casts;
    return 0;
}

static HANDLE handle_of(int fd)
{
    return fd == -1 ? INVALID_HANDLE_VALUE : (HANDLE)resolver.to_handle(fd);
}

int mman__fd_from_handle(HANDLE handle, int oflag)
{
    return resolver.from_handle(handle, oflag);
}

int mman__fd_is_open(int fd)
{
    HANDLE h = handle_of(fd);

    return h != INVALID_HANDLE_VALUE && h != NULL;
}

/* CE cannot say what access a handle has; it refuses a transfer of no
 * bytes that the access does not allow. */
void mman__file_access(struct mman_file *file)
{
    file->readable = mman__may_transfer(file->handle, 0) != 0;
    file->writable = mman__may_transfer(file->handle, 1) != 0;
    file->executable = 0; /* CE maps no file for execution */
}

/* POSIX says a descriptor that is not a regular file gives ENODEV; CE
 * has no GetFileType, but gives file information only for files, and a
 * directory is no regular file. Its access is not asked: a read of no
 * bytes waits on a pipe (README: EACCES comes before ENODEV on Linux). */
int mman__file_not_regular(struct mman_file *file)
{
    BY_HANDLE_FILE_INFORMATION info;

    if (mman__file_identity(file->handle, &info) &&
        !(info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY))
        return 0;
    file->readable = file->writable = 1;
    file->executable = 0;
    return ENODEV;
}

int mman__file_from_fd(int fd, struct mman_file *file)
{
    HANDLE h = handle_of(fd);
    DWORD error;

    if (h == INVALID_HANDLE_VALUE || h == NULL)
        return EBADF;
    file->handle = h;
    file->readable = file->writable = file->executable = -1;
    if (mman__file_size(file->handle, &file->size))
        return 0;
    error = GetLastError();
    if (error == ERROR_INVALID_HANDLE)
        return EBADF;
    return mman__file_not_regular(file) ? ENODEV
                                       : mman__errno_from_win32(error);
}
