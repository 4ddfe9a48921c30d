/* Windows-only: where shm_open's objects live and how they are guarded.
 * The store is one directory per user (TMP and TEMP do not move it;
 * MMAN_SHM_DIR does), made with a DACL for the user alone; objects are
 * temporary files, read-only when their mode has no write bits; no name
 * reaches outside the store; unlinked objects leave nothing behind.
 *
 * The CE-rules build (MMAN_CE_RULES) follows Windows CE instead (README,
 * "Windows CE"): one store per device, "mman-shm" in the temporary
 * directory, with no security (CE has none) and no MMAN_SHM_DIR (CE has
 * no environment); objects are never temporary files (CE has no such
 * attribute); an object is a generation of its name, the file
 * "<path>.<g>", and an unlink that cannot delete it (CE deletes no open
 * or mapped file) leaves a marker "<path>.<g>.u" that a later sweep
 * takes away with the file; a path longer than MAX_PATH is
 * ENAMETOOLONG. The tests that cannot apply there say why, where they
 * are left out; section 11 holds the CE ones. */
#include "../lib/internal.h"
#include "mt.h"

#include <aclapi.h>
#include <direct.h>
#include <errno.h>
#include <fcntl.h>
#include <sddl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

/* ---- names, paths, listings ---- */

/* Names made in this process's store, unlinked at exit even when a
 * test fails half-way. */
static char *made[64];
static unsigned nmade;

static void unlink_made(void)
{
    unsigned i;

    for (i = 0; i < nmade; i++) {
        shm_unlink(made[i]);
        free(made[i]);
    }
}

/* A name no other run meets: Wine reuses pids, so the time too. */
static const char *unique(const char *what)
{
    static char buf[8][96];
    static unsigned n;
    char *b = buf[n % 8];

    snprintf(b, sizeof buf[0], "/winshm-%s-%lu-%lx-%u", what,
             (unsigned long)GetCurrentProcessId(), (unsigned long)time(NULL),
             n);
    n++;
    if (nmade == 0)
        atexit(unlink_made);
    if (nmade < sizeof made / sizeof *made)
        made[nmade++] = strdup(b);
    return b;
}

/* The wide form of a narrow path, '/' turned into '\'. */
static wchar_t *wide(const char *path)
{
    static wchar_t buf[4][1024];
    static unsigned n;
    wchar_t *w = buf[n++ % 4], *p;

    ck_assert(MultiByteToWideChar(CP_ACP, 0, path, -1, w, 1024) > 0);
    for (p = w; *p; p++)
        if (*p == L'/')
            *p = L'\\';
    return w;
}

/* A wide string in UTF-8 for messages (check's formatting knows no
 * %ls); a few stay valid at once. */
static const char *u8(const wchar_t *w)
{
    static char buf[8][2048];
    static unsigned n;
    char *b = buf[n++ % 8];

    if (!w)
        return "(null)";
    if (!WideCharToMultiByte(CP_UTF8, 0, w, -1, b, 2048, NULL, NULL))
        strcpy(b, "?");
    return b;
}

static const wchar_t *store_dir(void)
{
    int err = 0;
    const wchar_t *s = mman__shm_store(&err);

    ck_assert_msg(s != NULL, "no store: errno %d", err);
    return s;
}

/* The object's file (malloc'd). */
static wchar_t *object_path(const char *name)
{
    const char *bare;
    size_t len;
    wchar_t *path;
    int err = mman__shm_name(name, &bare, &len);

    ck_assert_int_eq(err, 0);
    path = mman__shm_path(bare, len, &err);
    ck_assert_msg(path != NULL, "no path: errno %d", err);
    return path;
}

/* dir + '\' + the name's bytes in lowercase hex (names of 64 bytes at
 * most, one component). */
static void hex_path(wchar_t *out, size_t size, const wchar_t *dir,
                     const char *name)
{
    size_t n;

    while (*name == '/')
        name++;
    ck_assert_uint_le(strlen(name), 64);
    n = (size_t)swprintf(out, size, L"%ls\\", dir);
    for (; *name; name++)
        n += (size_t)swprintf(out + n, size - n, L"%02x",
                              (unsigned)(unsigned char)*name);
}

static DWORD attributes(const wchar_t *path)
{
    return GetFileAttributesW(path);
}

static int is_file(const wchar_t *path)
{
    DWORD a = attributes(path);

    return a != INVALID_FILE_ATTRIBUTES && !(a & FILE_ATTRIBUTE_DIRECTORY);
}

static int is_dir(const wchar_t *path)
{
    DWORD a = attributes(path);

    return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY);
}

static int exists(const wchar_t *path)
{
    return attributes(path) != INVALID_FILE_ATTRIBUTES;
}

#ifndef MMAN_CE_RULES
/* Whether this system keeps FILE_ATTRIBUTE_TEMPORARY on a file made
 * with it. Wine (8.0) does not: it keeps read-only in the permission
 * bits and hidden and system in an extended attribute, and drops the
 * rest, so that there the attribute cannot be seen. */
static int temporary_kept(void)
{
    static int kept = -1;
    const char *file = mt_path("temporary-probe");
    HANDLE h;
    DWORD a;

    if (kept >= 0)
        return kept;
    h = CreateFileW(wide(file), GENERIC_WRITE, 0, NULL, CREATE_NEW,
                    FILE_ATTRIBUTE_TEMPORARY, NULL);
    ck_assert(h != INVALID_HANDLE_VALUE);
    CloseHandle(h);
    a = GetFileAttributesW(wide(file));
    ck_assert(DeleteFileW(wide(file)));
    kept = a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_TEMPORARY);
    if (!kept)
        printf("NOTE: this system drops FILE_ATTRIBUTE_TEMPORARY (a file "
               "made with it reads back %#lx): that attribute is not "
               "checked\n",
               (unsigned long)a);
    return kept;
}
#endif

struct listing {
    wchar_t **names;
    size_t n;
};

/* The entries of dir matching pattern ("*" for all), "." and ".." left
 * out. */
static struct listing list_dir(const wchar_t *dir, const wchar_t *pattern)
{
    struct listing l = {NULL, 0};
    WIN32_FIND_DATAW found;
    wchar_t spec[2048];
    HANDLE search;

    swprintf(spec, 2048, L"%ls\\%ls", dir, pattern);
    search = FindFirstFileW(spec, &found);
    if (search == INVALID_HANDLE_VALUE)
        return l;
    do {
        if (wcscmp(found.cFileName, L".") == 0 ||
            wcscmp(found.cFileName, L"..") == 0)
            continue;
        l.names = realloc(l.names, (l.n + 1) * sizeof *l.names);
        ck_assert_ptr_nonnull(l.names);
        l.names[l.n++] = _wcsdup(found.cFileName);
    } while (FindNextFileW(search, &found));
    FindClose(search);
    return l;
}

static void free_listing(struct listing *l)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        free(l->names[i]);
    free(l->names);
    l->names = NULL;
    l->n = 0;
}

/* The first entry of after that is not in before, or NULL. */
static const wchar_t *new_entry(const struct listing *before,
                                const struct listing *after)
{
    size_t i, j;

    for (i = 0; i < after->n; i++) {
        for (j = 0; j < before->n; j++)
            if (_wcsicmp(after->names[i], before->names[j]) == 0)
                break;
        if (j == before->n)
            return after->names[i];
    }
    return NULL;
}

/* Asserts that dir lists no entry but those of before. */
static void assert_nothing_new(const wchar_t *dir,
                               const struct listing *before)
{
    struct listing after = list_dir(dir, L"*");
    const wchar_t *extra = new_entry(before, &after);

    ck_assert_msg(extra == NULL, "new entry \"%s\" in %s", u8(extra), u8(dir));
    free_listing(&after);
}

#ifndef MMAN_CE_RULES
/* How many of this process's tombstones the store holds. */
static size_t tombstones(const wchar_t *store)
{
    wchar_t pattern[64];
    struct listing l;
    size_t n;

    swprintf(pattern, 64, L"deleted.%lu.*",
             (unsigned long)GetCurrentProcessId());
    l = list_dir(store, pattern);
    n = l.n;
    free_listing(&l);
    return n;
}

/* The file that holds name's object. */
static wchar_t *object_file(const char *name)
{
    return object_path(name);
}

/* Asserts that the store keeps nothing of name. */
static void assert_gone(const char *name)
{
    wchar_t *path = object_path(name);

    ck_assert_msg(!exists(path), "%s left", u8(path));
    free(path);
}

/* Desktop takes paths of any length ("\\?\" form). */
static int path_fits(const wchar_t *path)
{
    (void)path;
    return 1;
}
#else
/* ---- CE: the generations of a name, read here anew ---- */

/* What the store holds for name: its files "<path>.<g>" and the
 * markers "<path>.<g>.u" of those unlinked. */
struct generations {
    unsigned long live;    /* the newest file without a marker, or 0 */
    unsigned long highest; /* of files and markers, or 0 */
    size_t files, markers;
};

static struct generations generations_of(const char *name)
{
    struct generations gens = {0, 0, 0, 0};
    wchar_t *path = object_path(name), *base, marker[400], *end;
    struct listing l;
    unsigned long g;
    size_t i, j, n;

    base = wcsrchr(path, L'\\');
    ck_assert_ptr_nonnull(base);
    *base++ = 0;
    n = wcslen(base);
    ck_assert_uint_lt(n, 300);
    swprintf(marker, 400, L"%ls.*", base);
    l = list_dir(path, marker);
    for (i = 0; i < l.n; i++) {
        const wchar_t *e = l.names[i];

        if (wcsncmp(e, base, n) != 0 || e[n] != L'.' || e[n + 1] < L'1' ||
            e[n + 1] > L'9')
            continue;
        g = wcstoul(e + n + 1, &end, 10);
        if (g > gens.highest && (*end == 0 || wcscmp(end, L".u") == 0))
            gens.highest = g;
        if (wcscmp(end, L".u") == 0) {
            gens.markers++;
            continue;
        }
        if (*end)
            continue;
        gens.files++;
        swprintf(marker, 400, L"%ls.u", e);
        for (j = 0; j < l.n; j++)
            if (wcscmp(l.names[j], marker) == 0)
                break;
        if (j == l.n && g > gens.live)
            gens.live = g;
    }
    free_listing(&l);
    free(path);
    return gens;
}

/* name's file of generation g, or with unlinked its marker
 * (malloc'd). */
static wchar_t *generation_file(const char *name, unsigned long g,
                                int unlinked)
{
    wchar_t *path = object_path(name);
    size_t n = wcslen(path) + 16;

    path = realloc(path, n * sizeof *path);
    ck_assert_ptr_nonnull(path);
    swprintf(path + wcslen(path), 16, L".%lu%ls", g, unlinked ? L".u" : L"");
    return path;
}

/* The file that holds name's object: its live generation. */
static wchar_t *object_file(const char *name)
{
    struct generations gens = generations_of(name);

    ck_assert_msg(gens.live > 0, "%s has no live generation", name);
    return generation_file(name, gens.live, 0);
}

/* Asserts that the store keeps nothing of name: no file, no marker. */
static void assert_gone(const char *name)
{
    struct generations gens = generations_of(name);

    ck_assert_msg(gens.files == 0 && gens.markers == 0,
                  "%s: %u files and %u markers left", name,
                  (unsigned)gens.files, (unsigned)gens.markers);
}

/* CE paths are at most MAX_PATH characters, the NUL with them, and a
 * generation adds at most ".4294967295.u". */
static int path_fits(const wchar_t *path)
{
    return wcslen(path) + 13 < MAX_PATH;
}
#endif

/* Asserts that name, whose path does not fit, is ENAMETOOLONG for
 * shm_open with and without O_CREAT and for shm_unlink, and that
 * nothing of it is made. */
static void refused_as_too_long(const char *name)
{
    mt_shm_name_fails(name, ENAMETOOLONG);
    assert_gone(name);
}

#ifndef MMAN_CE_RULES
/* ---- the environment children inherit ---- */

static char *env_get(const char *name)
{
    DWORD n = GetEnvironmentVariableA(name, NULL, 0);
    char *value;

    if (n == 0)
        return NULL;
    value = malloc(n);
    ck_assert_ptr_nonnull(value);
    GetEnvironmentVariableA(name, value, n);
    return value;
}

/* Sets (or with NULL removes) a variable for both the C runtime and
 * the process, which children inherit. */
static void env_set(const char *name, const char *value)
{
    char buf[2048];

    snprintf(buf, sizeof buf, "%s=%s", name, value ? value : "");
    _putenv(buf);
    SetEnvironmentVariableA(name, value);
}

/* Runs child with MMAN_SHM_DIR set to dir, then restores it. */
static int run_in_store(const char *dir, const char *child, const char *a,
                        const char *b)
{
    char *old = env_get("MMAN_SHM_DIR");
    int rc;

    env_set("MMAN_SHM_DIR", dir);
    rc = mt_run_child(child, a, b, NULL);
    env_set("MMAN_SHM_DIR", old);
    free(old);
    return rc;
}
#endif

/* ---- children ---- */

/* "create NAME SEED [TMPDIR]": creates NAME (O_EXCL), one page of the
 * pattern; with TMPDIR, first checks that the temporary directory is
 * TMPDIR (so that the parent's change of TMP did reach the child). */
static int child_create(int argc, char **argv)
{
    size_t pg = mt_page(), i;
    unsigned char *p;
    int fd;

    if (argc < 2)
        return 2;
    if (argc >= 3) {
        char tmp[MAX_PATH + 1], want[MAX_PATH + 1];

        if (!GetTempPathA(sizeof tmp, tmp) ||
            !GetFullPathNameA(argv[2], sizeof want, want, NULL))
            return 3;
        for (i = 0; want[i]; i++)
            if (want[i] == '/')
                want[i] = '\\';
        if (_strnicmp(tmp, want, strlen(want)) != 0)
            return 4;
    }
    fd = shm_open(argv[0], O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return 5;
    if (ftruncate(fd, (off_t)pg) != 0)
        return 6;
    p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return 7;
    for (i = 0; i < pg; i++)
        p[i] = mt_pattern(i, (unsigned)atoi(argv[1]));
    if (munmap(p, pg) != 0 || close(fd) != 0)
        return 8;
    return 0;
}

/* "read NAME SEED": NAME holds one page of the pattern. */
static int child_read(int argc, char **argv)
{
    size_t pg = mt_page();
    void *p;
    int fd, rc = 0;

    if (argc < 2)
        return 2;
    fd = shm_open(argv[0], O_RDONLY, 0);
    if (fd < 0)
        return 3;
    p = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return 4;
    if (!mt_is_pattern(p, pg, 0, (unsigned)atoi(argv[1])))
        rc = 5;
    munmap(p, pg);
    close(fd);
    return rc;
}

/* "unlink NAME" */
static int child_unlink(int argc, char **argv)
{
    if (argc < 1)
        return 2;
    return shm_unlink(argv[0]) == 0 ? 0 : 3;
}

#ifdef MMAN_CE_RULES
/* "race NAME ROUNDS": ROUNDS times, opens NAME with O_CREAT (which must
 * succeed) and writes its one byte, tries O_CREAT|O_EXCL (EEXIST
 * allowed) and unlinks it (ENOENT allowed: another was first). 0, or
 * the step that failed. */
static int child_race(int argc, char **argv)
{
    int i, fd, rounds;
    struct stat st;

    if (argc < 2)
        return 2;
    rounds = atoi(argv[1]);
    for (i = 0; i < rounds; i++) {
        fd = shm_open(argv[0], O_RDWR | O_CREAT, 0600);
        if (fd < 0) {
            printf("race: O_CREAT: errno %d\n", errno);
            return 3;
        }
        /* (not ftruncate: MinGW's extends by writing zeros, which two
         * processes at once overdo) */
        if (mt_pwrite(fd, "r", 1, 0) != 1 || fstat(fd, &st) != 0 ||
            !S_ISREG(st.st_mode) || st.st_size != 1) {
            printf("race: write/fstat: errno %d\n", errno);
            return 4;
        }
        close(fd);
        fd = shm_open(argv[0], O_RDWR | O_CREAT | O_EXCL, 0600);
        if (fd >= 0)
            close(fd);
        else if (errno != EEXIST) {
            printf("race: O_EXCL: errno %d\n", errno);
            return 5;
        }
        if (shm_unlink(argv[0]) != 0 && errno != ENOENT) {
            printf("race: unlink: errno %d\n", errno);
            return 6;
        }
    }
    return 0;
}
#endif

#ifndef MMAN_CE_RULES
/* "try NAME": creates NAME; errno if that fails, else 200 (after
 * removing it again). */
static int child_try(int argc, char **argv)
{
    int fd;

    if (argc < 1)
        return 2;
    fd = shm_open(argv[0], O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return errno > 0 && errno < 200 ? errno : 199;
    close(fd);
    shm_unlink(argv[0]);
    return 200;
}

/* Sections 1 to 4 are desktop Windows only. CE has no environment
 * variables, so neither TMP nor MMAN_SHM_DIR can move its store (the
 * CE-rules build takes the temporary directory from GetTempPathW, which
 * under Wine does follow TMP, as no CE device can), and no security
 * (CE ignores security attributes and asks for NULL). Section 11 checks
 * where the CE store is instead. */

/* ---- 1. TMP and TEMP do not move the store ---- */

START_TEST(store_ignores_tmp_and_temp)
{
    size_t pg = mt_page(), n = wcslen(store_dir());
    const char *name = unique("tmp"), *other = mt_path("other-tmp");
    char *tmp = env_get("TMP"), *temp = env_get("TEMP");
    struct listing empty = {NULL, 0};
    wchar_t *path = object_path(name);
    void *p;
    int fd, rc;

    ck_assert_int_eq(_mkdir(other), 0);
    env_set("TMP", other);
    env_set("TEMP", other);
    rc = mt_run_child("create", name, "11", other, NULL);
    env_set("TMP", tmp);
    env_set("TEMP", temp);
    free(tmp);
    free(temp);
    ck_assert_int_eq(rc, 0);

    /* this process, with the old TMP, finds it by name */
    fd = shm_open(name, O_RDONLY, 0);
    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert(mt_is_pattern(p, pg, 0, 11));
    ck_assert_int_eq(munmap(p, pg), 0);
    ck_assert_int_eq(close(fd), 0);

    /* in the store, and nothing in the child's temporary directory */
    ck_assert(wcsncmp(path, store_dir(), n) == 0 && path[n] == L'\\');
    ck_assert(is_file(path));
    assert_nothing_new(wide(other), &empty);

    ck_assert_int_eq(shm_unlink(name), 0);
    ck_assert(!exists(path));
    ck_assert_int_eq(_rmdir(other), 0);
    free(path);
}
END_TEST

/* ---- 2. MMAN_SHM_DIR moves it ---- */

/* The DACL of path in SDDL (LocalAlloc'd), or NULL. */
static wchar_t *dacl_sddl(const wchar_t *path)
{
    PSECURITY_DESCRIPTOR sd = NULL;
    PACL dacl = NULL;
    wchar_t *text = NULL;
    HANDLE h =
        CreateFileW(path, READ_CONTROL,
                    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                    NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);

    if (h == INVALID_HANDLE_VALUE)
        return NULL;
    if (GetSecurityInfo(h, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL,
                        NULL, &dacl, NULL, &sd) == ERROR_SUCCESS)
        ConvertSecurityDescriptorToStringSecurityDescriptorW(
            sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &text, NULL);
    LocalFree(sd);
    CloseHandle(h);
    return text;
}

/* A store at dir (made by the library when missing): a child's object
 * is there under its hex name, this process (another store) does not
 * see it, another child with the same store reads it. */
static void use_other_store(const char *dir, const char *name)
{
    wchar_t file[1024], *own = object_path(name);

    hex_path(file, 1024, wide(dir), name);
    ck_assert_int_eq(run_in_store(dir, "create", name, "23"), 0);
    ck_assert_msg(is_dir(wide(dir)), "no store %s", dir);
    ck_assert_msg(is_file(file), "no object %s", u8(file));
    if (temporary_kept())
        ck_assert(attributes(file) & FILE_ATTRIBUTE_TEMPORARY);

    ck_assert(!exists(own));
    ck_assert_int_eq(shm_open(name, O_RDONLY, 0), -1);
    ck_assert_int_eq(errno, ENOENT);

    ck_assert_int_eq(run_in_store(dir, "read", name, "23"), 0);
    ck_assert_int_eq(run_in_store(dir, "unlink", name, NULL), 0);
    ck_assert(!exists(file));
    ck_assert_int_eq(run_in_store(dir, "read", name, "23"), 3);
    free(own);
}

START_TEST(shm_dir_moves_store_made_when_missing)
{
    const char *dir = mt_path("new-store");
    struct listing empty = {NULL, 0};

    ck_assert(!exists(wide(dir)));
    use_other_store(dir, unique("new"));
    /* the store is left, empty (no tombstone either) */
    assert_nothing_new(wide(dir), &empty);
    ck_assert_int_eq(_rmdir(dir), 0);
}
END_TEST

START_TEST(shm_dir_existing_keeps_its_security)
{
    const char *dir = mt_path("old-store");
    struct listing empty = {NULL, 0};
    wchar_t *before, *after;

    ck_assert_int_eq(_mkdir(dir), 0);
    before = dacl_sddl(wide(dir));
    use_other_store(dir, unique("old"));
    after = dacl_sddl(wide(dir));
    /* not re-ACLed: whatever Wine gave it, it still has */
    ck_assert_msg((before == NULL) == (after == NULL), "DACL %s -> %s",
                  u8(before), u8(after));
    if (before)
        ck_assert_msg(wcscmp(before, after) == 0, "DACL %s -> %s", u8(before),
                      u8(after));
    LocalFree(before);
    LocalFree(after);
    assert_nothing_new(wide(dir), &empty);
    ck_assert_int_eq(_rmdir(dir), 0);
}
END_TEST

/* ---- 3. a store that cannot be made ---- */

START_TEST(store_under_missing_parent_fails_cleanly)
{
    const char *parent = mt_path("no-parent");
    char dir[1024];
    int rc;

    snprintf(dir, sizeof dir, "%s/store", parent);
    rc = run_in_store(dir, "try", unique("noparent"), NULL);
    ck_assert_msg(rc == ENOENT, "errno %d, not ENOENT", rc);
    ck_assert(!exists(wide(parent)));
    ck_assert(!exists(wide(dir)));
}
END_TEST

START_TEST(store_naming_a_file_fails_cleanly)
{
    const char *file = mt_path("store-file");
    int fd = mt_make_file(file, 1000, 5), rc;
    uint32_t hash;

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(close(fd), 0);
    hash = mt_file_hash(file);
    rc = run_in_store(file, "try", unique("file"), NULL);
    /* Linux would say ENOTDIR; Windows calls a file used as a directory
     * a path not found. Either is fair; EACCES would be too. */
    ck_assert_msg(rc == ENOTDIR || rc == ENOENT || rc == EACCES, "errno %d",
                  rc);
    ck_assert(is_file(wide(file)));
    ck_assert_int_eq(mt_file_size(file), 1000);
    ck_assert_uint_eq(mt_file_hash(file), hash);
}
END_TEST

/* ---- 4. owner-only access ---- */

/* This process's user (malloc'd). */
static PSID user_sid(void)
{
    union {
        TOKEN_USER user;
        char bytes[256];
    } info;
    HANDLE token;
    DWORD size;
    PSID sid;

    ck_assert(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token));
    ck_assert(
        GetTokenInformation(token, TokenUser, &info, sizeof info, &size));
    CloseHandle(token);
    size = GetLengthSid(info.user.User.Sid);
    sid = malloc(size);
    ck_assert_ptr_nonnull(sid);
    ck_assert(CopySid(size, sid, info.user.User.Sid));
    return sid;
}

/* Whether this system keeps the DACL a directory is made with. Wine
 * (8.0) does not: it keeps Unix permission bits and makes a DACL up
 * from them (SYSTEM and the owner, Everyone when others may read), so
 * a protected DACL naming another SID reads back neither protected nor
 * naming it, and nothing is inherited. */
static int dacls_kept(PSID user)
{
    static int kept = -1;
    const char *dir = mt_path("dacl-probe");
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, FALSE};
    wchar_t sddl[300], *sid, *text;

    if (kept >= 0)
        return kept;
    ck_assert(ConvertSidToStringSidW(user, &sid));
    swprintf(sddl, 300, L"D:P(A;OICI;FA;;;%ls)(A;OICI;FR;;;BA)", sid);
    LocalFree(sid);
    ck_assert(ConvertStringSecurityDescriptorToSecurityDescriptorW(
        sddl, SDDL_REVISION_1, &sa.lpSecurityDescriptor, NULL));
    ck_assert(CreateDirectoryW(wide(dir), &sa));
    LocalFree(sa.lpSecurityDescriptor);
    text = dacl_sddl(wide(dir));
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq(_rmdir(dir), 0);
    kept = wcsncmp(text, L"D:P", 3) == 0 && wcsstr(text, L";;;BA)");
    if (!kept)
        printf("NOTE: this system does not keep DACLs (a directory made "
               "with %s reads back %s): only what its permission bits "
               "can say is checked (no access for others), and not what "
               "objects inherit\n",
               u8(sddl), u8(text));
    LocalFree(text);
    return kept;
}

/* Asserts that path's DACL allows the user alone (where DACLs are not
 * kept: the user, or SYSTEM, which such systems always add), with at
 * least one ACE; for the store also that it is protected (where kept)
 * and that the user's access is full and inherited below. */
static void assert_owner_only(const wchar_t *path, PSID user, int is_store)
{
    PSECURITY_DESCRIPTOR sd = NULL;
    SECURITY_DESCRIPTOR_CONTROL control = 0;
    SID_IDENTIFIER_AUTHORITY nt = {SECURITY_NT_AUTHORITY};
    DWORD revision, i, allowed = 0, err;
    int kept = dacls_kept(user);
    PSID system = NULL;
    PACL dacl = NULL;
    wchar_t *text = NULL;
    HANDLE h =
        CreateFileW(path, READ_CONTROL,
                    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                    NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);

    ck_assert_msg(h != INVALID_HANDLE_VALUE, "open %s: %lu", u8(path),
                  GetLastError());
    err = GetSecurityInfo(h, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL,
                          NULL, &dacl, NULL, &sd);
    CloseHandle(h);
    ck_assert_msg(err == ERROR_SUCCESS, "GetSecurityInfo: %lu", err);
    ConvertSecurityDescriptorToStringSecurityDescriptorW(
        sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &text, NULL);
    ck_assert_msg(dacl != NULL, "%s: no DACL (everyone may): %s", u8(path),
                  u8(text));
    ck_assert(GetSecurityDescriptorControl(sd, &control, &revision));
    if (is_store && kept)
        ck_assert_msg(control & SE_DACL_PROTECTED, "%s: not protected: %s",
                      u8(path), u8(text));
    ck_assert(AllocateAndInitializeSid(&nt, 1, SECURITY_LOCAL_SYSTEM_RID, 0, 0,
                                       0, 0, 0, 0, 0, &system));
    for (i = 0; i < dacl->AceCount; i++) {
        ACCESS_ALLOWED_ACE *ace;
        PSID sid;

        ck_assert(GetAce(dacl, i, (void **)&ace));
        if (ace->Header.AceType != ACCESS_ALLOWED_ACE_TYPE)
            continue;
        sid = &ace->SidStart;
        if (!kept && EqualSid(sid, system))
            continue;
        allowed++;
        ck_assert_msg(EqualSid(sid, user), "%s: access for another: %s",
                      u8(path), u8(text));
        if (is_store) {
            ck_assert_msg((ace->Mask & FILE_ALL_ACCESS) == FILE_ALL_ACCESS,
                          "%s: %s", u8(path), u8(text));
            ck_assert_msg((ace->Header.AceFlags &
                           (OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE)) ==
                              (OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE),
                          "%s: not inherited: %s", u8(path), u8(text));
        }
    }
    ck_assert_msg(allowed > 0, "%s: nobody may: %s", u8(path), u8(text));
    FreeSid(system);
    LocalFree(text);
    LocalFree(sd);
}

/* What is in a store inherits from it: where DACLs are kept. */
static void assert_inherited(const wchar_t *path, PSID user)
{
    if (dacls_kept(user))
        assert_owner_only(path, user, 0);
}

START_TEST(store_and_objects_for_owner_only)
{
    const char *dir = mt_path("private-store"), *name = unique("acl");
    char longname[200];
    wchar_t file[1024], sub[1024], *path;
    PSID user = user_sid();
    size_t i;
    int fd;

    /* a store the library makes now */
    ck_assert(!exists(wide(dir)));
    ck_assert_int_eq(run_in_store(dir, "create", name, "31"), 0);
    hex_path(file, 1024, wide(dir), name);
    ck_assert(is_file(file));
    assert_owner_only(wide(dir), user, 1);
    assert_inherited(file, user);
    ck_assert_int_eq(run_in_store(dir, "unlink", name, NULL), 0);

    /* the directory of a long name, and the object in it */
    snprintf(longname, sizeof longname, "%s", unique("acl-long"));
    for (i = strlen(longname); i < 150; i++)
        longname[i] = (char)('a' + i % 26);
    longname[i] = 0;
    ck_assert_int_eq(run_in_store(dir, "create", longname, "32"), 0);
    swprintf(sub, 1024, L"%ls\\", wide(dir));
    for (i = 1; i < 65; i++)
        swprintf(sub + wcslen(sub), 4, L"%02x",
                 (unsigned)(unsigned char)longname[i]);
    wcscat(sub, L".d");
    ck_assert_msg(is_dir(sub), "no %s", u8(sub));
    assert_inherited(sub, user);
    ck_assert_int_eq(run_in_store(dir, "unlink", longname, NULL), 0);
    ck_assert(!exists(sub));
    ck_assert_int_eq(_rmdir(dir), 0);

    /* this process's store, made by the library now or earlier */
    name = unique("acl-own");
    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(close(fd), 0);
    path = object_path(name);
    assert_owner_only(store_dir(), user, 1);
    assert_inherited(path, user);
    ck_assert_int_eq(shm_unlink(name), 0);
    free(path);
    free(user);
}
END_TEST
#endif /* sections 1 to 4: desktop only */

/* ---- 5. attributes ---- */

/* Desktop objects carry the temporary attribute, where the file system
 * keeps it; CE has none (the CE shim refuses it), so none carries it
 * there. */
static void check_temporary(DWORD a, const char *mode)
{
#ifdef MMAN_CE_RULES
    ck_assert_msg(!(a & FILE_ATTRIBUTE_TEMPORARY), "%s: attributes %#lx",
                  mode, a);
#else
    if (temporary_kept())
        ck_assert_msg(a & FILE_ATTRIBUTE_TEMPORARY, "%s: attributes %#lx",
                      mode, a);
#endif
}

START_TEST(objects_are_temporary_and_read_only_without_write_bits)
{
    const char *rw = unique("rw"), *ro = unique("ro");
    wchar_t *rw_file, *ro_file;
    int fd;
    DWORD a;

    fd = shm_open(rw, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(close(fd), 0);
    rw_file = object_file(rw);
    a = attributes(rw_file);
    ck_assert(a != INVALID_FILE_ATTRIBUTES);
    check_temporary(a, "0600");
    ck_assert_msg(!(a & FILE_ATTRIBUTE_READONLY), "0600: attributes %#lx", a);

    fd = shm_open(ro, O_RDWR | O_CREAT | O_EXCL, 0444);
    ck_assert_int_ge(fd, 0);
    /* the creator still writes through its descriptor */
    ck_assert_int_eq(ftruncate(fd, 100), 0);
    ck_assert_int_eq(close(fd), 0);
    ro_file = object_file(ro);
    a = attributes(ro_file);
    ck_assert(a != INVALID_FILE_ATTRIBUTES);
    check_temporary(a, "0444");
    ck_assert_msg(a & FILE_ATTRIBUTE_READONLY, "0444: attributes %#lx", a);
    /* others may not write it */
    ck_assert_int_eq(shm_open(ro, O_RDWR, 0), -1);
    ck_assert_int_eq(errno, EACCES);
    ck_assert_int_eq(shm_open(ro, O_RDONLY | O_TRUNC, 0), -1);
    ck_assert_int_eq(errno, EACCES);

    ck_assert_int_eq(shm_unlink(rw), 0);
    ck_assert_int_eq(shm_unlink(ro), 0);
    assert_gone(rw);
    assert_gone(ro);
    free(rw_file);
    free(ro_file);
}
END_TEST

/* ---- 6. hostile names ---- */

static const char *const hostile[] = {
    "/..\\..\\x",
    "/C:\\x",
    "/\\\\?\\C:\\x",
    "/CON",
    "/NUL",
    "/COM1",
    "/AUX.txt",
    "/x:stream",
    "/x::$DATA",
    "/a*b",
    "/a?b",
    "/<>|\"",
    "/..x",
    "/x..",
    "/...",
    "/. .",
    "/x. ",
    "/ ",
    "/a\\..\\..\\..\\b",
    "/..\\..\\..\\..\\..\\..\\Windows\\x",
    "/\\\\server\\share\\x",
    "/.\\x",
    "/~1",
    "/X",
};

/* Whether the part of path after the store is hex digits in components
 * "<hex>.d\" then "<hex>". */
static int tame(const wchar_t *rest)
{
    for (; *rest; rest++)
        if (!((*rest >= L'0' && *rest <= L'9') ||
              (*rest >= L'a' && *rest <= L'f') || *rest == L'\\' ||
              (*rest == L'.' && rest[1] == L'd' && rest[2] == L'\\') ||
              (*rest == L'd' && rest[-1] == L'.')))
            return 0;
    return 1;
}

/* Makes name's object, finds it in its place, opens it again, and
 * unlinks it. */
static void use_and_unlink(const char *name)
{
    wchar_t *file;
    int fd;

    /* a left-over of an earlier run that died */
    shm_unlink(name);
    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_msg(fd >= 0, "%s: errno %d", name, errno);
    ck_assert_int_eq(ftruncate(fd, 10), 0);
    ck_assert_int_eq(close(fd), 0);
    file = object_file(name);
    ck_assert_msg(is_file(file), "%s: no %s", name, u8(file));
    free(file);
    /* the same object again by name */
    fd = shm_open(name, O_RDONLY, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(close(fd), 0);

    ck_assert_msg(shm_unlink(name) == 0, "%s: errno %d", name, errno);
    assert_gone(name);
    ck_assert_int_eq(shm_open(name, O_RDONLY, 0), -1);
    ck_assert_int_eq(errno, ENOENT);
}

static void one_hostile(const char *name)
{
    const wchar_t *store = store_dir();
    size_t n = wcslen(store);
    wchar_t *path = object_path(name), first[1024];
    const char *bare = name;

    while (*bare == '/')
        bare++;
    ck_assert_msg(wcsncmp(path, store, n) == 0 && path[n] == L'\\' &&
                      tame(path + n + 1),
                  "%s -> %s", name, u8(path));
    /* CE: 255 bytes of name do not fit in MAX_PATH */
    if (path_fits(path))
        use_and_unlink(name);
    else
        refused_as_too_long(name);
    /* a long name's directories go with it */
    if (strlen(bare) > 64) {
        wcsncpy(first, path, n + 1 + 128);
        first[n + 1 + 128] = 0;
        wcscat(first, L".d");
        ck_assert_msg(!exists(first), "%s: %s left", name, u8(first));
    }
    free(path);
}

START_TEST(hostile_names_stay_in_store)
{
    const wchar_t *store = store_dir();
    wchar_t parent[2048], *cut, old_cwd[2048];
    char deep[1024], longname[300];
    struct listing in_parent, in_cwd, in_top, in_store;
    const char *top = mt_path("cwd"), *warm;
    unsigned seed = 12345;
    size_t i;
    int fd, had_c_x = exists(L"C:\\x");

    /* the store exists (so that its parent's listing is stable) */
    warm = unique("warm");
    fd = shm_open(warm, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(shm_unlink(warm), 0);

    wcscpy(parent, store);
    cut = wcsrchr(parent, L'\\');
    ck_assert_ptr_nonnull(cut);
    *cut = 0;
    /* a fresh, deep working directory: "..\..\x" would land in top */
    snprintf(deep, sizeof deep, "%s/a", top);
    ck_assert_int_eq(_mkdir(top), 0);
    ck_assert_int_eq(_mkdir(deep), 0);
    snprintf(deep, sizeof deep, "%s/a/b", top);
    ck_assert_int_eq(_mkdir(deep), 0);
    ck_assert(GetCurrentDirectoryW(2048, old_cwd) > 0);
    ck_assert_int_eq(_chdir(deep), 0);

    in_parent = list_dir(parent, L"*");
    in_top = list_dir(wide(top), L"*");
    in_cwd = list_dir(wide(deep), L"*");
    in_store = list_dir(store, L"*");

    for (i = 0; i < sizeof hostile / sizeof *hostile; i++)
        one_hostile(hostile[i]);
    /* 255 random bytes, no '/' and no NUL */
    longname[0] = '/';
    for (i = 1; i <= 255; i++) {
        do {
            seed = seed * 1103515245u + 12345u;
            longname[i] = (char)(seed >> 16);
        } while (longname[i] == '/' || longname[i] == 0);
    }
    longname[256] = 0;
    one_hostile(longname);
    /* and one of 255 dots */
    memset(longname + 1, '.', 255);
    one_hostile(longname);

    _wchdir(old_cwd);
    assert_nothing_new(parent, &in_parent);
    assert_nothing_new(wide(top), &in_top);
    assert_nothing_new(wide(deep), &in_cwd);
    if (!had_c_x)
        ck_assert(!exists(L"C:\\x"));
    /* left in the store: at most what others made meanwhile, never a
     * directory of a long name or a tombstone of ours */
    {
        struct listing after = list_dir(store, L"*");

        for (i = 0; i < after.n; i++) {
            size_t j;

            for (j = 0; j < in_store.n; j++)
                if (wcscmp(after.names[i], in_store.names[j]) == 0)
                    break;
            if (j < in_store.n)
                continue;
            ck_assert_msg(wcsstr(after.names[i], L".d") == NULL,
                          "left in the store: %s", u8(after.names[i]));
        }
        free_listing(&after);
    }
#ifndef MMAN_CE_RULES
    /* (CE: assert_gone found no marker of each name) */
    ck_assert_uint_eq(tombstones(store), 0);
#endif
    free_listing(&in_parent);
    free_listing(&in_top);
    free_listing(&in_cwd);
    free_listing(&in_store);
    ck_assert_int_eq(_rmdir(deep), 0);
    snprintf(deep, sizeof deep, "%s/a", top);
    ck_assert_int_eq(_rmdir(deep), 0);
    ck_assert_int_eq(_rmdir(top), 0);
}
END_TEST

/* ---- 7. unlink while open and mapped ---- */

#ifndef MMAN_CE_RULES
/* Desktop only: CE cannot delete an open or mapped file, so there the
 * unlinked object's file stays until a later sweep (section 11). */
START_TEST(unlink_while_mapped_leaves_nothing)
{
    size_t pg = mt_page();
    const char *name = unique("mapped");
    const wchar_t *store = store_dir();
    wchar_t *path = object_path(name);
    unsigned char *p;
    int fd, fd2;

    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)pg), 0);
    p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    memset(p, 0x5a, pg);

    ck_assert_int_eq(shm_unlink(name), 0);
    ck_assert_msg(!exists(path), "%s still there", u8(path));
    ck_assert_int_eq(shm_open(name, O_RDONLY, 0), -1);
    ck_assert_int_eq(errno, ENOENT);
    /* the object lives on for its users */
    ck_assert(!mt_write_faults(p + pg - 1));
    ck_assert_int_eq(p[pg / 2], 0x5a);
    /* and the name is free for a new one */
    fd2 = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd2, 0);
    ck_assert_int_eq(lseek(fd2, 0, SEEK_END), 0);
    ck_assert_int_eq(close(fd2), 0);
    ck_assert_int_eq(shm_unlink(name), 0);

    ck_assert_int_eq(munmap(p, pg), 0);
    ck_assert_int_eq(close(fd), 0);
    /* another unlink sweeps what the first could not delete */
    name = unique("sweeper");
    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(shm_unlink(name), 0);
    ck_assert_uint_eq(tombstones(store), 0);
    free(path);
}
END_TEST
#endif

/* ---- 8. leaks ---- */

static DWORD handles(void)
{
    DWORD n = 0;

    GetProcessHandleCount(GetCurrentProcess(), &n);
    return n;
}

static void cycle(const char *name, size_t pg)
{
    char *p;
    int fd = shm_open(name, O_RDWR | O_CREAT, 0600);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)(2 * pg)), 0);
    p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    p[pg] = 1;
    ck_assert_int_eq(munmap(p, 2 * pg), 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(shm_unlink(name), 0);
}

/* O_ACCMODE as an access mode (no read, no write) gives an fd on Linux
 * that the C runtime cannot have: EINVAL, and nothing created. */
START_TEST(no_access_mode_is_einval)
{
    const char *name = unique("accmode");
    wchar_t *path = object_path(name);

    ck_assert_int_eq(shm_open(name, O_ACCMODE | O_CREAT, 0600), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_uint_eq(GetFileAttributesW(path), INVALID_FILE_ATTRIBUTES);
#ifdef MMAN_CE_RULES
    assert_gone(name); /* no generation either */
#endif
    ck_assert_int_eq(shm_open(name, O_RDWR, 0), -1);
    ck_assert_int_eq(errno, ENOENT);
    free(path);
}
END_TEST

START_TEST(thousand_cycles_leak_nothing)
{
    size_t pg = mt_page();
    const wchar_t *store = store_dir();
    char name[128], prefix[96];
    wchar_t pattern[300];
    struct listing left;
    DWORD h0, h1;
    int i;

    snprintf(prefix, sizeof prefix, "%s", unique("cycle"));
    for (i = 0; i < 10; i++) {
        snprintf(name, sizeof name, "%s-%d", prefix, i);
        cycle(name, pg);
    }
    h0 = handles();
    for (i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "%s-%d", prefix, i);
        cycle(name, pg);
    }
    h1 = handles();
    ck_assert_msg(h1 == h0, "handles: %lu before, %lu after",
                  (unsigned long)h0, (unsigned long)h1);
    /* nothing of ours in the store: no object, no tombstone */
    hex_path(pattern, 300, L"", prefix);
    wcscat(pattern, L"*");
    left = list_dir(store, pattern + 1);
    ck_assert_msg(left.n == 0, "left: %s", u8(left.n ? left.names[0] : L""));
    free_listing(&left);
#ifndef MMAN_CE_RULES
    /* (CE: its markers would be in that listing) */
    ck_assert_uint_eq(tombstones(store), 0);
#endif
}
END_TEST

/* ---- 9. random and hostile names in a store of their own ---- */

/* Sections 9 and 10 are desktop Windows only: each needs a store of
 * its own (MMAN_SHM_DIR; CE has one store, no environment), names of
 * up to 255 bytes (CE: ENAMETOOLONG past MAX_PATH, section 11), and 10
 * the security CE has not. Section 6 puts hostile names through the
 * CE store. */

#ifndef MMAN_CE_RULES
/* A deterministic generator (a 64-bit LCG, its high bits). */
static uint32_t next_random(uint64_t *state)
{
    *state = *state * 6364136223846793005u + 1442695040888963407u;
    return (uint32_t)(*state >> 33);
}
#endif

/* The bytes of a name after its leading slashes, as glibc sees them. */
static const char *bare_of(const char *name)
{
    while (*name == '/')
        name++;
    return name;
}

/* The store's file of a name, laid out as README says: the bytes in
 * lowercase hex, 64 bytes a component, directories "<hex>.d". Written
 * here anew, not taken from the library. */
static void layout(wchar_t *out, size_t size, const wchar_t *store,
                   const char *bare)
{
    size_t n = (size_t)swprintf(out, size, L"%ls", store), i;

    for (i = 0; bare[i]; i++) {
        if (i % 64 == 0)
            n += (size_t)swprintf(out + n, size - n, i ? L".d\\" : L"\\");
        n += (size_t)swprintf(out + n, size - n, L"%02x",
                              (unsigned)(unsigned char)bare[i]);
    }
}

#ifndef MMAN_CE_RULES
/* "\\?\" + the full path of a narrow path (malloc'd). */
static wchar_t *long_path(const char *path)
{
    wchar_t full[2048], *w;
    DWORD n = GetFullPathNameW(wide(path), 2048, full, NULL);

    ck_assert(n > 0 && n < 2048);
    w = malloc((n + 5) * sizeof *w);
    ck_assert_ptr_nonnull(w);
    swprintf(w, n + 5, L"\\\\?\\%ls", full);
    return w;
}

/* Up to 60 bytes of a name, readable in a message. */
static const char *shown(const char *name)
{
    static char buf[4][300];
    static unsigned k;
    char *b = buf[k++ % 4];
    size_t n = 0, i;

    for (i = 0; name[i] && i < 60; i++) {
        unsigned char c = (unsigned char)name[i];

        if (c >= 0x20 && c < 0x7f && c != '\\')
            b[n++] = (char)c;
        else
            n += (size_t)sprintf(b + n, "\\x%02x", c);
    }
    if (name[i])
        n += (size_t)sprintf(b + n, "...");
    b[n] = 0;
    return b;
}

/* Names no Windows file may have, or that mean something to a path.
 * Each may be a name of a POSIX object; each is one distinct object. */
static const char *const hostile_valid[] = {
    "/:", "/*", "/?", "/\"", "/<", "/>", "/|", "/\\",
    "/: * ? \" < > | \\",
    "/..\\..\\x", "/C:\\x", "/\\\\?\\C:\\x", "/\\\\.\\C:",
    "/CON", "/NUL", "/COM1", "/LPT1.txt", "/con.", "/a ", "/a.", "/a",
    "/A", "/x", "/X",
    "/CONIN$", "/CONOUT$", "/CLOCK$", "/COM\xc2\xb9", "/LPT\xc2\xb2",
    "/x::$DATA", "/x:stream", "/$MFT",
    /* ".." after one decoding or another */
    "/%2e%2e", "/.%2e", "/%2e.", "/%2E%2E%5Cx", "/2e2e", "/2e", "/..\\",
    "/...", "/. ", "/.. ", "/ ..", "/..\t", "/\xc0\xae\xc0\xae",
    "/\xc0\xae", "/\xe0\x80\xae\xe0\x80\xae", "/\xc0\xaf",
    "/..\xc0\xafx", "/\xef\xbc\x8f", "/\xef\xbc\xbc",
    "/\xef\xbc\x8e\xef\xbc\x8e", "/\xe2\x80\xa4\xe2\x80\xa4", "/\xc2\xa5",
    /* UTF-8, and what is not */
    "/\xc3\xa9t\xc3\xa9", "/\xe6\x97\xa5\xe6\x9c\xac", "/\xf0\x9f\x98\x80",
    "/\xff\xfe", "/\xfe\xff", "/\xed\xa0\x80", "/\xf4\x90\x80\x80",
    "/\x80", "/\xc3",
    /* environment, short names, the store's own names */
    "/%", "/%%", "/%TEMP%", "/%2f", "/%00", "/~1", "/PROGRA~1",
    "/MMAN-S~1", "/STORE~1", "/CANARY~1.TXT", "/deleted.1.1",
    "/deleted.*", "/mman-shm", "/store", "/canary.txt",
    "/..\\canary.txt", "/..\\..\\canary.txt", "/x.d", "/00", "/00.d",
    "/61", "/61.d", "/.d",
    /* control bytes and blanks */
    "/\x01", "/\x1f\x7f", "/a\tb", "/a\r\nb", "/ ", "/  ",
    /* without a slash, and with several */
    "no-slash", "///three-slashes",
};

/* Names glibc refuses: a '/' after the leading ones, nothing left, or
 * "." and "..", which it takes for the store directory itself. */
static const char *const hostile_invalid[] = {
    "", "/", "//", "/a/b", "/a/", "/./x", "/../x", "/..\\../x", "/x/..",
    "a/b", "/.", "/..", "//..", "..", "/\xc0\xae/",
};

/* What glibc gives for name: creating it (O_CREAT|O_EXCL), opening it,
 * unlinking it. 0s: a valid name. An unlink errno of -1: ENOENT or
 * ENAMETOOLONG (glibc 2.36 says ENOENT for the names of 260 bytes and
 * more that its buffer refuses, ENAMETOOLONG from the kernel below). */
static void expected_errors(const char *name, int *create, int *open_,
                            int *unlink_)
{
    const char *bare = bare_of(name);
    size_t n = strlen(bare);

    *create = *open_ = *unlink_ = 0;
    if (n == 0 || strchr(bare, '/')) {
        *create = *open_ = EINVAL;
        *unlink_ = ENOENT;
    } else if (n > 255) {
        /* the library: ENAMETOOLONG (README: glibc says EINVAL from
         * 260 on) */
        *create = *open_ = ENAMETOOLONG;
        *unlink_ = n < 260 ? ENAMETOOLONG : -1;
    } else if (strcmp(bare, ".") == 0 || strcmp(bare, "..") == 0) {
        *create = EEXIST;
        *open_ = EINVAL;
        *unlink_ = EISDIR;
    }
}

#define MAX_NAMES 800
#define RANDOM_NAMES 500

struct named {
    char s[320];
    int create, open_, unlink_;
};

static struct named names[MAX_NAMES];
static size_t nnames, nvalid, nrandom;

/* Whether bare is already the bare form of a valid name. */
static int taken(const char *bare)
{
    size_t i;

    for (i = 0; i < nnames; i++)
        if (!names[i].create && strcmp(bare_of(names[i].s), bare) == 0)
            return 1;
    return 0;
}

/* Adds name; 0 if it is a valid name already there. */
static int add_name(const char *name)
{
    struct named *r = &names[nnames];

    expected_errors(name, &r->create, &r->open_, &r->unlink_);
    if (!r->create && taken(bare_of(name)))
        return 0;
    snprintf(r->s, sizeof r->s, "%s", name);
    nvalid += !r->create;
    nnames++;
    return 1;
}

/* A name of "/" + n bytes of fill. */
static void add_filled(size_t n, char fill, const char *tail)
{
    char buf[320];

    buf[0] = '/';
    memset(buf + 1, fill, n);
    buf[n + 1] = 0;
    snprintf(buf + 1 + n - strlen(tail), sizeof buf - n, "%s", tail);
    add_name(buf);
}

/* The fixed names, then random ones: lengths 1 to 255 (each 50th of
 * 255 bytes, 254, 256, and the lengths where components change), bytes
 * 1 to 255 but '/'. Returns 0, or 1 if the fixed list has a duplicate
 * or a name in the wrong list. */
static int make_names(uint64_t seed)
{
    static const size_t edges[] = {255, 254, 256, 64, 65, 128, 129, 1,
                                   63,  192, 193};
    size_t i, j, len;
    char buf[320];

    nnames = nvalid = nrandom = 0;
    for (i = 0; i < sizeof hostile_valid / sizeof *hostile_valid; i++)
        if (!add_name(hostile_valid[i]) || names[nnames - 1].create)
            return 1;
    for (i = 0; i < sizeof hostile_invalid / sizeof *hostile_invalid; i++)
        if (!add_name(hostile_invalid[i]) || !names[nnames - 1].create)
            return 1;
    /* long ones: 255 and 254 dots, backslashes, "..\" over and over,
     * blanks, colons, 0xff; a name and its prefix at each component
     * edge (file "<hex>" beside directory "<hex>.d") */
    add_filled(255, '.', "");
    add_filled(254, '.', "");
    add_filled(255, '\\', "");
    for (i = 1; i < 256; i++)
        buf[i] = "..\\"[(i - 1) % 3];
    buf[0] = '/';
    buf[256] = 0;
    add_name(buf);
    add_filled(255, ' ', "");
    add_filled(255, ':', "");
    add_filled(255, (char)0xff, "");
    add_filled(200, 'x', "CON");
    for (i = 0; i < sizeof edges / sizeof *edges; i++)
        if (edges[i] < 256)
            add_filled(edges[i], 'x', "");
    add_filled(64, 'A', "");
    add_filled(64, 'a', "");
    add_filled(65, 'A', "");
    add_filled(65, 'a', "");
    /* too long: 256 to 260 bytes, and 300 */
    add_filled(256, 'x', "");
    add_filled(259, 'y', "");
    add_filled(260, 'z', "");
    add_filled(300, 'q', "");
    /* leading slashes do not count: 2 + 255 */
    buf[0] = buf[1] = '/';
    memset(buf + 2, 'w', 255);
    buf[257] = 0;
    add_name(buf);
    for (i = 0; i < RANDOM_NAMES && nnames < MAX_NAMES; i++) {
        do {
            len = i % 50 < sizeof edges / sizeof *edges
                      ? edges[i % 50]
                      : 1 + next_random(&seed) % 255;
            buf[0] = '/';
            for (j = 1; j <= len; j++)
                do
                    buf[j] = (char)(1 + next_random(&seed) % 255);
                while (buf[j] == '/');
            buf[len + 1] = 0;
        } while (!add_name(buf));
        nrandom++;
    }
    return 0;
}

/* What an object holds: its index, then its bare name. */
static size_t contents(size_t i, char *buf)
{
    const char *bare = bare_of(names[i].s);
    size_t n = strlen(bare);

    buf[0] = (char)(i & 0xff);
    buf[1] = (char)(i >> 8);
    memcpy(buf + 2, bare, n);
    return n + 2;
}

/* Whether fd (at its start) holds exactly i's contents. */
static int holds(int fd, size_t i)
{
    char want[320], got[400];
    size_t n = contents(i, want);

    return read(fd, got, sizeof got) == (int)n &&
           memcmp(got, want, n) == 0 && read(fd, got, 1) == 0;
}

/* Files (not directories) under dir, recursively. */
static size_t count_files(const wchar_t *dir)
{
    WIN32_FIND_DATAW found;
    wchar_t *spec = malloc(4096 * sizeof *spec);
    size_t n = 0;
    HANDLE search;

    if (!spec)
        return (size_t)-1;
    swprintf(spec, 4096, L"%ls\\*", dir);
    search = FindFirstFileW(spec, &found);
    if (search != INVALID_HANDLE_VALUE) {
        do {
            if (wcscmp(found.cFileName, L".") == 0 ||
                wcscmp(found.cFileName, L"..") == 0)
                continue;
            if (found.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
                swprintf(spec, 4096, L"%ls\\%ls", dir, found.cFileName);
                n += count_files(spec);
            } else {
                n++;
            }
        } while (FindNextFileW(search, &found));
        FindClose(search);
    }
    free(spec);
    return n;
}

static int failed(int code, const char *what, size_t i, int err)
{
    printf("random names: %s: #%u \"%s\" (%u bytes): errno %d\n", what,
           (unsigned)i, shown(names[i].s), (unsigned)strlen(names[i].s),
           err);
    return code;
}

/* "names SEED": in the store MMAN_SHM_DIR names (fresh), creates every
 * name, reads each back, then unlinks them all. 0, or the step that
 * failed (its reason printed). */
static int child_names(int argc, char **argv)
{
    const wchar_t *store;
    wchar_t *file;
    char buf[320], alias[330];
    size_t i, k, n;
    int err, fd;

    if (argc < 1)
        return 2;
    if (make_names(strtoull(argv[0], NULL, 0)))
        return 3;
    store = mman__shm_store(&err);
    file = malloc(4096 * sizeof *file);
    if (!store || !file)
        return 4;
    for (i = 0; i < nnames; i++) {
        errno = 0;
        fd = shm_open(names[i].s, O_RDWR | O_CREAT | O_EXCL, 0600);
        if (names[i].create) {
            if (fd >= 0 || errno != names[i].create)
                return failed(10, "create: not refused so", i,
                              fd >= 0 ? 0 : errno);
            fd = shm_open(names[i].s, O_RDWR, 0);
            if (fd >= 0 || errno != names[i].open_)
                return failed(11, "open: not refused so", i,
                              fd >= 0 ? 0 : errno);
            err = shm_unlink(names[i].s) == 0 ? 0 : errno;
            if (names[i].unlink_ < 0 ? err != ENOENT && err != ENAMETOOLONG
                                     : err != names[i].unlink_)
                return failed(12, "unlink: not refused so", i, err);
            continue;
        }
        if (fd < 0)
            return failed(13, "create", i, errno);
        n = contents(i, buf);
        if (write(fd, buf, (unsigned)n) != (int)n)
            return failed(14, "write", i, errno);
        if (close(fd) != 0)
            return failed(15, "close", i, errno);
        layout(file, 4096, store, bare_of(names[i].s));
        if (!is_file(file))
            return failed(16, "not at its place in the store", i, 0);
    }
    /* one file per valid name, and nothing else */
    if (count_files(store) != nvalid) {
        printf("random names: %u files in the store for %u names\n",
               (unsigned)count_files(store), (unsigned)nvalid);
        return 17;
    }
    /* every object holds its own name: no two names share one */
    for (i = 0; i < nnames; i++) {
        if (names[i].create)
            continue;
        fd = shm_open(names[i].s, O_RDONLY, 0);
        if (fd < 0)
            return failed(20, "reopen", i, errno);
        if (!holds(fd, i))
            return failed(21, "holds another's bytes", i, 0);
        close(fd);
        if (shm_open(names[i].s, O_RDWR | O_CREAT | O_EXCL, 0600) >= 0 ||
            errno != EEXIST)
            return failed(22, "created twice", i, errno);
        /* more leading slashes name the same object */
        if (i % 4 == 0) {
            snprintf(alias, sizeof alias, "//%s", bare_of(names[i].s));
            fd = shm_open(alias, O_RDONLY, 0);
            if (fd < 0)
                return failed(23, "reopen with \"//\"", i, errno);
            if (!holds(fd, i))
                return failed(24, "\"//\" opens another", i, 0);
            close(fd);
        }
    }
    for (i = k = 0; i < nnames; i++) {
        if (names[i].create)
            continue;
        if (shm_unlink(names[i].s) != 0)
            return failed(30, "unlink", i, errno);
        if (shm_unlink(names[i].s) == 0 || errno != ENOENT)
            return failed(31, "unlink twice: not ENOENT", i, errno);
        if (shm_open(names[i].s, O_RDONLY, 0) >= 0 || errno != ENOENT)
            return failed(32, "open after unlink: not ENOENT", i, errno);
        k++;
    }
    free(file);
    printf("NOTE: random names: %u names, %u objects made, read back and "
           "unlinked (%u random), %u refused with glibc's errno\n",
           (unsigned)nnames, (unsigned)k, (unsigned)nrandom,
           (unsigned)(nnames - nvalid));
    return k == nvalid && nrandom == RANDOM_NAMES ? 0 : 33;
}

/* A recursive snapshot of a directory: each entry's path below it,
 * kind, size and content hash. */
struct entry {
    wchar_t *rel;
    int dir;
    unsigned long long size;
    uint32_t hash;
};

struct snapshot {
    struct entry *e;
    size_t n;
};

static uint32_t hash_of(const wchar_t *path)
{
    HANDLE h = CreateFileW(path, GENERIC_READ,
                           FILE_SHARE_READ | FILE_SHARE_WRITE |
                               FILE_SHARE_DELETE,
                           NULL, OPEN_EXISTING, 0, NULL);
    uint32_t hash = 2166136261u;
    unsigned char buf[4096];
    DWORD got, i;

    ck_assert_msg(h != INVALID_HANDLE_VALUE, "open %s: %lu", u8(path),
                  GetLastError());
    while (ReadFile(h, buf, sizeof buf, &got, NULL) && got > 0)
        for (i = 0; i < got; i++)
            hash = (hash ^ buf[i]) * 16777619u;
    CloseHandle(h);
    return hash;
}

/* Adds what is below root\rel (rel may be empty) to s, leaving out
 * skip (a full path) and what is in it. */
static void walk(struct snapshot *s, const wchar_t *root, const wchar_t *rel,
                 const wchar_t *skip)
{
    WIN32_FIND_DATAW found;
    wchar_t spec[4096], full[4096], sub[4096];
    HANDLE search;

    swprintf(spec, 4096, *rel ? L"%ls\\%ls\\*" : L"%ls%ls\\*", root, rel);
    search = FindFirstFileW(spec, &found);
    if (search == INVALID_HANDLE_VALUE)
        return;
    do {
        struct entry *e;

        if (wcscmp(found.cFileName, L".") == 0 ||
            wcscmp(found.cFileName, L"..") == 0)
            continue;
        swprintf(sub, 4096, *rel ? L"%ls\\%ls" : L"%ls%ls", rel,
                 found.cFileName);
        swprintf(full, 4096, L"%ls\\%ls", root, sub);
        if (skip && _wcsicmp(full, skip) == 0)
            continue;
        s->e = realloc(s->e, (s->n + 1) * sizeof *s->e);
        ck_assert_ptr_nonnull(s->e);
        e = &s->e[s->n++];
        e->rel = _wcsdup(sub);
        e->dir = !!(found.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY);
        e->size = (unsigned long long)found.nFileSizeHigh << 32 |
                  found.nFileSizeLow;
        e->hash = e->dir ? 0 : hash_of(full);
        if (e->dir)
            walk(s, root, sub, skip);
    } while (FindNextFileW(search, &found));
    FindClose(search);
}

static struct snapshot snap(const wchar_t *root, const wchar_t *skip)
{
    struct snapshot s = {NULL, 0};

    walk(&s, root, L"", skip);
    return s;
}

static void free_snapshot(struct snapshot *s)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        free(s->e[i].rel);
    free(s->e);
}

static const struct entry *find_entry(const struct snapshot *s,
                                      const wchar_t *rel)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        if (wcscmp(s->e[i].rel, rel) == 0)
            return &s->e[i];
    return NULL;
}

/* Asserts that after holds what before did, unchanged, and no more. */
static void assert_same(const struct snapshot *before,
                        const struct snapshot *after, const wchar_t *root)
{
    size_t i;

    for (i = 0; i < after->n; i++)
        ck_assert_msg(find_entry(before, after->e[i].rel) != NULL,
                      "made outside the store: %s\\%s", u8(root),
                      u8(after->e[i].rel));
    for (i = 0; i < before->n; i++) {
        const struct entry *b = &before->e[i],
                           *a = find_entry(after, b->rel);

        ck_assert_msg(a != NULL, "deleted outside the store: %s\\%s",
                      u8(root), u8(b->rel));
        ck_assert_msg(a->dir == b->dir && a->size == b->size &&
                          a->hash == b->hash,
                      "changed outside the store: %s\\%s (size %lu -> "
                      "%lu)",
                      u8(root), u8(b->rel), (unsigned long)b->size,
                      (unsigned long)a->size);
    }
}

static void canary(const char *dir, const char *name, size_t size,
                   unsigned seed)
{
    char path[1024];
    int fd;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    fd = mt_make_file(path, size, seed);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(close(fd), 0);
}

/* Removes dir and everything in it; strict: asserting that it can. */
static void remove_tree_as(const wchar_t *dir, int strict)
{
    WIN32_FIND_DATAW found;
    wchar_t spec[4096];
    HANDLE search;

    swprintf(spec, 4096, L"%ls\\*", dir);
    search = FindFirstFileW(spec, &found);
    if (search != INVALID_HANDLE_VALUE) {
        do {
            if (wcscmp(found.cFileName, L".") == 0 ||
                wcscmp(found.cFileName, L"..") == 0)
                continue;
            swprintf(spec, 4096, L"%ls\\%ls", dir, found.cFileName);
            if (found.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
                remove_tree_as(spec, strict);
            } else {
                SetFileAttributesW(spec, FILE_ATTRIBUTE_NORMAL);
                if (!DeleteFileW(spec) && strict)
                    ck_abort_msg("delete %s: %lu", u8(spec),
                                 GetLastError());
            }
        } while (FindNextFileW(search, &found));
        FindClose(search);
    }
    if (!RemoveDirectoryW(dir) && strict)
        ck_abort_msg("rmdir %s: %lu", u8(dir), GetLastError());
}

static void remove_tree(const wchar_t *dir)
{
    remove_tree_as(dir, 1);
}

/* Trees made by the tests below, removed at exit when a failed test
 * left them. */
static wchar_t *trees[4];
static unsigned ntrees;

static void remove_trees(void)
{
    unsigned i;

    for (i = 0; i < ntrees; i++)
        if (exists(trees[i]))
            remove_tree_as(trees[i], 0);
}

static void remove_at_exit(const wchar_t *dir)
{
    if (ntrees == 0)
        atexit(remove_trees);
    if (ntrees < sizeof trees / sizeof *trees)
        trees[ntrees++] = _wcsdup(dir);
}

START_TEST(random_names_stay_in_store)
{
    const char *root = mt_path("names");
    char dir[1024], sub[1024], top[1024], *cut;
    wchar_t old_cwd[2048], *wtop, *wstore, *wroot;
    struct snapshot before, after, left;
    int rc, had_c_x = exists(L"C:\\x");

    /* root holds canaries (one named as "..\..\x" from the child's
     * working directory would land), a canary directory, and the store
     * (made by the library); so does the temporary directory */
    ck_assert_int_eq(_mkdir(root), 0);
    wroot = long_path(root);
    remove_at_exit(wroot);
    canary(root, "canary.txt", 3000, 41);
    canary(root, "x", 100, 42);
    canary(root, "deleted.1.1", 5, 43);
    snprintf(dir, sizeof dir, "%s/canary-dir", root);
    ck_assert_int_eq(_mkdir(dir), 0);
    canary(dir, "x", 77, 44);
    canary(dir, "inner.bin", 70000, 45);
    snprintf(sub, sizeof sub, "%s/sub", dir);
    ck_assert_int_eq(_mkdir(sub), 0);
    canary(sub, "y", 10, 46);
    snprintf(top, sizeof top, "%s", root);
    cut = strrchr(top, '/');
    ck_assert_ptr_nonnull(cut);
    *cut = 0;
    (void)mt_path("names-neighbour"); /* removed at exit if left */
    canary(top, "names-neighbour", 1234, 47);
    snprintf(dir, sizeof dir, "%s/store", root);
    wtop = long_path(top);
    wstore = long_path(dir);
    ck_assert(!exists(wstore));
    before = snap(wtop, wstore);
    ck_assert_uint_ge(before.n, 8);

    ck_assert(GetCurrentDirectoryW(2048, old_cwd) > 0);
    ck_assert_int_eq(_chdir(sub), 0);
    rc = run_in_store(dir, "names", "0x5eed2024", NULL);
    ck_assert(SetCurrentDirectoryW(old_cwd));
    ck_assert_msg(rc == 0, "child: %d (its output says why)", rc);

    /* everything outside the store as it was */
    after = snap(wtop, wstore);
    assert_same(&before, &after, wtop);
    if (!had_c_x)
        ck_assert(!exists(L"C:\\x"));
    /* the store: there, and empty (no object, tombstone or directory) */
    ck_assert_msg(is_dir(wstore), "no store %s", u8(wstore));
    left = snap(wstore, NULL);
    ck_assert_msg(left.n == 0, "left in the store: %s",
                  u8(left.n ? left.e[0].rel : L""));
    free_snapshot(&before);
    free_snapshot(&after);
    free_snapshot(&left);
    remove_tree(wroot);
    snprintf(dir, sizeof dir, "%s/names-neighbour", top);
    ck_assert_int_eq(unlink(dir), 0);
    free(wtop);
    free(wroot);
    free(wstore);
}
END_TEST

/* ---- 10. the security of the store and of each object ---- */

static int on_wine(void)
{
    HMODULE ntdll = GetModuleHandleA("ntdll.dll");

    return ntdll && GetProcAddress(ntdll, "wine_get_version") != NULL;
}

/* The objects: plain, read-only, in two and in three "<hex>.d"
 * directories, a device name. */
#define SD_OBJECTS 5

static void sd_name(unsigned i, char *buf)
{
    static const char *const fixed[] = {"/sd-plain", "/sd-read-only",
                                        NULL, NULL, "/CON"};
    uint64_t seed = 777;
    size_t j;

    if (fixed[i]) {
        strcpy(buf, fixed[i]);
    } else if (i == 2) {
        strcpy(buf, "/sd-long-");
        for (j = strlen(buf); j < 151; j++)
            buf[j] = (char)('a' + j % 26);
        buf[j] = 0;
    } else {
        buf[0] = '/';
        for (j = 1; j <= 255; j++)
            do
                buf[j] = (char)(1 + next_random(&seed) % 255);
            while (buf[j] == '/');
        buf[256] = 0;
    }
}

/* "objects create|unlink": the objects of sd_name in the store
 * MMAN_SHM_DIR names. */
static int child_objects(int argc, char **argv)
{
    char name[300];
    unsigned i;
    int fd;

    if (argc < 1)
        return 2;
    for (i = 0; i < SD_OBJECTS; i++) {
        sd_name(i, name);
        if (strcmp(argv[0], "unlink") == 0) {
            if (shm_unlink(name) != 0)
                return 10 + i;
            continue;
        }
        fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, i == 1 ? 0444 : 0600);
        if (fd < 0)
            return 20 + i;
        if (write(fd, "s", 1) != 1 || close(fd) != 0)
            return 30 + i;
    }
    return 0;
}

enum sd_kind { SD_STORE, SD_SUBDIR, SD_OBJECT };

/* Asserts that path's DACL gives access to the user alone. Where the
 * system keeps DACLs: a DACL of allow entries for the user only, each
 * with full access; the store's protected from inheritance and passed
 * on to what is made in it, what is below either protected too or
 * inheriting (from the store). Under Wine, which keeps only the Unix
 * permission bits and shows them as a DACL (SYSTEM, the owner, Everyone
 * for the "other" bits), no access for anyone but the user and SYSTEM,
 * full access to the directories. Objects are read with
 * GetFileSecurityW, directories with GetNamedSecurityInfoW. */
static void assert_sd_owner_only(const wchar_t *path, enum sd_kind kind,
                                 PSID user, int kept)
{
    SECURITY_INFORMATION si = DACL_SECURITY_INFORMATION;
    SID_IDENTIFIER_AUTHORITY nt = {SECURITY_NT_AUTHORITY};
    PSECURITY_DESCRIPTOR sd = NULL;
    SECURITY_DESCRIPTOR_CONTROL control = 0;
    BOOL present = FALSE, defaulted;
    DWORD revision, i, users = 0, inherited = 0;
    PSID system = NULL;
    PACL dacl = NULL;
    wchar_t *text = NULL;
    void *owned = NULL;

    if (kind == SD_OBJECT) {
        DWORD need = 0;

        GetFileSecurityW(path, si, NULL, 0, &need);
        ck_assert_msg(need > 0, "GetFileSecurityW %s: %lu", u8(path),
                      GetLastError());
        sd = owned = malloc(need);
        ck_assert_ptr_nonnull(sd);
        ck_assert(GetFileSecurityW(path, si, sd, need, &need));
        ck_assert(GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted));
    } else {
        DWORD err = GetNamedSecurityInfoW(path, SE_FILE_OBJECT, si, NULL,
                                          NULL, &dacl, NULL, &sd);

        ck_assert_msg(err == ERROR_SUCCESS, "GetNamedSecurityInfoW %s: %lu",
                      u8(path), err);
        present = TRUE;
    }
    ConvertSecurityDescriptorToStringSecurityDescriptorW(
        sd, SDDL_REVISION_1, si, &text, NULL);
    ck_assert_msg(present && dacl, "%s: no DACL (everyone may): %s",
                  u8(path), u8(text));
    ck_assert(GetSecurityDescriptorControl(sd, &control, &revision));
    if (kept && kind == SD_STORE)
        ck_assert_msg(control & SE_DACL_PROTECTED, "%s: not protected: %s",
                      u8(path), u8(text));
    ck_assert(AllocateAndInitializeSid(&nt, 1, SECURITY_LOCAL_SYSTEM_RID, 0,
                                       0, 0, 0, 0, 0, 0, &system));
    for (i = 0; i < dacl->AceCount; i++) {
        ACCESS_ALLOWED_ACE *ace;
        BYTE flags;
        PSID sid;

        ck_assert(GetAce(dacl, i, (void **)&ace));
        flags = ace->Header.AceFlags;
        /* Wine denies the owner what it lacks and the others have;
         * denying never gives access */
        if (!kept && ace->Header.AceType == ACCESS_DENIED_ACE_TYPE)
            continue;
        ck_assert_msg(ace->Header.AceType == ACCESS_ALLOWED_ACE_TYPE,
                      "%s: entry %lu of type %u: %s", u8(path), i,
                      ace->Header.AceType, u8(text));
        sid = &ace->SidStart;
        if (!kept && EqualSid(sid, system))
            continue;
        ck_assert_msg(EqualSid(sid, user), "%s: access for another: %s",
                      u8(path), u8(text));
        users++;
        if (kept || kind != SD_OBJECT)
            ck_assert_msg((ace->Mask & FILE_ALL_ACCESS) == FILE_ALL_ACCESS,
                          "%s: not full access: %s", u8(path), u8(text));
        else
            ck_assert_msg(ace->Mask & FILE_READ_DATA, "%s: unreadable: %s",
                          u8(path), u8(text));
        if (!kept)
            continue;
        if (kind != SD_OBJECT)
            ck_assert_msg((flags & (OBJECT_INHERIT_ACE |
                                    CONTAINER_INHERIT_ACE)) ==
                              (OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE),
                          "%s: not passed on: %s", u8(path), u8(text));
        if (kind == SD_STORE)
            ck_assert_msg(!(flags & INHERITED_ACE),
                          "%s: inherited from above: %s", u8(path),
                          u8(text));
        inherited += !!(flags & INHERITED_ACE);
    }
    ck_assert_msg(users > 0, "%s: the user may not: %s", u8(path),
                  u8(text));
    /* below the store: shut off from what is above it, or taking what
     * it has from the store (which is) */
    if (kept && kind != SD_STORE)
        ck_assert_msg((control & SE_DACL_PROTECTED) || inherited > 0,
                      "%s: neither protected nor inherited: %s", u8(path),
                      u8(text));
    FreeSid(system);
    LocalFree(text);
    if (owned)
        free(owned);
    else
        LocalFree(sd);
}

START_TEST(store_and_every_object_owner_only)
{
    const char *dir = mt_path("sd-store");
    wchar_t *store = long_path(dir), *path = malloc(4096 * sizeof *path);
    PSID user = user_sid();
    int kept = dacls_kept(user);
    unsigned i, checked = 0;
    char name[300];
    size_t j, n;

    ck_assert_ptr_nonnull(path);
    /* not keeping DACLs is Wine's doing: anywhere else, the full check
     * (it cannot pass for want of DACLs) */
    ck_assert_msg(kept || on_wine(), "this system drops DACLs and is not "
                                     "Wine");
    if (!kept)
        printf("NOTE: under Wine, which keeps Unix permission bits only, "
               "the store and each object are checked for no access "
               "but the owner's (and SYSTEM's)\n");
    ck_assert(!exists(store));
    remove_at_exit(store);
    ck_assert_int_eq(run_in_store(dir, "objects", "create", NULL), 0);
    assert_sd_owner_only(store, SD_STORE, user, kept);
    checked++;
    for (i = 0; i < SD_OBJECTS; i++) {
        const char *bare;

        sd_name(i, name);
        bare = bare_of(name);
        n = strlen(bare);
        layout(path, 4096, store, bare);
        /* each "<hex>.d" directory on the way */
        for (j = 64; j < n; j += 64) {
            wchar_t *d = wcsstr(path + wcslen(store), L".d\\");
            size_t k;

            for (k = 64; k < j; k += 64)
                d = wcsstr(d + 3, L".d\\");
            ck_assert_ptr_nonnull(d);
            d[2] = 0;
            ck_assert_msg(is_dir(path), "no %s", u8(path));
            assert_sd_owner_only(path, SD_SUBDIR, user, kept);
            d[2] = L'\\';
            checked++;
        }
        ck_assert_msg(is_file(path), "no %s", u8(path));
        assert_sd_owner_only(path, SD_OBJECT, user, kept);
        checked++;
    }
    /* the store, 5 objects, 2 + 3 directories */
    ck_assert_uint_eq(checked, 1 + SD_OBJECTS + 2 + 3);
    ck_assert_int_eq(run_in_store(dir, "objects", "unlink", NULL), 0);
    ck_assert_uint_eq(count_files(store), 0);
    remove_tree(store);
    free(path);
    free(store);
    free(user);
}
END_TEST

#endif /* sections 9 and 10: desktop only */

/* ---- 11. Windows CE: one store, generations, MAX_PATH ---- */

#ifdef MMAN_CE_RULES
/* Remembers a name made here so that it is unlinked at exit. */
static const char *keep_name(const char *name)
{
    char *copy = strdup(name);

    ck_assert_ptr_nonnull(copy);
    if (nmade == 0)
        atexit(unlink_made);
    ck_assert_uint_lt(nmade, sizeof made / sizeof *made);
    made[nmade++] = copy;
    return copy;
}

/* CE has no environment and no per-user folders: the store is
 * "mman-shm" in the temporary directory, a plain absolute path (CE has
 * no "\\?\" form); an object is generation 1 of a new name. */
START_TEST(store_is_mman_shm_in_temporary_directory)
{
    const char *name = unique("place");
    wchar_t temp[MAX_PATH + 2], want[MAX_PATH + 16], hex[1024];
    struct generations gens;
    wchar_t *file;
    DWORD n = GetTempPathW(MAX_PATH + 1, temp);
    int fd;

    ck_assert(n > 0 && n <= MAX_PATH);
    swprintf(want, MAX_PATH + 16, L"%ls%lsmman-shm", temp,
             temp[n - 1] == L'\\' ? L"" : L"\\");
    ck_assert_msg(wcscmp(store_dir(), want) == 0, "store %s, not %s",
                  u8(store_dir()), u8(want));
    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert(is_dir(want));
    gens = generations_of(name);
    ck_assert_uint_eq(gens.live, 1);
    ck_assert_uint_eq(gens.files, 1);
    ck_assert_uint_eq(gens.markers, 0);
    hex_path(hex, 1024, want, name);
    wcscat(hex, L".1");
    file = generation_file(name, 1, 0);
    ck_assert_msg(wcscmp(file, hex) == 0, "%s, not %s", u8(file), u8(hex));
    ck_assert(is_file(hex));
    ck_assert_int_eq(shm_unlink(name), 0);
    ck_assert(!exists(hex));
    assert_gone(name);
    free(file);
}
END_TEST

/* POSIX: shm_unlink removes the name at once, also while the object is
 * open. CE cannot delete the open file: it stays, with a marker; the
 * name is gone all the same, and the object lives on for its user. */
START_TEST(unlink_of_open_object_leaves_a_marker)
{
    const char *name = unique("marked");
    struct generations gens;
    wchar_t *file, *marker;
    unsigned long g;
    char buf[8];
    int fd;

    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "old", 3), 3);
    g = generations_of(name).live;
    ck_assert_uint_gt(g, 0);
    file = generation_file(name, g, 0);
    marker = generation_file(name, g, 1);

    ck_assert_int_eq(shm_unlink(name), 0);
    ck_assert_msg(is_file(file), "no %s", u8(file));
    ck_assert_msg(is_file(marker), "no %s", u8(marker));
    gens = generations_of(name);
    ck_assert_uint_eq(gens.live, 0);
    ck_assert_uint_eq(gens.markers, 1);
    errno = 0;
    ck_assert_int_eq(shm_open(name, O_RDONLY, 0), -1);
    ck_assert_int_eq(errno, ENOENT);
    errno = 0;
    ck_assert_int_eq(shm_open(name, O_RDWR, 0), -1);
    ck_assert_int_eq(errno, ENOENT);
    errno = 0;
    ck_assert_int_eq(shm_unlink(name), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_eq(mt_pread(fd, buf, sizeof buf, 0), 3);
    ck_assert_mem_eq(buf, "old", 3);

    /* closed, the file goes at the next sweep: this shm_unlink's,
     * though it finds no object */
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(shm_unlink(name), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert(!exists(file));
    ck_assert(!exists(marker));
    assert_gone(name);
    free(file);
    free(marker);
}
END_TEST

/* POSIX: after the unlink, O_CREAT|O_EXCL makes a new, empty object
 * while the old one keeps its data for those who hold it. On CE the
 * new one is the next generation. */
START_TEST(o_excl_after_unlink_makes_next_generation)
{
    const char *name = unique("next");
    struct generations gens;
    struct stat st;
    unsigned long g;
    char buf[16];
    int fd, fresh, again;

    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "old data", 8), 8);
    g = generations_of(name).live;
    ck_assert_int_eq(shm_unlink(name), 0);

    fresh = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fresh, 0);
    gens = generations_of(name);
    ck_assert_uint_eq(gens.live, g + 1);
    ck_assert_uint_eq(gens.highest, g + 1);
    ck_assert_uint_eq(gens.files, 2);
    ck_assert_uint_eq(gens.markers, 1);
    ck_assert_int_eq(fstat(fresh, &st), 0);
    ck_assert_int_eq(st.st_size, 0);
    ck_assert_int_eq(write(fresh, "new", 3), 3);
    /* the old object, through its descriptor */
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert_int_eq(st.st_size, 8);
    ck_assert_int_eq(mt_pread(fd, buf, sizeof buf, 0), 8);
    ck_assert_mem_eq(buf, "old data", 8);
    /* the name gives the new one, with and without O_CREAT */
    errno = 0;
    ck_assert_int_eq(shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600), -1);
    ck_assert_int_eq(errno, EEXIST);
    again = shm_open(name, O_RDWR | O_CREAT, 0600);
    ck_assert_int_ge(again, 0);
    ck_assert_int_eq(mt_pread(again, buf, sizeof buf, 0), 3);
    ck_assert_mem_eq(buf, "new", 3);
    ck_assert_int_eq(close(again), 0);
    again = shm_open(name, O_RDONLY, 0);
    ck_assert_int_ge(again, 0);
    ck_assert_int_eq(mt_pread(again, buf, sizeof buf, 0), 3);
    ck_assert_int_eq(close(again), 0);

    ck_assert_int_eq(close(fresh), 0);
    ck_assert_int_eq(close(fd), 0);
    /* the new one is deleted at once, the old one by the sweep */
    ck_assert_int_eq(shm_unlink(name), 0);
    assert_gone(name);
}
END_TEST

/* The storage of an unlinked object is freed at the first sweep (every
 * shm_unlink, every shm_open with O_CREAT, in the directory of its
 * name) after its last user let go: neither while a descriptor nor
 * while a mapping holds it. */
START_TEST(sweep_frees_storage_after_last_user)
{
    const char *name = unique("swept"), *other = unique("sweeper");
    size_t pg = mt_page();
    wchar_t *file, *marker;
    unsigned char *p;
    unsigned long g;
    int fd, fd2;

    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)pg), 0);
    p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    memcpy(p, "mapped", 6);
    g = generations_of(name).live;
    file = generation_file(name, g, 0);
    marker = generation_file(name, g, 1);
    ck_assert_int_eq(shm_unlink(name), 0);

    /* open and mapped: a sweep (O_CREAT of another name) keeps it */
    fd2 = shm_open(other, O_RDWR | O_CREAT, 0600);
    ck_assert_int_ge(fd2, 0);
    ck_assert_int_eq(close(fd2), 0);
    ck_assert(is_file(file) && is_file(marker));
    /* mapped only: kept */
    ck_assert_int_eq(close(fd), 0);
    fd2 = shm_open(other, O_RDWR | O_CREAT, 0600);
    ck_assert_int_ge(fd2, 0);
    ck_assert_int_eq(close(fd2), 0);
    ck_assert(is_file(file) && is_file(marker));
    ck_assert_mem_eq(p, "mapped", 6);
    /* let go: the next sweep (a shm_unlink) takes both */
    ck_assert_int_eq(munmap(p, pg), 0);
    ck_assert(is_file(file) && is_file(marker));
    ck_assert_int_eq(shm_unlink(other), 0);
    ck_assert_msg(!exists(file), "%s left", u8(file));
    ck_assert_msg(!exists(marker), "%s left", u8(marker));
    assert_gone(name);
    assert_gone(other);
    free(file);
    free(marker);
}
END_TEST

/* POSIX: an object persists with no process holding it. On CE it is
 * its file, which nothing deletes before shm_unlink. */
START_TEST(object_outlives_creating_process)
{
    const char *name = unique("outlive");
    size_t pg = mt_page();
    struct generations gens;
    void *p;
    int fd;

    ck_assert_int_eq(mt_run_child("create", name, "61", NULL), 0);
    gens = generations_of(name);
    ck_assert_uint_gt(gens.live, 0);
    ck_assert_uint_eq(gens.files, 1);
    ck_assert_uint_eq(gens.markers, 0);
    ck_assert_int_eq(mt_run_child("read", name, "61", NULL), 0);
    fd = shm_open(name, O_RDONLY, 0);
    ck_assert_int_ge(fd, 0);
    p = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert(mt_is_pattern(p, pg, 0, 61));
    ck_assert_int_eq(munmap(p, pg), 0);
    ck_assert_int_eq(close(fd), 0);
    /* unlinked by a third process, when nobody holds it: deleted */
    ck_assert_int_eq(mt_run_child("unlink", name, NULL), 0);
    assert_gone(name);
    ck_assert_int_eq(mt_run_child("read", name, "61", NULL), 3);
}
END_TEST

/* Processes that create, open and unlink one name at once: each open
 * finds the live generation or makes the next (a lost race is tried
 * again, never an error), each unlink ends one, and once all are done
 * and a last sweep has run, nothing of the name is left. */
START_TEST(racing_processes_share_generations)
{
    const char *name = unique("race");
    intptr_t child[3];
    size_t i;
    int fd;

    for (i = 0; i < 3; i++) {
        child[i] = mt_start_child("race", name, "150", NULL);
        ck_assert(child[i] != -1);
    }
    for (i = 0; i < 3; i++)
        ck_assert_int_eq(mt_wait(child[i]), 0);
    ck_assert_uint_eq(generations_of(name).live, 0);
    /* the last sweep: an O_CREAT and its unlink */
    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(shm_unlink(name), 0);
    assert_gone(name);
}
END_TEST

/* CE paths are at most MAX_PATH characters: a name whose path in the
 * store, with the longest generation suffix, is longer is ENAMETOOLONG
 * (README, "Windows CE"), whatever is asked, and leaves nothing. */
START_TEST(names_too_long_for_max_path_are_enametoolong)
{
    const wchar_t *store = store_dir();
    const char *first;
    char name[300];
    wchar_t path[2048], *file;
    size_t n, fit = 0;
    int fd;

    /* the longest that fits: "/winshm-long-..." and 'x's */
    snprintf(name, sizeof name, "%s", unique("long"));
    for (n = strlen(name); n <= 256; n++) {
        memset(name + strlen(name), 'x', n - strlen(name));
        name[n] = 0;
        layout(path, 2048, store, bare_of(name));
        if (path_fits(path))
            fit = n;
    }
    ck_assert_msg(fit > 0 && fit < 256, "fits: %u bytes", (unsigned)fit);
    printf("NOTE: in the store %s, names of up to %u bytes fit in "
           "MAX_PATH\n",
           u8(store), (unsigned)fit - 1);
    name[fit] = 0;
    first = keep_name(name);
    fd = shm_open(first, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_msg(fd >= 0, "%u bytes: errno %d", (unsigned)fit - 1, errno);
    ck_assert_int_eq(close(fd), 0);
    file = object_file(first);
    ck_assert_uint_lt(wcslen(file), MAX_PATH);
    ck_assert(is_file(file));
    free(file);
    ck_assert_int_eq(shm_unlink(first), 0);
    assert_gone(first);

    /* one byte more, and 255 */
    name[fit] = 'x';
    name[fit + 1] = 0;
    refused_as_too_long(keep_name(name));
    memset(name + fit, 'x', 256 - fit);
    name[256] = 0;
    refused_as_too_long(keep_name(name));
    /* no directory of a long name left behind either */
    layout(path, 2048, store, bare_of(name));
    *wcsstr(path + wcslen(store), L".d\\") = 0;
    wcscat(path, L".d");
    ck_assert_msg(!exists(path), "%s left", u8(path));
}
END_TEST
#endif

int main(int argc, char **argv)
{
    Suite *s = suite_create("win_shm");
    TCase *tc = tcase_create("store");
    int err;

    /* This process's store, fixed before any test changes the
     * environment. */
    mman__shm_store(&err);
    mt_child("create", child_create);
    mt_child("read", child_read);
    mt_child("unlink", child_unlink);
#ifdef MMAN_CE_RULES
    mt_child("race", child_race);
#else
    mt_child("try", child_try);
    mt_child("names", child_names);
    mt_child("objects", child_objects);
#endif
    tcase_set_timeout(tc, 600);
#ifndef MMAN_CE_RULES
    tcase_add_test(tc, store_ignores_tmp_and_temp);
    tcase_add_test(tc, shm_dir_moves_store_made_when_missing);
    tcase_add_test(tc, shm_dir_existing_keeps_its_security);
    tcase_add_test(tc, store_under_missing_parent_fails_cleanly);
    tcase_add_test(tc, store_naming_a_file_fails_cleanly);
    tcase_add_test(tc, store_and_objects_for_owner_only);
#endif
    tcase_add_test(tc, objects_are_temporary_and_read_only_without_write_bits);
    tcase_add_test(tc, hostile_names_stay_in_store);
#ifndef MMAN_CE_RULES
    tcase_add_test(tc, unlink_while_mapped_leaves_nothing);
#endif
    tcase_add_test(tc, no_access_mode_is_einval);
    tcase_add_test(tc, thousand_cycles_leak_nothing);
#ifndef MMAN_CE_RULES
    tcase_add_test(tc, random_names_stay_in_store);
    tcase_add_test(tc, store_and_every_object_owner_only);
#else
    tcase_add_test(tc, store_is_mman_shm_in_temporary_directory);
    tcase_add_test(tc, unlink_of_open_object_leaves_a_marker);
    tcase_add_test(tc, o_excl_after_unlink_makes_next_generation);
    tcase_add_test(tc, sweep_frees_storage_after_last_user);
    tcase_add_test(tc, object_outlives_creating_process);
    tcase_add_test(tc, racing_processes_share_generations);
    tcase_add_test(tc, names_too_long_for_max_path_are_enametoolong);
#endif
    suite_add_tcase(s, tc);
    return mt_main(argc, argv, s);
}
