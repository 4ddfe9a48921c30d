#include "internal.h"

int madvise(void *addr, size_t len, int advice)
{
    int err = mman__advise(addr, len, advice);

    return err ? mman__fail(err) : 0;
}
