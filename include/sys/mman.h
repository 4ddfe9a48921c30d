/*
 * <sys/mman.h> for Windows: the POSIX memory-mapping interface
 * (POSIX.1-2017, XBD <sys/mman.h>), provided by libmman (winmman).
 *
 * Every function here is thread-safe: the library serialises its own
 * state, and two threads may map, unmap and protect at once.
 */
#ifndef MMAN_SYS_MMAN_H
#define MMAN_SYS_MMAN_H

#include <stddef.h>
#if defined(_MSC_VER) && (defined(_WIN32_WCE) || defined(UNDER_CE))
/* Microsoft's C runtime for Windows CE has no <sys/types.h>. */
#ifndef _OFF_T_DEFINED
#define _OFF_T_DEFINED
typedef long off_t;
#endif
#else
#include <sys/types.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* MMAN_API: empty for the static library and for ordinary DLL use (the
 * import library resolves calls); define MMAN_DLL_IMPORT to mark calls
 * dllimport. The library's own build defines MMAN_BUILDING with
 * DLL_EXPORT when libtool builds the DLL. */
#if defined(MMAN_BUILDING) && defined(DLL_EXPORT)
#define MMAN_API __declspec(dllexport)
#elif defined(MMAN_DLL_IMPORT)
#define MMAN_API __declspec(dllimport)
#else
#define MMAN_API
#endif

/* off64_t for mmap64, whatever the compiler calls it. */
#if defined(__MINGW32__)
#define MMAN_OFF64_T _off64_t
#else
#define MMAN_OFF64_T __int64
#endif

#if defined(_MSC_VER) && !defined(MMAN_HAVE_MODE_T)
#define MMAN_HAVE_MODE_T 1
typedef unsigned short mode_t;
#endif

/* Windows CE: its toolchains define _WIN32_WCE or UNDER_CE; the
 * CE-rules build of winmman defines MMAN_CE_RULES. */
#if defined(_WIN32_WCE) || defined(UNDER_CE) || defined(MMAN_CE_RULES)
#define MMAN_CE 1
#endif

/* Options this implementation supports (XBD <unistd.h>). Windows CE
 * never pages memory out and cannot lock it, so mlock and friends are
 * there but lock nothing: -1 says so. */
#define _POSIX_MAPPED_FILES 200809L
#if defined(MMAN_CE)
#define _POSIX_MEMLOCK -1
#define _POSIX_MEMLOCK_RANGE -1
#else
#define _POSIX_MEMLOCK 200809L
#define _POSIX_MEMLOCK_RANGE 200809L
#endif
#define _POSIX_MEMORY_PROTECTION 200809L
#define _POSIX_SHARED_MEMORY_OBJECTS 200809L

/* Protections: the values Linux uses. */
#define PROT_NONE 0x0
#define PROT_READ 0x1
#define PROT_WRITE 0x2
#define PROT_EXEC 0x4

/* Mapping flags: the values Linux uses. */
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_TYPE 0x0f
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_ANON MAP_ANONYMOUS
#define MAP_NORESERVE 0x4000

#define MAP_FAILED ((void *)-1)

/* msync flags. */
#define MS_ASYNC 0x1
#define MS_INVALIDATE 0x2
#define MS_SYNC 0x4

/* mlockall flags. */
#define MCL_CURRENT 0x1
#define MCL_FUTURE 0x2

/* madvise advice. */
#define MADV_NORMAL 0
#define MADV_RANDOM 1
#define MADV_SEQUENTIAL 2
#define MADV_WILLNEED 3
#define MADV_DONTNEED 4
#define MADV_FREE 8

/* posix_madvise advice. */
#define POSIX_MADV_NORMAL 0
#define POSIX_MADV_RANDOM 1
#define POSIX_MADV_SEQUENTIAL 2
#define POSIX_MADV_WILLNEED 3
#define POSIX_MADV_DONTNEED 4

/* Map len bytes of fd from offset off (a multiple of the page size), or
 * anonymous memory with MAP_ANONYMOUS; MAP_FAILED and errno on error. */
MMAN_API void *mmap64(void *addr, size_t len, int prot, int flags, int fd,
                      MMAN_OFF64_T off);

/* Remove the mappings of every whole page in [addr, addr + len). */
MMAN_API int munmap(void *addr, size_t len);

/* Set the protection of every page in [addr, addr + len). */
#if !defined(__GNUC__) || defined(MMAN_BUILDING)
MMAN_API int mprotect(void *addr, size_t len, int prot);
#endif

/* Write modified pages of [addr, addr + len) back to their file. */
MMAN_API int msync(void *addr, size_t len, int flags);

/* Lock / unlock the pages of a range in memory. */
MMAN_API int mlock(const void *addr, size_t len);
MMAN_API int munlock(const void *addr, size_t len);

/* Lock / unlock every mapping of the process. */
MMAN_API int mlockall(int flags);
MMAN_API int munlockall(void);

/* Advise the system on the use of a range (madvise may change contents
 * as Linux does; posix_madvise never does and returns an error number). */
MMAN_API int madvise(void *addr, size_t len, int advice);
MMAN_API int posix_madvise(void *addr, size_t len, int advice);

/* Open / remove a shared memory object by name. */
MMAN_API int shm_open(const char *name, int oflag, mode_t mode);
MMAN_API int shm_unlink(const char *name);

#if defined(MMAN_CE)
/* Windows CE has no descriptor layer: each C runtime for CE makes its
 * own (cegcc's arm-mingw32ce casts the HANDLE to int). The resolver
 * tells the library what a descriptor is. to_handle gives the HANDLE
 * behind fd, or INVALID_HANDLE_VALUE ((void *)-1) if fd is not open;
 * from_handle gives a new descriptor owning handle, or -1, for
 * shm_open (oflag: shm_open's, for O_ACCMODE and O_APPEND). NULL puts
 * back the default, the HANDLE cast. Call it before any other function
 * here, from one thread. Returns 0. */
struct mman_fd_resolver {
    void *(*to_handle)(int fd);
    int (*from_handle)(void *handle, int oflag);
};
MMAN_API int mman_set_fd_resolver(const struct mman_fd_resolver *resolver);
#endif

/*
 * mmap takes off_t, which MinGW makes 64-bit under _FILE_OFFSET_BITS=64;
 * there mmap is mmap64. And MinGW's libgcc.a defines its own mprotect (in
 * the object that also defines getpagesize), so our mprotect is reached
 * through its own symbol and the two never clash at link time.
 */
#if defined(__GNUC__) && !defined(MMAN_DLL_IMPORT)
#define MMAN_STR2(x) #x
#define MMAN_STR(x) MMAN_STR2(x)
#define MMAN_ASM_NAME(name) __asm__(MMAN_STR(__USER_LABEL_PREFIX__) name)
#if defined(_FILE_OFFSET_BITS) && _FILE_OFFSET_BITS == 64
MMAN_API void *mmap(void *addr, size_t len, int prot, int flags, int fd,
                    off_t off) MMAN_ASM_NAME("mmap64");
#else
MMAN_API void *mmap(void *addr, size_t len, int prot, int flags, int fd,
                    off_t off);
#endif
#if !defined(MMAN_BUILDING)
MMAN_API int mprotect(void *addr, size_t len, int prot)
    MMAN_ASM_NAME("mman__mprotect");
#endif
#else
/* Without asm labels (MSVC), or with dllimport (whose import names GCC
 * builds from the C name on i686), the same routes by macro. */
#if defined(_FILE_OFFSET_BITS) && _FILE_OFFSET_BITS == 64
#define mmap mmap64
#else
MMAN_API void *mmap(void *addr, size_t len, int prot, int flags, int fd,
                    off_t off);
#endif
#if defined(__GNUC__) && !defined(MMAN_BUILDING)
MMAN_API int mman__mprotect(void *addr, size_t len, int prot);
#define mprotect mman__mprotect
#endif
#endif

#ifdef __cplusplus
}
#endif

#endif /* MMAN_SYS_MMAN_H */
