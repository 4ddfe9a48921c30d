/* Uses every name <sys/mman.h> declares; compiled by header.sh as C99,
 * C11 and C++ with warnings as errors. */
#include <sys/mman.h>

#ifdef _WINDOWS_
#error "<sys/mman.h> must not pull in <windows.h>"
#endif

#if !defined(_POSIX_MAPPED_FILES) || !defined(_POSIX_MEMLOCK) ||          \
    !defined(_POSIX_MEMLOCK_RANGE) || !defined(_POSIX_MEMORY_PROTECTION) || \
    !defined(_POSIX_SHARED_MEMORY_OBJECTS)
#error "a POSIX option macro is missing"
#endif

int use_every_name(void);

int use_every_name(void)
{
    static const int flags[] = {
        PROT_NONE, PROT_READ, PROT_WRITE, PROT_EXEC,
        MAP_SHARED, MAP_PRIVATE, MAP_FIXED, MAP_ANONYMOUS, MAP_ANON,
        MAP_NORESERVE, MS_ASYNC, MS_SYNC, MS_INVALIDATE,
        MCL_CURRENT, MCL_FUTURE,
        MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED,
        MADV_DONTNEED, MADV_FREE,
        POSIX_MADV_NORMAL, POSIX_MADV_RANDOM, POSIX_MADV_SEQUENTIAL,
        POSIX_MADV_WILLNEED, POSIX_MADV_DONTNEED,
    };
    void *(*map)(void *, size_t, int, int, int, off_t) = mmap;
    int (*unmap)(void *, size_t) = munmap;
    int (*protect)(void *, size_t, int) = mprotect;
    int (*sync)(void *, size_t, int) = msync;
    int (*lock)(const void *, size_t) = mlock;
    int (*unlock)(const void *, size_t) = munlock;
    int (*lockall)(int) = mlockall;
    int (*unlockall)(void) = munlockall;
    int (*advise)(void *, size_t, int) = madvise;
    int (*padvise)(void *, size_t, int) = posix_madvise;
    int (*open_shm)(const char *, int, mode_t) = shm_open;
    int (*unlink_shm)(const char *) = shm_unlink;
    void *p = map(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED)
        return flags[0];
    return unmap(p, 4096) + protect(p, 0, 0) + sync(p, 0, 0) +
           lock(p, 0) + unlock(p, 0) + lockall(0) + unlockall() +
           advise(p, 0, 0) + padvise(p, 0, 0) + (open_shm != 0) +
           (unlink_shm != 0) +
           (mmap64(NULL, 1, 0, 0, -1, 0) == MAP_FAILED);
}
