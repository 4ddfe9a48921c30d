/* The one translation from PROT_* to Win32 page protections. */
#include "internal.h"

/* POSIX lets PROT_WRITE and PROT_EXEC imply PROT_READ, and x86 cannot
 * write or execute a page it cannot read, so every form is readable. */
DWORD mman__page_protection(int prot, int copy_on_write)
{
    int exec = (prot & PROT_EXEC) != 0;

    if (prot & PROT_WRITE) {
#ifdef MMAN_CE
        (void)copy_on_write; /* CE has no copy-on-write pages */
#else
        if (copy_on_write)
            return exec ? PAGE_EXECUTE_WRITECOPY : PAGE_WRITECOPY;
#endif
        return exec ? PAGE_EXECUTE_READWRITE : PAGE_READWRITE;
    }
    if (exec)
        return PAGE_EXECUTE_READ;
    if (prot & PROT_READ)
        return PAGE_READONLY;
    return PAGE_NOACCESS;
}
