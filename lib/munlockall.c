#include "internal.h"

/* Undoes mlockall: every mapping unlocked, later ones not locked. */
int munlockall(void)
{
    int err;

    mman__init();
    mman__lock();
    err = mman__unlock_range(NULL, (char *)UINTPTR_MAX);
    if (!err)
        mman__lock_future = 0;
    mman__unlock();
    return err ? mman__fail(err) : 0;
}
