/*
 * The CE shim (ce/shim.c): desktop Windows calls that behave as Windows CE
 * 5 documents them (WINCE.md section 4). Each takes the arguments of the
 * Win32 call it stands for; what CE refuses fails with the error CE
 * gives (ERROR_NOT_ENOUGH_MEMORY when an address-space budget is spent;
 * calls CE does not have are poisoned by ce/rules.h, not shimmed);
 * everything else is passed to the desktop call. The shim knows what
 * this process does only: a file mapped by another process is not
 * protected from DeleteFileW.
 *
 * ce/rules.h routes the library's calls here in the CE-rules build; the
 * CE-rules tests call these directly.
 */
#ifndef MMAN_CE_SHIM_H
#define MMAN_CE_SHIM_H

#include <windows.h>

HANDLE WINAPI mman__ce_CreateFileW(LPCWSTR path, DWORD access, DWORD share,
                                   LPSECURITY_ATTRIBUTES sa,
                                   DWORD disposition, DWORD flags,
                                   HANDLE template_file);
HANDLE WINAPI mman__ce_CreateFileForMapping(LPCWSTR path, DWORD access,
                                            DWORD share,
                                            LPSECURITY_ATTRIBUTES sa,
                                            DWORD disposition, DWORD flags,
                                            HANDLE template_file);
HANDLE WINAPI mman__ce_CreateFileMappingW(HANDLE file,
                                          LPSECURITY_ATTRIBUTES sa,
                                          DWORD protect, DWORD size_high,
                                          DWORD size_low, LPCWSTR name);
LPVOID WINAPI mman__ce_MapViewOfFile(HANDLE section, DWORD access,
                                     DWORD offset_high, DWORD offset_low,
                                     SIZE_T size);
BOOL WINAPI mman__ce_UnmapViewOfFile(LPCVOID base);
BOOL WINAPI mman__ce_FlushViewOfFile(LPCVOID base, SIZE_T size);
LPVOID WINAPI mman__ce_VirtualAlloc(LPVOID at, SIZE_T size, DWORD type,
                                    DWORD protect);
BOOL WINAPI mman__ce_VirtualFree(LPVOID at, SIZE_T size, DWORD type);
BOOL WINAPI mman__ce_VirtualProtect(LPVOID at, SIZE_T size, DWORD protect,
                                    PDWORD old);
BOOL WINAPI mman__ce_CloseHandle(HANDLE handle);
BOOL WINAPI mman__ce_DeleteFileW(LPCWSTR path);
BOOL WINAPI mman__ce_MoveFileW(LPCWSTR from, LPCWSTR to);
BOOL WINAPI mman__ce_CreateDirectoryW(LPCWSTR path,
                                      LPSECURITY_ATTRIBUTES sa);
BOOL WINAPI mman__ce_RemoveDirectoryW(LPCWSTR path);
HANDLE WINAPI mman__ce_FindFirstFileW(LPCWSTR pattern,
                                      LPWIN32_FIND_DATAW found);
DWORD WINAPI mman__ce_GetFileAttributesW(LPCWSTR path);
BOOL WINAPI mman__ce_SetFileAttributesW(LPCWSTR path, DWORD attributes);

/* The address-space budgets of CE 5 (WINCE.md 4.3 and 4.6): the
 * process's 32 MB slot, which holds VirtualAlloc reservations under
 * 2 MB, and the shared region of about 992 MB (0x42000000-0x7FFFFFFF),
 * which holds mapped views and the reserve-only PAGE_NOACCESS
 * reservations of 2 MB and more; every other reservation, including
 * VirtualAlloc(NULL, n, MEM_COMMIT), is in the slot. VirtualProtect
 * works only inside one reservation the shim recorded. */
#define MMAN_CE_SLOT_BUDGET ((SIZE_T)32 << 20)
#define MMAN_CE_SHARED_BUDGET ((SIZE_T)992 << 20)
#define MMAN_CE_LARGE_RESERVATION ((SIZE_T)2 << 20)

/* What the budgets hold now, in bytes (tests). */
void mman__ce_budgets(SIZE_T *slot, SIZE_T *shared);

#endif /* MMAN_CE_SHIM_H */
