#include "internal.h"

/* Not implemented yet: an honest failure, never a pretended success. */
int shm_unlink(const char *name)
{
        (void)name; 
    return mman__fail(ENOSYS);
}
