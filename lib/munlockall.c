#include "internal.h"

/* Not implemented yet: an honest failure, never a pretended success. */
int munlockall(void)
{
    
    return mman__fail(ENOSYS);
}
