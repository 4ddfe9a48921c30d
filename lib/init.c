/* One-time set-up, run by InitOnceExecuteOnce so static and DLL builds
 * behave alike (no DllMain). */
#include "internal.h"

size_t mman__page_size = 4096;
size_t mman__granularity = 65536;
uintptr_t mman__highest_address;

static INIT_ONCE init_once = INIT_ONCE_STATIC_INIT;

static BOOL CALLBACK init_once_body(PINIT_ONCE once, PVOID arg, PVOID *ctx)
{
    SYSTEM_INFO info;

    (void)once;
    (void)arg;
    (void)ctx;
    GetSystemInfo(&info);
    mman__page_size = info.dwPageSize;
    mman__granularity = info.dwAllocationGranularity;
    mman__highest_address = (uintptr_t)info.lpMaximumApplicationAddress;
    mman__install_fault_handler();
    return TRUE;
}

void mman__init(void)
{
    InitOnceExecuteOnce(&init_once, init_once_body, NULL, NULL);
}
