#include "internal.h"

/* Not implemented yet: an honest failure, never a pretended success. */
int shm_open(const char *name, int oflag, mode_t mode)
{
        (void)name;     (void)oflag;     (void)mode; 
    return mman__fail(ENOSYS);
}
