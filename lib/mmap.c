/* mmap and mmap64: check the arguments in the order Linux does, then
 * hand over to the anonymous or the file path. */
#include "internal.h"

/* POSIX says that after mlockall(MCL_FUTURE) new mappings are locked,
 * and that mmap fails with EAGAIN when they cannot be. */
static void *lock_new_mapping(char *start, size_t len)
{
    int err;

    if (start == MAP_FAILED || !mman__lock_future)
        return start;
    mman__lock();
    err = mman__lock_range(start, start + len);
    if (err)
        mman__unmap_locked(start, start + len);
    mman__unlock();
    return err ? mman__fail_ptr(EAGAIN) : start;
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd,
             MMAN_OFF64_T off)
{
    struct mman_request req;
    int type = flags & MAP_TYPE;

    mman__init();
    if ((uint64_t)off % mman__page_size)
        return mman__fail_ptr(EINVAL);
    if (!(flags & MAP_ANONYMOUS) && !mman__fd_is_open(fd))
        return mman__fail_ptr(EBADF);
    if (len == 0)
        return mman__fail_ptr(EINVAL);
    if (len > SIZE_MAX - mman__page_size)
        return mman__fail_ptr(ENOMEM);
    req.len = MMAN_ROUND_UP(len, mman__page_size);
    /* POSIX says ENOMEM when the range does not fit the address space;
     * Windows would answer ERROR_INVALID_PARAMETER. */
    if (req.len > mman__highest_address)
        return mman__fail_ptr(ENOMEM);
    if (flags & MAP_FIXED) {
        if ((uintptr_t)addr > mman__highest_address + 1 - req.len)
            return mman__fail_ptr(ENOMEM);
        if ((uintptr_t)addr % mman__page_size)
            return mman__fail_ptr(EINVAL);
    }
    /* POSIX says off + len past the largest offset of the open file is
     * EOVERFLOW; a descriptor of the C runtime takes 64-bit offsets
     * whatever the size of off_t. A negative off is past it too. */
    if (!(flags & MAP_ANONYMOUS) &&
        (off < 0 || (uint64_t)off > (uint64_t)INT64_MAX - req.len))
        return mman__fail_ptr(EOVERFLOW);
    /* POSIX says exactly one of MAP_SHARED and MAP_PRIVATE; other
     * unknown bits are ignored, as Linux does. */
    if (type != MAP_SHARED && type != MAP_PRIVATE)
        return mman__fail_ptr(EINVAL);
    req.fixed = (flags & MAP_FIXED) ? addr : NULL;
    req.hint = (flags & MAP_FIXED) ? NULL : addr;
    req.prot = prot & MMAN_PROT_ALL;
    req.shared = type == MAP_SHARED;
#ifdef MMAN_CE
    /* CE has no vectored exception handler to commit pages at their
     * first touch, so MAP_NORESERVE memory is committed at once there
     * (README, "Windows CE"). */
    req.noreserve = 0;
#else
    req.noreserve = (flags & MAP_NORESERVE) != 0;
#endif
    if (flags & MAP_ANONYMOUS)
        return lock_new_mapping(mman__map_anonymous(&req), req.len);
    return lock_new_mapping(mman__map_file(&req, fd, (uint64_t)off),
                            req.len);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    return mmap64(addr, len, prot, flags, fd, off);
}
