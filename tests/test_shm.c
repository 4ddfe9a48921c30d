/* Shared memory objects: shm_open and shm_unlink. Names, flags and errors
 * follow glibc (the oracle); objects live until unlinked and are shared
 * between processes. Every name holds this process's id and the time,
 * and every name made here is unlinked again at exit, so runs never
 * meet. */
#define _GNU_SOURCE 1
#include "mt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef _WIN32
#include <windows.h>
#include <process.h>
#endif

/* NAME_MAX of glibc and Linux; MinGW has no NAME_MAX. */
enum { MAXNAME = 255 };
#ifdef MMAN_CE
/* CE: a name's path in the store is at most MAX_PATH characters, so
 * names over about 107 bytes are ENAMETOOLONG; 100 bytes fit (README,
 * "Windows CE"). */
enum { CE_FITS = 100 };
#endif

/* ---- names ---- */

static char **made;
static size_t nmade;

static void unlink_made(void)
{
    size_t i;

    for (i = 0; i < nmade; i++) {
        shm_unlink(made[i]);
        free(made[i]);
    }
    free(made);
}

/* Remembers name so that it is unlinked at exit, even if a test fails
 * half-way; returns the stored copy. */
static const char *keep(const char *name)
{
    char **more;

    if (!made)
        atexit(unlink_made);
    more = realloc(made, (nmade + 1) * sizeof *more);
    if (!more)
        abort();
    made = more;
    made[nmade] = strdup(name);
    if (!made[nmade])
        abort();
    return made[nmade++];
}

/* This run's mark: the pid and the time, as Wine reuses pids from one
 * run to the next. */
static const char *run_id(void)
{
    static char buf[64];
    unsigned long long t;

    if (buf[0])
        return buf;
#ifdef _WIN32
    {
        LARGE_INTEGER now;

        QueryPerformanceCounter(&now);
        t = (unsigned long long)now.QuadPart ^ GetTickCount64();
    }
#else
    {
        struct timespec now;

        clock_gettime(CLOCK_REALTIME, &now);
        t = (unsigned long long)now.tv_sec * 1000000000u +
            (unsigned long long)now.tv_nsec;
    }
#endif
    snprintf(buf, sizeof buf, "%ld-%llx", (long)getpid(), t);
    return buf;
}

/* "/mt-shm-ID-" followed by suffix. */
static const char *nm(const char *suffix)
{
    char buf[600];

    snprintf(buf, sizeof buf, "/mt-shm-%s-%s", run_id(), suffix);
    return keep(buf);
}

/* 1 if name exists (it opens read-only), 0 if ENOENT, -1 otherwise. */
static int exists(const char *name)
{
    int fd = shm_open(name, O_RDONLY, 0);

    if (fd >= 0) {
        close(fd);
        return 1;
    }
    return errno == ENOENT ? 0 : -1;
}

/* Creates name (it must not exist) holding the bytes of s; 0 if done. */
static int create_with(const char *name, const char *s)
{
    size_t len = strlen(s);
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);

    if (fd < 0)
        return -1;
    if (write(fd, s, len) != (ssize_t)len) {
        close(fd);
        return -1;
    }
    return close(fd);
}

/* Whether name opens read-only and holds exactly the bytes of s. */
static int holds(const char *name, const char *s)
{
    char buf[512];
    size_t len = strlen(s);
    struct stat st;
    ssize_t n;
    int fd = shm_open(name, O_RDONLY, 0);

    if (fd < 0)
        return 0;
    if (fstat(fd, &st) != 0 || st.st_size != (off_t)len) {
        close(fd);
        return 0;
    }
    n = mt_pread(fd, buf, sizeof buf, 0);
    close(fd);
    return n == (ssize_t)len && memcmp(buf, s, len) == 0;
}

/* Creates every name with O_EXCL (so no two may be one object), each
 * holding its own text, reads each back by name, then unlinks each and
 * checks that it is gone. */
static void check_distinct(const char *const *names, size_t n)
{
    char text[64];
    size_t i;

    for (i = 0; i < n; i++) {
        keep(names[i]);
        snprintf(text, sizeof text, "object %u of %u", (unsigned)i,
                 (unsigned)n);
        ck_assert_msg(create_with(names[i], text) == 0,
                      "creating name %u: %s", (unsigned)i, strerror(errno));
    }
    for (i = 0; i < n; i++) {
        snprintf(text, sizeof text, "object %u of %u", (unsigned)i,
                 (unsigned)n);
        ck_assert_msg(holds(names[i], text), "name %u lost its data",
                      (unsigned)i);
    }
    for (i = 0; i < n; i++)
        ck_assert_msg(shm_unlink(names[i]) == 0, "unlinking name %u: %s",
                      (unsigned)i, strerror(errno));
    for (i = 0; i < n; i++)
        ck_assert_msg(exists(names[i]) == 0, "name %u still exists",
                      (unsigned)i);
}

#ifdef MMAN_CE
/* CE: name is too long for the store, whatever the call. */
static void ce_too_long(const char *name)
{
    mt_shm_name_fails(name, ENAMETOOLONG);
}
#endif

/* ---- names ---- */

START_TEST(leading_slashes_are_optional)
{
    const char *slash = nm("opt");
    char bare[300], two[300];

    snprintf(bare, sizeof bare, "%s", slash + 1);
    snprintf(two, sizeof two, "/%s", slash);
    ck_assert_int_eq(create_with(slash, "same object"), 0);
    /* glibc strips every leading '/': all three name one object */
    ck_assert(holds(bare, "same object"));
    ck_assert(holds(two, "same object"));
    ck_assert_int_eq(shm_open(bare, O_RDWR | O_CREAT | O_EXCL, 0600), -1);
    ck_assert_int_eq(errno, EEXIST);
    ck_assert_int_eq(shm_unlink(bare), 0);
    ck_assert_int_eq(exists(slash), 0);
    ck_assert_int_eq(shm_unlink(two), -1);
    ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(names_differing_in_case_are_distinct)
{
    const char *names[] = {nm("Foo"), nm("foo"), nm("FOO"), nm("fOo")};

    check_distinct(names, 4);
}
END_TEST

START_TEST(windows_forbidden_characters_are_ordinary)
{
    const char *names[] = {
        nm("a:b"), nm("a*b"), nm("a?b"), nm("a\"b"), nm("a<b"),
        nm("a>b"), nm("a|b"), nm("a\\b"), nm("ab"), nm("a_b"),
        nm("a%b"), nm("a%3Ab"), nm("a~b"), nm(":*?\"<>|\\"),
        nm("a\tb"), nm("a\nb"), nm("a\x01" "b"), nm("a\x7f" "b"),
    };

    check_distinct(names, sizeof names / sizeof *names);
}
END_TEST

START_TEST(trailing_dots_and_spaces_are_kept)
{
    /* the last three cannot hold our id; unlink what a crashed run may
     * have left */
    const char *names[] = {
        nm("x"), nm("x."), nm("x.."), nm("x..."), nm("x "), nm("x  "),
        nm("x. "), nm("x ."), nm(" x"), nm("x.txt"), nm("x.txt."),
        "/...", "/ ", "/. ",
    };
    size_t n = sizeof names / sizeof *names;

    shm_unlink(names[n - 3]);
    shm_unlink(names[n - 2]);
    shm_unlink(names[n - 1]);
    check_distinct(names, n);
}
END_TEST

START_TEST(windows_device_names_are_ordinary)
{
    /* The bare device names cannot hold our id; unlink what a crashed
     * run may have left. With an extension the names are still devices
     * on Windows ("NUL.txt" is NUL), and those do hold the id. */
    static const char *const bare[] = {
        "/CON", "/NUL", "/COM1", "/aux.txt", "/LPT1", "/PRN", "/nul",
        "/CONIN$", "/COM9",
    };
    const char *names[sizeof bare / sizeof *bare + 6];
    const char *id = run_id();
    char buf[128];
    size_t i, n = 0;

    for (i = 0; i < sizeof bare / sizeof *bare; i++) {
        shm_unlink(bare[i]);
        names[n++] = bare[i];
    }
    snprintf(buf, sizeof buf, "/CON.%s", id);
    names[n++] = keep(buf);
    snprintf(buf, sizeof buf, "/nul.%s", id);
    names[n++] = keep(buf);
    snprintf(buf, sizeof buf, "/AUX.%s.txt", id);
    names[n++] = keep(buf);
    snprintf(buf, sizeof buf, "/com1.%s", id);
    names[n++] = keep(buf);
    snprintf(buf, sizeof buf, "/LPT1 .%s", id);
    names[n++] = keep(buf);
    snprintf(buf, sizeof buf, "/PRN.%s:x", id);
    names[n++] = keep(buf);
    check_distinct(names, n);
}
END_TEST

START_TEST(high_bytes_are_ordinary)
{
    /* é in UTF-8 and in Latin-1, É in UTF-8, and bytes that are not
     * UTF-8 at all */
    const char *names[] = {
        nm("\xff\x80"), nm("\x80"), nm("\xff"), nm("\xc3\xa9"),
        nm("\xc3\x89"), nm("\xe9"), nm("\xc9"), nm("\xc3"),
        nm("\xed\xa0\x80"), nm("\xef\xbb\xbf"),
    };

    check_distinct(names, sizeof names / sizeof *names);
}
END_TEST

START_TEST(longest_names_hold_any_bytes)
{
    char a[MAXNAME + 2], b[MAXNAME + 2], tag[40];
    const char *names[3];
    size_t i, len, v = 1;

    /* '/' and MAXNAME bytes cycling through every byte but '/' and NUL,
     * ending with our id so that the name is ours */
    a[0] = '/';
    for (i = 1; i <= MAXNAME; i++) {
        if (v == '/')
            v++;
        a[i] = (char)v;
        v = v == 255 ? 1 : v + 1;
    }
    a[MAXNAME + 1] = '\0';
    len = (size_t)snprintf(tag, sizeof tag, "-mt-%s", run_id());
    memcpy(a + MAXNAME + 1 - len, tag, len);
    /* the same, but for the case of one letter */
    memcpy(b, a, sizeof b);
    ck_assert_ptr_nonnull(memchr(b, 'F', MAXNAME + 1));
    *(char *)memchr(b, 'F', MAXNAME + 1) = 'f';
    names[0] = keep(a);
    names[1] = keep(b);
    names[2] = keep(a + 1); /* no slash: still within NAME_MAX */
    ck_assert_uint_eq(strlen(names[0]), MAXNAME + 1);
#ifdef MMAN_CE
    /* CE: these are too long for the store (see CE_FITS); names of
     * CE_FITS bytes hold any bytes: every byte but '/' and NUL is in
     * one of four such names, and the rest is done with a and b cut
     * to CE_FITS bytes (README, "Windows CE"). */
    {
        char part[4][CE_FITS + 2];
        const char *parts[4];
        size_t w;

        for (i = 0; i < 3; i++)
            ce_too_long(names[i]);
        ck_assert_uint_ge(4 * (CE_FITS - len), 254);
        v = 1;
        for (w = 0; w < 4; w++) {
            part[w][0] = '/';
            for (i = 1; i <= CE_FITS - len; i++) {
                if (v == '/')
                    v++;
                part[w][i] = (char)v;
                v = v == 255 ? 1 : v + 1;
            }
            memcpy(part[w] + CE_FITS + 1 - len, tag, len);
            part[w][CE_FITS + 1] = '\0';
            parts[w] = part[w];
        }
        check_distinct(parts, 4);
        memcpy(a + CE_FITS + 1 - len, tag, len);
        a[CE_FITS + 1] = '\0';
        memcpy(b, a, sizeof b);
        ck_assert_ptr_nonnull(memchr(b, 'F', CE_FITS + 1));
        *(char *)memchr(b, 'F', CE_FITS + 1) = 'f';
        names[0] = keep(a);
        names[1] = keep(b);
        names[2] = keep(a + 1);
    }
#endif
    check_distinct(names, 2);
    ck_assert_int_eq(create_with(names[2], "no slash"), 0);
    ck_assert(holds(names[0], "no slash"));
    ck_assert_int_eq(shm_unlink(names[0]), 0);
    ck_assert_int_eq(exists(names[2]), 0);
}
END_TEST

START_TEST(bad_names_give_einval_and_create_nothing)
{
    /* glibc: empty after the leading slashes, or a '/' after them:
     * EINVAL, whatever oflag */
    const char *dir = nm("dir"), *leaf = nm("leaf"), *trail = nm("trail");
    const char *joined;
    char sub[300], slashed[300];
    const char *bad[] = {"", "/", "//", "/./x", sub, slashed};
    static const int oflags[] = {
        O_RDWR | O_CREAT, O_RDONLY | O_CREAT, O_RDWR | O_CREAT | O_EXCL,
        O_WRONLY | O_CREAT, O_RDWR, O_RDONLY, O_RDONLY | O_TRUNC,
    };
    size_t i, j;

    snprintf(sub, sizeof sub, "%s%s", dir, leaf);
    snprintf(slashed, sizeof slashed, "%s%s", dir, leaf + 1);
    joined = keep(slashed);
    snprintf(slashed, sizeof slashed, "%s/", trail);
    for (i = 0; i < sizeof bad / sizeof *bad; i++)
        for (j = 0; j < sizeof oflags / sizeof *oflags; j++) {
            errno = 0;
            ck_assert_msg(shm_open(bad[i], oflags[j], 0600) == -1,
                          "name %u oflag %#x opened", (unsigned)i,
                          (unsigned)oflags[j]);
            ck_assert_msg(errno == EINVAL, "name %u oflag %#x: %s",
                          (unsigned)i, (unsigned)oflags[j],
                          strerror(errno));
        }
    /* none of the parts came to exist */
    ck_assert_int_eq(exists(dir), 0);
    ck_assert_int_eq(exists(leaf), 0);
    ck_assert_int_eq(exists(joined), 0);
    ck_assert_int_eq(exists(trail), 0);
}
END_TEST

START_TEST(dot_names_are_refused_as_glibc)
{
    /* glibc opens "." and ".." in /dev/shm: a directory, so EINVAL
     * (its EISDIR, renamed) for write access, O_CREAT or O_TRUNC, and
     * EEXIST for O_CREAT|O_EXCL. (O_RDONLY alone opens /dev/shm itself
     * there; not asserted.) */
    static const char *const dots[] = {"/.", "/..", ".", "..", "//.."};
    static const int einval[] = {
        O_RDWR, O_WRONLY, O_RDONLY | O_CREAT, O_RDWR | O_CREAT,
        O_RDWR | O_TRUNC, O_RDONLY | O_TRUNC,
    };
    static const int eexist[] = {
        O_RDWR | O_CREAT | O_EXCL, O_RDONLY | O_CREAT | O_EXCL,
    };
    size_t i, j;

    for (i = 0; i < sizeof dots / sizeof *dots; i++) {
        for (j = 0; j < sizeof einval / sizeof *einval; j++) {
            errno = 0;
            ck_assert_msg(shm_open(dots[i], einval[j], 0600) == -1,
                          "%s oflag %#x opened", dots[i],
                          (unsigned)einval[j]);
            ck_assert_msg(errno == EINVAL, "%s oflag %#x: %s", dots[i],
                          (unsigned)einval[j], strerror(errno));
        }
        for (j = 0; j < sizeof eexist / sizeof *eexist; j++) {
            errno = 0;
            ck_assert_msg(shm_open(dots[i], eexist[j], 0600) == -1,
                          "%s oflag %#x opened", dots[i],
                          (unsigned)eexist[j]);
            ck_assert_msg(errno == EEXIST, "%s oflag %#x: %s", dots[i],
                          (unsigned)eexist[j], strerror(errno));
        }
    }
}
END_TEST

START_TEST(name_over_name_max_is_enametoolong)
{
    char name[MAXNAME + 3], kept[MAXNAME + 2];
    size_t len;

    /* "/" and 256 bytes, ending in our id */
    memset(name, 'n', sizeof name);
    name[0] = '/';
    name[MAXNAME + 2] = '\0';
    len = strlen(run_id());
    memcpy(name + MAXNAME + 2 - len, run_id(), len);
    keep(name);
    /* the same shortened to NAME_MAX */
    memcpy(kept, name, MAXNAME + 1);
    kept[MAXNAME + 1] = '\0';
    keep(kept);
#ifdef MMAN_CE
    /* CE: kept is too long for the store too (see CE_FITS), so what
     * must not come to exist is the name cut to CE_FITS bytes, ending
     * in our id (README, "Windows CE"). */
    ce_too_long(kept);
    memcpy(kept + CE_FITS + 1 - len, run_id(), len);
    kept[CE_FITS + 1] = '\0';
    keep(kept);
#endif
    errno = 0;
    ck_assert_int_eq(shm_open(name, O_RDWR | O_CREAT, 0600), -1);
    ck_assert_int_eq(errno, ENAMETOOLONG);
    errno = 0;
    ck_assert_int_eq(shm_open(name, O_RDONLY, 0), -1);
    ck_assert_int_eq(errno, ENAMETOOLONG);
    errno = 0;
    ck_assert_int_eq(shm_open(name + 1, O_RDWR | O_CREAT, 0600), -1);
    ck_assert_int_eq(errno, ENAMETOOLONG);
    errno = 0;
    ck_assert_int_eq(shm_unlink(name), -1);
    ck_assert_int_eq(errno, ENAMETOOLONG);
    ck_assert_int_eq(exists(kept), 0);
}
END_TEST

START_TEST(very_long_name_fails_and_creates_nothing)
{
    /* glibc gives ENAMETOOLONG up to 259 bytes and then, its buffer
     * full, EINVAL (and ENOENT from shm_unlink); either is accepted. */
    static char name[5002];
    char kept[MAXNAME + 2];
    size_t len = strlen(run_id());
    int e;

    memset(name, 'v', sizeof name - 1);
    name[0] = '/';
    name[sizeof name - 1] = '\0';
    memcpy(name + 1, run_id(), len);
    memcpy(kept, name, MAXNAME + 1);
    kept[MAXNAME + 1] = '\0';
    keep(kept);
#ifdef MMAN_CE
    /* CE: kept is too long for the store too (see CE_FITS), so what
     * must not come to exist is the name cut to CE_FITS bytes (README,
     * "Windows CE"). */
    ce_too_long(kept);
    kept[CE_FITS + 1] = '\0';
    keep(kept);
#endif
    errno = 0;
    ck_assert_int_eq(shm_open(name, O_RDWR | O_CREAT, 0600), -1);
    e = errno;
    ck_assert_msg(e == ENAMETOOLONG || e == EINVAL, "%s", strerror(e));
    errno = 0;
    ck_assert_int_eq(shm_unlink(name), -1);
    e = errno;
    ck_assert_msg(e == ENAMETOOLONG || e == ENOENT, "%s", strerror(e));
    ck_assert_int_eq(exists(kept), 0);
}
END_TEST

START_TEST(unlink_bad_names_errno_as_glibc)
{
    const char *dir = nm("udir"), *leaf = nm("uleaf");
    char sub[300], slashed[300];
    const char *enoent[] = {"", "/", "//", sub, slashed, "/./x", "x/"};
    const char *eisdir[] = {"/.", "/..", ".", "..", "//.."};
    size_t i;

    snprintf(sub, sizeof sub, "%s%s", dir, leaf);
    snprintf(slashed, sizeof slashed, "%s/", dir);
    /* a name glibc rejects: ENOENT */
    for (i = 0; i < sizeof enoent / sizeof *enoent; i++) {
        errno = 0;
        ck_assert_int_eq(shm_unlink(enoent[i]), -1);
        ck_assert_msg(errno == ENOENT, "name %u: %s", (unsigned)i,
                      strerror(errno));
    }
    /* "." and "..": glibc passes them on and unlink(2) says EISDIR */
    for (i = 0; i < sizeof eisdir / sizeof *eisdir; i++) {
        errno = 0;
        ck_assert_int_eq(shm_unlink(eisdir[i]), -1);
        ck_assert_msg(errno == EISDIR, "name %u: %s", (unsigned)i,
                      strerror(errno));
    }
}
END_TEST

/* ---- oflag and mode ---- */

START_TEST(missing_name_without_o_creat_is_enoent)
{
    const char *name = nm("missing");
    static const int oflags[] = {
        O_RDONLY, O_RDWR, O_WRONLY, O_RDWR | O_TRUNC, O_RDWR | O_EXCL,
        O_RDONLY | O_TRUNC,
    };
    size_t i;

    for (i = 0; i < sizeof oflags / sizeof *oflags; i++) {
        errno = 0;
        ck_assert_int_eq(shm_open(name, oflags[i], 0600), -1);
        ck_assert_msg(errno == ENOENT, "oflag %#x: %s",
                      (unsigned)oflags[i], strerror(errno));
    }
    ck_assert_int_eq(exists(name), 0);
}
END_TEST

START_TEST(new_object_is_empty_regular_file)
{
    const char *name = nm("new");
    struct stat st;
    char c;
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    ck_assert_uint_eq(st.st_mode & 0600, 0600);
    ck_assert_int_eq(st.st_size, 0);
    ck_assert_int_eq(read(fd, &c, 1), 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(shm_unlink(name), 0);
}
END_TEST

START_TEST(o_creat_opens_existing_unchanged)
{
    const char *name = nm("creat");
    struct stat st;
    int fd;

    ck_assert_int_eq(create_with(name, "kept"), 0);
    /* neither the data nor the mode change: the mode applies to a new
     * object only */
    fd = shm_open(name, O_RDWR | O_CREAT, 0444);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert_int_eq(st.st_size, 4);
    ck_assert_uint_eq(st.st_mode & 0200, 0200);
    ck_assert_int_eq(close(fd), 0);
    ck_assert(holds(name, "kept"));
    ck_assert_int_eq(shm_unlink(name), 0);
}
END_TEST

START_TEST(o_excl_on_existing_is_eexist)
{
    const char *name = nm("excl");
    static const int oflags[] = {
        O_RDWR | O_CREAT | O_EXCL, O_RDONLY | O_CREAT | O_EXCL,
        O_RDWR | O_CREAT | O_EXCL | O_TRUNC,
    };
    size_t i;

    ck_assert_int_eq(create_with(name, "first"), 0);
    for (i = 0; i < sizeof oflags / sizeof *oflags; i++) {
        errno = 0;
        ck_assert_int_eq(shm_open(name, oflags[i], 0600), -1);
        ck_assert_msg(errno == EEXIST, "oflag %#x: %s",
                      (unsigned)oflags[i], strerror(errno));
    }
    ck_assert(holds(name, "first"));
    ck_assert_int_eq(shm_unlink(name), 0);
}
END_TEST

START_TEST(o_excl_without_o_creat_is_ignored)
{
    const char *name = nm("exclonly");
    int fd;

    ck_assert_int_eq(create_with(name, "there"), 0);
    fd = shm_open(name, O_RDWR | O_EXCL, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert(holds(name, "there"));
    ck_assert_int_eq(shm_unlink(name), 0);
}
END_TEST

START_TEST(o_trunc_empties_existing)
{
    const char *name = nm("trunc");
    struct stat st;
    char c;
    int fd;

    ck_assert_int_eq(create_with(name, "to be dropped"), 0);
    fd = shm_open(name, O_RDWR | O_TRUNC, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert_int_eq(st.st_size, 0);
    ck_assert_int_eq(read(fd, &c, 1), 0);
    ck_assert_int_eq(write(fd, "ab", 2), 2);
    ck_assert_int_eq(close(fd), 0);
    ck_assert(holds(name, "ab"));
    /* with O_CREAT too */
    fd = shm_open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert(holds(name, ""));
    ck_assert_int_eq(shm_unlink(name), 0);
}
END_TEST

START_TEST(o_rdonly_o_trunc_truncates)
{
    /* POSIX leaves it undefined; glibc truncates, the fd stays
     * read-only */
    const char *name = nm("rdtrunc");
    struct stat st;
    int fd;

    ck_assert_int_eq(create_with(name, "to be dropped"), 0);
    fd = shm_open(name, O_RDONLY | O_TRUNC, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert_int_eq(st.st_size, 0);
    errno = 0;
    ck_assert_int_eq(write(fd, "x", 1), -1);
    ck_assert_int_eq(errno, EBADF);
    ck_assert_int_eq(close(fd), 0);
    ck_assert(holds(name, ""));
    ck_assert_int_eq(shm_unlink(name), 0);
}
END_TEST

START_TEST(o_wronly_gives_write_only_fd)
{
    /* POSIX leaves O_WRONLY undefined; glibc opens write-only */
    const char *name = nm("wronly");
    void *p;
    char c;
    int fd = shm_open(name, O_WRONLY | O_CREAT | O_EXCL, 0600);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "written", 7), 7);
    errno = 0;
    ck_assert_int_eq(mt_pread(fd, &c, 1, 0), -1);
    ck_assert_int_eq(errno, EBADF);
    errno = 0;
    p = mmap(NULL, mt_page(), PROT_READ, MAP_SHARED, fd, 0);
    ck_assert_ptr_eq(p, MAP_FAILED);
    ck_assert_int_eq(errno, EACCES);
    ck_assert_int_eq(close(fd), 0);
    ck_assert(holds(name, "written"));
    fd = shm_open(name, O_WRONLY, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "W", 1), 1);
    ck_assert_int_eq(close(fd), 0);
    ck_assert(holds(name, "Written"));
    ck_assert_int_eq(shm_unlink(name), 0);
}
END_TEST

START_TEST(unknown_oflag_bits_are_ignored)
{
    /* glibc hands oflag to open(2), which ignores bits it does not
     * know; 0x40000000 means nothing to Linux nor to the MS CRT */
    const char *name = nm("unknown");
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | 0x40000000, 0600);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "odd", 3), 3);
    ck_assert_int_eq(close(fd), 0);
    ck_assert(holds(name, "odd"));
    fd = shm_open(name, O_RDONLY | 0x40000000, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(shm_unlink(name), 0);
}
END_TEST

START_TEST(o_append_is_honoured)
{
    /* glibc hands O_APPEND to open(2): every write goes to the end */
    const char *name = nm("append");
    int fd;

    ck_assert_int_eq(create_with(name, "abc"), 0);
    fd = shm_open(name, O_RDWR | O_APPEND, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    ck_assert_int_eq(write(fd, "d", 1), 1);
    ck_assert_int_eq(close(fd), 0);
    ck_assert(holds(name, "abcd"));
    ck_assert_int_eq(shm_unlink(name), 0);
}
END_TEST

START_TEST(o_rdonly_fd_cannot_write)
{
    const char *name = nm("rdonly");
    size_t pg = mt_page();
    unsigned char *p;
    int fd, e;

    ck_assert_int_eq(create_with(name, "read me"), 0);
    fd = shm_open(name, O_RDONLY, 0);
    ck_assert_int_ge(fd, 0);
    errno = 0;
    ck_assert_int_eq(write(fd, "x", 1), -1);
    ck_assert_int_eq(errno, EBADF);
    /* POSIX: EBADF or EINVAL (glibc: EINVAL) */
    errno = 0;
    ck_assert_int_eq(ftruncate(fd, 100), -1);
    e = errno;
    ck_assert_msg(e == EINVAL || e == EBADF, "%s", strerror(e));
    errno = 0;
    p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_ptr_eq(p, MAP_FAILED);
    ck_assert_int_eq(errno, EACCES);
    p = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_mem_eq(p, "read me", 7);
    ck_assert(mt_write_faults(p));
    ck_assert_int_eq(munmap(p, pg), 0);
    /* a private copy may be written */
    p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    p[0] = 'R';
    ck_assert_int_eq(munmap(p, pg), 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert(holds(name, "read me"));
    ck_assert_int_eq(shm_unlink(name), 0);
}
END_TEST

START_TEST(mode_0444_makes_read_only_object)
{
    const char *name = nm("ro");
    struct stat st;
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0444);

    /* the creator's fd may write all the same */
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    ck_assert_uint_eq(st.st_mode & 0222, 0);
    ck_assert_uint_eq(st.st_mode & 0400, 0400);
    ck_assert_int_eq(write(fd, "frozen", 6), 6);
    ck_assert_int_eq(close(fd), 0);
    ck_assert(holds(name, "frozen"));
    /* and it can be unlinked like any other */
    ck_assert_int_eq(shm_unlink(name), 0);
    ck_assert_int_eq(exists(name), 0);
    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(shm_unlink(name), 0);
}
END_TEST

/* ---- the descriptor ---- */

START_TEST(fd_is_lowest_free)
{
    const char *name = nm("lowest");
    int a, b, c, d, e;

    a = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(a, 0);
    b = dup(a);
    c = dup(a);
    ck_assert_int_gt(b, a);
    ck_assert_int_gt(c, b);
    ck_assert_int_eq(close(b), 0);
    d = shm_open(name, O_RDWR, 0);
    ck_assert_int_eq(d, b);
    ck_assert_int_eq(close(a), 0);
    e = shm_open(name, O_RDONLY, 0);
    ck_assert_int_eq(e, a);
    ck_assert_int_eq(close(c), 0);
    ck_assert_int_eq(close(d), 0);
    ck_assert_int_eq(close(e), 0);
    ck_assert_int_eq(shm_unlink(name), 0);
}
END_TEST

/* Child "fds SHMFD OTHERFD": SHMFD must not be open here, OTHERFD (an
 * ordinary inheritable fd, to show that fds do get here) must be. */
static int child_fds(int argc, char **argv)
{
    struct stat st;
    int fd;

    if (argc < 2)
        return 2;
    fd = atoi(argv[0]);
    if (fstat(fd, &st) == 0)
        return 3;
    /* the errno from dup: Wine's msvcrt fstat leaves errno unset */
    errno = 0;
    if (dup(fd) != -1 || errno != EBADF)
        return 4;
    if (fstat(atoi(argv[1]), &st) != 0)
        return 5;
    return 0;
}

START_TEST(fd_is_not_inherited)
{
    const char *name = nm("cloexec");
    char sfd[16], sother[16];
    int fd, other;

    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    other = open(mt_path("inherited"), O_RDWR | O_CREAT, 0600);
    ck_assert_int_ge(other, 0);
    snprintf(sfd, sizeof sfd, "%d", fd);
    snprintf(sother, sizeof sother, "%d", other);
    ck_assert_int_eq(mt_run_child("fds", sfd, sother, NULL), 0);
    ck_assert_int_eq(close(other), 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(shm_unlink(name), 0);
}
END_TEST

START_TEST(fd_does_file_io)
{
    const char *name = nm("io");
    size_t pg = mt_page(), i;
    unsigned char buf[64], *p;
    struct stat st;
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)(3 * pg)), 0);
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert_int_eq(st.st_size, (off_t)(3 * pg));
    /* the new bytes are zero */
    ck_assert_int_eq(read(fd, buf, sizeof buf), (ssize_t)sizeof buf);
    for (i = 0; i < sizeof buf; i++)
        ck_assert_uint_eq(buf[i], 0);
    ck_assert_int_eq(lseek(fd, (off_t)pg, SEEK_SET), (off_t)pg);
    ck_assert_int_eq(write(fd, "hello", 5), 5);
    ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), (off_t)pg + 5);
    ck_assert_int_eq(lseek(fd, 0, SEEK_END), (off_t)(3 * pg));
    p = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_mem_eq(p + pg, "hello", 5);
    ck_assert_uint_eq(p[pg - 1], 0);
    memcpy(p + 2 * pg + 7, "mapped", 6);
    ck_assert_int_eq(mt_pread(fd, buf, 6, (long long)(2 * pg + 7)), 6);
    ck_assert_mem_eq(buf, "mapped", 6);
    ck_assert_int_eq(munmap(p, 3 * pg), 0);
    /* shrink */
    ck_assert_int_eq(ftruncate(fd, 10), 0);
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert_int_eq(st.st_size, 10);
    ck_assert_int_eq(mt_pread(fd, buf, sizeof buf, 0), 10);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(shm_unlink(name), 0);
}
END_TEST

/* ---- lifetime and unlink ---- */

/* Child "create NAME": creates NAME, two pages of pattern 51, and exits
 * holding nothing. */
static int child_create(int argc, char **argv)
{
    size_t len = 2 * mt_page(), i;
    unsigned char *p;
    int fd;

    if (argc < 1)
        return 2;
    fd = shm_open(argv[0], O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return 3;
    if (ftruncate(fd, (off_t)len) != 0)
        return 4;
    p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return 5;
    for (i = 0; i < len; i++)
        p[i] = mt_pattern(i, 51);
    if (munmap(p, len) != 0)
        return 6;
    return close(fd) == 0 ? 0 : 7;
}

START_TEST(object_outlives_creating_process)
{
    const char *name = nm("outlive");
    size_t len = 2 * mt_page();
    unsigned char *p;
    struct stat st;
    int fd;

    ck_assert_int_eq(mt_run_child("create", name, NULL), 0);
    fd = shm_open(name, O_RDONLY, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert_int_eq(st.st_size, (off_t)len);
    p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert(mt_is_pattern(p, len, 0, 51));
    ck_assert_int_eq(munmap(p, len), 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(shm_unlink(name), 0);
    ck_assert_int_eq(exists(name), 0);
}
END_TEST

START_TEST(unlink_removes_name_while_open_and_mapped)
{
    const char *name = nm("unlinked");
    size_t pg = mt_page();
    unsigned char *p, buf[8];
    struct stat st;
    int fd, fresh;

    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)pg), 0);
    p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    memcpy(p, "old data", 8);

    ck_assert_int_eq(shm_unlink(name), 0);
    errno = 0;
    ck_assert_int_eq(shm_open(name, O_RDWR, 0), -1);
    ck_assert_int_eq(errno, ENOENT);
    errno = 0;
    ck_assert_int_eq(shm_open(name, O_RDONLY, 0), -1);
    ck_assert_int_eq(errno, ENOENT);

    /* the name is free for a new, empty object */
    fresh = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fresh, 0);
    ck_assert_int_eq(fstat(fresh, &st), 0);
    ck_assert_int_eq(st.st_size, 0);
    ck_assert_int_eq(write(fresh, "new", 3), 3);

    /* the old object lives on, through its fd and its mapping */
    ck_assert_mem_eq(p, "old data", 8);
    ck_assert_int_eq(mt_pread(fd, buf, 8, 0), 8);
    ck_assert_mem_eq(buf, "old data", 8);
    p[0] = 'O';
    ck_assert_int_eq(mt_pread(fd, buf, 8, 0), 8);
    ck_assert_mem_eq(buf, "Old data", 8);
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert_int_eq(st.st_size, (off_t)pg);
    ck_assert(holds(name, "new"));

    ck_assert_int_eq(munmap(p, pg), 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(close(fresh), 0);
    ck_assert(holds(name, "new"));
    ck_assert_int_eq(shm_unlink(name), 0);
    ck_assert_int_eq(exists(name), 0);
}
END_TEST

START_TEST(unlink_missing_is_enoent)
{
    const char *name = nm("gone");

    errno = 0;
    ck_assert_int_eq(shm_unlink(name), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_eq(create_with(name, "x"), 0);
    ck_assert_int_eq(shm_unlink(name), 0);
    errno = 0;
    ck_assert_int_eq(shm_unlink(name), -1);
    ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/* ---- sharing ---- */

/* Where the parent and the child meet in the shared page. */
enum { HELLO = 0, GO = 256, ANSWER = 512, ACK = 1024 };

/* Child "partner NAME": opens NAME by name and maps it; checks the
 * parent's greeting, waits for the go byte, answers, and stays mapped
 * until the parent acknowledges the answer. */
static int child_partner(int argc, char **argv)
{
    size_t pg = mt_page(), i;
    volatile unsigned char *p;
    int fd, rc = 0;

    if (argc < 1)
        return 2;
    fd = shm_open(argv[0], O_RDWR, 0);
    if (fd < 0)
        return 3;
    p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return 4;
    for (i = 0; i < 100; i++)
        if (p[HELLO + i] != (unsigned char)(i + 1))
            rc = 5;
    if (!rc && !mt_wait_for(p + GO, 0x47))
        rc = 6;
    if (!rc)
        for (i = 0; i < 100; i++)
            p[ANSWER + i] = (unsigned char)(200 - i);
    if (!rc && !mt_wait_for(p + ACK, 0x4b))
        rc = 7;
    if (munmap((void *)p, pg) != 0 && !rc)
        rc = 8;
    close(fd);
    return rc;
}

START_TEST(processes_see_each_others_writes)
{
    const char *name = nm("share");
    size_t pg = mt_page(), i;
    volatile unsigned char *p;
    intptr_t child;
    int fd, ok;

    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)pg), 0);
    p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne((void *)p, MAP_FAILED);
    for (i = 0; i < 100; i++)
        p[HELLO + i] = (unsigned char)(i + 1);
    child = mt_start_child("partner", name, NULL);
    ck_assert(child != -1);
    /* both directions while both processes hold the mapping */
    p[GO] = 0x47;
    ok = mt_wait_for(p + ANSWER + 99, (unsigned char)(200 - 99));
    p[ACK] = 0x4b;
    ck_assert_int_eq(mt_wait(child), 0);
    ck_assert(ok);
    for (i = 0; i < 100; i++)
        ck_assert_uint_eq(p[ANSWER + i], (unsigned char)(200 - i));
    ck_assert_int_eq(munmap((void *)p, pg), 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(shm_unlink(name), 0);
}
END_TEST

START_TEST(two_opens_in_one_process_share_the_object)
{
    const char *name = nm("two");
    size_t pg = mt_page();
    unsigned char *a, *b, *r, c;
    int fd1, fd2, fd3;

    fd1 = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd1, 0);
    ck_assert_int_eq(ftruncate(fd1, (off_t)(2 * pg)), 0);
    fd2 = shm_open(name, O_RDWR, 0);
    ck_assert_int_ge(fd2, 0);
    fd3 = shm_open(name, O_RDONLY, 0);
    ck_assert_int_ge(fd3, 0);
    a = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd1, 0);
    b = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, (off_t)pg);
    r = mmap(NULL, 2 * pg, PROT_READ, MAP_SHARED, fd3, 0);
    ck_assert_ptr_ne(a, MAP_FAILED);
    ck_assert_ptr_ne(b, MAP_FAILED);
    ck_assert_ptr_ne(r, MAP_FAILED);
    a[pg + 3] = 0x5a;
    ck_assert_uint_eq(b[3], 0x5a);
    ck_assert_uint_eq(r[pg + 3], 0x5a);
    b[pg - 1] = 0xa5;
    ck_assert_uint_eq(a[2 * pg - 1], 0xa5);
    ck_assert_uint_eq(r[2 * pg - 1], 0xa5);
    ck_assert_int_eq(mt_pread(fd3, &c, 1, (long long)(2 * pg - 1)), 1);
    ck_assert_uint_eq(c, 0xa5);
    ck_assert_int_eq(munmap(a, 2 * pg), 0);
    ck_assert_int_eq(munmap(b, pg), 0);
    ck_assert_int_eq(munmap(r, 2 * pg), 0);
    ck_assert_int_eq(close(fd1), 0);
    ck_assert_int_eq(close(fd2), 0);
    ck_assert_int_eq(close(fd3), 0);
    ck_assert_int_eq(shm_unlink(name), 0);
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("shm");
    TCase *names = tcase_create("names");
    TCase *flags = tcase_create("oflag_mode");
    TCase *fds = tcase_create("fd");
    TCase *life = tcase_create("lifetime");
    TCase *share = tcase_create("sharing");

    mt_child("fds", child_fds);
    mt_child("create", child_create);
    mt_child("partner", child_partner);

    tcase_add_test(names, leading_slashes_are_optional);
    tcase_add_test(names, names_differing_in_case_are_distinct);
    tcase_add_test(names, windows_forbidden_characters_are_ordinary);
    tcase_add_test(names, trailing_dots_and_spaces_are_kept);
    tcase_add_test(names, windows_device_names_are_ordinary);
    tcase_add_test(names, high_bytes_are_ordinary);
    tcase_add_test(names, longest_names_hold_any_bytes);
    tcase_add_test(names, bad_names_give_einval_and_create_nothing);
    tcase_add_test(names, dot_names_are_refused_as_glibc);
    tcase_add_test(names, name_over_name_max_is_enametoolong);
    tcase_add_test(names, very_long_name_fails_and_creates_nothing);
    tcase_add_test(names, unlink_bad_names_errno_as_glibc);
    suite_add_tcase(s, names);

    tcase_add_test(flags, missing_name_without_o_creat_is_enoent);
    tcase_add_test(flags, new_object_is_empty_regular_file);
    tcase_add_test(flags, o_creat_opens_existing_unchanged);
    tcase_add_test(flags, o_excl_on_existing_is_eexist);
    tcase_add_test(flags, o_excl_without_o_creat_is_ignored);
    tcase_add_test(flags, o_trunc_empties_existing);
    tcase_add_test(flags, o_rdonly_o_trunc_truncates);
    tcase_add_test(flags, o_wronly_gives_write_only_fd);
    tcase_add_test(flags, unknown_oflag_bits_are_ignored);
    tcase_add_test(flags, o_append_is_honoured);
    tcase_add_test(flags, o_rdonly_fd_cannot_write);
    tcase_add_test(flags, mode_0444_makes_read_only_object);
    suite_add_tcase(s, flags);

    tcase_add_test(fds, fd_is_lowest_free);
    tcase_add_test(fds, fd_is_not_inherited);
    tcase_add_test(fds, fd_does_file_io);
    suite_add_tcase(s, fds);

    tcase_add_test(life, object_outlives_creating_process);
    tcase_add_test(life, unlink_removes_name_while_open_and_mapped);
    tcase_add_test(life, unlink_missing_is_enoent);
    suite_add_tcase(s, life);

    tcase_add_test(share, processes_see_each_others_writes);
    tcase_add_test(share, two_opens_in_one_process_share_the_object);
    suite_add_tcase(s, share);
    return mt_main(argc, argv, s);
}
