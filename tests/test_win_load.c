/* Windows-only: leak accounting under load. Four threads make one
 * million library calls between them, a deterministic mix of mmap
 * (anonymous and file, shared and private, MAP_NORESERVE, PROT_NONE,
 * past end of file), munmap of whole mappings and of pieces, mprotect,
 * msync, madvise, mlock/munlock, ftruncate growing mapped files, and
 * shm_open/shm_unlink; then each unmaps what it has left and closes its
 * files. The process's handle count, its address space (views, and
 * reservations and committed memory outside the C heap), the registry
 * and the shm store are then where they were before. The CE-rules
 * build checks CE's behaviour where it differs (README, "Windows CE"),
 * and the address-space budgets as well. */
#include "../lib/internal.h"
#ifdef MMAN_CE_RULES
#include "../lib/ce/shim.h"
#endif
#include "mt.h"

#include <fcntl.h>
#include <io.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef MMAN_CE
#include <wchar.h>
#endif

#define THREADS 4
#define OPS_PER_THREAD 250000 /* library calls: 1,000,000 in all */
#define WARM_OPS 4000         /* the warm-up round, per thread */
#define MAX_LIVE 24           /* mappings a thread holds at once */
#define MAX_PAGES 16          /* pages in one mapping */
#define FILE_LIMIT 40         /* pages; past it a thread starts a file */
#define MAX_GENS 4096         /* files a thread may go through */
#ifndef LOAD_SEED
#define LOAD_SEED 0 /* another mix: -DLOAD_SEED=n */
#endif

#ifdef MMAN_CE
/* CE: reservations under 2 MiB come from the process's 32 MiB slot; a
 * mapping here takes one 64 KiB block, or two for the tail of a shared
 * file mapping, so all that the threads hold fits in half of it;
 * README, "Windows CE". */
typedef char ce_slot_fits[MAX_PAGES * 4096 <= 65536 &&
                                  THREADS * MAX_LIVE * 2 * 65536 <= 16 << 20
                              ? 1
                              : -1];
#endif

enum kind { ANON, FILEMAP };

/* The library calls, counted by kind for the report. */
enum call {
    C_MMAP_ANON, C_MMAP_FILE, C_MMAP_SHM, C_MUNMAP, C_MPROTECT, C_MSYNC,
    C_MADVISE, C_MLOCK, C_MUNLOCK, C_FTRUNCATE, C_SHM_OPEN, C_SHM_UNLINK,
    CALLS
};

static const char *const call_names[CALLS] = {
    "mmap anonymous", "mmap file", "mmap shm", "munmap", "mprotect",
    "msync", "madvise", "mlock", "munlock", "ftruncate", "shm_open",
    "shm_unlink",
};

#define OP(w, c) ((w)->ops++, (w)->calls[c]++)

struct map {
    char *base;
    unsigned pages;
    enum kind kind;
    int shared, noreserve;
    unsigned gen;      /* file mappings: which of the thread's files */
    unsigned off;      /* file mappings: offset in pages */
    unsigned char prot[MAX_PAGES];
    unsigned char live[MAX_PAGES];
    unsigned char val[MAX_PAGES]; /* anonymous: first byte of the page */
    unsigned nlive;
#ifdef MMAN_CE
    unsigned long long size0;      /* file mappings: file size at mmap */
    unsigned char known[MAX_PAGES]; /* private file: val is the byte */
#endif
};

struct worker {
    unsigned id;
    uint32_t rng;
    unsigned long target;  /* library calls to make */
    unsigned long ops;     /* library calls made */
    unsigned long probes;  /* reads and writes through mappings */
    unsigned long calls[CALLS];
    unsigned long mlock_refused;
#ifdef MMAN_CE_RULES
    SIZE_T slot_peak;      /* most of the CE slot in use after an mmap */
#endif
    long long ticks[CALLS + 1]; /* time in steps, by their first call */
    unsigned round;        /* 0: warm-up; names differ per round */
    struct map maps[MAX_LIVE];
    unsigned nmaps;
    int fd;                /* the current file, O_RDWR */
    unsigned gen, ngens;
    unsigned long long *sizes; /* size of each file, by generation */
    unsigned shm_serial;
    DWORD thread;          /* the thread's id */
    char scene[160];       /* the mapping and range of the last call */
    char error[512];
};

static size_t pg;

/* A worker cannot ck_assert (the runner is not on its thread): it
 * records the first failure and stops. */
#define CHECK(w, cond, what)                                               \
    do {                                                                   \
        if (!(cond)) {                                                     \
            snprintf((w)->error, sizeof (w)->error,                        \
                     "thread %u, op %lu, line %d: %s: %s (errno %d) %s",   \
                     (w)->id, (w)->ops, __LINE__, what, #cond, errno,      \
                     (w)->scene);                                          \
            return 0;                                                      \
        }                                                                  \
    } while (0)

static uint32_t next(struct worker *w)
{
    return mt_random(&w->rng);
}

/* A number in [lo, hi]. */
static unsigned pick(struct worker *w, unsigned lo, unsigned hi)
{
    return mt_random_in(&w->rng, (uint32_t)lo, (uint32_t)hi);
}

static int random_prot(struct worker *w)
{
    static const int prots[] = {PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE,
                                PROT_READ | PROT_WRITE};

    return prots[next(w) % 4];
}

/* Whether page i of m exists: file pages past end of file do not. */
static int page_exists(const struct worker *w, const struct map *m,
                       unsigned i)
{
    if (m->kind == ANON)
        return 1;
#ifdef MMAN_CE
    /* CE: a mapping has the pages the file had at mmap; those past that
     * end fault for good, though the file grows; README, "Windows CE". */
    (void)w;
    return (unsigned long long)(m->off + i) * pg < m->size0;
#else
    return (unsigned long long)(m->off + i) * pg < w->sizes[m->gen];
#endif
}

/* Says which mapping and pages a call is about, for a failure. */
static void scene(struct worker *w, const struct map *m, unsigned from,
                  unsigned n)
{
    unsigned i;
    int len = snprintf(w->scene, sizeof w->scene,
                       "[%s %s%s, %u pages, file page %u of %llu bytes "
                       "(gen %u), pages %u+%u, prot ",
                       m->kind == ANON ? "anon" : "file",
                       m->shared ? "shared" : "private",
                       m->noreserve ? " noreserve" : "", m->pages, m->off,
                       m->kind == ANON ? 0ull : w->sizes[m->gen], m->gen,
                       from, n);

    if (len < 0 || len > (int)sizeof w->scene - 2)
        len = (int)sizeof w->scene - 2;
    for (i = 0; i < m->pages && len < (int)sizeof w->scene - 2; i++)
        w->scene[len++] = m->live[i] ? (char)('0' + m->prot[i]) : '-';
#ifdef MMAN_CE
    if (m->kind == FILEMAP && len < (int)sizeof w->scene - 2) {
        int more = snprintf(w->scene + len, sizeof w->scene - 2 - len,
                            ", %llu bytes at mmap", m->size0);

        len = more < 0 || len + more > (int)sizeof w->scene - 2
                  ? (int)sizeof w->scene - 2
                  : len + more;
    }
#endif
    w->scene[len++] = ']';
    w->scene[len] = 0;
}

/* Reads (and, where it may, writes) page i of m, and checks that it
 * faults exactly where it should; anonymous pages hold what was last
 * written. */
static int touch(struct worker *w, struct map *m, unsigned i)
{
    char *p = m->base + (size_t)i * pg;
    int exists = page_exists(w, m, i);
    int readable = exists && m->prot[i] != PROT_NONE;
    int writable = exists && (m->prot[i] & PROT_WRITE);
    unsigned char v;
    int faults = mt_read_faults(p);

    w->probes++;
    if (faults == readable ||
        (readable && m->kind == ANON &&
         *(volatile unsigned char *)p != m->val[i]) ||
        (readable && !writable && !mt_write_faults(p + pg - 1)))
        scene(w, m, i, 1);
    CHECK(w, faults == !readable, "read through mapping");
    if (readable && m->kind == ANON)
        CHECK(w, *(volatile unsigned char *)p == m->val[i],
              "anonymous page contents");
#ifdef MMAN_CE
    /* CE: a private file mapping is a copy made at mmap; what this
     * thread wrote to the file since, through its shared mappings, does
     * not show through it; README, "Windows CE". */
    if (readable && m->known[i]) {
        if (*(volatile unsigned char *)p != m->val[i])
            scene(w, m, i, 1);
        CHECK(w, *(volatile unsigned char *)p == m->val[i],
              "private copy contents");
    }
#endif
    if (!writable) {
        if (readable)
            CHECK(w, mt_write_faults(p + pg - 1), "write to read-only page");
        return 1;
    }
    v = (unsigned char)pick(w, 1, 255);
    *(volatile unsigned char *)p = v;
    p[pg - 1] = (char)v;
    if (m->kind == ANON)
        m->val[i] = v;
#ifdef MMAN_CE
    if (m->kind == FILEMAP && !m->shared) {
        m->val[i] = v;
        m->known[i] = 1;
    }
#endif
    return 1;
}

/* The same for a live page of m, at random. */
static int touch_live(struct worker *w, struct map *m)
{
    unsigned i = pick(w, 0, m->pages - 1);

    while (!m->live[i])
        i = (i + 1) % m->pages;
    return touch(w, m, i);
}

/* A run of live pages of m: [*from, *from + *n), at most max long. */
static void live_run(struct worker *w, const struct map *m, unsigned max,
                     unsigned *from, unsigned *n)
{
    unsigned i = pick(w, 0, m->pages - 1), len = 0;

    while (!m->live[i])
        i = (i + 1) % m->pages;
    *from = i;
    while (i + len < m->pages && m->live[i + len] && len < max)
        len++;
    *n = pick(w, 1, len);
    scene(w, m, *from, *n);
}

#ifdef MMAN_CE
/* Page i of m, unmapped while the rest of m is not. CE: a shared file
 * mapping's pages stay readable until the whole mapping goes (CE unmaps
 * only whole views), yet they are no longer mapped: msync is ENOMEM;
 * README, "Windows CE". Other unmapped pages fault. */
static int touch_dead(struct worker *w, struct map *m, unsigned i)
{
    char *p = m->base + (size_t)i * pg;
    int readable = m->kind == FILEMAP && m->shared && page_exists(w, m, i);

    w->probes++;
    scene(w, m, i, 1);
    CHECK(w, mt_read_faults(p) == !readable, "read of unmapped page");
    OP(w, C_MSYNC);
    CHECK(w, msync(p, pg, MS_ASYNC) != 0 && errno == ENOMEM,
          "msync of unmapped page");
    return 1;
}
#endif

static void forget(struct worker *w, unsigned k)
{
    w->maps[k] = w->maps[--w->nmaps];
}

static int do_mmap(struct worker *w)
{
    struct map *m = &w->maps[w->nmaps];
    unsigned i, file_pages;
    int flags;

    memset(m, 0, sizeof *m);
    m->pages = pick(w, 1, MAX_PAGES);
    m->shared = next(w) % 2;
    m->prot[0] = (unsigned char)random_prot(w);
    flags = m->shared ? MAP_SHARED : MAP_PRIVATE;
    if (next(w) % 4 != 0) { /* a file view costs several times more */
        m->kind = ANON;
        m->noreserve = next(w) % 3 == 0;
        flags |= MAP_ANONYMOUS | (m->noreserve ? MAP_NORESERVE : 0);
        m->base = mmap(NULL, m->pages * pg, m->prot[0], flags, -1, 0);
    } else {
        m->kind = FILEMAP;
        m->gen = w->gen;
        file_pages = (unsigned)((w->sizes[w->gen] + pg - 1) / pg);
        m->off = pick(w, 0, file_pages + 1);
#ifdef MMAN_CE
        m->size0 = w->sizes[w->gen];
        if (m->shared && m->prot[0] == PROT_NONE) {
            static const int refused[] = {
                PROT_NONE, PROT_EXEC, PROT_READ | PROT_EXEC,
                PROT_READ | PROT_WRITE | PROT_EXEC};

            m->prot[0] = (unsigned char)refused[next(w) % 4];
        }
#endif
        m->base = mmap(NULL, m->pages * pg, m->prot[0], flags, w->fd,
                       (off_t)m->off * (off_t)pg);
    }
    OP(w, m->kind == ANON ? C_MMAP_ANON : C_MMAP_FILE);
    scene(w, m, 0, m->pages);
#ifdef MMAN_CE
    /* CE: a shared file view is made for reading, or for reading and
     * writing: PROT_NONE and PROT_EXEC are ENOTSUP; README, "Windows
     * CE". */
    if (m->kind == FILEMAP && m->shared &&
        (m->prot[0] == PROT_NONE || (m->prot[0] & PROT_EXEC))) {
        CHECK(w, m->base == MAP_FAILED && errno == ENOTSUP,
              "mmap shared file without read or with exec");
        return 1;
    }
#endif
    CHECK(w, m->base != MAP_FAILED, m->kind == ANON ? "mmap anonymous"
                                                      : "mmap file");
    for (i = 0; i < m->pages; i++) {
        m->prot[i] = m->prot[0];
        m->live[i] = 1;
    }
    m->nlive = m->pages;
    w->nmaps++;
#ifdef MMAN_CE
    /* the copy's bytes, for touch to check later */
    if (m->kind == FILEMAP && !m->shared && m->prot[0] != PROT_NONE)
        for (i = 0; i < m->pages; i++)
            if (page_exists(w, m, i)) {
                CHECK(w, !mt_read_faults(m->base + (size_t)i * pg),
                      "read through private copy");
                m->val[i] = *(volatile unsigned char *)(m->base +
                                                        (size_t)i * pg);
                m->known[i] = 1;
            }
#endif
#ifdef MMAN_CE_RULES
    {
        SIZE_T slot;

        mman__ce_budgets(&slot, NULL);
        if (slot > w->slot_peak)
            w->slot_peak = slot;
    }
#endif
    return touch_live(w, m);
}

/* Whole mappings, or a piece of one: a piece may take in pages already
 * given back, which on Windows still belong to the mapping's view (no
 * one else can be given them). */
static int do_munmap(struct worker *w)
{
    unsigned k = pick(w, 0, w->nmaps - 1), from, n, i;
    struct map *m = &w->maps[k];

    if (next(w) % 3 == 0) {
        from = 0;
        n = m->pages;
    } else {
        from = pick(w, 0, m->pages - 1);
        n = pick(w, 1, m->pages - from);
    }
    OP(w, C_MUNMAP);
    scene(w, m, from, n);
    CHECK(w, munmap(m->base + (size_t)from * pg, (size_t)n * pg) == 0,
          "munmap");
    for (i = from; i < from + n; i++) {
        if (m->live[i])
            m->nlive--;
        m->live[i] = 0;
    }
    if (m->nlive == 0) {
        forget(w, k);
        return 1;
    }
#ifdef MMAN_CE
    if (!touch_dead(w, m, from))
        return 0;
#endif
    return touch_live(w, m);
}

static int do_mprotect(struct worker *w, struct map *m)
{
    unsigned from, n, i;
    int prot = random_prot(w);

    live_run(w, m, MAX_PAGES, &from, &n);
    OP(w, C_MPROTECT);
#ifdef MMAN_CE
    /* CE: a shared file view keeps the protection it was made with:
     * another is ENOTSUP, and nothing changes; README, "Windows CE". */
    if (m->kind == FILEMAP && m->shared && prot != m->prot[from]) {
        CHECK(w, mprotect(m->base + (size_t)from * pg, (size_t)n * pg,
                          prot) != 0 &&
                     errno == ENOTSUP,
              "mprotect of shared file mapping");
        return touch(w, m, from + n - 1);
    }
#endif
    CHECK(w, mprotect(m->base + (size_t)from * pg, (size_t)n * pg,
                      prot) == 0,
          "mprotect");
    for (i = from; i < from + n; i++)
        m->prot[i] = (unsigned char)prot;
    return touch(w, m, from + n - 1);
}

static int do_msync(struct worker *w, struct map *m)
{
    /* MS_SYNC waits for the disk: rarer */
    static const int flags[] = {MS_ASYNC, MS_ASYNC, MS_INVALIDATE,
                                MS_ASYNC | MS_INVALIDATE, MS_ASYNC,
                                MS_ASYNC | MS_INVALIDATE, MS_INVALIDATE,
                                MS_SYNC | MS_INVALIDATE};
    unsigned from, n;
    int f = flags[next(w) % 8];

    if (f & MS_SYNC && next(w) % 4)
        f = MS_ASYNC;
    live_run(w, m, MAX_PAGES, &from, &n);
    OP(w, C_MSYNC);
    CHECK(w, msync(m->base + (size_t)from * pg, (size_t)n * pg, f) == 0,
          "msync");
    return 1;
}

static int do_madvise(struct worker *w, struct map *m)
{
    unsigned from, n, i;
    int advice = next(w) % 2 ? MADV_WILLNEED : MADV_DONTNEED;

    live_run(w, m, MAX_PAGES, &from, &n);
    OP(w, C_MADVISE);
    CHECK(w, madvise(m->base + (size_t)from * pg, (size_t)n * pg,
                     advice) == 0,
          advice == MADV_WILLNEED ? "madvise WILLNEED" : "madvise DONTNEED");
    /* private anonymous pages read as zero again */
    if (advice == MADV_DONTNEED && m->kind == ANON && !m->shared)
        for (i = from; i < from + n; i++)
            m->val[i] = 0;
#ifdef MMAN_CE
    /* CE: a private copy is copied from the file again */
    if (advice == MADV_DONTNEED && m->kind == FILEMAP && !m->shared)
        for (i = from; i < from + n; i++)
            m->known[i] = 0;
#endif
    return touch(w, m, from);
}

/* mlock may be refused for want of quota (ENOMEM, EAGAIN); munlock of
 * what is mapped may not. */
static int do_mlock(struct worker *w, struct map *m)
{
    unsigned from, n;
    int r;

    live_run(w, m, 4, &from, &n);
    OP(w, C_MLOCK);
    r = mlock(m->base + (size_t)from * pg, (size_t)n * pg);
    CHECK(w, r == 0 || errno == ENOMEM || errno == EAGAIN, "mlock");
    w->mlock_refused += r != 0;
#ifdef MMAN_CE
    /* CE: mlock is a no-op that asks no quota; README, "Windows CE" */
    CHECK(w, r == 0, "mlock");
#endif
    if (!touch(w, m, from))
        return 0;
    OP(w, C_MUNLOCK);
    CHECK(w, munlock(m->base + (size_t)from * pg, (size_t)n * pg) == 0,
          "munlock");
    return 1;
}

/* The file grows under its mappings; past FILE_LIMIT pages the thread
 * moves on to a new file and closes the old one (its mappings stay). */
static int do_grow(struct worker *w)
{
    unsigned long long size = w->sizes[w->gen];
    char name[64];

    if (size > (unsigned long long)FILE_LIMIT * pg &&
        w->ngens < MAX_GENS) {
        CHECK(w, close(w->fd) == 0, "close");
        snprintf(name, sizeof name, "load-%u-%u-%u", w->round, w->id,
                 w->ngens);
        w->fd = open(mt_path(name), O_RDWR | O_CREAT | O_TRUNC, 0600);
        CHECK(w, w->fd >= 0, "open");
        w->gen = w->ngens++;
        w->sizes[w->gen] = 0;
        size = 0;
    }
    size += (unsigned long long)pick(w, 0, 3) * pg + pick(w, 1, 4095);
    OP(w, C_FTRUNCATE);
    CHECK(w, ftruncate(w->fd, (off_t)size) == 0, "ftruncate");
    w->sizes[w->gen] = size;
    return 1;
}

/* A shared memory object: made, sized, mapped, and gone again, the
 * name sometimes before the mapping. */
static int do_shm(struct worker *w)
{
    char name[64];
    unsigned pages = pick(w, 1, 8), i;
    int fd, early = next(w) % 2;
    char *p;

    snprintf(name, sizeof name, "/mman-load-%lu-%u-%u-%u",
             (unsigned long)GetCurrentProcessId(), w->round, w->id,
             w->shm_serial++);
    OP(w, C_SHM_OPEN);
    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    CHECK(w, fd >= 0, "shm_open");
    OP(w, C_FTRUNCATE);
    CHECK(w, ftruncate(fd, (off_t)(pages * pg)) == 0, "ftruncate shm");
    OP(w, C_MMAP_SHM);
    p = mmap(NULL, pages * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(w, p != MAP_FAILED, "mmap shm");
    CHECK(w, close(fd) == 0, "close shm");
    for (i = 0; i < pages; i++)
        p[i * pg] = (char)(i + 1);
    if (early) {
        OP(w, C_SHM_UNLINK);
        CHECK(w, shm_unlink(name) == 0, "shm_unlink (mapped)");
    }
    for (i = 0; i < pages; i++)
        CHECK(w, p[i * pg] == (char)(i + 1), "shm contents");
    OP(w, C_MUNMAP);
    CHECK(w, munmap(p, pages * pg) == 0, "munmap shm");
    if (!early) {
        OP(w, C_SHM_UNLINK);
        CHECK(w, shm_unlink(name) == 0, "shm_unlink");
    }
    return 1;
}

static int step_kind(struct worker *w)
{
    unsigned r = pick(w, 0, 999);
    struct map *m;

    if (r < 2)
        return do_shm(w);
    if (r < 30)
        return do_grow(w);
    if (w->nmaps == 0 || (r < 200 && w->nmaps < MAX_LIVE))
        return do_mmap(w);
    if (r < 390)
        return do_munmap(w);
    m = &w->maps[pick(w, 0, w->nmaps - 1)];
    if (r < 600)
        return do_mprotect(w, m);
    if (r < 730)
        return do_msync(w, m);
    if (r < 880)
        return do_madvise(w, m);
    if (r < 960)
        return do_mlock(w, m);
    return touch_live(w, m); /* no library call */
}

/* Steps are timed by what they did first (for tuning the mix). */
static int step(struct worker *w)
{
    LARGE_INTEGER t0, t1;
    unsigned long before[CALLS];
    int ok, c, first = CALLS;

    memcpy(before, w->calls, sizeof before);
    QueryPerformanceCounter(&t0);
    ok = step_kind(w);
    QueryPerformanceCounter(&t1);
    for (c = 0; c < CALLS && first == CALLS; c++)
        if (w->calls[c] != before[c])
            first = c;
    w->ticks[first] += t1.QuadPart - t0.QuadPart;
    return ok;
}

static DWORD WINAPI work(void *arg)
{
    struct worker *w = arg;
    char name[64];

    w->thread = GetCurrentThreadId();
    snprintf(name, sizeof name, "load-%u-%u-0", w->round, w->id);
    w->fd = open(mt_path(name), O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (w->fd < 0) {
        snprintf(w->error, sizeof w->error, "thread %u: open: errno %d",
                 w->id, errno);
        return 0;
    }
    w->ngens = 1;
    w->sizes[0] = 0;
    while (w->ops < w->target && step(w))
        ;
    /* the end: everything given back, even after a failure */
    while (w->nmaps > 0) {
        struct map *m = &w->maps[w->nmaps - 1];

        OP(w, C_MUNMAP);
        if (munmap(m->base, m->pages * pg) != 0 && !w->error[0])
            snprintf(w->error, sizeof w->error,
                     "thread %u: final munmap: errno %d", w->id, errno);
        w->nmaps--;
    }
    if (close(w->fd) != 0 && !w->error[0])
        snprintf(w->error, sizeof w->error, "thread %u: close: errno %d",
                 w->id, errno);
    return 0;
}

static struct worker workers[THREADS];

/* Writes to standard error past the C runtime, whose stream and heap
 * may be what broke. */
static void say(const char *format, ...)
{
    static char line[512];
    DWORD written;
    va_list args;
    int n;

    va_start(args, format);
    n = vsnprintf(line, sizeof line, format, args);
    va_end(args);
    if (n > (int)sizeof line - 1)
        n = (int)sizeof line - 1;
    if (n > 0)
        WriteFile(GetStdHandle(STD_ERROR_HANDLE), line, (DWORD)n, &written,
                  NULL);
}

/* The first error no handler before this one dealt with (an access
 * violation no probe caught, heap corruption, ...): what, where, and
 * the calls that led there. */
#define TRACE_DEPTH 24
static struct {
    volatile LONG taken;
    DWORD thread, code;
    ULONG_PTR access, address;
    void *pc;
    void *trace[TRACE_DEPTH];
    USHORT depth;
} stray;

/* Called after the library's handler and the probes' (it is installed
 * after both), so it sees only errors that will end the program. */
static LONG CALLBACK note_stray_fault(EXCEPTION_POINTERS *ep)
{
    EXCEPTION_RECORD *rec = ep->ExceptionRecord;

    if ((rec->ExceptionCode & 0xc0000000u) == 0xc0000000u &&
        !InterlockedExchange(&stray.taken, 1)) {
        stray.thread = GetCurrentThreadId();
        stray.code = rec->ExceptionCode;
        if (rec->NumberParameters >= 2) {
            stray.access = rec->ExceptionInformation[0];
            stray.address = rec->ExceptionInformation[1];
        }
        stray.pc = rec->ExceptionAddress;
        stray.depth = RtlCaptureStackBackTrace(0, TRACE_DEPTH, stray.trace,
                                               NULL);
    }
    return EXCEPTION_CONTINUE_SEARCH;
}

/* Says what Windows and the workers know of the stray fault's page,
 * and the calls that led there (addr2line -e the program, or
 * objdump -d, tells which). */
static void report_stray(void)
{
    MEMORY_BASIC_INFORMATION info;
    char *a = (char *)stray.address;
    unsigned i, k;

    if (!stray.taken)
        return;
    say("stray exception %#lx: thread %lu, %s at %p, pc %p\n",
            (unsigned long)stray.code, (unsigned long)stray.thread,
            stray.access == 1 ? "write" : stray.access == 8 ? "execute"
                                                            : "read",
            (void *)a, stray.pc);
    say("  calls:");
    for (i = 0; i < stray.depth; i++)
        say(" %p", stray.trace[i]);
    say("\n  program at %p\n", (void *)GetModuleHandleA(NULL));
    if (VirtualQuery(a, &info, sizeof info) == sizeof info)
        say("  page: base %p, allocation %p, size %lu, "
                        "state %#lx, protect %#lx, type %#lx\n",
                info.BaseAddress, info.AllocationBase,
                (unsigned long)info.RegionSize, (unsigned long)info.State,
                (unsigned long)info.Protect, (unsigned long)info.Type);
    for (i = 0; i < THREADS; i++)
        for (k = 0; k < workers[i].nmaps; k++) {
            struct worker *w = &workers[i];
            struct map *m = &w->maps[k];

            if (a >= m->base && a < m->base + (size_t)m->pages * pg) {
                scene(w, m, (unsigned)((size_t)(a - m->base) / pg), 1);
                say("  in thread %u's mapping %p: %s\n", i,
                        (void *)m->base, w->scene);
            }
        }
}

/* A fault no probe expected ends the program (the C runtime's SIGSEGV):
 * say first what each worker was doing, so that the failure can be
 * traced. */
static void report_crash(int sig)
{
    void *here[TRACE_DEPTH];
    unsigned i, n = RtlCaptureStackBackTrace(0, TRACE_DEPTH, here, NULL);

    say("crash (signal %d) in thread %lu, calls:", sig,
            (unsigned long)GetCurrentThreadId());
    for (i = 0; i < n; i++)
        say(" %p", here[i]);
    say("\n");
    for (i = 0; i < THREADS; i++)
        say("crash (signal %d): thread %u%s, round %u, "
                        "op %lu: %s\n",
                sig, workers[i].id,
                workers[i].thread == GetCurrentThreadId() ? " (faulted)"
                                                          : "",
                workers[i].round, workers[i].ops, workers[i].scene);
    report_stray();
    _exit(3);
}

/* The calls made, by kind, and the time spent in the steps that began
 * with each. */
static void print_mix(void)
{
    LARGE_INTEGER freq;
    unsigned long n;
    long long t;
    unsigned c, i;

    for (n = 0, i = 0; i < THREADS; i++)
        n += workers[i].mlock_refused;
    printf("  (mlock refused for want of quota: %lu times)\n", n);
    QueryPerformanceFrequency(&freq);
    for (c = 0; c <= CALLS; c++) {
        for (n = 0, t = 0, i = 0; i < THREADS; i++) {
            n += c < CALLS ? workers[i].calls[c] : 0;
            t += workers[i].ticks[c];
        }
        printf("  %-15s %8lu calls; steps begun with it: %6.2f s\n",
               c < CALLS ? call_names[c] : "(probes only)", n,
               (double)t / (double)freq.QuadPart);
    }
}

/* Runs the four threads; the total of library calls made. */
static unsigned long run_round(unsigned round, unsigned long ops)
{
    HANDLE threads[THREADS];
    unsigned long total = 0, probes = 0;
    unsigned i;

    for (i = 0; i < THREADS; i++) {
        struct worker *w = &workers[i];
        unsigned long long *sizes = w->sizes;

        memset(w, 0, sizeof *w);
        w->id = i;
        w->round = round;
        w->rng = 0x9e3779b9u * (i + 1) + round * 0x85ebca6bu +
                 LOAD_SEED * 0xc2b2ae35u;
        w->target = ops;
        w->sizes = sizes ? sizes : malloc(MAX_GENS * sizeof *sizes);
        ck_assert_ptr_nonnull(w->sizes);
    }
    signal(SIGSEGV, report_crash);
    signal(SIGABRT, report_crash);
    if (round == 0) {
        (void)mt_read_faults(&pg); /* the probes' handler, then this */
        AddVectoredExceptionHandler(0, note_stray_fault);
    }
    for (i = 0; i < THREADS; i++) {
        threads[i] = CreateThread(NULL, 0, work, &workers[i], 0, NULL);
        ck_assert_ptr_nonnull(threads[i]);
    }
    for (i = 0; i < THREADS; i++) {
        ck_assert_uint_eq(WaitForSingleObject(threads[i], INFINITE),
                          WAIT_OBJECT_0);
        CloseHandle(threads[i]);
    }
    for (i = 0; i < THREADS; i++) {
        ck_assert_msg(workers[i].error[0] == 0, "%s", workers[i].error);
        total += workers[i].ops;
        probes += workers[i].probes;
    }
    printf("round %u: %lu library calls, %lu probes through mappings\n",
           round, total, probes);
    if (round)
        print_mix();
    return total;
}

/* ---- what is measured ---- */

/* The address space, allocation by allocation (a run of regions with
 * one AllocationBase). Views (MEM_MAPPED) are counted with what they
 * have committed. Private allocations (VirtualAlloc) are counted with
 * their reserved and committed bytes, except those of the C heap: the
 * registry's records come from malloc, and a heap keeps committed what
 * it once grew to, so its figures say nothing about leaks (the heap's
 * own regions, from HeapWalk, are left out). Nor are the committed
 * bytes of this thread's stack (it commits as it goes deeper) and of
 * the block that holds the TEBs (Wine keeps those of exited threads
 * committed for the next ones); both still count as allocations.
 * Images (the program and its DLLs) do not change. The warm-up round
 * before the baseline makes the one-time allocations (set-up, the shm
 * store's path, the C runtime's per-thread data, the stack Wine keeps
 * of the last thread to exit), so what remains must match exactly. */
struct space {
    size_t views, view_committed;
    size_t privates, private_reserved, private_committed;
    size_t heap_regions;
    size_t stack_committed; /* this thread's stack and TEB block: left
                             * out of the above */
};

/* This thread's TEB (NtCurrentTeb trips gcc 12's -Warray-bounds). */
static void *teb_address(void)
{
    void *teb;

#if defined(__x86_64__)
    __asm__("movq %%gs:0x30, %0" : "=r"(teb));
#else
    __asm__("movl %%fs:0x18, %0" : "=r"(teb));
#endif
    return teb;
}

static int is_heap(void *base, void *const *heaps, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (heaps[i] == base)
            return 1;
    return 0;
}

static struct space measure(void)
{
    enum { MAX_HEAP_REGIONS = 1024 };
    static void *regions[MAX_HEAP_REGIONS];
    HANDLE heaps[64];
    DWORD nheaps = GetProcessHeaps(64, heaps), i;
    size_t nregions = 0;
    MEMORY_BASIC_INFORMATION info;
    struct space s;
    char *p = NULL;
    void *alloc = NULL;
    int counted = 0;
    void *stack, *teb;

    memset(&s, 0, sizeof s);
    ck_assert(VirtualQuery(&info, &info, sizeof info) == sizeof info);
    stack = info.AllocationBase;
    ck_assert(VirtualQuery(teb_address(), &info, sizeof info) ==
              sizeof info);
    teb = info.AllocationBase;
    for (i = 0; i < nheaps && i < 64; i++) {
        PROCESS_HEAP_ENTRY e;

        regions[nregions++] = heaps[i];
        memset(&e, 0, sizeof e);
        HeapLock(heaps[i]);
        while (HeapWalk(heaps[i], &e) && nregions < MAX_HEAP_REGIONS)
            if (e.wFlags & PROCESS_HEAP_REGION)
                regions[nregions++] = e.lpData;
        HeapUnlock(heaps[i]);
    }
    while (VirtualQuery(p, &info, sizeof info) == sizeof info) {
        int heap = is_heap(info.AllocationBase, regions, nregions);

        if (info.State != MEM_FREE && info.AllocationBase != alloc) {
            alloc = info.AllocationBase;
            counted = 1;
            if (heap)
                s.heap_regions++;
            else if (info.Type == MEM_MAPPED)
                s.views++;
            else if (info.Type == MEM_PRIVATE)
                s.privates++;
            else
                counted = 0;
        }
        if (info.State != MEM_FREE && counted && !heap) {
            if (info.Type == MEM_PRIVATE)
                s.private_reserved += info.RegionSize;
            if (info.State == MEM_COMMIT && info.Type == MEM_MAPPED)
                s.view_committed += info.RegionSize;
            if (info.State == MEM_COMMIT && info.Type == MEM_PRIVATE) {
                if (info.AllocationBase == stack ||
                    info.AllocationBase == teb)
                    s.stack_committed += info.RegionSize;
                else
                    s.private_committed += info.RegionSize;
            }
        }
        p = (char *)info.BaseAddress + info.RegionSize;
        if (p == NULL)
            break;
    }
    return s;
}

/* The handles this process holds. GetProcessHandleCount says 0 under
 * Wine 8, so they are counted in the system's list of handles (which
 * Windows has as well); where GetProcessHandleCount works, the two must
 * agree on the change. */
struct handle_entry {
    ULONG pid;
    BYTE type, flags;
    USHORT value;
    void *object;
    ACCESS_MASK access;
};

struct handle_list {
    ULONG count;
    struct handle_entry h[1];
};

typedef LONG(WINAPI *query_fn)(int, void *, ULONG, ULONG *);

static size_t handles(void)
{
    static query_fn query;
    static struct handle_list *list;
    static ULONG size = 1 << 20;
    size_t n = 0;
    ULONG i, got;
    LONG status;

    if (!query)
        query = (query_fn)(void (*)(void))GetProcAddress(
            GetModuleHandleA("ntdll.dll"), "NtQuerySystemInformation");
    ck_assert_ptr_nonnull(query);
    for (;;) {
        if (!list)
            list = malloc(size);
        ck_assert_ptr_nonnull(list);
        /* 16: SystemHandleInformation */
        status = query(16, list, size, &got);
        if (status != (LONG)0xC0000004) /* STATUS_INFO_LENGTH_MISMATCH */
            break;
        free(list);
        list = NULL;
        size *= 2;
    }
    ck_assert_msg(status == 0, "NtQuerySystemInformation: %lx",
                  (unsigned long)status);
    for (i = 0; i < list->count; i++)
        if (list->h[i].pid == GetCurrentProcessId())
            n++;
    return n;
}

static DWORD handle_count(void)
{
    DWORD n = 0;

    ck_assert(GetProcessHandleCount(GetCurrentProcess(), &n));
    return n;
}

#ifdef MMAN_CE
/* CE: no MMAN_SHM_DIR (CE has no environment); the store is the
 * device's, "mman-shm" in the temporary directory, which other programs
 * share: the entries counted are this process's objects' files and
 * markers, named in hex after the name; README, "Windows CE". */
static int store_entries(const char *unused)
{
    char prefix[64];
    wchar_t pattern[MAX_PATH + 200];
    WIN32_FIND_DATAW found;
    HANDLE search;
    const wchar_t *store;
    size_t len;
    int n = 0, err = 0;
    const char *c;

    (void)unused;
    store = mman__shm_store(&err);
    ck_assert_msg(store != NULL, "no shm store: errno %d", err);
    snprintf(prefix, sizeof prefix, "mman-load-%lu-",
             (unsigned long)GetCurrentProcessId());
    len = (size_t)swprintf(pattern, MAX_PATH + 200, L"%ls\\", store);
    for (c = prefix; *c; c++)
        len += (size_t)swprintf(pattern + len, MAX_PATH + 200 - len,
                                L"%02x", (unsigned)(unsigned char)*c);
    wcscpy(pattern + len, L"*");
    search = FindFirstFileW(pattern, &found);
    if (search == INVALID_HANDLE_VALUE)
        return 0;
    do
        n++;
    while (FindNextFileW(search, &found));
    FindClose(search);
    return n;
}
#else
/* Entries in the shm store other than "." and "..". */
static int store_entries(const char *store)
{
    char pattern[600];
    WIN32_FIND_DATAA found;
    HANDLE search;
    int n = 0;

    snprintf(pattern, sizeof pattern, "%s\\*", store);
    search = FindFirstFileA(pattern, &found);
    if (search == INVALID_HANDLE_VALUE)
        return 0;
    do {
        if (strcmp(found.cFileName, ".") && strcmp(found.cFileName, ".."))
            n++;
    } while (FindNextFileA(search, &found));
    FindClose(search);
    return n;
}
#endif

/* One more object made and unlinked: an unlink sweeps away what
 * earlier ones could not delete while the object was mapped. */
static void sweep_store(void)
{
    char name[64];
    int fd;

    snprintf(name, sizeof name, "/mman-load-%lu-sweep",
             (unsigned long)GetCurrentProcessId());
    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(shm_unlink(name), 0);
}

static void print_space(const char *when, size_t h, DWORD hc,
                        const struct space *s, size_t frags, size_t views)
{
    printf("%s: handles %zu (GetProcessHandleCount %lu); views %zu, %zu "
           "bytes committed; private allocations %zu, %zu bytes reserved, "
           "%zu committed (left out: %zu heap regions, %zu bytes of this "
           "thread's stack and TEB block); registry %zu fragments, "
           "%zu views\n",
           when, h, (unsigned long)hc, s->views, s->view_committed,
           s->privates, s->private_reserved, s->private_committed,
           s->heap_regions, s->stack_committed, frags, views);
}

START_TEST(million_mixed_calls_leak_nothing)
{
    static char env[600];
    const char *store = mt_path("shm");
    struct space s0, s1;
    size_t frags0, views0, frags1, views1;
    unsigned long total;
    size_t h0, h1;
    DWORD hc0, hc1;
    unsigned i;
#ifdef MMAN_CE_RULES
    SIZE_T slot0, shared0, slot1, shared1, peak = 0;
#endif

    pg = mt_page();
    snprintf(env, sizeof env, "MMAN_SHM_DIR=%s", store);
    ck_assert_int_eq(_putenv(env), 0);

    run_round(0, WARM_OPS);
    sweep_store();
    ck_assert_int_eq(store_entries(store), 0);
    h0 = handles();
    hc0 = handle_count();
    s0 = measure();
    frags0 = mman__fragment_count();
    views0 = mman__view_count();
#ifdef MMAN_CE_RULES
    mman__ce_budgets(&slot0, &shared0);
#endif

    total = run_round(1, OPS_PER_THREAD);
    ck_assert_uint_ge(total, 1000000);
    sweep_store();

    h1 = handles();
    hc1 = handle_count();
    s1 = measure();
    frags1 = mman__fragment_count();
    views1 = mman__view_count();
#ifdef MMAN_CE_RULES
    mman__ce_budgets(&slot1, &shared1);
    for (i = 0; i < THREADS; i++)
        if (workers[i].slot_peak > peak)
            peak = workers[i].slot_peak;
    printf("CE budgets: slot %zu bytes before, %zu after (at most %zu "
           "after an mmap), shared region %zu before, %zu after\n",
           (size_t)slot0, (size_t)slot1, (size_t)peak, (size_t)shared0,
           (size_t)shared1);
#endif
    print_space("before", h0, hc0, &s0, frags0, views0);
    print_space("after ", h1, hc1, &s1, frags1, views1);
    for (i = 0; i < THREADS; i++)
        free(workers[i].sizes);

    ck_assert_int_eq(store_entries(store), 0);
    ck_assert_uint_eq(frags1, frags0);
    ck_assert_uint_eq(views1, views0);
    ck_assert_msg(h1 == h0, "handles: %zu before, %zu after", h0, h1);
    ck_assert_msg(hc1 == hc0, "GetProcessHandleCount: %lu before, %lu after",
                  (unsigned long)hc0, (unsigned long)hc1);
    ck_assert_uint_eq(s1.views, s0.views);
    ck_assert_uint_eq(s1.view_committed, s0.view_committed);
    ck_assert_uint_eq(s1.privates, s0.privates);
    ck_assert_uint_eq(s1.private_reserved, s0.private_reserved);
    ck_assert_uint_eq(s1.private_committed, s0.private_committed);
#ifdef MMAN_CE_RULES
    /* CE: the address-space budgets the mappings were charged to are
     * given back too */
    ck_assert_uint_eq(slot1, slot0);
    ck_assert_uint_eq(shared1, shared0);
    ck_assert_uint_le(peak, MMAN_CE_SLOT_BUDGET / 2);
#endif
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("win_load");
    TCase *tc = tcase_create("load");

    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, million_mixed_calls_leak_nothing);
    suite_add_tcase(s, tc);
    return mt_main(argc, argv, s);
}
