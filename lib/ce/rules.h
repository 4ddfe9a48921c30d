/*
 * The CE-rules build: Windows CE's rules, enforced on desktop Windows
 * for the library's own sources (WINCE.md section 4).
 *
 * At compile time, what CE does not export cannot be named: each such
 * identifier is poisoned, so a desktop-only call on a CE path stops the
 * build. At run time, the calls whose behaviour CE constrains go to
 * ce/shim.c, which refuses what CE refuses, with the error CE gives, and
 * otherwise does what the desktop call does.
 *
 * Included by internal.h after <windows.h>, only when MMAN_CE_RULES and
 * MMAN_LIBRARY are defined; the shim itself and the tests never see it.
 */
#ifndef MMAN_CE_RULES_H
#define MMAN_CE_RULES_H

/* ---- run time: calls with CE's behaviour (ce/shim.c) ---- */

#include "ce/shim.h"

#define CreateFileW mman__ce_CreateFileW
#define CreateFileForMapping mman__ce_CreateFileForMapping
#define CreateFileMappingW mman__ce_CreateFileMappingW
#define MapViewOfFile mman__ce_MapViewOfFile
#define UnmapViewOfFile mman__ce_UnmapViewOfFile
#define FlushViewOfFile mman__ce_FlushViewOfFile
#define VirtualAlloc mman__ce_VirtualAlloc
#define VirtualFree mman__ce_VirtualFree
#define VirtualProtect mman__ce_VirtualProtect
#define CloseHandle mman__ce_CloseHandle
#define DeleteFileW mman__ce_DeleteFileW
#define MoveFileW mman__ce_MoveFileW
#define CreateDirectoryW mman__ce_CreateDirectoryW
#define RemoveDirectoryW mman__ce_RemoveDirectoryW
#define FindFirstFileW mman__ce_FindFirstFileW
#define GetFileAttributesW mman__ce_GetFileAttributesW
#define SetFileAttributesW mman__ce_SetFileAttributesW

/* ---- compile time: what CE does not have ---- */

/* Macros first lose their definition, so that poisoning them is clean. */
#undef OpenFileMapping
#undef CreateFileMapping
#undef CreateFile
#undef DeleteFile
#undef MoveFile
#undef MoveFileEx
#undef CreateDirectory
#undef RemoveDirectory
#undef FindFirstFile
#undef GetFileAttributes
#undef SetFileAttributes
#undef GetTempPath
#undef GetFullPathName
#undef GetEnvironmentVariable
#undef GetModuleHandle
#undef LoadLibrary
#undef SHGetFolderPath
#undef GetNamedSecurityInfo
#undef ConvertStringSecurityDescriptorToSecurityDescriptor
#undef ConvertSidToStringSid
#undef GetDiskFreeSpace
#undef FILE_SHARE_DELETE
#undef FILE_FLAG_DELETE_ON_CLOSE
#undef FILE_MAP_COPY
#undef PAGE_WRITECOPY
#undef PAGE_EXECUTE_WRITECOPY
#undef SRWLOCK_INIT
#undef INIT_ONCE_STATIC_INIT

/* WINCE.md 4.1: mapping, locking and file calls CE lacks. */
#pragma GCC poison OpenFileMapping OpenFileMappingA OpenFileMappingW
#pragma GCC poison MapViewOfFileEx MapViewOfFileExNuma MapViewOfFile2
#pragma GCC poison MapViewOfFile3 MapViewOfFileFromApp
#pragma GCC poison CreateFileMappingA CreateFileMappingNumaW
#pragma GCC poison CreateFileMappingFromApp CreateFileMapping2
#pragma GCC poison VirtualLock VirtualUnlock LockFile UnlockFile
#pragma GCC poison VirtualAllocEx VirtualFreeEx VirtualAlloc2
#pragma GCC poison GetFileSizeEx SetFilePointerEx
#pragma GCC poison PrefetchVirtualMemory DiscardVirtualMemory
#pragma GCC poison OfferVirtualMemory GetDiskFreeSpace GetDiskFreeSpaceA
#pragma GCC poison GetDiskFreeSpaceW
#pragma GCC poison FILE_SHARE_DELETE FILE_FLAG_DELETE_ON_CLOSE
#pragma GCC poison FILE_MAP_COPY PAGE_WRITECOPY PAGE_EXECUTE_WRITECOPY
/* ANSI file and mapping calls: CE is Unicode only. */
#pragma GCC poison CreateFileA DeleteFileA MoveFileA MoveFileExA
#pragma GCC poison CreateDirectoryA RemoveDirectoryA FindFirstFileA
#pragma GCC poison FindNextFileA GetFileAttributesA SetFileAttributesA
#pragma GCC poison GetTempPathA GetFullPathNameA GetModuleHandleA
#pragma GCC poison LoadLibraryA
/* Newer than CE, or desktop-only, and used by the desktop paths. */
#pragma GCC poison ReOpenFile GetFileInformationByHandleEx
#pragma GCC poison SetFileInformationByHandle MoveFileExW MoveFile
#pragma GCC poison K32QueryWorkingSetEx QueryWorkingSetEx
#pragma GCC poison SetProcessWorkingSetSize GetProcessWorkingSetSize
#pragma GCC poison AddVectoredExceptionHandler
#pragma GCC poison InitOnceExecuteOnce InitOnceInitialize
#pragma GCC poison AcquireSRWLockExclusive ReleaseSRWLockExclusive
#pragma GCC poison GetFullPathNameW GetEnvironmentVariableW
#pragma GCC poison GetEnvironmentVariableA SHGetFolderPathW
#pragma GCC poison GetNamedSecurityInfoW OpenProcessToken
#pragma GCC poison GetTokenInformation ConvertSidToStringSidW
#pragma GCC poison ConvertStringSecurityDescriptorToSecurityDescriptorW
#pragma GCC poison GetFileType DuplicateHandle GetModuleHandleW
#pragma GCC poison GetProcAddress LoadLibraryW
/* The C runtime's descriptors: CE has none (fds go through the
 * resolver, ce/fd.c). */
#pragma GCC poison _open _read _write _lseek _close _chsize _dup
#pragma GCC poison _get_osfhandle _open_osfhandle

#endif /* MMAN_CE_RULES_H */
