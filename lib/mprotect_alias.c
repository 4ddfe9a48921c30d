/* The plain mprotect symbol, in an object of its own: programs that
 * include <sys/mman.h> with GCC never reference it, so it never meets
 * the mprotect in MinGW's libgcc.a. */
#include "internal.h"

int mprotect(void *addr, size_t len, int prot)
{
    return mman__mprotect(addr, len, prot);
}
