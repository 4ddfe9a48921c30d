/* Threads mapping and unmapping at the same time: each on its own
 * mappings, then each in its own quarter of one shared region. */
#define _GNU_SOURCE 1
#include "mt.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define THREADS 4
#define OWN_ROUNDS 4500   /* phase 1, per thread: 6 calls a round */
#define QUARTER_STEPS 4000 /* phase 2, per thread: 1 call a step */
#define QUARTER_PAGES 32  /* 128 KiB: whole 64 KiB blocks on Windows */
#define MIN_CALLS 100000
#define DEAD 0xffffffffu

/* Faults and failures cannot be reported with ck_assert from a thread
 * (the runner is not there to catch it): a worker records the first one
 * and stops. */
struct worker {
    pthread_t thread;
    unsigned id;
    uint32_t rng;
    char *quarter;      /* phase 2 */
    unsigned long calls;
    char error[160];
};

#define CHECK(w, cond)                                                     \
    do {                                                                   \
        if (!(cond)) {                                                     \
            snprintf((w)->error, sizeof (w)->error,                        \
                     "thread %u, line %d: %s", (w)->id, __LINE__, #cond);  \
            return 0;                                                      \
        }                                                                  \
    } while (0)

static size_t pg;

static uint32_t next(struct worker *w)
{
    return mt_random(&w->rng);
}

/* A number in [lo, hi]. */
static size_t pick(struct worker *w, size_t lo, size_t hi)
{
    return mt_random_in(&w->rng, (uint32_t)lo, (uint32_t)hi);
}

/* A page holds tag in its first word and ~tag in its last. */
static void put_tag(char *page, uint32_t tag)
{
    uint32_t inv = ~tag;

    memcpy(page, &tag, sizeof tag);
    memcpy(page + pg - sizeof inv, &inv, sizeof inv);
}

static int has_tag(char *page, uint32_t tag)
{
    uint32_t a, b;

    if (mt_read_faults(page) || mt_read_faults(page + pg - 1))
        return 0;
    memcpy(&a, page, sizeof a);
    memcpy(&b, page + pg - sizeof b, sizeof b);
    return a == tag && b == ~tag;
}

static int has_zero(char *page)
{
    uint32_t a, b;

    if (mt_read_faults(page) || mt_read_faults(page + pg - 1))
        return 0;
    memcpy(&a, page, sizeof a);
    memcpy(&b, page + pg - sizeof b, sizeof b);
    return a == 0 && b == 0;
}

static uint32_t own_tag(const struct worker *w, unsigned round, size_t page)
{
    return (uint32_t)(w->id + 1) << 28 | (uint32_t)round << 8 |
           (uint32_t)page;
}

/* Phase 1, one round: map n pages, tag them, cut off head, tail and a
 * hole in the middle in a random order, checking the rest after each
 * cut, then unmap the two pieces left. Pages given back are not probed:
 * another thread may have been given them already. */
static int own_round(struct worker *w, unsigned round)
{
    static const unsigned char orders[6][3] = {
        {0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0},
    };
    size_t n = pick(w, 5, 32), head, tail, hole, hole_len, i, c;
    size_t cut[3][2];
    unsigned order = (unsigned)pick(w, 0, 5);
    unsigned char live[32];
    char *p = mmap(NULL, n * pg, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    w->calls++;
    CHECK(w, p != MAP_FAILED);
    for (i = 0; i < n; i++) {
        CHECK(w, has_zero(p + i * pg));
        put_tag(p + i * pg, own_tag(w, round, i));
        live[i] = 1;
    }
    head = pick(w, 1, n / 4);
    tail = pick(w, 1, n / 4);
    hole = pick(w, head + 1, n - tail - 2);
    hole_len = pick(w, 1, n - tail - 1 - hole);
    cut[0][0] = 0;
    cut[0][1] = head;
    cut[1][0] = n - tail;
    cut[1][1] = tail;
    cut[2][0] = hole;
    cut[2][1] = hole_len;
    for (c = 0; c < 3; c++) {
        size_t k = orders[order][c];

        CHECK(w, munmap(p + cut[k][0] * pg, cut[k][1] * pg) == 0);
        w->calls++;
        for (i = 0; i < cut[k][1]; i++)
            live[cut[k][0] + i] = 0;
        for (i = 0; i < n; i++)
            if (live[i])
                CHECK(w, has_tag(p + i * pg, own_tag(w, round, i)));
    }
    CHECK(w, munmap(p + head * pg, (hole - head) * pg) == 0);
    CHECK(w, munmap(p + (hole + hole_len) * pg,
                    (n - tail - hole - hole_len) * pg) == 0);
    w->calls += 2;
    return 1;
}

static void *own_mappings(void *arg)
{
    struct worker *w = arg;
    unsigned round;

    for (round = 0; round < OWN_ROUNDS; round++)
        if (!own_round(w, round))
            break;
    return NULL;
}

/* Whether the quarter is what state says: dead pages fault, live ones
 * hold their tag (0: a fresh zero page). */
static int quarter_is(struct worker *w, const uint32_t *state, size_t from,
                      size_t to)
{
    size_t i;
    char *q = w->quarter;

    for (i = from; i < to; i++) {
        if (state[i] == DEAD)
            CHECK(w, mt_read_faults(q + i * pg) &&
                         mt_write_faults(q + i * pg + pg - 1));
        else
            CHECK(w, has_tag(q + i * pg, state[i]) &&
                         !mt_write_faults(q + i * pg));
    }
    return 1;
}

/* Phase 2: in its own quarter of a shared region, a thread replaces
 * pages with MAP_FIXED and unmaps pages, and checks the quarter against
 * what it did. Page 0 of each quarter stays: on Windows the region is
 * one reservation, given back when its last page goes, and a fresh one
 * could not be made inside a 64 KiB block another one holds. */
static void *own_quarter(void *arg)
{
    struct worker *w = arg;
    uint32_t state[QUARTER_PAGES], tag;
    size_t step, s, len, i;
    char *q = w->quarter, *p;

    for (i = 0; i < QUARTER_PAGES; i++) {
        state[i] = (uint32_t)(w->id + 1) << 28 | (uint32_t)i;
        put_tag(q + i * pg, state[i]);
    }
    for (step = 0; step < QUARTER_STEPS; step++) {
        s = pick(w, 1, QUARTER_PAGES - 1);
        len = pick(w, 1, QUARTER_PAGES - s < 4 ? QUARTER_PAGES - s : 4);
        if (next(w) % 2) {
            p = mmap(q + s * pg, len * pg, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
            CHECK(w, p == q + s * pg);
            for (i = s; i < s + len; i++) {
                CHECK(w, has_zero(q + i * pg));
                tag = (uint32_t)(w->id + 1) << 28 | (uint32_t)step << 8 |
                      (uint32_t)i;
                put_tag(q + i * pg, tag);
                state[i] = tag;
            }
        } else {
            CHECK(w, munmap(q + s * pg, len * pg) == 0);
            for (i = s; i < s + len; i++)
                state[i] = DEAD;
        }
        w->calls++;
        if (!quarter_is(w, state, s > 0 ? s - 1 : 0,
                        s + len < QUARTER_PAGES ? s + len + 1 : s + len))
            return NULL;
        if (step % 64 == 63 && !quarter_is(w, state, 0, QUARTER_PAGES))
            return NULL;
    }
    quarter_is(w, state, 0, QUARTER_PAGES);
    return NULL;
}

static unsigned long run(struct worker *w, void *(*fn)(void *))
{
    unsigned long calls = 0;
    unsigned t;

    for (t = 0; t < THREADS; t++)
        ck_assert_int_eq(pthread_create(&w[t].thread, NULL, fn, &w[t]), 0);
    for (t = 0; t < THREADS; t++)
        ck_assert_int_eq(pthread_join(w[t].thread, NULL), 0);
    for (t = 0; t < THREADS; t++) {
        ck_assert_msg(w[t].error[0] == '\0', "%s", w[t].error);
        calls += w[t].calls;
    }
    return calls;
}

START_TEST(threads_map_and_unmap_together)
{
    struct worker w[THREADS];
    size_t len;
    unsigned long calls;
    unsigned t;
    char *region;

    pg = mt_page();
    memset(w, 0, sizeof w);
    for (t = 0; t < THREADS; t++) {
        w[t].id = t;
        w[t].rng = 0x9e3779b9u * (t + 1);
    }
    calls = run(w, own_mappings);
    ck_assert_uint_eq(calls, THREADS * OWN_ROUNDS * 6ul);

    len = THREADS * QUARTER_PAGES * pg;
    region = mmap(NULL, len, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(region, MAP_FAILED);
    for (t = 0; t < THREADS; t++) {
        w[t].quarter = region + t * QUARTER_PAGES * pg;
        w[t].calls = 0;
    }
    calls += run(w, own_quarter);
    ck_assert_uint_ge(calls, MIN_CALLS);
    ck_assert_int_eq(munmap(region, len), 0);
    ck_assert(mt_read_faults(region + pg));
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("threads");
    TCase *tc = tcase_create("threads");

    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, threads_map_and_unmap_together);
    suite_add_tcase(s, tc);
    return mt_main(argc, argv, s);
}
