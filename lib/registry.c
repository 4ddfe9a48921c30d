/* The registry of mappings: two AVL trees of address ranges, one of
 * fragments and one of views, under one SRW lock. Lookup is O(log n);
 * memory is one node a fragment or view, whatever the number of pages. */
#include "internal.h"

#include <stdlib.h>

static struct mman_node *fragments, *views;
static size_t fragment_count, view_count;

static volatile DWORD owner; /* thread holding the lock, or 0 */

#ifdef MMAN_CE
/* CE has no SRW locks: a critical section, made by mman__init, which
 * every entry point runs before it takes the lock. */
static CRITICAL_SECTION lock;

void mman__registry_init(void)
{
    InitializeCriticalSection(&lock);
}

static void acquire(void)
{
    EnterCriticalSection(&lock);
}

static void release(void)
{
    LeaveCriticalSection(&lock);
}
#else
static SRWLOCK lock = SRWLOCK_INIT;

static void acquire(void)
{
    AcquireSRWLockExclusive(&lock);
}

static void release(void)
{
    ReleaseSRWLockExclusive(&lock);
}
#endif

void mman__lock(void)
{
    acquire();
    owner = GetCurrentThreadId();
}

void mman__unlock(void)
{
    owner = 0;
    release();
}

int mman__lock_is_mine(void)
{
    return owner == GetCurrentThreadId();
}

static int height(const struct mman_node *n)
{
    return n ? n->height : 0;
}

static void update(struct mman_node *n)
{
    int l = height(n->left), r = height(n->right);

    n->height = 1 + (l > r ? l : r);
}

static struct mman_node *rotate_right(struct mman_node *n)
{
    struct mman_node *l = n->left;

    n->left = l->right;
    l->right = n;
    update(n);
    update(l);
    return l;
}

static struct mman_node *rotate_left(struct mman_node *n)
{
    struct mman_node *r = n->right;

    n->right = r->left;
    r->left = n;
    update(n);
    update(r);
    return r;
}

static struct mman_node *balance(struct mman_node *n)
{
    int diff;

    update(n);
    diff = height(n->left) - height(n->right);
    if (diff > 1) {
        if (height(n->left->left) < height(n->left->right))
            n->left = rotate_left(n->left);
        return rotate_right(n);
    }
    if (diff < -1) {
        if (height(n->right->right) < height(n->right->left))
            n->right = rotate_right(n->right);
        return rotate_left(n);
    }
    return n;
}

static struct mman_node *insert_node(struct mman_node *n,
                                     struct mman_node *add)
{
    if (!n) {
        add->left = add->right = NULL;
        add->height = 1;
        return add;
    }
    if (add->start < n->start)
        n->left = insert_node(n->left, add);
    else
        n->right = insert_node(n->right, add);
    return balance(n);
}

static struct mman_node *detach_min(struct mman_node *n,
                                    struct mman_node **min)
{
    if (!n->left) {
        *min = n;
        return n->right;
    }
    n->left = detach_min(n->left, min);
    return balance(n);
}

static struct mman_node *remove_node(struct mman_node *n,
                                     const struct mman_node *gone)
{
    struct mman_node *min;

    if (gone->start < n->start) {
        n->left = remove_node(n->left, gone);
    } else if (gone->start > n->start) {
        n->right = remove_node(n->right, gone);
    } else {
        if (!n->right)
            return n->left;
        n->right = detach_min(n->right, &min);
        min->left = n->left;
        min->right = n->right;
        n = min;
    }
    return balance(n);
}

static struct mman_node *ending_after(struct mman_node *n, const void *addr)
{
    struct mman_node *best = NULL;

    while (n) {
        if (n->end > (const char *)addr) {
            best = n;
            n = n->left;
        } else {
            n = n->right;
        }
    }
    return best;
}

struct mman_fragment *mman__first_ending_after(const void *addr)
{
    return MMAN_FRAGMENT(ending_after(fragments, addr));
}

struct mman_fragment *mman__find(const void *addr)
{
    struct mman_fragment *f = mman__first_ending_after(addr);

    return f && f->node.start <= (const char *)addr ? f : NULL;
}

struct mman_fragment *mman__next(const struct mman_fragment *f)
{
    return mman__first_ending_after(f->node.end);
}

struct mman_fragment *mman__next_before(const struct mman_fragment *f,
                                        const char *end)
{
    struct mman_fragment *next;

    if (f->node.end >= end)
        return NULL;
    next = mman__next(f);
    return next && next->node.start < end ? next : NULL;
}

struct mman_view *mman__view_ending_after(const void *addr)
{
    return MMAN_VIEW(ending_after(views, addr));
}

struct mman_view *mman__view_at(const void *addr)
{
    struct mman_view *v = mman__view_ending_after(addr);

    return v && v->node.start <= (const char *)addr ? v : NULL;
}

/* Fragments given back, kept for the next ones: mprotect of part of a
 * mapping splits and merges fragments call after call, and a trip to
 * the heap each time costs more than the rest of the registry's work. */
#define SPARE_FRAGMENTS 16
static struct mman_fragment *spare[SPARE_FRAGMENTS];
static int spares;

static struct mman_fragment *fragment_new(void)
{
    return spares ? spare[--spares] : malloc(sizeof(struct mman_fragment));
}

static void fragment_free(struct mman_fragment *f)
{
    if (spares < SPARE_FRAGMENTS)
        spare[spares++] = f;
    else
        free(f);
}

struct mman_fragment *mman__insert(char *start, char *end, int prot,
                                   struct mman_view *view)
{
    struct mman_fragment *f = fragment_new();

    if (!f)
        return NULL;
    f->node.start = start;
    f->node.end = end;
    f->prot = prot;
    f->locked = 0;
    f->shared = view->shared;
    f->view = view;
    fragments = insert_node(fragments, &f->node);
    view->fragments++;
    fragment_count++;
    return f;
}

void mman__remove(struct mman_fragment *f)
{
    fragments = remove_node(fragments, &f->node);
    f->view->fragments--;
    fragment_count--;
    fragment_free(f);
}

struct mman_fragment *mman__split(struct mman_fragment *f, char *addr)
{
    char *end = f->node.end;
    struct mman_fragment *high;

    f->node.end = addr;
    high = mman__insert(addr, end, f->prot, f->view);
    if (!high)
        f->node.end = end;
    else {
        high->locked = f->locked;
        high->shared = f->shared;
    }
    return high;
}

int mman__split_at(char *addr)
{
    struct mman_fragment *f = mman__find(addr);

    return f && f->node.start < addr && !mman__split(f, addr) ? ENOMEM : 0;
}

int mman__split_around(char *start, char *end)
{
    int err = mman__split_at(start);

    return err ? err : mman__split_at(end);
}

/* Joins the fragment that ends at addr with the one that starts there
 * when nothing tells them apart. */
static void merge_at(char *addr)
{
    struct mman_fragment *high = mman__find(addr), *low;

    /* nothing of high's view lies below its view's start */
    if (!high || high->node.start != addr ||
        high->node.start == high->view->node.start)
        return;
    low = mman__find(addr - 1);
    if (!low || low->node.end != addr || low->view != high->view ||
        low->prot != high->prot || low->locked != high->locked ||
        low->shared != high->shared)
        return;
    low->node.end = high->node.end; /* no fragment in between: order kept */
    mman__remove(high);
}

void mman__merge_around(char *start, char *end)
{
    merge_at(start);
    merge_at(end);
}

struct mman_view *mman__view_new(enum mman_view_kind kind, char *start,
                                 size_t span)
{
    struct mman_view *v = calloc(1, sizeof *v);

    if (!v)
        return NULL;
    v->kind = kind;
    v->node.start = start;
    v->node.end = start + span;
    views = insert_node(views, &v->node);
    view_count++;
    return v;
}

void mman__view_forget(struct mman_view *view)
{
    views = remove_node(views, &view->node);
    view_count--;
    free(view);
}

size_t mman__fragment_count(void)
{
    return fragment_count;
}

size_t mman__view_count(void)
{
    return view_count;
}
