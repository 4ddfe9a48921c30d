#include "internal.h"

/* Not implemented yet: an honest failure, never a pretended success. */
int mlockall(int flags)
{
        (void)flags; 
    return mman__fail(ENOSYS);
}
