/* The one translation from Win32 error codes to errno, and the exit
 * helpers every public function returns through. */
#include "internal.h"

int mman__errno_from_win32(DWORD error)
{
    switch (error) {
    case ERROR_SUCCESS:                 return 0;

    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
    case ERROR_NETWORK_ACCESS_DENIED:
    case ERROR_PRIVILEGE_NOT_HELD:      return EACCES;

    case ERROR_INVALID_HANDLE:          return EBADF;

    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
    case ERROR_COMMITMENT_LIMIT:
    case ERROR_NO_SYSTEM_RESOURCES:
    case ERROR_NONPAGED_SYSTEM_RESOURCES:
    case ERROR_PAGED_SYSTEM_RESOURCES:
    case ERROR_NOT_ENOUGH_QUOTA:
    case ERROR_PAGEFILE_QUOTA:
    case ERROR_INVALID_ADDRESS:         return ENOMEM;

    case ERROR_WORKING_SET_QUOTA:       return EAGAIN;

    case ERROR_LOCK_VIOLATION:
    case ERROR_USER_MAPPED_FILE:
    case ERROR_BUSY:                    return EBUSY;

    case ERROR_INVALID_PARAMETER:
    case ERROR_INVALID_FLAGS:
    case ERROR_MAPPED_ALIGNMENT:
    case ERROR_INVALID_FUNCTION:
    case ERROR_INVALID_NAME:
    case ERROR_BAD_PATHNAME:            return EINVAL;

    case ERROR_FILE_INVALID:
    case ERROR_BAD_DEVICE:
    case ERROR_NOT_READY:               return ENODEV;

    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:          return ENOENT;

    case ERROR_FILE_EXISTS:
    case ERROR_ALREADY_EXISTS:          return EEXIST;

    case ERROR_TOO_MANY_OPEN_FILES:     return EMFILE;

    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL:        return ENOSPC;

    case ERROR_FILENAME_EXCED_RANGE:    return ENAMETOOLONG;
    case ERROR_DIRECTORY:               return ENOTDIR;
    case ERROR_DIR_NOT_EMPTY:           return ENOTEMPTY;
    case ERROR_WRITE_PROTECT:           return EROFS;
    case ERROR_FILE_TOO_LARGE:          return EFBIG;
    case ERROR_ARITHMETIC_OVERFLOW:     return EOVERFLOW;
    case ERROR_NOACCESS:                return EFAULT;

    case ERROR_IO_DEVICE:
    case ERROR_CRC:
    case ERROR_READ_FAULT:
    case ERROR_WRITE_FAULT:
    case ERROR_GEN_FAILURE:             return EIO;

    case ERROR_CALL_NOT_IMPLEMENTED:    return ENOSYS;
    case ERROR_NOT_SUPPORTED:           return ENOTSUP;

    /* POSIX has no "unknown"; EINVAL is the error every function here
     * may return. */
    default:                            return EINVAL;
    }
}

int mman__fail(int error)
{
    errno = error;
    return -1;
}

void *mman__fail_ptr(int error)
{
    errno = error;
    return MAP_FAILED;
}

int mman__fail_win32(DWORD error)
{
    return mman__fail(mman__errno_from_win32(error));
}

void *mman__fail_win32_ptr(DWORD error)
{
    return mman__fail_ptr(mman__errno_from_win32(error));
}
