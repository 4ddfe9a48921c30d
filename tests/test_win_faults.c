/* Windows-only: fault injection. The test build of the library
 * (MMAN_TESTING) can make any call of its thin Win32 layer fail. Each
 * scenario below sets up files and mappings, then makes one public call
 * (or touches one page, for the fault handler). It is run once with the
 * calls traced; then once more for every Win32 call in that trace, from
 * a fresh set-up, with that call failing. Each time the public call
 * must fail with the errno the Win32 error stands for and change
 * nothing (registry, handles, views, reservations, committed memory,
 * files, the bytes and fault behaviour of the mappings, the shm store),
 * or succeed with its whole effect where the library ignores that
 * failure by design (the list "tolerated" says where, and why). After
 * each teardown nothing may be left behind. At the end every wrapped
 * call must have been failed at least once.
 *
 * Windows CE (the CE-rules build, MMAN_CE) makes other calls, and
 * refuses some requests by design (README, "Windows CE"): there the
 * scenarios whose calls or outcome differ have CE variants, some of
 * which check a refusal (the call "succeeds" when refused with the
 * errno CE gives), and the lists below have CE entries. */
#include "../lib/internal.h"
#include "mt.h"

#include <direct.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#define PG (mt_page())
#define RW (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS)

/* Set-up runs in a child process, outside check: its own assertion. */
static void need_failed(const char *what, int line)
{
    printf("SET-UP FAILED at line %d: %s\n", line, what);
    fflush(stdout);
    exit(3);
}
#define NEED(x) ((x) ? (void)0 : need_failed(#x, __LINE__))

/* ---- what a scenario works on ---- */

#define MAX_WATCH 4
#define MAX_PAGES 160

struct ctx {
    int fd, fd2, shm_fd;
    char *p, *q;          /* made by set-up; p may span q (MAP_FIXED) */
    size_t plen, qlen;
    char *r;              /* mapped by the call */
    size_t rlen;
    char *touch;          /* fault scenarios: the byte touched */
    int unlock_all;       /* munlockall at teardown */
    int shm;              /* uses the shm store */
    int default_store;    /* the store without MMAN_SHM_DIR */
    const char *name;     /* the shm object */
    char name_buf[200];
    struct {
        char *at;
        size_t len;
        int may_unmap;
    } watch[MAX_WATCH];
    int nwatch;
};

struct scenario {
    const char *name;
    void (*setup)(struct ctx *);
    /* 0 on success, else the error the call reported */
    int (*call)(struct ctx *);
    /* MAP_FIXED: POSIX lets a failed call leave pages of the range
     * unmapped (the watches marked may_unmap) */
    int fixed;
    /* armed before the call as part of the situation */
    const char *pre_call;
    DWORD pre_error;
    /* each injection in a process of its own: the scenario needs what
     * only a fresh process has (the first unlink's sweep) */
    int fresh;
};

static const char *f1, *f2;          /* files */
static unsigned run_number;          /* names objects and files apart */
static char store_dir[600];          /* MMAN_SHM_DIR */
static wchar_t store_root[700];      /* "\\?\" form of its parent */
static wchar_t default_root[700];    /* the default store */
static char long_name[160];

static void watch(struct ctx *c, void *at, size_t len, int may_unmap)
{
    NEED((c->nwatch) < (MAX_WATCH));
    c->watch[c->nwatch].at = at;
    c->watch[c->nwatch].len = len;
    c->watch[c->nwatch].may_unmap = may_unmap;
    c->nwatch++;
}

static void fill(char *p, size_t len, unsigned seed)
{
    size_t i;

    for (i = 0; i < len; i++)
        p[i] = (char)mt_pattern(i, seed);
}

static char *anon(size_t len, int prot, int flags)
{
    char *p = mmap(NULL, len, prot, MAP_ANONYMOUS | flags, -1, 0);

    NEED((p) != (MAP_FAILED));
    if (prot & PROT_WRITE)
        fill(p, len, 3);
    return p;
}

static char *file_map(struct ctx *c, size_t size, size_t len, int prot,
                      int flags, long long off)
{
    char *p;

    c->fd = mt_make_file(f1, size, 5);
    NEED((c->fd) >= (0));
    p = mmap(NULL, len, prot, flags, c->fd, (off_t)off);
    NEED((p) != (MAP_FAILED));
    return p;
}

/* 64 KiB-aligned free address space of len bytes. */
static char *free_space(size_t len)
{
    char *p = anon(len, PROT_NONE, MAP_PRIVATE);

    NEED((munmap(p, len)) == (0));
    return p;
}

/* Two anonymous reservations of 16 pages each, one after the other. */
static void two_adjacent(struct ctx *c)
{
    char *p = free_space(32 * PG);

    NEED(mmap(p, 16 * PG, RW, PRIV | MAP_FIXED, -1, 0) == p);
    NEED(mmap(p + 16 * PG, 16 * PG, RW, PRIV | MAP_FIXED, -1, 0) ==
         p + 16 * PG);
    fill(p, 32 * PG, 4);
    c->p = p;
    c->plen = 32 * PG;
}

static int result_of(int rc)
{
    return rc == 0 ? 0 : errno;
}

static int mapped(struct ctx *c, void *r, size_t len)
{
    c->rlen = len;
    c->r = r;
    return r == MAP_FAILED ? errno : 0;
}

#ifdef MMAN_CE
/* CE refuses some requests by design (README, "Windows CE"): the call
 * of such a scenario (its name says "refused") "succeeds" when it is
 * refused with want, as without failures, and must change nothing; -1
 * when it was not refused. */
static int refused(int rc, int want)
{
    if (rc == 0)
        return -1;
    return rc == want ? 0 : rc;
}
#endif

/* ---- the shm store ---- */

static void env_set(const char *name, const char *value)
{
    char buf[1024];

    snprintf(buf, sizeof buf, "%s=%s", name, value ? value : "");
    _putenv(buf);
    SetEnvironmentVariableA(name, value);
}

/* Deletes what dir holds, and dir too with self. */
static void wipe(const wchar_t *dir, int self)
{
    wchar_t path[2048];
    WIN32_FIND_DATAW d;
    HANDLE s;

    swprintf(path, 2048, L"%ls\\*", dir);
    s = FindFirstFileW(path, &d);
    if (s != INVALID_HANDLE_VALUE) {
        do {
            if (!wcscmp(d.cFileName, L".") || !wcscmp(d.cFileName, L".."))
                continue;
            swprintf(path, 2048, L"%ls\\%ls", dir, d.cFileName);
            if (d.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
                wipe(path, 1);
            } else {
                SetFileAttributesW(path, FILE_ATTRIBUTE_NORMAL);
                DeleteFileW(path);
            }
        } while (FindNextFileW(s, &d));
        FindClose(s);
    }
    if (self)
        RemoveDirectoryW(dir);
}

/* Finds the store now, so that the call does not. */
static void store_found(void)
{
    int err;

    mman__shm_store_forget();
    NEED(mman__shm_store(&err) != NULL);
}

static int make_object(const char *name, const char *data)
{
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);

    NEED((fd) >= (0));
    if (data)
        NEED((write(fd, data, strlen(data))) == ((int)strlen(data)));
    return close(fd);
}

/* Clears whatever tombstone flag an earlier run left: an unlink that
 * works sweeps. */
static void sweep_now(void)
{
    make_object("/wf-sweep", NULL);
    NEED((shm_unlink("/wf-sweep")) == (0));
}

static void shm_setup(struct ctx *c)
{
    c->shm = 1;
    snprintf(c->name_buf, sizeof c->name_buf, "/wf-obj-%u", run_number);
    c->name = c->name_buf;
    store_found();
}

static void shm_teardown(struct ctx *c)
{
    if (c->default_store) {
        mman__shm_store_forget();
        shm_unlink(c->name);
        sweep_now();
        env_set("MMAN_SHM_DIR", store_dir);
        mman__shm_store_forget();
        return;
    }
    mman__shm_store_forget();
    _mkdir(store_dir);
    sweep_now();
    wipe(store_root, 0);
    _mkdir(store_dir);
    mman__shm_store_forget();
}

/* ---- snapshots ---- */

enum {
    F_VIEWS, F_FRAGS, F_LOCKED, F_FUTURE, F_HANDLES, F_MAPPED_N,
    F_MAPPED_BYTES, F_RESERVED, F_COMMITTED, F_SIZE1, F_HASH1, F_SIZE2,
    F_HASH2, F_RESULT, F_STORE, F_TOMBS, F_DIRS, NF
};
static const char *const field_name[NF] = {
    "views", "fragments", "locked fragments", "MCL_FUTURE", "handles",
    "mapped views", "mapped bytes", "reserved private bytes",
    "committed private bytes", "size of f1", "bytes of f1", "size of f2",
    "bytes of f2", "the new mapping", "store objects", "tombstones",
    "store directories"
};
/* fields compared as values, not as counts */
#define BY_VALUE ((1u << F_SIZE1) | (1u << F_HASH1) | (1u << F_SIZE2) | \
                  (1u << F_HASH2) | (1u << F_RESULT) | (1u << F_STORE) | \
                  (1u << F_DIRS) | (1u << F_FUTURE))
#define WALK ((1u << F_MAPPED_N) | (1u << F_MAPPED_BYTES) | \
              (1u << F_RESERVED) | (1u << F_COMMITTED))
#define REGISTRY ((1u << F_VIEWS) | (1u << F_FRAGS) | (1u << F_LOCKED))

struct snap {
    long long v[NF];
    size_t npages;
    uint32_t page[MAX_PAGES];
    unsigned char may_unmap[MAX_PAGES];
};

static uint32_t fnv(uint32_t h, const void *p, size_t n)
{
    const unsigned char *b = p;

    while (n--)
        h = (h ^ *b++) * 16777619u;
    return h;
}

/* What a page shows: whether reading and writing fault, and its bytes.
 * The write probe writes back what it read. */
static uint32_t page_state(char *p)
{
    unsigned char how = (unsigned char)mt_read_faults(p);
    uint32_t h;

    how |= (unsigned char)((how ? 1 : mt_write_faults(p)) << 1);
    h = fnv(2166136261u, &how, 1);
    return how & 1 ? h : fnv(h, p, PG);
}

static uint32_t unmapped_page(void)
{
    unsigned char how = 3;

    return fnv(2166136261u, &how, 1);
}

/* The C runtime's heap grows and shrinks as it likes (and the check
 * framework allocates as it runs), and the stack grows: neither is the
 * library's. So the walk leaves out every allocation that holds a
 * process heap's region or large block (found with HeapWalk) and the
 * stack; the library's own memory (reservations, views) is never in a
 * heap. Its heap records (views, fragments) are counted by the
 * registry instead. Nothing in this test allocates between the two
 * snapshots around a call. */
#define MAX_BASES 512
static void *skip_base[MAX_BASES];
static size_t nskip;

static void skip(const void *p)
{
    MEMORY_BASIC_INFORMATION m;
    size_t i;

    if (VirtualQuery(p, &m, sizeof m) != sizeof m)
        return;
    for (i = 0; i < nskip; i++)
        if (skip_base[i] == m.AllocationBase)
            return;
    if (nskip < MAX_BASES)
        skip_base[nskip++] = m.AllocationBase;
}

static void find_heaps(void)
{
    HANDLE heaps[64];
    DWORD n = GetProcessHeaps(64, heaps), i;
    PROCESS_HEAP_ENTRY e;
    char here;

    nskip = 0;
    skip(&here);
    for (i = 0; i < n && i < 64; i++) {
        if (!HeapLock(heaps[i]))
            continue;
        e.lpData = NULL;
        while (HeapWalk(heaps[i], &e))
            if ((e.wFlags & PROCESS_HEAP_REGION) || e.cbData >= 60000)
                skip(e.lpData);
        HeapUnlock(heaps[i]);
    }
}

static int skipped(const void *base)
{
    size_t i;

    for (i = 0; i < nskip; i++)
        if (skip_base[i] == base)
            return 1;
    return 0;
}

static void walk(long long *v)
{
    MEMORY_BASIC_INFORMATION m;
    char *p = NULL;

    find_heaps();
    while (VirtualQuery(p, &m, sizeof m) == sizeof m) {
        if (m.State != MEM_FREE && !skipped(m.AllocationBase)) {
            if (m.Type == MEM_MAPPED) {
                if (m.BaseAddress == m.AllocationBase)
                    v[F_MAPPED_N]++;
                v[F_MAPPED_BYTES] += (long long)m.RegionSize;
            } else if (m.Type == MEM_PRIVATE) {
                if (m.State == MEM_COMMIT)
                    v[F_COMMITTED] += (long long)m.RegionSize;
                else
                    v[F_RESERVED] += (long long)m.RegionSize;
            }
        }
        p = (char *)m.BaseAddress + m.RegionSize;
        if (p < (char *)m.BaseAddress)
            break;
    }
}

static uint32_t file_bytes(const wchar_t *path)
{
    HANDLE h = CreateFileW(path, GENERIC_READ,
                           FILE_SHARE_READ | FILE_SHARE_WRITE |
                               FILE_SHARE_DELETE,
                           NULL, OPEN_EXISTING, 0, NULL);
    char buf[4096];
    DWORD n;
    uint32_t hash = 2166136261u;

    if (h == INVALID_HANDLE_VALUE)
        return 1;
    while (ReadFile(h, buf, sizeof buf, &n, NULL) && n > 0)
        hash = fnv(hash, buf, n);
    CloseHandle(h);
    return hash;
}

#ifdef MMAN_CE
/* CE: an unlinked object is a generation "<path>.<g>" with a marker
 * "<path>.<g>.u" beside it until a sweep deletes both (README, "Windows
 * CE"): the two count as tombstones. */
static int unlinked_generation(const wchar_t *path)
{
    wchar_t marker[2048];
    size_t n = wcslen(path);

    if (n > 2 && !wcscmp(path + n - 2, L".u"))
        return 1;
    swprintf(marker, 2048, L"%ls.u", path);
    return GetFileAttributesW(marker) != INVALID_FILE_ATTRIBUTES;
}

/* CE: the path in the store of the scenario's object, but for its
 * generation: each run's object has a name of its own, which the
 * listing hashes as one. */
static wchar_t own_object[1024];

static void find_own_path(const struct ctx *c)
{
    const char *p;
    size_t n, i;

    own_object[0] = 0;
    if (!c->name)
        return; /* before set-up */
    n = (size_t)swprintf(own_object, 1024, L"%ls\\mman-shm", store_root);
    for (p = c->name + 1, i = 0; *p && n + 8 < 1024; p++, i++) {
        if (i % 64 == 0)
            n += (size_t)swprintf(own_object + n, 1024 - n,
                                  i ? L".d\\" : L"\\");
        n += (size_t)swprintf(own_object + n, 1024 - n, L"%02x",
                              (unsigned char)*p);
    }
}

static uint32_t path_hash(const wchar_t *path)
{
    size_t n = wcslen(own_object);

    if (n && !wcsncmp(path, own_object, n) && path[n] == L'.')
        return fnv(fnv(2166136261u, L"*", sizeof(wchar_t)), path + n,
                   wcslen(path + n) * sizeof *path);
    return fnv(2166136261u, path, wcslen(path) * sizeof *path);
}
#endif

/* The store's listing: objects (name, size, bytes) and directories as
 * sums of hashes, whatever the order; tombstones counted. */
static void list_store(const wchar_t *dir, long long *v, int depth)
{
    wchar_t path[2048];
    WIN32_FIND_DATAW d;
    HANDLE s;
    uint32_t h;

    swprintf(path, 2048, L"%ls\\*", dir);
    s = FindFirstFileW(path, &d);
    if (s == INVALID_HANDLE_VALUE)
        return;
    do {
        if (!wcscmp(d.cFileName, L".") || !wcscmp(d.cFileName, L".."))
            continue;
        swprintf(path, 2048, L"%ls\\%ls", dir, d.cFileName);
#ifdef MMAN_CE
        h = path_hash(path);
#else
        h = fnv(2166136261u, path, wcslen(path) * sizeof *path);
#endif
        if (d.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
            /* The store itself may be left made: it is the system's
             * /dev/shm, made once (README). */
#ifdef MMAN_CE
            if (depth > 0 || wcscmp(d.cFileName, L"mman-shm"))
#else
            if (depth > 0 || wcscmp(d.cFileName, L"store"))
#endif
                v[F_DIRS] += h;
            list_store(path, v, depth + 1);
#ifdef MMAN_CE
        } else if (unlinked_generation(path)) {
#else
        } else if (!wcsncmp(d.cFileName, L"deleted.", 8)) {
#endif
            v[F_TOMBS]++;
        } else {
            h = fnv(h, &d.nFileSizeLow, sizeof d.nFileSizeLow);
            h = fnv(h, &d.dwFileAttributes, sizeof d.dwFileAttributes);
            v[F_STORE] += fnv(h, &(uint32_t){file_bytes(path)}, 4);
        }
    } while (FindNextFileW(s, &d));
    FindClose(s);
}

/* In the default store, which other tests use at the same time, only
 * this run's object counts: its file is its name's bytes in hex. */
static void find_own_object(const struct ctx *c, long long *v)
{
    wchar_t path[1024];
    WIN32_FILE_ATTRIBUTE_DATA d;
    const char *p;
    size_t n;
    uint32_t h;

    if (!c->name)
        return; /* before set-up */
    n = (size_t)swprintf(path, 1024, L"%ls\\", default_root);
    for (p = c->name + 1; *p && n + 3 < 1024; p++)
        n += (size_t)swprintf(path + n, 1024 - n, L"%02x",
                              (unsigned char)*p);
    if (!GetFileAttributesExW(path, GetFileExInfoStandard, &d))
        return;
    h = fnv(2166136261u, path, n * sizeof *path);
    h = fnv(h, &d.nFileSizeLow, sizeof d.nFileSizeLow);
    h = fnv(h, &d.dwFileAttributes, sizeof d.dwFileAttributes);
    v[F_STORE] += fnv(h, &(uint32_t){file_bytes(path)}, 4);
}

static void registry_counts(long long *v)
{
    struct mman_fragment *f;

    v[F_VIEWS] = (long long)mman__view_count();
    v[F_FRAGS] = (long long)mman__fragment_count();
    for (f = mman__first_ending_after(NULL); f; f = mman__next(f))
        v[F_LOCKED] += f->locked != 0;
    v[F_FUTURE] = mman__lock_future;
}

/* Watched pages first: the probes bring in MAP_NORESERVE pages, which
 * the walk after them then counts the same way every time. */
static void snapshot(struct ctx *c, struct snap *s, int with_result)
{
    DWORD handles = 0;
    size_t i, off;

    memset(s, 0, sizeof *s);
    for (i = 0; i < (size_t)c->nwatch; i++)
        for (off = 0; off < c->watch[i].len && s->npages < MAX_PAGES;
             off += PG) {
            s->may_unmap[s->npages] = (unsigned char)c->watch[i].may_unmap;
            s->page[s->npages++] = page_state(c->watch[i].at + off);
        }
    if (with_result && c->r && c->r != MAP_FAILED) {
        uint32_t h = 2166136261u, ps;

        for (off = 0; off < c->rlen; off += PG) {
            ps = page_state(c->r + off);
            h = fnv(h, &ps, sizeof ps);
        }
        s->v[F_RESULT] = h;
    }
    if (with_result && c->touch) {
        uint32_t ps = page_state(c->touch);

        s->v[F_RESULT] = ps;
    }
    registry_counts(s->v);
    GetProcessHandleCount(GetCurrentProcess(), &handles);
    s->v[F_HANDLES] = handles;
    walk(s->v);
    s->v[F_SIZE1] = mt_file_size(f1);
    s->v[F_HASH1] = mt_file_hash(f1);
    s->v[F_SIZE2] = mt_file_size(f2);
    s->v[F_HASH2] = mt_file_hash(f2);
#ifdef MMAN_CE
    find_own_path(c);
#endif
    if (c->shm && c->default_store)
        find_own_object(c, s->v);
    else if (c->shm)
        list_store(store_root, s->v, 0);
}

/* A registry that agrees with the address space. */
static const char *registry_problem(void)
{
    struct mman_fragment *f;
    struct mman_view *v;
    MEMORY_BASIC_INFORMATION m;
    char *p, *e;

    for (v = mman__view_ending_after(NULL); v;
         v = mman__view_ending_after(v->node.end))
        if (v->fragments == 0)
            return "a view without fragments";
    for (f = mman__first_ending_after(NULL); f; f = mman__next(f)) {
        v = f->view;
        if (f->node.start < v->node.start || f->node.end > v->node.end)
            return "a fragment outside its view";
        if (mman__view_at(f->node.start) != v)
            return "a fragment whose view is not registered";
        e = mman__fragment_pages_end(f);
        for (p = f->node.start; p < f->node.end;
             p = (char *)m.BaseAddress + m.RegionSize) {
            if (VirtualQuery(p, &m, sizeof m) != sizeof m)
                return "a fragment VirtualQuery cannot see";
            if (v->kind == MMAN_VIEW_FILE && p >= e &&
                p < v->node.start +
                        MMAN_ROUND_UP(v->mapped, mman__granularity))
                continue; /* the gap after the view: free, unusable */
            if (m.State == MEM_FREE)
                return "a fragment over free address space";
            if (v->kind == MMAN_VIEW_ANONYMOUS &&
                m.AllocationBase != v->node.start)
                return "an anonymous fragment outside its reservation";
            if (v->kind == MMAN_VIEW_FILE && p < e &&
                m.Type != MEM_MAPPED)
                return "a file fragment not over its file view";
            if (v->kind == MMAN_VIEW_FILE && p >= e &&
                m.AllocationBase != v->tail)
                return "file pages past end of file outside its tail";
            if (v->kind == MMAN_VIEW_ANONYMOUS && !v->noreserve &&
                f->prot != PROT_NONE && m.State != MEM_COMMIT)
                return "accessible anonymous pages not committed";
        }
    }
    return NULL;
}

/* ---- the scenarios ---- */

/* mmap */

static int c_anon_private(struct ctx *c)
{
    return mapped(c, mmap(NULL, 8 * PG, RW, PRIV, -1, 0), 8 * PG);
}

static int c_anon_shared(struct ctx *c)
{
    return mapped(c,
                  mmap(NULL, 8 * PG, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0),
                  8 * PG);
}

static int c_anon_noreserve(struct ctx *c)
{
    return mapped(c, mmap(NULL, 8 * PG, RW, PRIV | MAP_NORESERVE, -1, 0),
                  8 * PG);
}

static int c_anon_none(struct ctx *c)
{
    return mapped(c, mmap(NULL, 8 * PG, PROT_NONE, PRIV, -1, 0), 8 * PG);
}

static void s_nothing(struct ctx *c)
{
    (void)c;
}

static void s_free_space(struct ctx *c)
{
    c->p = free_space(32 * PG);
    c->plen = 32 * PG;
}

static int c_fixed_in_free(struct ctx *c)
{
    return mapped(c, mmap(c->p + PG, 8 * PG, RW, PRIV | MAP_FIXED, -1, 0),
                  8 * PG);
}

static void s_anon16(struct ctx *c)
{
    c->p = anon(16 * PG, RW, MAP_PRIVATE);
    c->plen = 16 * PG;
    watch(c, c->p, 16 * PG, 0);
}

static void s_anon16_fixed(struct ctx *c)
{
    c->p = anon(16 * PG, RW, MAP_PRIVATE);
    c->plen = 16 * PG;
    watch(c, c->p, 4 * PG, 0);
    watch(c, c->p + 4 * PG, 4 * PG, 1);
    watch(c, c->p + 8 * PG, 8 * PG, 0);
}

static int c_fixed_over_anon(struct ctx *c)
{
    return mapped(c,
                  mmap(c->p + 4 * PG, 4 * PG, RW, PRIV | MAP_FIXED, -1, 0),
                  4 * PG);
}

static void s_two_adjacent_fixed(struct ctx *c)
{
    two_adjacent(c);
    watch(c, c->p, 12 * PG, 0);
    watch(c, c->p + 12 * PG, 8 * PG, 1);
    watch(c, c->p + 20 * PG, 12 * PG, 0);
}

static int c_fixed_across_two(struct ctx *c)
{
    return mapped(c,
                  mmap(c->p + 12 * PG, 8 * PG, RW, PRIV | MAP_FIXED, -1, 0),
                  8 * PG);
}

static void s_file16_fixed(struct ctx *c)
{
    c->p = file_map(c, 20 * PG, 16 * PG, RW, MAP_SHARED, 0);
    c->plen = 16 * PG;
    watch(c, c->p, 16 * PG, 1);
}

static int c_anon_fixed_over_file(struct ctx *c)
{
    return mapped(c, mmap(c->p, 16 * PG, RW, PRIV | MAP_FIXED, -1, 0),
                  16 * PG);
}

static void s_file(struct ctx *c)
{
    c->fd = mt_make_file(f1, 20 * PG, 5);
    NEED((c->fd) >= (0));
}

static void s_short_file(struct ctx *c)
{
    c->fd = mt_make_file(f1, 5 * PG + 100, 5);
    NEED((c->fd) >= (0));
}

static void s_empty_file(struct ctx *c)
{
    c->fd = mt_make_file(f2, 0, 5);
    NEED((c->fd) >= (0));
}

static void s_file_rdonly(struct ctx *c)
{
    s_file(c);
    close(c->fd);
    c->fd = open(f1, O_RDONLY);
    NEED((c->fd) >= (0));
}

static int c_file_shared(struct ctx *c)
{
    return mapped(c, mmap(NULL, 16 * PG, RW, MAP_SHARED, c->fd, 0), 16 * PG);
}

static int c_file_past_eof(struct ctx *c)
{
    return mapped(c, mmap(NULL, 32 * PG, RW, MAP_SHARED, c->fd, 0), 32 * PG);
}

static int c_file_private_off(struct ctx *c)
{
    return mapped(c, mmap(NULL, 8 * PG, RW, MAP_PRIVATE, c->fd, (off_t)PG),
                  8 * PG);
}

static int c_file_private_ro(struct ctx *c)
{
    return mapped(c, mmap(NULL, 8 * PG, PROT_READ, MAP_PRIVATE, c->fd, 0),
                  8 * PG);
}

static int c_file_readonly(struct ctx *c)
{
    return mapped(c, mmap(NULL, 8 * PG, PROT_READ, MAP_SHARED, c->fd, 0),
                  8 * PG);
}

static int c_file_exec(struct ctx *c)
{
    return mapped(c,
                  mmap(NULL, 8 * PG, PROT_READ | PROT_EXEC, MAP_SHARED, c->fd,
                       0),
                  8 * PG);
}

static int c_empty_file(struct ctx *c)
{
    return mapped(c, mmap(NULL, 4 * PG, RW, MAP_SHARED, c->fd, 0), 4 * PG);
}

#ifndef MMAN_CE
/* A PROT_NONE reservation of 64 pages; the file goes at its second
 * 64 KiB block. The rest of that block is given up by design (the view
 * takes the block whole), so it may be unmapped too. */
static void s_none_reservation(struct ctx *c)
{
    s_file(c);
    c->p = anon(64 * PG, PROT_NONE, MAP_PRIVATE);
    c->plen = 64 * PG;
    watch(c, c->p, 16 * PG, 0);
    watch(c, c->p + 16 * PG, 16 * PG, 1);
    watch(c, c->p + 32 * PG, 32 * PG, 0);
}
#endif

static int c_file_fixed_into_none(struct ctx *c)
{
    return mapped(c,
                  mmap(c->p + 16 * PG, 8 * PG, RW, MAP_SHARED | MAP_FIXED,
                       c->fd, 0),
                  8 * PG);
}

#ifdef MMAN_CE
/* CE: a shared file mapping can read, write or both; PROT_EXEC is
 * ENOTSUP, once the descriptor has been looked at */
static int c_file_exec_refused(struct ctx *c)
{
    return refused(c_file_exec(c), ENOTSUP);
}

/* CE: no view can be placed, so MAP_FIXED of a file is EINVAL, once
 * the descriptor has been looked at; the reservation stays whole */
static void s_none_reservation_kept(struct ctx *c)
{
    s_file(c);
    c->p = anon(64 * PG, PROT_NONE, MAP_PRIVATE);
    c->plen = 64 * PG;
    watch(c, c->p, 64 * PG, 0);
}

static int c_file_fixed_refused(struct ctx *c)
{
    return refused(c_file_fixed_into_none(c), EINVAL);
}
#endif

static void s_lock_future(struct ctx *c)
{
    NEED((mlockall(MCL_FUTURE)) == (0));
    c->unlock_all = 1;
}

static int c_anon_small(struct ctx *c)
{
    return mapped(c, mmap(NULL, 4 * PG, RW, PRIV, -1, 0), 4 * PG);
}

static int c_noreserve_small(struct ctx *c)
{
    return mapped(c, mmap(NULL, 4 * PG, RW, PRIV | MAP_NORESERVE, -1, 0),
                  4 * PG);
}

/* munmap */

static void s_anon8(struct ctx *c)
{
    c->p = anon(8 * PG, RW, MAP_PRIVATE);
    c->plen = 8 * PG;
    watch(c, c->p, 8 * PG, 0);
}

static int c_munmap_whole(struct ctx *c)
{
    return result_of(munmap(c->p, c->plen));
}

static int c_munmap_head(struct ctx *c)
{
    return result_of(munmap(c->p, 2 * PG));
}

static int c_munmap_middle(struct ctx *c)
{
    return result_of(munmap(c->p + 2 * PG, 2 * PG));
}

static int c_munmap_tail4(struct ctx *c)
{
    return result_of(munmap(c->p + c->plen - 4 * PG, 4 * PG));
}

static void s_file_past_eof_map(struct ctx *c)
{
    c->p = file_map(c, 5 * PG + 100, 32 * PG, RW, MAP_SHARED, 0);
    c->plen = 32 * PG;
    watch(c, c->p, 6 * PG, 0);
}

static void s_file_shared16(struct ctx *c)
{
    c->p = file_map(c, 20 * PG, 16 * PG, RW, MAP_SHARED, 0);
    c->plen = 16 * PG;
    watch(c, c->p, 16 * PG, 0);
}

static void s_file_private16(struct ctx *c)
{
    c->p = file_map(c, 20 * PG, 16 * PG, RW, MAP_PRIVATE, 0);
    c->plen = 16 * PG;
    c->p[PG] = 1;
    c->p[5 * PG] = 2;
    watch(c, c->p, 16 * PG, 0);
}

static void s_two_adjacent(struct ctx *c)
{
    two_adjacent(c);
    watch(c, c->p, 32 * PG, 0);
}

static int c_munmap_across(struct ctx *c)
{
    return result_of(munmap(c->p + 12 * PG, 8 * PG));
}

static void s_anon8_locked(struct ctx *c)
{
    s_anon8(c);
    NEED((mlock(c->p, 8 * PG)) == (0));
}

/* mprotect */

static int c_protect_read(struct ctx *c)
{
    return result_of(mprotect(c->p + 4 * PG, 4 * PG, PROT_READ));
}

static void s_anon_none8(struct ctx *c)
{
    c->p = anon(8 * PG, PROT_NONE, MAP_PRIVATE);
    c->plen = 8 * PG;
    watch(c, c->p, 8 * PG, 0);
}

static int c_protect_rw(struct ctx *c)
{
    return result_of(mprotect(c->p, c->plen, RW));
}

static void s_anon16_two_prots(struct ctx *c)
{
    s_anon16(c);
    NEED((mprotect(c->p + 8 * PG, 8 * PG, PROT_READ)) == (0));
}

static int c_protect_none(struct ctx *c)
{
    return result_of(mprotect(c->p, c->plen, PROT_NONE));
}

static int c_protect_exec(struct ctx *c)
{
    return result_of(mprotect(c->p, 4 * PG, RW | PROT_EXEC));
}

#ifndef MMAN_CE
static void s_file_exec8(struct ctx *c)
{
    c->p = file_map(c, 20 * PG, 8 * PG, PROT_READ | PROT_EXEC, MAP_SHARED,
                    0);
    c->plen = 8 * PG;
    watch(c, c->p, 8 * PG, 0);
}

static int c_protect_rwx(struct ctx *c)
{
    return result_of(mprotect(c->p, c->plen, RW | PROT_EXEC));
}
#else
/* CE: a shared file mapping keeps the protection mmap gave it */
static int c_protect_read_refused(struct ctx *c)
{
    return refused(c_protect_read(c), ENOTSUP);
}
#endif

/* msync */

static void s_file_shared16_dirty(struct ctx *c)
{
    s_file_shared16(c);
    c->p[3] = 7;
    c->p[9 * PG] = 8;
}

static int c_msync_async(struct ctx *c)
{
    return result_of(msync(c->p, c->plen, MS_ASYNC));
}

static int c_msync_sync(struct ctx *c)
{
    return result_of(msync(c->p, c->plen, MS_SYNC));
}

static int c_msync_invalidate(struct ctx *c)
{
    return result_of(msync(c->p, c->plen, MS_INVALIDATE));
}

/* locking */

static int c_mlock(struct ctx *c)
{
    return result_of(mlock(c->p, c->plen));
}

static void s_noreserve8(struct ctx *c)
{
    c->p = anon(8 * PG, RW, MAP_PRIVATE | MAP_NORESERVE);
    c->plen = 8 * PG;
}

static int c_munlock(struct ctx *c)
{
    return result_of(munlock(c->p, c->plen));
}

static void s_two_mappings(struct ctx *c)
{
    s_anon8(c);
    c->q = file_map(c, 20 * PG, 16 * PG, RW, MAP_SHARED, 0);
    c->qlen = 16 * PG;
    watch(c, c->q, 16 * PG, 0);
    c->unlock_all = 1;
}

static int c_mlockall(struct ctx *c)
{
    (void)c;
    return result_of(mlockall(MCL_CURRENT));
}

static void s_all_locked(struct ctx *c)
{
    s_anon8(c);
    NEED((mlockall(MCL_CURRENT | MCL_FUTURE)) == (0));
    c->unlock_all = 1;
}

static int c_munlockall(struct ctx *c)
{
    (void)c;
    return result_of(munlockall());
}

/* advice */

static int c_willneed(struct ctx *c)
{
    return result_of(madvise(c->p, c->plen, MADV_WILLNEED));
}

static int c_posix_willneed(struct ctx *c)
{
    return posix_madvise(c->p, c->plen, POSIX_MADV_WILLNEED);
}

static int c_dontneed(struct ctx *c)
{
    return result_of(madvise(c->p + 2 * PG, 4 * PG, MADV_DONTNEED));
}

static int c_dontneed_all(struct ctx *c)
{
    return result_of(madvise(c->p, c->plen, MADV_DONTNEED));
}

static int c_free(struct ctx *c)
{
    return result_of(madvise(c->p, c->plen, MADV_FREE));
}

static void s_anon8_shared(struct ctx *c)
{
    c->p = anon(8 * PG, RW, MAP_SHARED);
    c->plen = 8 * PG;
    watch(c, c->p, 8 * PG, 0);
}

/* shm_open */

static void s_shm_new_store(struct ctx *c)
{
    shm_setup(c);
    wipe(store_root, 0);
    mman__shm_store_forget();
}

static void s_shm(struct ctx *c)
{
    shm_setup(c);
}

static void s_shm_long(struct ctx *c)
{
    shm_setup(c);
    snprintf(c->name_buf, sizeof c->name_buf, "%s-%u", long_name,
             run_number);
    c->name = c->name_buf;
}

#ifndef MMAN_CE
static void s_shm_default(struct ctx *c)
{
    shm_setup(c);
    c->default_store = 1;
    env_set("MMAN_SHM_DIR", NULL);
    mman__shm_store_forget();
}
#endif

static void s_shm_existing(struct ctx *c)
{
    shm_setup(c);
    make_object(c->name, "some bytes");
}

static int opened(struct ctx *c, int fd)
{
    c->shm_fd = fd;
    return fd < 0 ? errno : 0;
}

static int c_shm_create(struct ctx *c)
{
    return opened(c, shm_open(c->name, O_CREAT | O_EXCL | O_RDWR, 0600));
}

static int c_shm_create_readonly(struct ctx *c)
{
    return opened(c, shm_open(c->name, O_CREAT | O_EXCL | O_RDWR, 0400));
}

static int c_shm_open(struct ctx *c)
{
    return opened(c, shm_open(c->name, O_RDWR, 0));
}

static int c_shm_trunc(struct ctx *c)
{
    return opened(c, shm_open(c->name, O_RDWR | O_TRUNC, 0));
}

static int c_shm_rdonly_trunc(struct ctx *c)
{
    return opened(c, shm_open(c->name, O_RDONLY | O_TRUNC, 0));
}

/* shm_unlink */

static void s_shm_long_existing(struct ctx *c)
{
    s_shm_long(c);
    make_object(c->name, "x");
}

#ifndef MMAN_CE
/* A read-only object (mode 0400): Windows deletes no read-only file, so
 * its unlink takes the attribute off first. */
static void s_shm_read_only_existing(struct ctx *c)
{
    int fd;

    shm_setup(c);
    fd = shm_open(c->name, O_CREAT | O_EXCL | O_RDWR, 0400);
    NEED((fd) >= (0));
    NEED((close(fd)) == (0));
}
#endif

#ifndef MMAN_CE
/* A tombstone an earlier process left: the first unlink of a process
 * sweeps it. */
static void s_shm_tombstone(struct ctx *c)
{
    wchar_t path[800];
    const wchar_t *store;
    HANDLE h;
    int err;

    s_shm_existing(c);
    store = mman__shm_store(&err);
    NEED(store != NULL);
    swprintf(path, 800, L"%ls\\deleted.1.1", store);
    h = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    NEED(h != INVALID_HANDLE_VALUE);
    CloseHandle(h);
}
#endif

static int c_shm_unlink(struct ctx *c)
{
    return result_of(shm_unlink(c->name));
}

#ifdef MMAN_CE
/* CE deletes no open file: an object unlinked while open is its file
 * with a marker beside it, until a sweep can delete both (README,
 * "Windows CE"). */

/* The object, open. */
static void s_shm_open_object(struct ctx *c)
{
    shm_setup(c);
    c->fd2 = shm_open(c->name, O_CREAT | O_EXCL | O_RDWR, 0600);
    NEED((c->fd2) >= (0));
}

/* The object, unlinked while open: O_CREAT makes its next generation
 * beside it. */
static void s_shm_unlinked_open(struct ctx *c)
{
    s_shm_open_object(c);
    NEED((shm_unlink(c->name)) == (0));
}

/* Another object, unlinked while open and closed since: its file and
 * marker wait for the sweep of the store that an unlink makes. */
static void s_shm_marker(struct ctx *c)
{
    char held[64];
    int fd;

    s_shm_existing(c);
    snprintf(held, sizeof held, "/wf-held-%u", run_number);
    fd = shm_open(held, O_CREAT | O_EXCL | O_RDWR, 0600);
    NEED((fd) >= (0));
    NEED((shm_unlink(held)) == (0));
    NEED((close(fd)) == (0));
}

/* A read-only object, open: the delete takes the attribute off, fails,
 * and the marker cannot be made either (the disk is full: pre_call), so
 * the attribute is put back and the unlink fails. */
static void s_shm_open_read_only(struct ctx *c)
{
    shm_setup(c);
    c->fd2 = shm_open(c->name, O_CREAT | O_EXCL | O_RDWR, 0400);
    NEED((c->fd2) >= (0));
}

static int c_shm_unlink_refused(struct ctx *c)
{
    return refused(c_shm_unlink(c), ENOSPC);
}
#endif

/* the fault handler */

static void grow(struct ctx *c)
{
    NEED((mt_pwrite(c->fd, "g", 1, 20 * (long long)PG - 1)) == (1));
}

static void s_grown_shared(struct ctx *c)
{
    c->p = file_map(c, 2 * PG, 32 * PG, RW, MAP_SHARED, 0);
    c->plen = 32 * PG;
    watch(c, c->p, 2 * PG, 0);
    grow(c);
    c->touch = c->p + 10 * PG;
}

static void s_grown_private(struct ctx *c)
{
    c->p = file_map(c, 2 * PG, 32 * PG, RW, MAP_PRIVATE, 0);
    c->plen = 32 * PG;
    c->p[5] = 9; /* a private copy that must survive */
    watch(c, c->p, 2 * PG, 0);
    grow(c);
    c->touch = c->p + 10 * PG;
}

static void s_noreserve_touch(struct ctx *c)
{
    c->p = mmap(NULL, 8 * PG, RW, PRIV | MAP_NORESERVE, -1, 0);
    NEED((c->p) != (MAP_FAILED));
    c->plen = 8 * PG;
    watch(c, c->p, PG, 0);
    c->touch = c->p + 3 * PG;
}

#ifndef MMAN_CE
static int c_touch_read(struct ctx *c)
{
    return mt_read_faults(c->touch) ? EFAULT : 0;
}
#endif

static int c_touch_write(struct ctx *c)
{
    return mt_write_faults(c->touch) ? EFAULT : 0;
}

#ifdef MMAN_CE
/* CE: no fault handler; the pages past the end of file at mmap time
 * keep faulting when the file grows (README, "Windows CE") */
static int c_touch_faults(struct ctx *c)
{
    return mt_read_faults(c->touch) ? 0 : -1;
}
#endif

static const struct scenario scenarios[] = {
    {"mmap anon private", s_nothing, c_anon_private, 0, NULL, 0, 0},
    {"mmap anon shared", s_nothing, c_anon_shared, 0, NULL, 0, 0},
    {"mmap anon MAP_NORESERVE", s_nothing, c_anon_noreserve, 0, NULL, 0, 0},
    {"mmap anon PROT_NONE", s_nothing, c_anon_none, 0, NULL, 0, 0},
    {"mmap anon MAP_FIXED in free space", s_free_space, c_fixed_in_free, 1,
     NULL, 0, 0},
    {"mmap anon MAP_FIXED over anon", s_anon16_fixed, c_fixed_over_anon, 1,
     NULL, 0, 0},
    {"mmap anon MAP_FIXED across two anon", s_two_adjacent_fixed,
     c_fixed_across_two, 1, NULL, 0, 0},
    {"mmap anon MAP_FIXED over a file map", s_file16_fixed,
     c_anon_fixed_over_file, 1, NULL, 0, 0},
    {"mmap file shared", s_file, c_file_shared, 0, NULL, 0, 0},
    {"mmap file shared past EOF", s_short_file, c_file_past_eof, 0, NULL,
     0, 0},
    {"mmap file private at an offset", s_file, c_file_private_off, 0, NULL,
     0, 0},
    {"mmap file private PROT_READ", s_file, c_file_private_ro, 0, NULL, 0, 0},
    {"mmap file read-only descriptor", s_file_rdonly, c_file_readonly, 0,
     NULL, 0, 0},
#ifdef MMAN_CE
    /* CE: PROT_EXEC of a shared file mapping is ENOTSUP */
    {"mmap file PROT_EXEC refused", s_file, c_file_exec_refused, 0, NULL, 0,
     0},
#else
    {"mmap file PROT_EXEC", s_file, c_file_exec, 0, NULL, 0, 0},
#endif
    {"mmap empty file", s_empty_file, c_empty_file, 0, NULL, 0, 0},
#ifdef MMAN_CE
    /* CE: MAP_FIXED of a file is EINVAL, and unmaps nothing */
    {"mmap file MAP_FIXED refused", s_none_reservation_kept,
     c_file_fixed_refused, 0, NULL, 0, 0},
#else
    {"mmap file MAP_FIXED into PROT_NONE", s_none_reservation,
     c_file_fixed_into_none, 1, NULL, 0, 0},
#endif
    {"mmap anon after mlockall(MCL_FUTURE)", s_lock_future, c_anon_small, 0,
     NULL, 0, 0},
    {"mmap MAP_NORESERVE after mlockall(MCL_FUTURE)", s_lock_future,
     c_noreserve_small, 0, NULL, 0, 0},
    {"munmap anon whole", s_anon8, c_munmap_whole, 0, NULL, 0, 0},
    {"munmap anon head", s_anon8, c_munmap_head, 0, NULL, 0, 0},
    {"munmap anon middle", s_anon8, c_munmap_middle, 0, NULL, 0, 0},
    {"munmap anon tail", s_anon8, c_munmap_tail4, 0, NULL, 0, 0},
    {"munmap file whole (past EOF)", s_file_past_eof_map, c_munmap_whole, 0,
     NULL, 0, 0},
    {"munmap file shared tail", s_file_shared16, c_munmap_tail4, 0, NULL,
     0, 0},
    {"munmap file private middle", s_file_private16, c_munmap_middle, 0,
     NULL, 0, 0},
    {"munmap across two mappings", s_two_adjacent, c_munmap_across, 0, NULL,
     0, 0},
    {"munmap locked pages", s_anon8_locked, c_munmap_middle, 0, NULL, 0, 0},
    {"mprotect anon", s_anon16, c_protect_read, 0, NULL, 0, 0},
    {"mprotect anon reserved (PROT_NONE)", s_anon_none8, c_protect_rw, 0,
     NULL, 0, 0},
    {"mprotect anon two fragments", s_anon16_two_prots, c_protect_none, 0,
     NULL, 0, 0},
    {"mprotect anon adding PROT_EXEC", s_anon16, c_protect_exec, 0, NULL,
     0, 0},
#ifdef MMAN_CE
    /* CE: a shared file mapping keeps its protection (ENOTSUP) and
     * cannot execute; a private one, a copy, can be given any */
    {"mprotect file shared refused", s_file_shared16, c_protect_read_refused,
     0, NULL, 0, 0},
    {"mprotect file private", s_file_private16, c_protect_read, 0, NULL, 0, 0},
    {"mprotect file private adding PROT_EXEC", s_file_private16,
     c_protect_exec, 0, NULL, 0, 0},
#else
    {"mprotect file shared", s_file_shared16, c_protect_read, 0, NULL, 0, 0},
    {"mprotect file private", s_file_private16, c_protect_read, 0, NULL, 0, 0},
    {"mprotect file adding PROT_WRITE to PROT_EXEC", s_file_exec8,
     c_protect_rwx, 0, NULL, 0, 0},
#endif
    {"msync MS_ASYNC shared", s_file_shared16_dirty, c_msync_async, 0, NULL,
     0, 0},
    {"msync MS_SYNC shared", s_file_shared16_dirty, c_msync_sync, 0, NULL,
     0, 0},
    {"msync MS_INVALIDATE shared", s_file_shared16_dirty,
     c_msync_invalidate, 0, NULL, 0, 0},
    {"msync MS_SYNC private", s_file_private16, c_msync_sync, 0, NULL, 0, 0},
    {"mlock anon", s_anon8, c_mlock, 0, NULL, 0, 0},
    {"mlock MAP_NORESERVE", s_noreserve8, c_mlock, 0, NULL, 0, 0},
    {"mlock file", s_file_shared16, c_mlock, 0, NULL, 0, 0},
    {"mlock two fragments", s_anon16_two_prots, c_mlock, 0, NULL, 0, 0},
#ifndef MMAN_CE
    /* (CE has no working set to fill: its mlock makes no Win32 call,
     * which no_calls checks) */
    {"mlock with the working set full", s_anon8, c_mlock, 0, "VirtualLock",
     ERROR_WORKING_SET_QUOTA, 0},
#endif
    {"munlock", s_anon8_locked, c_munlock, 0, NULL, 0, 0},
    {"mlockall(MCL_CURRENT)", s_two_mappings, c_mlockall, 0, NULL, 0, 0},
    {"munlockall", s_all_locked, c_munlockall, 0, NULL, 0, 0},
    {"madvise MADV_WILLNEED file", s_file_shared16, c_willneed, 0, NULL, 0, 0},
    {"posix_madvise POSIX_MADV_WILLNEED file", s_file_shared16,
     c_posix_willneed, 0, NULL, 0, 0},
    {"madvise MADV_DONTNEED anon private", s_anon8, c_dontneed, 0, NULL, 0, 0},
    {"madvise MADV_DONTNEED anon shared", s_anon8_shared, c_dontneed, 0,
     NULL, 0, 0},
    {"madvise MADV_DONTNEED file private written", s_file_private16,
     c_dontneed_all, 0, NULL, 0, 0},
    {"madvise MADV_FREE anon", s_anon8, c_free, 0, NULL, 0, 0},
    {"shm_open create, new store", s_shm_new_store, c_shm_create, 0, NULL,
     0, 0},
    {"shm_open create", s_shm, c_shm_create, 0, NULL, 0, 0},
    {"shm_open create long name", s_shm_long, c_shm_create, 0, NULL, 0, 0},
    {"shm_open create read-only mode", s_shm, c_shm_create_readonly, 0,
     NULL, 0, 0},
#ifdef MMAN_CE
    /* CE: one store, in the temporary directory, with no default to fall
     * back to; instead, O_CREAT of a name whose object was unlinked while
     * open makes the name's next generation */
    {"shm_open create over an unlinked open object", s_shm_unlinked_open,
     c_shm_create, 0, NULL, 0, 0},
#else
    {"shm_open create, default store", s_shm_default, c_shm_create, 0, NULL,
     0, 0},
#endif
    {"shm_open existing", s_shm_existing, c_shm_open, 0, NULL, 0, 0},
    {"shm_open O_TRUNC", s_shm_existing, c_shm_trunc, 0, NULL, 0, 0},
    {"shm_open O_RDONLY|O_TRUNC", s_shm_existing, c_shm_rdonly_trunc, 0,
     NULL, 0, 0},
    {"shm_unlink", s_shm_existing, c_shm_unlink, 0, NULL, 0, 0},
    {"shm_unlink long name", s_shm_long_existing, c_shm_unlink, 0, NULL, 0, 0},
#ifdef MMAN_CE
    /* CE: no renaming, no tombstones: an object open at its unlink is
     * marked, and every unlink sweeps the markers of objects let go
     * since, in a process of any age */
    {"shm_unlink open object", s_shm_open_object, c_shm_unlink, 0, NULL, 0,
     0},
    {"shm_unlink with a marker to sweep", s_shm_marker, c_shm_unlink, 0,
     NULL, 0, 0},
    {"shm_unlink open read-only object, disk full: refused",
     s_shm_open_read_only, c_shm_unlink_refused, 0, "CreateFileW",
     ERROR_DISK_FULL, 0},
#else
    {"shm_unlink read-only object", s_shm_read_only_existing, c_shm_unlink,
     0, NULL, 0, 0},
    {"shm_unlink with a tombstone to sweep", s_shm_tombstone, c_shm_unlink,
     0, NULL, 0, 1},
#endif
#ifdef MMAN_CE
    /* CE: mappings do not grow with their file */
    {"fault: shared file grew, still faults", s_grown_shared, c_touch_faults,
     0, NULL, 0, 0},
    {"fault: private file grew, still faults", s_grown_private,
     c_touch_faults, 0, NULL, 0, 0},
#else
    {"fault: shared file grew", s_grown_shared, c_touch_read, 0, NULL, 0, 0},
    {"fault: private file grew", s_grown_private, c_touch_read, 0, NULL, 0, 0},
#endif
    {"fault: MAP_NORESERVE first touch", s_noreserve_touch, c_touch_write,
     0, NULL, 0, 0},
};
#define NSCENARIOS (sizeof scenarios / sizeof scenarios[0])

/* ---- what a failure should do ---- */

/* The error each call is failed with: what it realistically says. */
static DWORD error_for(const char *call)
{
    static const struct {
        const char *call;
        DWORD error;
    } table[] = {
        {"CreateFileMapping", ERROR_COMMITMENT_LIMIT},
        {"MapViewOfFileEx", ERROR_NOT_ENOUGH_MEMORY},
        {"UnmapViewOfFile", ERROR_INVALID_ADDRESS},
        {"VirtualAlloc(MEM_RESERVE)", ERROR_NOT_ENOUGH_MEMORY},
        {"VirtualAlloc(MEM_RESERVE|MEM_COMMIT)", ERROR_COMMITMENT_LIMIT},
        {"VirtualAlloc(MEM_COMMIT)", ERROR_COMMITMENT_LIMIT},
        {"VirtualFree(MEM_DECOMMIT)", ERROR_NOT_ENOUGH_MEMORY},
        {"VirtualFree(MEM_RELEASE)", ERROR_INVALID_ADDRESS},
        {"VirtualProtect", ERROR_COMMITMENT_LIMIT},
        {"VirtualQuery", ERROR_INVALID_PARAMETER},
        {"FlushViewOfFile", ERROR_IO_DEVICE},
        {"FlushFileBuffers", ERROR_IO_DEVICE},
        {"GetFileInformationByHandleEx", ERROR_IO_DEVICE},
        {"PrefetchVirtualMemory", ERROR_NOT_ENOUGH_MEMORY},
        {"VirtualLock", ERROR_NO_SYSTEM_RESOURCES},
        {"VirtualUnlock", ERROR_NOT_LOCKED},
        {"SetProcessWorkingSetSize", ERROR_PRIVILEGE_NOT_HELD},
        {"DuplicateHandle", ERROR_NO_SYSTEM_RESOURCES},
        {"ReOpenFile", ERROR_ACCESS_DENIED},
        {"CloseHandle", ERROR_INVALID_HANDLE},
        {"CreateFileW", ERROR_ACCESS_DENIED},
        {"SetFileInformationByHandle", ERROR_USER_MAPPED_FILE},
        {"SetFileInformationByHandle(FileRenameInfo)", ERROR_ACCESS_DENIED},
        {"SetFileInformationByHandle(FileDispositionInfo)",
         ERROR_ACCESS_DENIED},
        {"SetFileInformationByHandle(FileBasicInfo)", ERROR_ACCESS_DENIED},
        {"DeleteFileW", ERROR_ACCESS_DENIED},
        {"RemoveDirectoryW", ERROR_DIR_NOT_EMPTY},
        {"CreateDirectoryW", ERROR_ACCESS_DENIED},
        {"FindFirstFileW", ERROR_ACCESS_DENIED},
        {"SHGetFolderPathW", ERROR_PATH_NOT_FOUND},
        {"GetFullPathNameW", ERROR_FILENAME_EXCED_RANGE},
        {"GetTokenInformation", ERROR_ACCESS_DENIED},
        {"ConvertStringSecurityDescriptorToSecurityDescriptorW",
         ERROR_NOT_ENOUGH_MEMORY},
        {"_open_osfhandle", ERROR_TOO_MANY_OPEN_FILES},
#ifdef MMAN_CE
        {"MapViewOfFile", ERROR_NOT_ENOUGH_MEMORY},
        {"GetFileSize", ERROR_IO_DEVICE},
        {"GetFileInformationByHandle", ERROR_IO_DEVICE},
        /* how a handle refuses a transfer it may not make */
        {"ReadFile/WriteFile", ERROR_ACCESS_DENIED},
        {"SetEndOfFile", ERROR_USER_MAPPED_FILE},
        {"GetTempPathW", ERROR_FILENAME_EXCED_RANGE},
#endif
    };
    size_t i;

    for (i = 0; i < sizeof table / sizeof table[0]; i++)
        if (!strcmp(table[i].call, call))
            return table[i].error;
    return ERROR_GEN_FAILURE;
}

static int starts_with(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

/* The errno a failure should give: the Win32 error's, but where POSIX
 * names the error itself. */
static int expected_errno(const struct scenario *s, const char *call,
                          DWORD error)
{
    /* the access faults, as it would with no handler */
    if (starts_with(s->name, "fault:"))
        return EFAULT;
    /* POSIX: mmap after mlockall(MCL_FUTURE) is EAGAIN when the new
     * mapping cannot be locked */
    if (strstr(s->name, "MCL_FUTURE") &&
        (!strcmp(call, "VirtualLock") ||
         (!strcmp(call, "VirtualAlloc(MEM_COMMIT)") &&
          strstr(s->name, "NORESERVE"))))
        return EAGAIN;
    /* MAP_FIXED asks whether the range is free: when that cannot be
     * told, it is not for us (POSIX: ENOMEM, the range is not allowed
     * in the address space) */
    if (s->fixed && !strcmp(call, "VirtualQuery"))
        return ENOMEM;
    /* POSIX: mlock is ENOMEM over the limit on locked memory */
    if (!strcmp(call, "SetProcessWorkingSetSize"))
        return ENOMEM;
    return mman__errno_from_win32(error);
}

#ifdef MMAN_CE
/* CE: the descriptor checks of mmap. CE has no GetFileType, and tells
 * a regular file by its file information: a descriptor without any is
 * not one, ENODEV (README, "Windows CE"). */
static int ce_expected_errno(const struct scenario *s, const char *call,
                             unsigned k, DWORD error)
{
    if (starts_with(s->name, "mmap") && k == 1 &&
        !strcmp(call, "GetFileInformationByHandle"))
        return ENODEV;
    return expected_errno(s, call, error);
}
#endif

/* Failures the library ignores by design: the call succeeds. */
static const struct {
    const char *scenario; /* prefix; "" for any */
    const char *call;
    const char *why;
} tolerated[] = {
    {"", "CloseHandle",
     "closing a handle of ours cannot fail for a valid handle; the handle "
     "is lost, nothing else"},
    {"", "UnmapViewOfFile",
     "unmapping a view of ours cannot fail for its base; the view is "
     "lost, nothing else"},
    {"", "VirtualFree(MEM_RELEASE)",
     "releasing a reservation of ours cannot fail for its base; the "
     "reservation is lost, nothing else"},
#ifdef MMAN_CE
    /* CE asks a descriptor's access by transfers of no bytes (README,
     * "Windows CE"): a refused write changes nothing where no write
     * access is needed */
    {"mmap file private", "ReadFile/WriteFile",
     "a private mapping is a copy: it needs no write access"},
    {"mmap file read-only descriptor", "ReadFile/WriteFile",
     "the descriptor refuses writes anyway"},
    {"mmap file PROT_EXEC", "ReadFile/WriteFile",
     "PROT_READ|PROT_EXEC needs no write access: refused all the same"},
    {"shm_open existing", "CreateFileW",
     "an object that cannot be opened is taken for one being deleted, "
     "and looked for again: opened then"},
    {"shm_open O_", "CreateFileW",
     "an object that cannot be opened is taken for one being deleted, "
     "and looked for again: opened then"},
    {"shm_open", "DeleteFileW",
     "the sweep leaves a file it cannot delete, and its marker, to a "
     "later sweep"},
    {"shm_open", "FindFirstFileW",
     "the sweep of unlinked objects is housekeeping; whether the store "
     "was there matters only to undo a failure"},
    {"shm_unlink", "DeleteFileW",
     "an object that cannot be deleted is marked unlinked instead; a file "
     "the sweep cannot delete keeps its marker for a later sweep"},
    {"shm_unlink", "RemoveDirectoryW",
     "an empty directory of a long name is left; it names no object"},
    {"shm_unlink", "FindFirstFileW",
     "the sweep of unlinked objects is housekeeping"},
    {"shm_unlink", "SetFileAttributesW",
     "putting back the read-only attribute that the delete took off "
     "cannot fail for the file it was just taken from; the object is "
     "left writable, nothing else"},
#else
    {"", "VirtualUnlock",
     "ERROR_NOT_LOCKED: nothing was locked, nothing to undo"},
    {"", "PrefetchVirtualMemory", "read-ahead is a hint"},
    {"shm_unlink", "DeleteFileW",
     "the name is gone once renamed; a tombstone left is swept later"},
    {"shm_unlink", "SetFileInformationByHandle(FileDispositionInfo)",
     "the name is gone once renamed; a tombstone left is swept later"},
    {"shm_unlink", "SetFileInformationByHandle(FileBasicInfo)",
     "the name is gone once renamed; a tombstone left is swept later"},
    {"shm_unlink", "RemoveDirectoryW",
     "an empty directory of a long name is left; it names no object"},
    {"shm_unlink", "FindFirstFileW", "the sweep of old tombstones is "
                                     "housekeeping"},
#endif
    {"munmap", "VirtualFree(MEM_DECOMMIT)",
     "pages that cannot be decommitted are made inaccessible instead: "
     "unmapped all the same"},
    {"mmap anon MAP_FIXED", "VirtualFree(MEM_DECOMMIT)",
     "the replaced pages are unmapped as munmap does (above)"},
#ifndef MMAN_CE
    /* (CE has no fault handler to commit them later) */
    {"madvise", "VirtualAlloc(MEM_COMMIT)",
     "discarded anonymous pages are committed at their first touch "
     "instead: zero either way"},
#endif
};
#define NTOLERATED (sizeof tolerated / sizeof tolerated[0])
static unsigned tolerated_used[NTOLERATED];

static int tolerated_at(const struct scenario *s, const char *call)
{
    size_t i;

    for (i = 0; i < NTOLERATED; i++)
        if (starts_with(s->name, tolerated[i].scenario) &&
            !strcmp(call, tolerated[i].call))
            return (int)i;
    return -1;
}

/* What a failed give-back call keeps, which the injection (not the
 * library) leaks: not counted. */
static unsigned leak_allowed(const struct scenario *s, const char *call)
{
    /* unmapped pages that could not be decommitted: inaccessible, their
     * memory back with the reservation */
    if (!strcmp(call, "VirtualFree(MEM_DECOMMIT)") &&
        (starts_with(s->name, "munmap") ||
         starts_with(s->name, "mmap anon MAP_FIXED")))
        return (1u << F_COMMITTED) | (1u << F_RESERVED);
    /* zero pages committed at first touch instead of at once */
    if (!strcmp(call, "VirtualAlloc(MEM_COMMIT)") &&
        starts_with(s->name, "madvise"))
        return 1u << F_COMMITTED;
    if (!strcmp(call, "CloseHandle"))
        return (1u << F_HANDLES) | (1u << F_STORE) | (1u << F_TOMBS);
    if (!strcmp(call, "UnmapViewOfFile"))
        return (1u << F_MAPPED_N) | (1u << F_MAPPED_BYTES);
    if (!strcmp(call, "VirtualFree(MEM_RELEASE)"))
        return (1u << F_RESERVED) | (1u << F_COMMITTED);
    if (!strcmp(call, "DeleteFileW") || !strcmp(call, "FindFirstFileW") ||
        !strcmp(call, "SetFileInformationByHandle(FileDispositionInfo)") ||
        !strcmp(call, "SetFileInformationByHandle(FileBasicInfo)"))
        return 1u << F_TOMBS;
    if (!strcmp(call, "RemoveDirectoryW"))
        return 1u << F_DIRS;
#ifdef MMAN_CE
    /* the read-only attribute not put back */
    if (!strcmp(call, "SetFileAttributesW"))
        return 1u << F_STORE;
#endif
    return 0;
}

/* Calls that cannot be failed by any scenario here, and why (none
 * today: every wrapped call is reached). */
static const struct {
    const char *call;
    const char *why;
} unreachable[] = {
    {NULL, NULL},
};

#ifdef MMAN_CE
/* CE: scenarios that make no Win32 call there (README, "Windows CE"),
 * by prefix, and why. */
static const struct {
    const char *scenario;
    const char *why;
} no_calls[] = {
    {"mlock", "CE locks no pages: they are recorded as locked"},
    {"munlock", "CE locks no pages: they are recorded as unlocked"},
    {"madvise MADV_WILLNEED", "CE cannot read ahead"},
    {"posix_madvise POSIX_MADV_WILLNEED", "CE cannot read ahead"},
    {"munmap file shared tail",
     "CE unmaps no part of a view: the pages leave the mapping and stay "
     "readable until the whole view goes"},
    {"mprotect file shared", "refused before any call"},
    {"fault:", "no fault handler: MAP_NORESERVE pages are committed at "
               "mmap, and pages past the end of file fault for good"},
};

/* Why s makes no Win32 call on CE, or NULL. */
static const char *why_no_call(const struct scenario *s)
{
    size_t i;

    for (i = 0; i < sizeof no_calls / sizeof no_calls[0]; i++)
        if (starts_with(s->name, no_calls[i].scenario))
            return no_calls[i].why;
    return NULL;
}
#endif

static const char *covered[64];
static size_t ncovered;

static void mark_covered(const char *call)
{
    size_t i;

    for (i = 0; i < ncovered; i++)
        if (!strcmp(covered[i], call))
            return;
    if (ncovered < 64)
        covered[ncovered++] = call;
}

/* ---- the runs ---- */

static const char *trace[512];
static size_t ntrace;

static void record(const char *call)
{
    if (ntrace < 512)
        trace[ntrace++] = call;
}

static unsigned problems, injections, tolerated_runs;
static int broken; /* the registry no longer matches the address space */
static const char *current;
static char where[200];

static void problem(const char *fmt, ...)
{
    va_list ap;

    problems++;
    printf("FAIL %s, %s: ", current, where);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

static void init_ctx(struct ctx *c)
{
    memset(c, 0, sizeof *c);
    c->fd = c->fd2 = c->shm_fd = -1;
}

static void teardown(struct ctx *c)
{
    if (c->unlock_all)
        munlockall();
    if (c->r && c->r != MAP_FAILED)
        munmap(c->r, c->rlen);
    if (c->q)
        munmap(c->q, c->qlen);
    if (c->p)
        munmap(c->p, c->plen);
    if (c->fd >= 0)
        close(c->fd);
    if (c->fd2 >= 0)
        close(c->fd2);
    if (c->shm_fd >= 0)
        close(c->shm_fd);
    if (c->shm)
        shm_teardown(c);
}

/* Leak check over what outlives a scenario. */
#define LASTING (REGISTRY | (1u << F_FUTURE) | (1u << F_HANDLES) | WALK | \
                 (1u << F_STORE) | (1u << F_TOMBS) | (1u << F_DIRS))

static void compare(const char *what, const long long *a, const long long *b,
                    unsigned fields)
{
    int i;

    for (i = 0; i < NF; i++)
        if ((fields & (1u << i)) && a[i] != b[i])
            problem("%s: %s %lld, was %lld", what, field_name[i], b[i],
                    a[i]);
}

/* Runs s once; injects (call, k) unless call is NULL. Returns what the
 * call returned. */
static int run(const struct scenario *s, const char *call, unsigned k,
               DWORD error, struct snap *pre, struct snap *post)
{
    struct ctx c;
    struct snap base, after;
    const char *bad;
    char name[32];
    int rc;

    /* Fresh files each run: a view or handle that a failed give-back
     * call leaks would keep the old ones from being truncated. */
    run_number++;
    snprintf(name, sizeof name, "f1-%u", run_number);
    f1 = mt_path(name);
    snprintf(name, sizeof name, "f2-%u", run_number);
    f2 = mt_path(name);
    init_ctx(&c);
    c.shm = starts_with(s->name, "shm_");
    c.default_store = strstr(s->name, "default store") != NULL;
    snapshot(&c, &base, 0);
    s->setup(&c);
    snapshot(&c, pre, 0);
    ntrace = 0;
    mman__trace_calls(record);
    if (s->pre_call)
        mman__inject_failure(s->pre_call, 1, 1, s->pre_error);
    if (call) {
        unsigned count = k;

        if (s->pre_call && !strcmp(call, s->pre_call))
            count--;
        mman__inject_failure(call, count, 1, error);
    }
    rc = s->call(&c);
    mman__trace_calls(NULL);
    mman__inject_failure(NULL, 0, 0, 0);
    snapshot(&c, post, rc == 0);
    bad = registry_problem();
    if (bad) {
        /* Tearing down over a broken registry may crash: stop here,
         * leaving this run's mappings as they are. */
        problem("%s", bad);
        broken = 1;
        return rc;
    }
    teardown(&c);
    c.nwatch = 0;
    c.r = NULL;
    c.touch = NULL;
    snapshot(&c, &after, 0);
    compare("left after teardown", base.v, after.v,
            LASTING & ~(call ? leak_allowed(s, call) : 0));
    return rc;
}

static void check_pages(const struct snap *pre, const struct snap *post,
                        int fixed)
{
    size_t i;
    uint32_t gone = unmapped_page();

    for (i = 0; i < pre->npages && i < post->npages; i++)
        if (pre->page[i] != post->page[i] &&
            !(fixed && pre->may_unmap[i] && post->page[i] == gone)) {
            problem("watched page %zu changed", i);
            return;
        }
}

/* Fails the k-th call of call in a run of s and checks the outcome;
 * calls (n of them) is the trace up to it, pre0 and post0 the clean
 * run's snapshots (NULL in a fresh process: no comparison then). */
static void inject_one(const struct scenario *s, const char *call,
                       unsigned k, const char *const *calls, size_t n,
                       const struct snap *pre0, const struct snap *post0)
{
    static struct snap pre, post;
    DWORD error = error_for(call);
    unsigned allowed;
    int rc, tol;

    snprintf(where, sizeof where, "%s #%u failing", call, k);
    injections++;
    mark_covered(call);
    rc = run(s, call, k, error, &pre, &post);
    if (broken)
        return;
    if (calls &&
        (ntrace < n || memcmp(trace, calls, n * sizeof *trace)))
        problem("the calls before the failure were not the same");
    allowed = leak_allowed(s, call);
    tol = tolerated_at(s, call);
    if (rc == 0) {
        int f;

        if (tol < 0) {
            problem("succeeded");
            return;
        }
        tolerated_used[tol]++;
        tolerated_runs++;
        if (!pre0)
            return;
        /* the whole effect, as without the failure */
        for (f = 0; f < NF; f++) {
            long long want, got;

            if (allowed & (1u << f))
                continue;
            if (BY_VALUE & (1u << f)) {
                want = post0->v[f];
                got = post.v[f];
            } else {
                want = post0->v[f] - pre0->v[f];
                got = post.v[f] - pre.v[f];
            }
            if (want != got)
                problem("succeeded, but %s differs (%lld, not %lld)",
                        field_name[f], got, want);
        }
        /* what a failed give-back keeps stays readable */
        if (!(allowed & (WALK | (1u << F_HANDLES))))
            check_pages(post0, &post, 0);
        return;
    }
#ifdef MMAN_CE
    if (rc != ce_expected_errno(s, call, k, error))
        problem("errno %d, expected %d", rc,
                ce_expected_errno(s, call, k, error));
#else
    if (rc != expected_errno(s, call, error))
        problem("errno %d, expected %d", rc, expected_errno(s, call, error));
#endif
    if (s->fixed) {
        /* POSIX: a failed MAP_FIXED may leave the range unmapped,
         * which gives back what was there, and nothing more */
        int f;

        for (f = 0; f < NF; f++) {
            if ((allowed | REGISTRY | (1u << F_RESERVED)) & (1u << f))
                continue;
            if ((WALK | (1u << F_HANDLES)) & (1u << f)
                    ? post.v[f] > pre.v[f]
                    : post.v[f] != pre.v[f])
                problem("failed, but %s %lld, was %lld", field_name[f],
                        post.v[f], pre.v[f]);
        }
        /* decommitted pages stay reserved: count them together */
        if (!(allowed & (1u << F_RESERVED)) &&
            post.v[F_RESERVED] + post.v[F_COMMITTED] >
                pre.v[F_RESERVED] + pre.v[F_COMMITTED])
            problem("failed, but private bytes grew by %lld",
                    post.v[F_RESERVED] + post.v[F_COMMITTED] -
                        pre.v[F_RESERVED] - pre.v[F_COMMITTED]);
    } else {
        compare("failed, but", pre.v, post.v, ~allowed & ((1u << NF) - 1));
    }
    check_pages(&pre, &post, s->fixed);
}

/* Position i of a trace: which occurrence of its call it is. */
static unsigned occurrence(const char *const *calls, size_t i)
{
    unsigned k = 0;
    size_t j;

    for (j = 0; j <= i; j++)
        k += !strcmp(calls[j], calls[i]);
    return k;
}

/* The clean run, then (unless s is fresh) one run for every call of
 * its trace, which is left in calls / *n. */
static size_t stopped_at; /* the trace position that broke the registry */

static void run_scenario(const struct scenario *s, const char **calls,
                         size_t *n, size_t from)
{
    static struct snap pre0, post0;
    size_t i;
    unsigned k;
    int rc;

    current = s->name;
    strcpy(where, "no failure");
    rc = run(s, NULL, 0, 0, &pre0, &post0);
    *n = 0;
    if (broken)
        return;
    if (rc) {
        problem("fails with errno %d", rc);
        return;
    }
    *n = ntrace;
    memcpy(calls, trace, ntrace * sizeof *calls);
#ifdef MMAN_CE
    if (!from && *n && why_no_call(s))
        problem("%zu Win32 calls, where CE makes none: %s", *n,
                why_no_call(s));
    /* a refusal changes nothing */
    if (!from && strstr(s->name, "refused")) {
        compare("refused, but", pre0.v, post0.v, (1u << NF) - 1);
        check_pages(&pre0, &post0, 0);
    }
#endif
    if (!from)
        printf("%-48s %2zu calls\n", s->name, *n);
    for (i = from; i < *n && !s->fresh && !broken; i++) {
        stopped_at = i;
        k = occurrence(calls, i);
        /* the failure the situation itself arms */
        if (s->pre_call && !strcmp(calls[i], s->pre_call) && k == 1)
            continue;
        inject_one(s, calls[i], k, calls, i + 1, &pre0, &post0);
    }
}

static void set_up_store(void)
{
    wchar_t wide[600], full[700];
    const wchar_t *def;
    int err;
    size_t i;

    snprintf(store_dir, sizeof store_dir, "%s", mt_path("shm"));
    NEED((_mkdir(store_dir)) == (0));
    for (i = 0; store_dir[i]; i++)
        if (store_dir[i] == '/')
            store_dir[i] = '\\';
    MultiByteToWideChar(CP_ACP, 0, store_dir, -1, wide, 600);
    NEED((GetFullPathNameW(wide, 700, full, NULL)) > (0));
    swprintf(store_root, 700, L"\\\\?\\%ls", full);
#ifdef MMAN_CE
    /* CE: no MMAN_SHM_DIR; the store is "mman-shm" in GetTempPathW's
     * directory (README, "Windows CE"), which TMP moves here, on
     * desktop Windows and Wine: a store of this run's own, so that the
     * objects and markers of tests running beside it never enter its
     * traces, and all of it is wiped at the end. */
    NEED(SetEnvironmentVariableW(L"TMP", full));
    NEED(SetEnvironmentVariableW(L"TEMP", full));
    strcat(store_dir, "\\mman-shm");
#else
    strcat(store_dir, "\\store");
#endif
    NEED((_mkdir(store_dir)) == (0));
    /* the default store, found once and forgotten */
    env_set("MMAN_SHM_DIR", NULL);
    mman__shm_store_forget();
    def = mman__shm_store(&err);
    NEED(def != NULL);
    wcsncpy(default_root, def, 699);
    env_set("MMAN_SHM_DIR", store_dir);
    mman__shm_store_forget();
    long_name[0] = '/';
#ifdef MMAN_CE
    /* CE: a path is at most MAX_PATH, so that 150 bytes are
     * ENAMETOOLONG; 80 still take a directory of their own */
    for (i = 1; i < 81; i++)
#else
    for (i = 1; i < 151; i++)
#endif
        long_name[i] = (char)('a' + i % 26);
    long_name[i] = 0;
}

/* One of each first, so that one-time set-up (the fault handler, the
 * first unlink's sweep, the C runtime's buffers) is behind us. */
static void warm_up(int sweep)
{
    char *p = mmap(NULL, PG, RW, PRIV, -1, 0);
    int fd;

    NEED((p) != (MAP_FAILED));
    NEED((munmap(p, PG)) == (0));
    store_found();
    if (sweep)
        sweep_now();
    fd = mt_make_file(mt_path("warm"), PG, 1);
    NEED(fd >= 0);
    p = mmap(NULL, 2 * PG, RW, MAP_SHARED, fd, 0);
    NEED(p != MAP_FAILED);
    NEED(munmap(p, 2 * PG) == 0);
    close(fd);
}

/* The child: runs scenario argv[0] and writes what it did to the file
 * argv[1], one line each: "injections N", "tolerated I", "covered
 * CALL", "problems N", and "done" at the end. A scenario runs in a
 * process of its own so that a registry it breaks, or a crash, stops
 * only that scenario. */
static const char *library_name(const char *call)
{
    const char *const *calls;
    size_t ncalls, j;

    calls = mman__wrapped_calls(&ncalls);
    for (j = 0; j < ncalls; j++)
        if (!strcmp(calls[j], call))
            return calls[j];
    return NULL;
}

static int scenario_child(int argc, char **argv)
{
    const struct scenario *s;
    const char *calls[512];
    FILE *out;
    size_t i, n = 0;

    if (argc < 2 || (size_t)atoi(argv[0]) >= NSCENARIOS)
        return 2;
    s = &scenarios[atoi(argv[0])];
    set_up_store();
    warm_up(!s->fresh);
    if (argc >= 4 && !strcmp(argv[2], "from")) {
        run_scenario(s, calls, &n, (size_t)atoi(argv[3]));
        n = 0;
    } else if (argc >= 4 && library_name(argv[2])) {
        current = s->name;
        inject_one(s, library_name(argv[2]), (unsigned)atoi(argv[3]), NULL,
                   0, NULL, NULL);
    } else {
        run_scenario(s, calls, &n, 0);
    }
    if (broken)
        printf("STOPPED %s: the registry is broken\n", s->name);
    mman__shm_store_forget();
    wipe(store_root, 1);
    out = fopen(argv[1], "w");
    if (!out)
        return 2;
    fprintf(out, "injections %u\n", injections);
    for (i = 0; i < n; i++)
        fprintf(out, "call %s\n", calls[i]);
    for (i = 0; i < NTOLERATED; i++)
        fprintf(out, "tolerated %zu %u\n", i, tolerated_used[i]);
    for (i = 0; i < ncovered; i++)
        fprintf(out, "covered %s\n", covered[i]);
    fprintf(out, "problems %u\n", problems);
    if (!broken)
        fprintf(out, "done\n");
    else if (!s->fresh)
        fprintf(out, "stopped %zu\n", stopped_at);
    fclose(out);
    fflush(stdout);
    return 0;
}

/* Reads a child's report into the totals; 0 if it did not finish. */
static const char *fresh_calls[512];
static size_t nfresh;
static long stopped; /* where a child stopped, or -1 */

static int read_report(const char *path)
{
    char line[300];
    FILE *in = fopen(path, "r");
    unsigned n, i;
    int done = 0;

    if (!in)
        return 0;
    while (fgets(line, sizeof line, in)) {
        line[strcspn(line, "\r\n")] = 0;
        if (sscanf(line, "injections %u", &n) == 1) {
            injections += n;
        } else if (sscanf(line, "tolerated %u %u", &i, &n) == 2) {
            if (i < NTOLERATED) {
                tolerated_used[i] += n;
                tolerated_runs += n;
            }
        } else if (!strncmp(line, "covered ", 8)) {
            const char *const *calls;
            size_t ncalls, j;

            /* the library's own string, which outlives the file */
            calls = mman__wrapped_calls(&ncalls);
            for (j = 0; j < ncalls; j++)
                if (!strcmp(calls[j], line + 8))
                    mark_covered(calls[j]);
        } else if (!strncmp(line, "call ", 5)) {
            if (library_name(line + 5) && nfresh < 512)
                fresh_calls[nfresh++] = library_name(line + 5);
        } else if (sscanf(line, "problems %u", &n) == 1) {
            problems += n;
        } else if (sscanf(line, "stopped %u", &n) == 1) {
            stopped = (long)n;
        } else if (!strcmp(line, "done")) {
            done = 1;
        }
    }
    fclose(in);
    return done;
}

START_TEST(every_call_site_fails_cleanly)
{
    const char *const *calls;
    size_t ncalls, i, j, missing = 0;
    /* scenario names (separated by ';') to leave out while one is
     * being fixed */
    const char *skip_env = getenv("WF_SKIP");
    char index[16], report[48];
    int rc, done;

    for (i = 0; i < NSCENARIOS; i++) {
        if (skip_env && strstr(skip_env, scenarios[i].name)) {
            printf("%-48s skipped (WF_SKIP)\n", scenarios[i].name);
            continue;
        }
        snprintf(index, sizeof index, "%zu", i);
        snprintf(report, sizeof report, "report-%zu", i);
        nfresh = 0;
        stopped = -1;
        rc = mt_run_child("scenario", index, mt_path(report), NULL);
        done = rc == 0 && read_report(mt_path(report));
        /* a broken registry stops a child: go on after that call in a
         * new one */
        while (rc == 0 && !done && stopped >= 0) {
            char from[16];

            snprintf(from, sizeof from, "%ld", stopped + 1);
            snprintf(report, sizeof report, "report-%zu-from-%ld", i,
                     stopped + 1);
            stopped = -1;
            rc = mt_run_child("scenario", index, mt_path(report), "from",
                              from, NULL);
            done = rc == 0 && read_report(mt_path(report));
        }
        if (!done) {
            printf("FAIL %s: the scenario did not finish (exit %d)\n",
                   scenarios[i].name, rc);
            problems++;
            continue;
        }
        for (j = 0; scenarios[i].fresh && j < nfresh; j++) {
            char k[16];

            snprintf(k, sizeof k, "%u", occurrence(fresh_calls, j));
            snprintf(report, sizeof report, "report-%zu-%zu", i, j);
            rc = mt_run_child("scenario", index, mt_path(report),
                              fresh_calls[j], k, NULL);
            if (rc != 0 || !read_report(mt_path(report))) {
                printf("FAIL %s, %s #%s failing: did not finish (exit "
                       "%d)\n", scenarios[i].name, fresh_calls[j], k, rc);
                problems++;
            }
        }
    }

    printf("\ntolerated failures (the call succeeds):\n");
    for (i = 0; i < NTOLERATED; i++)
        printf("  %-26s %-18s %4u runs: %s\n", tolerated[i].call,
               tolerated[i].scenario[0] ? tolerated[i].scenario : "(any)",
               tolerated_used[i], tolerated[i].why);
    calls = mman__wrapped_calls(&ncalls);
    printf("\n%zu scenarios, %u injections, %u tolerated\n", NSCENARIOS,
           injections, tolerated_runs);
    printf("covered %zu of %zu wrapped calls", ncovered, ncalls);
    for (i = 0; i < ncalls; i++) {
        int found = 0, excused = 0;

        for (j = 0; j < ncovered; j++)
            found |= !strcmp(covered[j], calls[i]);
        for (j = 0; unreachable[j].call; j++)
            excused |= !strcmp(unreachable[j].call, calls[i]);
        if (!found) {
            printf("%s %s%s", missing++ ? "," : "; missing:", calls[i],
                   excused ? " (unreachable)" : "");
            if (!excused)
                problems++;
        }
    }
    printf("\n");
    for (j = 0; unreachable[j].call; j++)
        printf("  unreachable %s: %s\n", unreachable[j].call,
               unreachable[j].why);
    fflush(stdout);
    ck_assert_msg(problems == 0, "%u problems (see above)", problems);
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("win_faults");
    TCase *tc = tcase_create("faults");

    mt_child("scenario", scenario_child);
    tcase_set_timeout(tc, 0);
    tcase_add_test(tc, every_call_site_fails_cleanly);
    suite_add_tcase(s, tc);
    return mt_main(argc, argv, s);
}
