/*
 * Differential fuzzer. From a seed it generates a random sequence of
 * operations over a few files, a shared memory object, a reserved
 * address window and a few mappings placed anywhere (slots), and prints
 * a canonical trace of every outcome: the result and errno of each call,
 * then, whenever it changed, for every page whether it faults on read
 * (and, now and then, on write) and a checksum of the readable pages,
 * and each file's size and checksum. Addresses are relative to the
 * window or slot, so the trace of the same seeds natively on Linux (the
 * oracle) and under Wine (libmman) must be byte-identical.
 *
 * Operations whose Linux outcome Windows cannot reproduce by design
 * (each listed in the README's "Differences from POSIX") are not
 * generated: the generator keeps a model of what is mapped where and, on
 * Windows's side, which reservation or view owns each page.
 * `fuzz --exclusions` prints that list.
 *
 * Usage: fuzz FIRST COUNT OPS [-v]   (-v: a checksum per page)
 *        fuzz --exclusions
 */
#define _GNU_SOURCE 1
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef _WIN32
#include <direct.h>
#include <io.h>
#include <process.h>
#endif

#include "mt_fault.h"

#ifndef O_BINARY
#define O_BINARY 0
#endif

/* ---- the exclusions ---- */

static const char *const exclusions[] = {
    "MAP_FIXED of a file with addr % 65536 != off % 65536: EINVAL "
    "(README: MAP_FIXED with a file)",
    "MAP_FIXED of a file whose 64 KiB blocks hold part of a file "
    "mapping, or anonymous pages committed outside the new mapping, that "
    "it does not replace whole: EINVAL (README: MAP_FIXED with a file)",
    "any call but munmap on PROT_NONE pages of a reservation cut by "
    "MAP_FIXED of a file (Windows unmaps them, Linux keeps them) "
    "(README: MAP_FIXED with a file)",
    "MAP_FIXED anonymous over part of a file mapping, or over part of an "
    "anonymous mapping and free address space, or into free address "
    "space whose 64 KiB block holds a mapping below addr: EINVAL "
    "(README: MAP_FIXED with anonymous memory)",
    "MAP_SHARED | MAP_PRIVATE: EINVAL (README: MAP_SHARED | MAP_PRIVATE)",
    "mprotect, msync, madvise, posix_madvise over a range with mapped "
    "and unmapped pages: ENOMEM, nothing changed (README: mprotect over a "
    "range with unmapped pages; A range call over unmapped pages)",
    "mprotect adding PROT_EXEC to a file mapping not mapped with "
    "PROT_EXEC: EACCES (README: PROT_EXEC on a file mapping)",
    "ftruncate to a smaller size of a mapped file or shm object: refused "
    "(README: Shrinking a mapped file)",
    "shm_open with O_TRUNC of an object that is mapped: EBUSY "
    "(README: shm_open with O_TRUNC of an object mapped anywhere)",
    "changing file bytes (write, store through a shared mapping) that a "
    "private mapping shows in a page not written but read-only or "
    "inaccessible when the file grew (README: Private mappings of a "
    "growing file)",
    "changing file bytes that a private mapping shows in a page after "
    "MADV_DONTNEED (README: madvise(MADV_DONTNEED) on a private file "
    "mapping)",
    "stores through a shared mapping past end of file, in the file's "
    "last page: POSIX does not say what becomes of them when the file "
    "grows (Linux keeps them on tmpfs, drops them on ext4; Windows drops "
    "them) (README: Stores past end of file)",
    "MADV_FREE: zeroes at once, Linux may keep the data "
    "(README: madvise(MADV_DONTNEED) on a private file mapping)",
    "posix_madvise with MADV_* advice that is not POSIX_MADV_*: EINVAL "
    "(README: posix_madvise)",
    "mapping and ranges outside the window and slots: MAP_FIXED never "
    "replaces memory the library did not map (README: MAP_FIXED never "
    "replaces memory the library did not map)",
};

/* ---- random numbers ---- */

static uint64_t rng_state;

static uint64_t rnd64(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* 0 .. n-1 */
static long rnd(long n)
{
    return n > 0 ? (long)(rnd64() % (uint64_t)n) : 0;
}

static int chance(int percent)
{
    return rnd(100) < percent;
}

/* ---- the model ---- */

#define BLOCK 16       /* pages in 64 KiB */
#define WPAGES 48      /* the window: three 64 KiB blocks */
#define NSLOT 3
#define SPAGES 20      /* at most this many pages in a slot */
#define SLOT_SPAN 64   /* pages of address space per slot */
#define NFD 3          /* fds 0 and 1: files; 2: the shm object */
#define NOBJ 64
#define NVIEW 4096
#define MAXFILE 24     /* pages */
#define NREG (1 + NSLOT)

enum { FREE, MAPPED, DEAD };

struct page {
    unsigned char st;        /* FREE, MAPPED or DEAD */
    unsigned char anon, shared, prot;
    unsigned char committed; /* anonymous: once accessible */
    unsigned char cow;       /* private file page written */
    unsigned char frozen;    /* private copy Linux would not have */
    int view;                /* Windows: owner of the address, or -1 */
    int obj;                 /* file object */
    long fpage;              /* page of the file */
};

struct view {
    int anon, exec, shared, obj;
    long fend; /* bytes of the file the view covers up to (file views) */
};

struct region {
    char *base;
    int npages; /* 0: slot not in use */
    struct page pg[WPAGES > SPAGES ? WPAGES : SPAGES];
    char map[WPAGES + 1];
    uint32_t sum;
    uint32_t psum[WPAGES];
};

struct obj {
    long size;
};

static struct region reg[NREG]; /* 0: window; 1..: slots */
static struct view views[NVIEW];
static int nviews;
static struct obj objs[NOBJ];
static int nobjs;
static int fds[NFD], fdobj[NFD];
static int shm_named; /* the shm name exists */
static size_t P;
static char *slot_area;
static char dir[512], paths[2][600], shm_name[64];
static int verbose;
static char line[512];
static char last_state[2048];

static int new_view(int anon, int shared, int exec, int obj, long fend)
{
    struct view *v;

    if (nviews == NVIEW) {
        fprintf(stderr, "fuzz: out of views\n");
        exit(2);
    }
    v = &views[nviews];
    v->anon = anon;
    v->shared = shared;
    v->exec = exec;
    v->obj = obj;
    v->fend = fend;
    return nviews++;
}

/* Views with no mapped page die: their address space is free again. */
static void collect_views(void)
{
    static unsigned char live[NVIEW];
    int r, i;

    memset(live, 0, (size_t)nviews);
    for (r = 0; r < NREG; r++)
        for (i = 0; i < reg[r].npages; i++)
            if (reg[r].pg[i].st == MAPPED && reg[r].pg[i].view >= 0)
                live[reg[r].pg[i].view] = 1;
    for (r = 0; r < NREG; r++)
        for (i = 0; i < reg[r].npages; i++)
            if (reg[r].pg[i].view >= 0 && !live[reg[r].pg[i].view])
                reg[r].pg[i].view = -1;
    for (r = 1; r < NREG; r++) {
        int used = 0;

        for (i = 0; i < reg[r].npages; i++)
            used |= reg[r].pg[i].view >= 0 || reg[r].pg[i].st != FREE;
        if (!used)
            reg[r].npages = 0;
    }
}

/* Whether a live view maps object o. */
static int obj_mapped(int o)
{
    int r, i;

    for (r = 0; r < NREG; r++)
        for (i = 0; i < reg[r].npages; i++)
            if (reg[r].pg[i].st == MAPPED && !reg[r].pg[i].anon &&
                reg[r].pg[i].obj == o)
                return 1;
    return 0;
}

/* Whether bytes [from, to) of object o show in a frozen page. */
static int obj_frozen(int o, long from, long to)
{
    int r, i;

    for (r = 0; r < NREG; r++)
        for (i = 0; i < reg[r].npages; i++) {
            struct page *g = &reg[r].pg[i];

            if (g->st == MAPPED && !g->anon && g->obj == o && g->frozen &&
                g->fpage * (long)P < to && (g->fpage + 1) * (long)P > from)
                return 1;
        }
    return 0;
}

/* Object o grows from old bytes: private views past the old end of file
 * are mapped again, and their pages not written but not writable keep
 * what they had. */
static void obj_grew(int o, long old)
{
    int r, i;

    for (r = 0; r < NREG; r++)
        for (i = 0; i < reg[r].npages; i++) {
            struct page *g = &reg[r].pg[i];

            if (g->st != MAPPED || g->anon || g->obj != o || g->shared ||
                g->view < 0 || views[g->view].fend <= old)
                continue;
            if (!g->cow && !(g->prot & PROT_WRITE) &&
                g->fpage * (long)P < old)
                g->frozen = 1;
        }
}

/* ---- output ---- */

static const char *errname(int e)
{
    static char buf[32];

    switch (e) {
    case EINVAL: return "EINVAL";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EBADF: return "EBADF";
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case EAGAIN: return "EAGAIN";
    case EBUSY: return "EBUSY";
    case ENODEV: return "ENODEV";
    case EOVERFLOW: return "EOVERFLOW";
    case EFAULT: return "EFAULT";
    case EPERM: return "EPERM";
    case ENXIO: return "ENXIO";
    case EFBIG: return "EFBIG";
    case ENOSPC: return "ENOSPC";
    case EIO: return "EIO";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    default:
        snprintf(buf, sizeof buf, "E%d", e);
        return buf;
    }
}

static const char *result(int rc, int e)
{
    static char buf[48];

    if (rc == 0)
        return "ok";
    snprintf(buf, sizeof buf, "fail %s", errname(e));
    return buf;
}

static uint32_t hash_bytes(uint32_t h, const unsigned char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static uint32_t hash_page(const unsigned char *p)
{
    uint64_t h = 1469598103934665603ULL;
    size_t i;
    const volatile unsigned char *q = p;

    for (i = 0; i < P; i += 8) {
        uint64_t w;

        memcpy(&w, (const void *)(q + i), 8);
        h = (h ^ w) * 0x100000001b3ULL;
        h ^= h >> 29;
    }
    return (uint32_t)(h ^ (h >> 32));
}

/* Probes every page of region r; write probes only when asked. */
static void probe_region(int r, int writes)
{
    struct region *g = &reg[r];
    uint32_t sum = 2166136261u;
    int i;

    for (i = 0; i < g->npages; i++) {
        char *p = g->base + (size_t)i * P;

        g->psum[i] = 0;
        if (mt_read_faults(p)) {
            g->map[i] = '-';
            continue;
        }
        g->map[i] = 'r';
        if (writes && !mt_write_faults(p)) {
            g->map[i] = 'w';
            if (g->pg[i].st == MAPPED && !g->pg[i].anon &&
                !g->pg[i].shared) {
                g->pg[i].cow = 1;
                g->pg[i].frozen = 0;
            }
        }
        g->psum[i] = hash_page((const unsigned char *)p);
        sum = (sum ^ g->psum[i] ^ (uint32_t)i) * 16777619u;
    }
    g->map[g->npages] = 0;
    g->sum = sum;
}

/* The size and checksum of fd's file, read with lseek + read. */
static void file_state(int fd, long *size, uint32_t *sum)
{
    unsigned char buf[4096];
    uint32_t h = 2166136261u;
    long n = 0;
    ssize_t got;

    *size = -1;
    *sum = 0;
    if (fd < 0 || lseek(fd, 0, SEEK_SET) != 0)
        return;
    while ((got = read(fd, buf, sizeof buf)) > 0) {
        h = hash_bytes(h, buf, (size_t)got);
        n += (long)got;
    }
    *size = n;
    *sum = h;
}

static void print_state(int writes)
{
    char buf[2048];
    size_t n = 0;
    int r, f;

    for (r = 0; r < NREG; r++) {
        if (r > 0 && !reg[r].npages)
            continue;
        probe_region(r, writes);
        n += (size_t)snprintf(buf + n, sizeof buf - n, " %c:%s/%08lx",
                              r ? '0' + r : 'W', reg[r].map,
                              (unsigned long)reg[r].sum);
    }
    for (f = 0; f < NFD; f++) {
        long size;
        uint32_t sum;

        file_state(fds[f], &size, &sum);
        n += (size_t)snprintf(buf + n, sizeof buf - n, " f%d:%ld/%08lx", f,
                              size, (unsigned long)sum);
    }
    if (strcmp(buf, last_state) != 0) {
        printf("  =%s\n", buf);
        strcpy(last_state, buf);
    }
    if (verbose) {
        for (r = 0; r < NREG; r++) {
            int i;

            if (r > 0 && !reg[r].npages)
                continue;
            printf("  %c", r ? '0' + r : 'W');
            for (i = 0; i < reg[r].npages; i++)
                printf(" %08lx", (unsigned long)reg[r].psum[i]);
            printf("\n");
        }
    }
}

/* Prints an operation's line: the operation was generated. */
static int emitted;

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static void out(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    emitted = 1;
}

/* Reducing a failing seed: FUZZ_KEEP="n n ..." runs the mapping calls
 * of only those operations (the rest are generated, not made). */
static int dry;

static int keep_op(int n)
{
    const char *k = getenv("FUZZ_KEEP");
    char *end;

    if (!k)
        return 1;
    while (*k) {
        long v = strtol(k, &end, 10);

        if (end == k)
            break;
        if (v == n)
            return 1;
        k = end;
    }
    return 0;
}

#define DRY(call, fake) (dry ? (fake) : (call))

/* ---- naming ---- */

static const char *prot_name(int prot)
{
    static char buf[8];

    buf[0] = prot & PROT_READ ? 'r' : '-';
    buf[1] = prot & PROT_WRITE ? 'w' : '-';
    buf[2] = prot & PROT_EXEC ? 'x' : '-';
    buf[3] = 0;
    return buf;
}

static char reg_name(int r)
{
    return r ? (char)('0' + r) : 'W';
}

/* ---- the operations ---- */

/* FUZZ_NO_EXEC: files and shm objects are not mapped with PROT_EXEC,
 * for an oracle whose temporary directory or /dev/shm is mounted
 * noexec (fuzz.sh asks "fuzz --can-exec"). */
static int no_exec;

static int file_prot(int prot)
{
    return no_exec ? prot & ~PROT_EXEC : prot;
}

/* FUZZ_ANONYMOUS_ONLY: only anonymous memory is mapped (Windows CE
 * builds: CE's file mappings differ from Linux by design, README
 * "Windows CE", and have tests of their own). */
static int anonymous_only;

/* Whether this system maps a file and an shm object with PROT_EXEC. */
static int can_exec(void)
{
    char page[4096] = {0};
    int fd = open(paths[0], O_RDWR | O_CREAT | O_TRUNC, 0600), ok = 0;
    int shm = shm_open(shm_name, O_RDWR | O_CREAT, 0600);
    void *p, *q;

    if (fd >= 0 && shm >= 0 && write(fd, page, sizeof page) == 4096 &&
        ftruncate(shm, 4096) == 0) {
        p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
        q = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, shm, 0);
        ok = p != MAP_FAILED && q != MAP_FAILED;
        if (p != MAP_FAILED)
            munmap(p, 4096);
        if (q != MAP_FAILED)
            munmap(q, 4096);
    }
    if (fd >= 0)
        close(fd);
    if (shm >= 0)
        close(shm);
    unlink(paths[0]);
    shm_unlink(shm_name);
    return ok;
}

static int pick_prot(void)
{
    static const int prots[] = {
        PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_READ,
        PROT_READ | PROT_WRITE, PROT_WRITE, PROT_READ | PROT_EXEC,
        PROT_READ | PROT_WRITE | PROT_EXEC,
    };

    return prots[rnd((long)(sizeof prots / sizeof prots[0]))];
}

/* Fills pages [s, e) of region r with a new mapping. */
static void model_map(int r, int s, int e, int anon, int shared, int prot,
                      int view, int obj, long fpage)
{
    int i;

    for (i = s; i < e; i++) {
        struct page *g = &reg[r].pg[i];

        memset(g, 0, sizeof *g);
        g->st = MAPPED;
        g->anon = (unsigned char)anon;
        g->shared = (unsigned char)shared;
        g->prot = (unsigned char)prot;
        g->committed = anon && prot != PROT_NONE;
        g->view = view;
        g->obj = anon ? -1 : obj;
        g->fpage = anon ? 0 : fpage + (i - s);
    }
}

/* Whether the mapped pages of view v all lie in [s, e) of the window. */
static int view_inside(int v, int s, int e)
{
    int r, i;

    for (r = 0; r < NREG; r++)
        for (i = 0; i < reg[r].npages; i++)
            if (reg[r].pg[i].st == MAPPED && reg[r].pg[i].view == v &&
                (r != 0 || i < s || i >= e))
                return 0;
    return 1;
}

/* Whether anonymous view v has no committed page outside [s, e). */
static int view_empty_outside(int v, int s, int e)
{
    int i;

    if (!views[v].anon)
        return 0;
    for (i = 0; i < WPAGES; i++)
        if ((i < s || i >= e) && reg[0].pg[i].st == MAPPED &&
            reg[0].pg[i].view == v && reg[0].pg[i].committed)
            return 0;
    return 1;
}

static int any_dead(int s, int e)
{
    int i;

    for (i = s; i < e; i++)
        if (reg[0].pg[i].st == DEAD)
            return 1;
    return 0;
}

static int pick_fd(void)
{
    return (int)rnd(NFD);
}

static void op_mmap_fixed(int n)
{
    struct region *w = &reg[0];
    int anon = chance(40) || anonymous_only, shared = chance(50);
    int prot = pick_prot(), noreserve = anon && chance(15);
    int f = pick_fd(), o = fdobj[f];
    long off = rnd(MAXFILE + 2), len = 1 + rnd(BLOCK + 4);
    long s, e, bytes, low, high;
    int i, v, flags;
    void *p;

    if (!anon)
        prot = file_prot(prot);
    if (anon) {
        s = rnd(WPAGES);
        if (s + len > WPAGES)
            len = WPAGES - s;
        e = s + len;
        if (any_dead((int)s, (int)e))
            return;
        for (i = (int)s; i < e; i++)
            if (w->pg[i].view < 0 || !views[w->pg[i].view].anon)
                break;
        if (i < e) {
            /* over mappings it replaces whole plus free space */
            for (i = (int)s; i < e; i++)
                if (w->pg[i].view >= 0 &&
                    !view_inside(w->pg[i].view, (int)s, (int)e))
                    return;
            low = s - s % BLOCK;
            /* Windows reserves from the 64 KiB boundary below s */
            for (i = (int)low; i < s; i++)
                if (w->pg[i].view >= 0 || w->pg[i].st == DEAD)
                    return;
            v = new_view(1, shared, 0, -1, 0);
            for (i = (int)low; i < s; i++)
                w->pg[i].view = v;
        } else {
            v = -2; /* each page keeps its reservation */
        }
    } else {
        long blocks = WPAGES / BLOCK;

        if (fds[f] < 0)
            return;
        s = rnd(blocks) * BLOCK + off % BLOCK;
        if (s + len > WPAGES)
            len = WPAGES - s;
        if (len <= 0)
            return;
        e = s + len;
        if (any_dead((int)s, (int)e))
            return;
        low = s - s % BLOCK;
        high = (e + BLOCK - 1) / BLOCK * BLOCK;
        for (i = (int)low; i < e; i++) {
            int u = w->pg[i].view;

            if (u >= 0 && !view_inside(u, (int)s, (int)e) &&
                !view_empty_outside(u, (int)s, (int)e))
                return;
        }
        /* cut the anonymous views not replaced whole */
        for (i = (int)low; i < high; i++) {
            int u = w->pg[i].view, j, upper = -1;

            if (u < 0 || view_inside(u, (int)s, (int)e))
                continue;
            for (j = (int)low; j < WPAGES; j++) {
                struct page *g = &w->pg[j];

                if (g->view != u)
                    continue;
                if (j >= high) {
                    if (upper < 0)
                        upper = new_view(1, views[u].shared, 0, -1, 0);
                    g->view = upper;
                } else if (j < s || j >= e) {
                    if (g->st == MAPPED)
                        g->st = DEAD;
                    g->view = -1;
                }
            }
        }
        v = new_view(0, shared, (prot & PROT_EXEC) != 0, o,
                     (off + len) * (long)P);
        for (i = (int)low; i < s; i++)
            w->pg[i].view = v;
    }
    bytes = len * (long)P - (chance(30) ? rnd((long)P) : 0);
    flags = MAP_FIXED | (shared ? MAP_SHARED : MAP_PRIVATE) |
            (anon ? MAP_ANONYMOUS : 0) | (noreserve ? MAP_NORESERVE : 0);
    errno = 0;
    p = DRY(mmap(w->base + s * (long)P, (size_t)bytes, prot, flags,
                 anon ? -1 : fds[f], anon ? 0 : (off_t)(off * (long)P)),
            (void *)(w->base + s * (long)P));
    snprintf(line, sizeof line, "%d mmap W+%ld %ld %s %s%s%s", n, s, bytes,
             prot_name(prot), shared ? "shared" : "private",
             anon ? " anon" : "", noreserve ? " noreserve" : "");
    if (!anon)
        snprintf(line + strlen(line), sizeof line - strlen(line),
                 " fd%d off=%ld", f, off);
    out("%s -> %s\n", line,
           p == MAP_FAILED ? result(-1, errno)
                           : p == w->base + s * (long)P ? "ok" : "moved");
    if (p == MAP_FAILED)
        return;
    for (i = (int)s; i < e; i++) {
        int keep = v == -2 ? w->pg[i].view : v;

        model_map(0, i, i + 1, anon, shared, prot, keep, o, off + (i - s));
    }
}

static void op_mmap_slot(int n)
{
    int anon = chance(35) || anonymous_only, shared = chance(50);
    int prot = pick_prot(), f = pick_fd(), o = fdobj[f], k, r = 0, v;
    long off = rnd(MAXFILE + 2), len = 1 + rnd(SPAGES), bytes;
    char *hint;
    void *p;

    if (!anon)
        prot = file_prot(prot);
    for (k = 1; k < NREG; k++)
        if (!reg[k].npages) {
            r = k;
            break;
        }
    if (!r || (!anon && fds[f] < 0))
        return;
    hint = slot_area + (size_t)(r - 1) * SLOT_SPAN * P;
    bytes = len * (long)P - (chance(30) ? rnd((long)P) : 0);
    errno = 0;
    p = DRY(mmap(hint, (size_t)bytes, prot,
                 (shared ? MAP_SHARED : MAP_PRIVATE) |
                     (anon ? MAP_ANONYMOUS : 0),
                 anon ? -1 : fds[f], anon ? 0 : (off_t)(off * (long)P)),
            (void *)hint);
    snprintf(line, sizeof line, "%d mmap %c %ld %s %s%s", n, reg_name(r),
             bytes, prot_name(prot), shared ? "shared" : "private",
             anon ? " anon" : "");
    if (!anon)
        snprintf(line + strlen(line), sizeof line - strlen(line),
                 " fd%d off=%ld", f, off);
    out("%s -> %s\n", line, p == MAP_FAILED ? result(-1, errno) : "ok");
    if (p == MAP_FAILED)
        return;
    if ((char *)p + bytes > reg[0].base &&
        (char *)p < reg[0].base + WPAGES * P) {
        fprintf(stderr, "fuzz: a mapping landed in the window\n");
        exit(2);
    }
    reg[r].base = p;
    reg[r].npages = (int)len;
    v = new_view(anon, shared, (prot & PROT_EXEC) != 0, o,
                 (off + len) * (long)P);
    model_map(r, 0, (int)len, anon, shared, prot, v, o, off);
}

/* A range of region r for a range call: mostly one run of mapped pages,
 * sometimes anything. Returns its class: 1 all mapped, 0 all unmapped,
 * -1 mixed or touching a dead page (not generated). */
static int pick_range(int r, int *ps, int *pe)
{
    struct region *g = &reg[r];
    int s, e, i, mapped = 0, unmapped = 0;

    if (!g->npages)
        return -1;
    if (chance(80)) {
        s = (int)rnd(g->npages);
        if (g->pg[s].st == MAPPED) {
            int a = s, b = s + 1;

            while (a > 0 && g->pg[a - 1].st == MAPPED)
                a--;
            while (b < g->npages && g->pg[b].st == MAPPED)
                b++;
            s = a + (int)rnd(s - a + 1);
            e = s + 1 + (int)rnd(b - s);
        } else {
            e = s + 1 + (int)rnd(4);
        }
    } else {
        s = (int)rnd(g->npages);
        e = s + 1 + (int)rnd(g->npages - s);
    }
    if (e > g->npages)
        e = g->npages;
    for (i = s; i < e; i++) {
        if (g->pg[i].st == DEAD)
            return -1;
        if (g->pg[i].st == MAPPED)
            mapped = 1;
        else
            unmapped = 1;
    }
    *ps = s;
    *pe = e;
    return mapped && unmapped ? -1 : mapped;
}

static int pick_region(void)
{
    int r = chance(70) ? 0 : 1 + (int)rnd(NSLOT);

    return reg[r].npages ? r : 0;
}

static void op_munmap(int n)
{
    int r = pick_region(), s, e, i, rc;
    struct region *g = &reg[r];
    long bytes;

    s = (int)rnd(g->npages);
    e = s + 1 + (int)rnd(chance(50) ? 4 : g->npages - s);
    if (e > g->npages)
        e = g->npages;
    bytes = (e - s) * (long)P - (chance(30) ? rnd((long)P) : 0);
    errno = 0;
    rc = DRY(munmap(g->base + (size_t)s * P, (size_t)bytes), 0);
    out("%d munmap %c+%d %ld -> %s\n", n, reg_name(r), s, bytes,
           result(rc, errno));
    if (rc)
        return;
    for (i = s; i < e; i++)
        if (g->pg[i].st != FREE)
            g->pg[i].st = FREE;
}

static void op_mprotect(int n)
{
    int r = pick_region(), s = 0, e = 0, i, rc, prot = pick_prot();
    int cls = pick_range(r, &s, &e);
    struct region *g = &reg[r];

    if (cls < 0)
        return;
    for (i = s; i < e && cls; i++)
        if (!g->pg[i].anon && (prot & PROT_EXEC) &&
            !views[g->pg[i].view].exec)
            return;
    errno = 0;
    rc = DRY(mprotect(g->base + (size_t)s * P, (size_t)(e - s) * P, prot),
             0);
    out("%d mprotect %c+%d %d %s -> %s\n", n, reg_name(r), s, e - s,
           prot_name(prot), result(rc, errno));
    if (rc)
        return;
    for (i = s; i < e; i++) {
        g->pg[i].prot = (unsigned char)prot;
        if (prot != PROT_NONE)
            g->pg[i].committed = 1;
    }
}

static void op_msync(int n)
{
    static const int flags[] = {MS_ASYNC, MS_SYNC, MS_INVALIDATE,
                                MS_ASYNC | MS_INVALIDATE,
                                MS_SYNC | MS_INVALIDATE, MS_SYNC | MS_ASYNC};
    int r = pick_region(), s = 0, e = 0, rc, fl;
    int cls = pick_range(r, &s, &e);
    struct region *g = &reg[r];

    if (cls < 0)
        return;
    fl = flags[rnd((long)(sizeof flags / sizeof flags[0]))];
    errno = 0;
    rc = DRY(msync(g->base + (size_t)s * P, (size_t)(e - s) * P, fl), 0);
    out("%d msync %c+%d %d %d -> %s\n", n, reg_name(r), s, e - s, fl,
           result(rc, errno));
}

static void op_madvise(int n)
{
    static const int advice[] = {MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL,
                                 MADV_WILLNEED, MADV_DONTNEED,
                                 MADV_DONTNEED, 77};
    int r = pick_region(), s = 0, e = 0, rc, a, i, posix = chance(25);
    int cls = pick_range(r, &s, &e);
    struct region *g = &reg[r];

    if (cls < 0)
        return;
    a = advice[rnd((long)(sizeof advice / sizeof advice[0]))];
    if (a == 77 && !cls)
        return; /* Linux checks the advice first, then the range */
    if (posix && a == 77)
        a = MADV_WILLNEED;
    errno = 0;
    if (posix) {
        rc = posix_madvise(g->base + (size_t)s * P, (size_t)(e - s) * P, a);
        out("%d posix_madvise %c+%d %d %d -> %s\n", n, reg_name(r), s,
               e - s, a, rc ? errname(rc) : "ok");
        return;
    }
    rc = DRY(madvise(g->base + (size_t)s * P, (size_t)(e - s) * P, a), 0);
    out("%d madvise %c+%d %d %d -> %s\n", n, reg_name(r), s, e - s, a,
           result(rc, errno));
    if (rc || a != MADV_DONTNEED)
        return;
    for (i = s; i < e; i++)
        if (g->pg[i].st == MAPPED && !g->pg[i].anon && !g->pg[i].shared) {
            g->pg[i].cow = 0;
            g->pg[i].frozen = 1;
        }
}

static void fill(unsigned char *buf, size_t n)
{
    size_t i;
    uint64_t x = rnd64();

    for (i = 0; i < n; i++) {
        if (i % 8 == 0)
            x = rnd64();
        buf[i] = (unsigned char)(x >> (i % 8 * 8));
    }
}

static void op_store(int n)
{
    int r = pick_region(), i, tries;
    struct region *g = &reg[r];
    unsigned char buf[256];
    long at, len;
    char *p;

    for (tries = 0; tries < 8; tries++) {
        i = (int)rnd(g->npages);
        if (g->pg[i].st == MAPPED && (g->pg[i].prot & PROT_WRITE))
            break;
    }
    at = rnd((long)P);
    len = 1 + rnd(sizeof buf);
    if (at + len > (long)P)
        len = (long)P - at;
    if (g->pg[i].st == MAPPED && !g->pg[i].anon && g->pg[i].shared &&
        (obj_frozen(g->pg[i].obj, g->pg[i].fpage * (long)P + at,
                    g->pg[i].fpage * (long)P + at + len) ||
         g->pg[i].fpage * (long)P + at + len > objs[g->pg[i].obj].size))
        return;
    p = g->base + (size_t)i * P + at;
    fill(buf, (size_t)len);
    if (mt_write_faults(p)) {
        out("%d store %c+%d.%ld %ld -> fault\n", n, reg_name(r), i, at,
               len);
        return;
    }
    memcpy(p, buf, (size_t)len);
    out("%d store %c+%d.%ld %ld -> ok\n", n, reg_name(r), i, at, len);
    if (g->pg[i].st == MAPPED && !g->pg[i].anon && !g->pg[i].shared) {
        g->pg[i].cow = 1;
        g->pg[i].frozen = 0;
    }
}

static void op_write(int n)
{
    int f = pick_fd(), o = fdobj[f];
    unsigned char buf[3 * 4096];
    long off, len, old;
    ssize_t got;
    int e;

    if (fds[f] < 0)
        return;
    off = rnd(MAXFILE * (long)P);
    if (chance(50))
        off -= off % (long)P;
    len = 1 + rnd(chance(50) ? 64 : 2 * (long)P);
    if (obj_frozen(o, off, off + len))
        return;
    fill(buf, (size_t)len);
    errno = 0;
    got = -1;
    if (lseek(fds[f], (off_t)off, SEEK_SET) == (off_t)off)
        got = write(fds[f], buf, (size_t)len);
    e = errno;
    out("%d write fd%d %ld %ld -> %ld%s%s\n", n, f, off, len, (long)got,
           got < 0 ? " " : "", got < 0 ? errname(e) : "");
    old = objs[o].size;
    if (got > 0 && off + got > old) {
        objs[o].size = off + (long)got;
        obj_grew(o, old);
    }
}

static void op_read(int n)
{
    int f = pick_fd();
    unsigned char buf[3 * 4096];
    long off, len;
    ssize_t got = -1;
    int e;

    if (fds[f] < 0)
        return;
    off = rnd((MAXFILE + 1) * (long)P);
    len = 1 + rnd(2 * (long)P);
    errno = 0;
    if (lseek(fds[f], (off_t)off, SEEK_SET) == (off_t)off)
        got = read(fds[f], buf, (size_t)len);
    e = errno;
    out("%d read fd%d %ld %ld -> %ld", n, f, off, len, (long)got);
    if (got < 0)
        printf(" %s\n", errname(e));
    else
        printf(" %08lx\n",
               (unsigned long)hash_bytes(2166136261u, buf, (size_t)got));
}

static void op_ftruncate(int n)
{
    int f = pick_fd(), o = fdobj[f], rc;
    long size = rnd(MAXFILE + 1) * (long)P, old = objs[o].size;

    if (fds[f] < 0)
        return;
    if (chance(40) && size)
        size -= rnd((long)P);
    if (size < old && obj_mapped(o))
        return;
    errno = 0;
    rc = ftruncate(fds[f], (off_t)size);
    out("%d ftruncate fd%d %ld -> %s\n", n, f, size, result(rc, errno));
    if (rc)
        return;
    objs[o].size = size;
    if (size > old)
        obj_grew(o, old);
}

static int new_obj(void)
{
    if (nobjs == NOBJ) {
        fprintf(stderr, "fuzz: out of objects\n");
        exit(2);
    }
    objs[nobjs].size = 0;
    return nobjs++;
}

static void op_shm_unlink(int n)
{
    int rc;

    errno = 0;
    rc = shm_unlink(shm_name);
    out("%d shm_unlink -> %s\n", n, result(rc, errno));
    if (!rc)
        shm_named = 0;
}

static void op_shm_open(int n)
{
    static const int modes[] = {O_RDWR | O_CREAT, O_RDWR | O_CREAT | O_EXCL,
                                O_RDWR, O_RDWR | O_CREAT | O_TRUNC,
                                O_RDWR | O_TRUNC};
    int m = modes[rnd((long)(sizeof modes / sizeof modes[0]))], fd, o;
    int same = fdobj[2];

    /* the name leads to the current object while it is named */
    if ((m & O_TRUNC) && shm_named && obj_mapped(same))
        return;
    errno = 0;
    fd = shm_open(shm_name, m, 0600);
    out("%d shm_open%s%s%s -> %s\n", n, m & O_CREAT ? " creat" : "",
           m & O_EXCL ? " excl" : "", m & O_TRUNC ? " trunc" : "",
           result(fd < 0 ? -1 : 0, errno));
    if (fd < 0)
        return;
    if (shm_named) {
        o = same;
        if (m & O_TRUNC) {
            objs[o].size = 0;
        }
    } else {
        o = new_obj();
        shm_named = 1;
    }
    if (fds[2] >= 0)
        close(fds[2]);
    fds[2] = fd;
    fdobj[2] = o;
}

static void op_bad(int n)
{
    void *p;
    int rc, which = (int)rnd(5);
    char *w = reg[0].base;

    errno = 0;
    switch (which) {
    case 0:
        p = mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        out("%d mmap len=0 -> %s\n", n,
               p == MAP_FAILED ? result(-1, errno) : "ok");
        if (p != MAP_FAILED)
            munmap(p, P);
        break;
    case 1:
        p = mmap(NULL, P, PROT_READ, MAP_PRIVATE, fds[0], 100);
        out("%d mmap off=100 -> %s\n", n,
               p == MAP_FAILED ? result(-1, errno) : "ok");
        if (p != MAP_FAILED)
            munmap(p, P);
        break;
    case 2:
        p = mmap(NULL, P, PROT_READ, MAP_PRIVATE, -1, 0);
        out("%d mmap fd=-1 -> %s\n", n,
               p == MAP_FAILED ? result(-1, errno) : "ok");
        if (p != MAP_FAILED)
            munmap(p, P);
        break;
    case 3:
        rc = munmap(w + 1 + rnd(WPAGES) * (long)P, P);
        out("%d munmap unaligned -> %s\n", n, result(rc, errno));
        break;
    default:
        rc = mprotect(w + 1 + rnd(WPAGES) * (long)P, P, PROT_READ);
        out("%d mprotect unaligned -> %s\n", n, result(rc, errno));
        break;
    }
}

/* ---- a seed ---- */

static char *reserve(size_t pages, char *hint)
{
    size_t span = (pages + BLOCK) * P;
    char *p, *a;

    p = mmap(hint, pages * P, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    if ((uintptr_t)p % (BLOCK * P) == 0)
        return p;
    munmap(p, pages * P);
    p = mmap(hint, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    a = (char *)(((uintptr_t)p + BLOCK * P - 1) & ~(uintptr_t)(BLOCK * P - 1));
    if (a > p)
        munmap(p, (size_t)(a - p));
    munmap(a + pages * P, (size_t)(p + span - (a + pages * P)));
    return a;
}

static void run_seed(unsigned seed, int nops)
{
    int i, f, n;

    rng_state = 0x5eed0000ULL + seed * 0x100000001ULL;
    memset(reg, 0, sizeof reg);
    nviews = 0;
    nobjs = 0;
    last_state[0] = 0;
    printf("seed %u\n", seed);

    reg[0].base = reserve(WPAGES, (char *)(uintptr_t)0x200000000000ULL);
    slot_area = reserve(NSLOT * SLOT_SPAN,
                        (char *)(uintptr_t)0x200000400000ULL);
    if (!reg[0].base || !slot_area) {
        fprintf(stderr, "fuzz: cannot reserve the window\n");
        exit(2);
    }
    munmap(slot_area, NSLOT * SLOT_SPAN * P);
    reg[0].npages = WPAGES;
    model_map(0, 0, WPAGES, 1, 0, PROT_NONE, new_view(1, 0, 0, -1, 0), -1,
              0);

    for (f = 0; f < 2; f++) {
        long size = rnd(MAXFILE + 1) * (long)P - (chance(40) ? rnd(100) : 0);
        unsigned char buf[4096];
        long done = 0;

        if (size < 0)
            size = 0;
        fds[f] = open(paths[f], O_RDWR | O_CREAT | O_TRUNC | O_BINARY,
                      0600);
        if (fds[f] < 0) {
            perror(paths[f]);
            exit(2);
        }
        while (done < size) {
            long k = size - done < 4096 ? size - done : 4096;

            fill(buf, (size_t)k);
            if (write(fds[f], buf, (size_t)k) != k) {
                perror("write");
                exit(2);
            }
            done += k;
        }
        fdobj[f] = new_obj();
        objs[fdobj[f]].size = size;
        printf("file fd%d %ld\n", f, size);
    }
    shm_unlink(shm_name);
    fds[2] = shm_open(shm_name, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fds[2] < 0) {
        perror("shm_open");
        exit(2);
    }
    shm_named = 1;
    fdobj[2] = new_obj();

    print_state(1);
    for (n = 1; n <= nops; n++) {
        int tries;

        for (tries = 0; tries < 100; tries++) {
            long k = rnd(100);

            emitted = 0;
            dry = !keep_op(n);
            if (k < 18)
                op_mmap_fixed(n);
            else if (k < 26)
                op_mmap_slot(n);
            else if (k < 36)
                op_munmap(n);
            else if (k < 46)
                op_mprotect(n);
            else if (k < 51)
                op_msync(n);
            else if (k < 58)
                op_madvise(n);
            else if (k < 72)
                op_store(n);
            else if (k < 80)
                op_write(n);
            else if (k < 85)
                op_read(n);
            else if (k < 92)
                op_ftruncate(n);
            else if (k < 94)
                op_shm_unlink(n);
            else if (k < 97)
                op_shm_open(n);
            else
                op_bad(n);
            if (emitted)
                break;
        }
        if (!emitted)
            printf("%d nothing\n", n);
        dry = 0;
        collect_views();
        print_state(n % 20 == 0 || n == nops);
    }

    for (i = 1; i < NREG; i++)
        if (reg[i].npages)
            munmap(reg[i].base, (size_t)reg[i].npages * P);
    munmap(reg[0].base, WPAGES * P);
    for (f = 0; f < NFD; f++)
        if (fds[f] >= 0)
            close(fds[f]);
    for (f = 0; f < 2; f++)
        unlink(paths[f]);
    shm_unlink(shm_name);
}

int main(int argc, char **argv)
{
    unsigned first, count, i;
    int nops, exec_probe;
    const char *tmp;
    long pid;

    if (argc == 2 && strcmp(argv[1], "--exclusions") == 0) {
        for (i = 0; i < sizeof exclusions / sizeof exclusions[0]; i++)
            printf("excluded: %s\n", exclusions[i]);
        return 0;
    }
    exec_probe = argc == 2 && strcmp(argv[1], "--can-exec") == 0;
    if (argc < 4 && !exec_probe) {
        fprintf(stderr, "usage: fuzz FIRST COUNT OPS [-v] | --exclusions"
                        " | --can-exec\n");
        return 2;
    }
    first = exec_probe ? 0 : (unsigned)strtoul(argv[1], NULL, 10);
    count = exec_probe ? 0 : (unsigned)strtoul(argv[2], NULL, 10);
    nops = exec_probe ? 0 : atoi(argv[3]);
    verbose = argc > 4 && strcmp(argv[4], "-v") == 0;
    P = mt_page();
    if (P != 4096) {
        fprintf(stderr, "fuzz: the page size is %lu, not 4096\n",
                (unsigned long)P);
        return 2;
    }
#ifdef _WIN32
    tmp = getenv("TEMP");
    if (!tmp)
        tmp = getenv("TMP");
    pid = (long)_getpid();
#else
    tmp = getenv("TMPDIR");
    pid = (long)getpid();
#endif
    if (!tmp || !*tmp)
        tmp = "/tmp";
    /* a pid may be used again (Wine's are small): find a free name */
    for (i = 0;; i++) {
        snprintf(dir, sizeof dir, "%s/mman-fuzz-%ld-%u", tmp, pid, i);
#ifdef _WIN32
        if (_mkdir(dir) == 0)
#else
        if (mkdir(dir, 0700) == 0)
#endif
            break;
        if (errno != EEXIST || i == 1000) {
            perror(dir);
            return 2;
        }
    }
    snprintf(paths[0], sizeof paths[0], "%s/a", dir);
    snprintf(paths[1], sizeof paths[1], "%s/b", dir);
    snprintf(shm_name, sizeof shm_name, "/mman-fuzz-%ld", pid);
#ifdef _WIN32
    _setmode(_fileno(stdout), _O_BINARY); /* no \r before \n */
#endif
    if (exec_probe) {
        i = (unsigned)can_exec();
        rmdir(dir);
        return i ? 0 : 1;
    }
    no_exec = getenv("FUZZ_NO_EXEC") && *getenv("FUZZ_NO_EXEC");
    anonymous_only =
        getenv("FUZZ_ANONYMOUS_ONLY") && *getenv("FUZZ_ANONYMOUS_ONLY");
    setvbuf(stdout, NULL, verbose ? _IONBF : _IOFBF, 1 << 16);
    for (i = 0; i < count; i++)
        run_seed(first + i, nops);
    rmdir(dir);
    printf("fuzz: %u seeds x %d operations\n", count, nops);
    return 0;
}
