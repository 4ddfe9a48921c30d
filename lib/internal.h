/*
 * libmman internals: the registry of mappings, the errno and protection
 * translations, and the thin layer over the Win32 calls. One header, as
 * every file in lib/ shares it.
 *
 * The model. A mapping the user sees is a run of fragments: page ranges
 * [start, end) with one protection each, kept in an address-ordered tree.
 * Every fragment points at the view that backs it:
 *
 *   anonymous view  one VirtualAlloc reservation, committed where mapped;
 *   file view       one MapViewOfFile view over the part of the mapping
 *                   that lies inside the file, then a gap to the next
 *                   64 KiB boundary that nobody can allocate, then a
 *                   reserved no-access tail up to the end of the mapping
 *                   (the pages past end of file).
 *
 * A view owns the address range [base, base + span). Pages of that range
 * not covered by a fragment are dead (unmapped): decommitted or made
 * inaccessible. The view is released when its last fragment goes.
 */
#ifndef MMAN_INTERNAL_H
#define MMAN_INTERNAL_H

/* Windows CE. Its toolchains define _WIN32_WCE or UNDER_CE, and _WIN32
 * as well, so these are asked first. The CE-rules build (configure
 * --enable-wince-rules) takes the same paths on desktop Windows, with
 * CE's rules enforced: ce/rules.h makes what CE lacks unusable in the
 * library's sources, and ce/shim.c behaves as CE documents. */
#if defined(_WIN32_WCE) || defined(UNDER_CE) || defined(MMAN_CE_RULES)
#define MMAN_CE 1
#endif

#include <windows.h>
#if defined(MMAN_CE_RULES) && defined(MMAN_LIBRARY)
/* The C runtime's headers declare what the rules poison: in first. */
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <wchar.h>
#include "ce/rules.h"
#endif

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "sys/mman.h"

/* mprotect's own symbol (see <sys/mman.h>); mprotect_alias.c adds the
 * plain name for programs built without the header or with MSVC. */
MMAN_API int mman__mprotect(void *addr, size_t len, int prot);

/* ---- set-up (init.c) ---- */

/* Page size and allocation granularity, read from the system once. */
extern size_t mman__page_size;
extern size_t mman__granularity;
/* The last byte a mapping may use. */
extern uintptr_t mman__highest_address;

/* Runs the one-time set-up; every public entry point calls it first. */
void mman__init(void);

#define MMAN_ROUND_DOWN(x, a) ((x) & ~((uintptr_t)(a)-1))
#define MMAN_ROUND_UP(x, a) (((x) + ((uintptr_t)(a)-1)) & ~((uintptr_t)(a)-1))

/* ---- errors (errno.c) ---- */

/* The one translation from a Win32 error code to an errno value. */
int mman__errno_from_win32(DWORD error);

/* Exit helpers: set errno and return the failure value of the caller. */
int mman__fail(int error);
void *mman__fail_ptr(int error);
int mman__fail_win32(DWORD error);
void *mman__fail_win32_ptr(DWORD error);

/* ---- protections (prot.c) ---- */

#define MMAN_PROT_ALL (PROT_READ | PROT_WRITE | PROT_EXEC)

/* PROT_* to PAGE_*; copy_on_write selects the WRITECOPY forms. */
DWORD mman__page_protection(int prot, int copy_on_write);

/* ---- the thin Win32 layer (win32.c) ----
 * Every Win32 call that can fail goes through here, so that a test build
 * (MMAN_TESTING) can make any one of them fail on demand. Each returns
 * nonzero / non-NULL on success and leaves GetLastError set on failure. */

/* name: NULL, or (CE) the one mapping object every mapping of the
 * same file shares. */
HANDLE mman__create_section(HANDLE file, DWORD protect, uint64_t size,
                            const wchar_t *name);
/* at: where the view must start, or NULL; CE places views itself and
 * takes only NULL. */
void *mman__map_view(HANDLE section, DWORD access, uint64_t offset,
                     size_t size, void *at);
BOOL mman__unmap_view(void *base);
void *mman__reserve(void *at, size_t size);
void *mman__allocate(void *at, size_t size, DWORD protect);
BOOL mman__commit(void *at, size_t size, DWORD protect);
BOOL mman__decommit(void *at, size_t size);
BOOL mman__release(void *base);
BOOL mman__protect(void *at, size_t size, DWORD protect);
BOOL mman__query(const void *at, MEMORY_BASIC_INFORMATION *info);
BOOL mman__flush_view(void *at, size_t size);
#ifndef MMAN_CE
BOOL mman__flush_file(HANDLE file);
#endif
BOOL mman__file_size(HANDLE file, uint64_t *size);
BOOL mman__file_attributes(HANDLE file, DWORD *attributes);
BOOL mman__close(HANDLE handle);

/* By name, for the shm store: a handle (INVALID_HANDLE_VALUE on
 * failure) shared for reading and writing (and deleting, where the
 * system knows that), not inherited. sa: NULL on CE. */
HANDLE mman__open_file(const wchar_t *path, DWORD access, DWORD disposition,
                       DWORD attributes, SECURITY_ATTRIBUTES *sa);
BOOL mman__truncate(HANDLE file);
BOOL mman__set_attributes(const wchar_t *path, DWORD attributes);
BOOL mman__delete(const wchar_t *path);
BOOL mman__remove_directory(const wchar_t *path);
/* Succeeds also when the directory is there already. */
BOOL mman__make_directory(const wchar_t *path, SECURITY_ATTRIBUTES *sa);
/* *search is for FindNextFileW and FindClose. */
BOOL mman__find_first(const wchar_t *pattern, WIN32_FIND_DATAW *found,
                      HANDLE *search);

#ifdef MMAN_CE
/* ---- CE only (ce/win32.c) ---- */

/* The system's temporary directory, absolute, with a trailing
 * backslash (buf: MAX_PATH + 2 characters). */
BOOL mman__temp_path(wchar_t *buf);
/* The file's volume and index, which name its shared mapping object. */
BOOL mman__file_identity(HANDLE file, BY_HANDLE_FILE_INFORMATION *info);
/* Whether the handle may read (write: may write): a transfer of no
 * bytes, which Windows refuses on a handle without that access. */
BOOL mman__may_transfer(HANDLE file, int write);
/* A descriptor of the resolver's kind that owns handle, or -1 (ce/fd.c;
 * oflag as shm_open's). */
int mman__fd_from_handle(HANDLE handle, int oflag);
#else
/* ---- desktop only ---- */

/* Reserved room as high as it is free, away from where Windows puts
 * what is allocated without an address (mman__view_grow says why). */
void *mman__reserve_high(size_t size);
BOOL mman__duplicate(HANDLE handle, HANDLE *copy);
BOOL mman__reopen(HANDLE handle, DWORD access, HANDLE *copy);
BOOL mman__prefetch(void *at, size_t size);
/* Whether the page at at is in memory and this process's own (a
 * copy-on-write page that was copied). */
BOOL mman__page_copied(void *at, int *copied);
BOOL mman__lock_pages(void *at, size_t size);
BOOL mman__unlock_pages(void *at, size_t size);
BOOL mman__grow_working_set(size_t size);
/* What shm_unlink does through one handle opened with DELETE and
 * FILE_WRITE_ATTRIBUTES: rename the file (to: absolute), delete it
 * when its last handle closes, take its read-only attribute off. */
BOOL mman__rename_open(HANDLE file, const wchar_t *to);
BOOL mman__delete_open(HANDLE file);
BOOL mman__make_writable(HANDLE file);

/* The shm store's place and security: the user's local application
 * data folder (MAX_PATH characters), an absolute path (its length, 0 on
 * failure), the user's SID as a string (for LocalFree), a security
 * descriptor from SDDL (for LocalFree). */
BOOL mman__local_app_data(wchar_t *buf);
DWORD mman__full_path(const wchar_t *path, wchar_t *full, DWORD size);
BOOL mman__user_sid(wchar_t **sid);
/* The DACL of path, as a self-relative descriptor (for LocalFree). */
BOOL mman__security_of(const wchar_t *path, PSECURITY_DESCRIPTOR *descriptor);
BOOL mman__security_from_sddl(const wchar_t *sddl,
                              PSECURITY_DESCRIPTOR *descriptor);

/* A C runtime descriptor that owns handle, or -1. */
int mman__fd_from_handle(HANDLE handle, int flags);
#endif

#ifdef MMAN_TESTING
/* Whether the wrapper named call is to fail now (SetLastError done). */
int mman__inject(const char *call);
#define MMAN_INJECT(call, failed)                                        \
    do {                                                                 \
        if (mman__inject(call))                                          \
            return failed;                                               \
    } while (0)
/* Fail the count-th next call of the named wrapper, and times - 1 more
 * after it, with error; up to four calls at once. A NULL call clears
 * them all. */
void mman__inject_failure(const char *call, unsigned count, unsigned times,
                          DWORD error);
/* Every wrapper's call name (count of them in *count). */
const char *const *mman__wrapped_calls(size_t *count);
/* record is told the name of every wrapped call made from now on (NULL
 * stops it). */
void mman__trace_calls(void (*record)(const char *call));
#else
#define MMAN_INJECT(call, failed) ((void)0)
#endif

/* ---- files behind descriptors (fd.c) ---- */

struct mman_file {
    HANDLE handle;    /* the descriptor's own handle: not ours to close */
    uint64_t size;    /* current end of file */
    int readable;     /* the descriptor may read */
    int writable;     /* the descriptor may write */
    int executable;   /* its handle may execute (shm_open's may) */
};

/* Whether fd is an open descriptor. */
int mman__fd_is_open(int fd);

/* Fills file->readable and file->writable from the handle's access. */
void mman__file_access(struct mman_file *file);

/* ENODEV, with the access filled in (for the caller to report EACCES
 * first, as Linux does), if the file is not a regular one; else 0. */
int mman__file_not_regular(struct mman_file *file);

/* Resolves fd to an open file and its size, its access not yet known;
 * 0 or an errno value (ENODEV as above). The type of file is asked only
 * where the size cannot be had: callers that make no section must ask
 * mman__file_not_regular themselves (a section is made only of a
 * regular file). */
int mman__file_from_fd(int fd, struct mman_file *file);

/* ---- the registry (registry.c) ---- */

/* An address range [start, end) in an AVL tree ordered by start; ranges
 * in one tree never overlap. */
struct mman_node {
    char *start, *end;
    struct mman_node *left, *right;
    int height;
};

/* MMAN_VIEW_COPY (CE only): a private file mapping, which CE cannot
 * make copy-on-write, is anonymous memory holding a copy of the file's
 * bytes: mapped bytes from start, reserved no-access pages past them;
 * section (read-only) reads the file again for MADV_DONTNEED. */
enum mman_view_kind { MMAN_VIEW_ANONYMOUS, MMAN_VIEW_FILE, MMAN_VIEW_COPY };

struct mman_view {
    struct mman_node node; /* the address range the view owns */
    enum mman_view_kind kind;
    size_t fragments;   /* live fragments on this view */
    int shared;         /* MAP_SHARED */
    int noreserve;      /* anonymous, committed on first touch */
    /* file views only */
    HANDLE file;        /* our own handle on the file, or NULL */
    HANDLE section;     /* NULL while no byte of the file is mapped */
    size_t mapped;      /* bytes from start backed by the file view */
    char *tail;         /* reserved no-access tail, or NULL */
    uint64_t offset;    /* file offset of start, a multiple of 64 KiB
                         * (a page for copies) */
    DWORD section_protect; /* PAGE_* the section is made with */
    DWORD view_access;  /* FILE_MAP_* the view was made with */
    int max_prot;       /* the most the pages may be given */
    int gone;           /* its room was taken while it was mapped again
                         * (mman__view_grow): nothing there is ours */
};

struct mman_fragment {
    struct mman_node node; /* page-aligned, start < end */
    int prot;
    int locked;            /* mlock: resident, not to be paged out */
    int shared;            /* MAP_SHARED (one reservation may hold both) */
    struct mman_view *view;
};

#define MMAN_VIEW(n) ((struct mman_view *)(n))
#define MMAN_FRAGMENT(n) ((struct mman_fragment *)(n))

#ifdef MMAN_CE
/* Makes the lock (mman__init). */
void mman__registry_init(void);
#endif
/* The one lock over the registry and every view. */
void mman__lock(void);
void mman__unlock(void);
/* Whether this thread holds the lock. */
int mman__lock_is_mine(void);

/* The fragment holding addr, or NULL. */
struct mman_fragment *mman__find(const void *addr);
/* The first fragment that ends after addr, or NULL. */
struct mman_fragment *mman__first_ending_after(const void *addr);
/* The fragment after f in address order, or NULL. */
struct mman_fragment *mman__next(const struct mman_fragment *f);
/* The same, if it begins before end; NULL without a lookup when f
 * reaches end (the usual last step of a walk over a range). */
struct mman_fragment *mman__next_before(const struct mman_fragment *f,
                                        const char *end);
/* The view that owns addr, or NULL. */
struct mman_view *mman__view_at(const void *addr);
/* The first view that ends after addr, or NULL. */
struct mman_view *mman__view_ending_after(const void *addr);

/* New fragment over [start, end) of view; NULL if out of memory. */
struct mman_fragment *mman__insert(char *start, char *end, int prot,
                                   struct mman_view *view);
/* Removes f from the tree and frees it. */
void mman__remove(struct mman_fragment *f);
/* Splits f at addr (inside it): f keeps the low part; returns the high
 * part, or NULL if out of memory (f unchanged). */
struct mman_fragment *mman__split(struct mman_fragment *f, char *addr);

/* A new view of kind owning [start, start + span), registered; NULL if
 * out of memory. */
struct mman_view *mman__view_new(enum mman_view_kind kind, char *start,
                                 size_t span);
/* Unregisters a view with no fragments left and frees it. */
void mman__view_forget(struct mman_view *view);

/* Splits the fragment holding addr, if it straddles addr, so that no
 * fragment crosses addr. 0 or ENOMEM. */
int mman__split_at(char *addr);

/* The same at start and at end, so that [start, end) holds whole
 * fragments. 0 or ENOMEM. */
int mman__split_around(char *start, char *end);
/* Undoes split_around where the fragments on either side of start and
 * end are alike (same view, protection, lock and sharing). */
void mman__merge_around(char *start, char *end);

/* Number of fragments / views in the registry (tests, benchmarks). */
size_t mman__fragment_count(void);
size_t mman__view_count(void);

/* ---- views (view.c) ---- */

/* Gives back every Win32 resource of a view, registered or not. */
void mman__view_give_back(struct mman_view *view);
/* The same, then unregisters and frees it. */
void mman__view_destroy(struct mman_view *view);

/* Where the bytes backed by the file view end (page-rounded). */
char *mman__view_mapped_end(const struct mman_view *view);

/* Where the pages of f that exist end: a file view has none past end of
 * file (f->node.start when f holds none). */
char *mman__fragment_pages_end(const struct mman_fragment *f);

/* Applies prot to [start, end) of view, as far as pages exist there. */
int mman__view_protect(struct mman_view *view, char *start, char *end,
                       int prot);

/* Makes [start, end) of view dead; the fragment bookkeeping is the
 * caller's. 0 or an errno value. */
int mman__view_kill_pages(struct mman_view *view, char *start, char *end);

/* ---- mapping (map_anonymous.c, map_file.c, place.c) ---- */

/* What mmap asks for, checked and rounded. */
struct mman_request {
    char *fixed;       /* MAP_FIXED address, or NULL */
    void *hint;        /* addr without MAP_FIXED */
    size_t len;        /* whole pages */
    int prot;
    int shared;        /* MAP_SHARED, else MAP_PRIVATE */
    int noreserve;     /* MAP_NORESERVE */
};

/* Each returns the mapping's address, or MAP_FAILED with errno set. */
void *mman__map_anonymous(const struct mman_request *req);
void *mman__map_file(const struct mman_request *req, int fd, uint64_t off);

#ifdef MMAN_CE
/* The size from which CE 5 places a reservation made without access
 * outside the process's 32 MB slot. */
#define MMAN_CE_LARGE ((size_t)2 << 20)
/* Copies the file's bytes into [start, end) of a private copy, which
 * holds prot (fresh: only reserved), then gives them prot. 0 or an
 * errno value; on failure fresh pages may be left committed, pages in
 * use are as they were. */
int mman__copy_file_pages(struct mman_view *view, char *start, char *end,
                          int prot, int fresh);
#endif

/* MAP_FIXED: can [low, end) be given to a new mapping of [start, end),
 * with every mapping there replaced? With carve, anonymous reservations
 * that hold nothing outside [start, end) may be cut around it. 0, or an
 * errno value; nothing is changed. */
int mman__fixed_check(char *low, char *start, char *end, int carve);

/* Cuts the anonymous reservations that mman__fixed_check let through
 * out of [low, high), a 64 KiB-aligned range. 0 or an errno value. */
int mman__fixed_carve(char *low, char *high, char *start, char *end);

/* ---- ranges (range.c) ---- */

/* Whether every page of [start, end) is in some fragment. */
int mman__range_mapped(char *start, char *end);

/* Checks addr/len of a range call: 0 with *start and *end set, or an
 * errno value (EINVAL for an unaligned addr, ENOMEM for wrap-around). */
int mman__range_from(void *addr, size_t len, char **start, char **end);

/* The same for mlock and munlock, which take any addr: the whole pages
 * that [addr, addr + len) touches; EINVAL for wrap-around. */
int mman__range_rounded(const void *addr, size_t len, char **start,
                        char **end);

/* ---- locking (lock.c) ---- */

/* MCL_FUTURE is in force: every new mapping is locked. */
extern int mman__lock_future;

/* Locks / unlocks every fragment in [start, end); registry locked.
 * 0 or an errno value; on failure nothing changed. */
int mman__lock_range(char *start, char *end);
int mman__unlock_range(char *start, char *end);
/* What mlock and munlock share: POSIX lets addr be rounded down to a
 * page, as Linux does; a range with unmapped pages is ENOMEM and
 * changes nothing; else act (lock_range or unlock_range) on it. 0 or
 * -1 with errno set. */
int mman__lock_call(const void *addr, size_t len,
                    int (*act)(char *start, char *end));

/* Whether any page of [start, end) is locked. */
int mman__range_locked(char *start, char *end);

/* ---- advice (advise.c) ---- */

/* madvise without errno: 0 or an errno value. */
int mman__advise(void *addr, size_t len, int advice);

/* ---- the shm store (shm_store.c, shm_name.c) ---- */

/* The store directory ("\\?\" form), or NULL with *err set. */
const wchar_t *mman__shm_store(int *err);
#ifdef MMAN_TESTING
/* Finds the store again at the next call (after MMAN_SHM_DIR changed,
 * or to walk the failures of finding it). */
void mman__shm_store_forget(void);
#endif

/* Makes the store (access for this user only) and the directories of
 * path, a path in it, where they are missing. 0 or an errno value. */
int mman__shm_make_directories(const wchar_t *path);
/* Fills sa for something made inside the store; ENOENT while there is
 * no store. 0 or an errno value. */
int mman__shm_inside_security(SECURITY_ATTRIBUTES *sa);
/* Removes the directories of path, a path in the store, that are left
 * empty: the directories of a long name go with their last object.
 * Cuts path short on the way. */
void mman__shm_remove_directories(wchar_t *path);

#ifdef MMAN_CE
/* CE (ce/shm_store.c): an object is a file "<path>.<generation>"; an
 * unlinked generation still held open or mapped has a marker beside it,
 * "<path>.<generation>.u", until a sweep can delete it. */
/* The generations of an object's path (mman__shm_path). */
struct mman_shm_generations {
    unsigned long live;    /* the one without a marker, or 0 */
    unsigned long highest; /* the highest of any file or marker, or 0 */
    DWORD attributes;      /* the live one's file attributes */
};
/* Fills *gens from the files beside path: 0, ENAMETOOLONG if path's
 * generations do not fit in MAX_PATH, or an errno value. */
int mman__shm_generations(const wchar_t *path,
                          struct mman_shm_generations *gens);
/* out (MAX_PATH characters): the file of generation g of path, or with
 * unlinked its marker; path must fit (mman__shm_generations). */
void mman__shm_generation_path(wchar_t *out, const wchar_t *path,
                               unsigned long g, int unlinked);
/* Deletes, in the directory of path, the files of unlinked generations
 * that nobody holds any more, and then their markers. */
void mman__shm_sweep(const wchar_t *path);
/* Whether a file or directory is at path. */
int mman__shm_present(const wchar_t *path);
#endif

/* Checks a name as glibc does: 0 with *bare, *len the name without its
 * leading slashes; else EINVAL (empty, or a '/' inside), ENAMETOOLONG,
 * or EISDIR ("." and "..", which glibc resolves to the store itself). */
int mman__shm_name(const char *name, const char **bare, size_t *len);

/* The object's path in the store (malloc'd), or NULL with *err set. */
wchar_t *mman__shm_path(const char *bare, size_t len, int *err);

/* What shm_open checks first: the name (as mman__shm_name, with "."
 * and ".." as glibc answers them) and oflag's access mode; then the
 * path (*path, malloc'd). 0 or an errno value. */
int mman__shm_open_path(const char *name, int oflag, wchar_t **path);
/* The same for shm_unlink (a name glibc refuses is ENOENT there). */
int mman__shm_unlink_path(const char *name, wchar_t **path);
/* EACCES if oflag would write to (or truncate) the read-only object
 * open as h; else 0 or an errno value. */
int mman__shm_read_only_refuses(HANDLE h, int oflag);

/* ---- unmapping (munmap.c) ---- */

/* Removes every mapping in [start, end), registry locked. 0 or errno. */
int mman__unmap_locked(char *start, char *end);

/* ---- faults (fault.c) ---- */

/* Installs the handler that brings growing files and MAP_NORESERVE pages
 * in on first touch. */
void mman__install_fault_handler(void);

/* Remaps a file view after its file grew; registry locked. 0 or errno. */
int mman__view_grow(struct mman_view *view);

#endif /* MMAN_INTERNAL_H */
