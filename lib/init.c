/* One-time set-up, run once whatever thread comes first, so static and
 * DLL builds behave alike (no DllMain). */
#include "internal.h"

size_t mman__page_size = 4096;
size_t mman__granularity = 65536;
uintptr_t mman__highest_address;

static void init_body(void)
{
    SYSTEM_INFO info;

    GetSystemInfo(&info);
    mman__page_size = info.dwPageSize;
    mman__granularity = info.dwAllocationGranularity;
    mman__highest_address = (uintptr_t)info.lpMaximumApplicationAddress;
#ifdef MMAN_CE
    mman__registry_init();
#else
    mman__install_fault_handler();
#endif
}

#ifdef MMAN_CE
/* CE has no InitOnceExecuteOnce: the first thread runs the set-up,
 * others wait for it. */
static volatile LONG init_state; /* 0 not begun, 1 running, 2 done */

void mman__init(void)
{
    if (init_state == 2)
        return;
    if (InterlockedCompareExchange(&init_state, 1, 0) == 0) {
        init_body();
        InterlockedExchange(&init_state, 2);
        return;
    }
    while (init_state != 2)
        Sleep(0);
}
#else
static INIT_ONCE init_once = INIT_ONCE_STATIC_INIT;

static BOOL CALLBACK init_once_body(PINIT_ONCE once, PVOID arg, PVOID *ctx)
{
    (void)once;
    (void)arg;
    (void)ctx;
    init_body();
    return TRUE;
}

void mman__init(void)
{
    InitOnceExecuteOnce(&init_once, init_once_body, NULL, NULL);
}
#endif
