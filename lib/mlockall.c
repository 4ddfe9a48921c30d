#include "internal.h"

/* POSIX says mlockall locks every page of the process. Windows can lock
 * only what it can name, so MCL_CURRENT locks every mapping made with
 * mmap and MCL_FUTURE every later one (the README says so). */
int mlockall(int flags)
{
    int err = 0;

    mman__init();
    if (flags == 0 || (flags & ~(MCL_CURRENT | MCL_FUTURE)))
        return mman__fail(EINVAL);
    mman__lock();
    if (flags & MCL_CURRENT)
        err = mman__lock_range(NULL, (char *)UINTPTR_MAX);
    if (!err)
        mman__lock_future = (flags & MCL_FUTURE) != 0;
    mman__unlock();
    return err ? mman__fail(err) : 0;
}
