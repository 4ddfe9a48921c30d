/* Windows-only: where shm_open's objects live and how they are guarded.
 * The store is one directory per user (TMP and TEMP do not move it;
 * MMAN_SHM_DIR does), made with a DACL for the user alone; objects are
 * temporary files, read-only when their mode has no write bits; no name
 * reaches outside the store; unlinked objects leave nothing behind. */
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

/* ---- 5. attributes ---- */

START_TEST(objects_are_temporary_and_read_only_without_write_bits)
{
    const char *rw = unique("rw"), *ro = unique("ro");
    wchar_t *rw_path = object_path(rw), *ro_path = object_path(ro);
    int fd;
    DWORD a;

    fd = shm_open(rw, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(close(fd), 0);
    a = attributes(rw_path);
    ck_assert(a != INVALID_FILE_ATTRIBUTES);
    if (temporary_kept())
        ck_assert_msg(a & FILE_ATTRIBUTE_TEMPORARY, "0600: attributes %#lx",
                      a);
    ck_assert_msg(!(a & FILE_ATTRIBUTE_READONLY), "0600: attributes %#lx", a);

    fd = shm_open(ro, O_RDWR | O_CREAT | O_EXCL, 0444);
    ck_assert_int_ge(fd, 0);
    /* the creator still writes through its descriptor */
    ck_assert_int_eq(ftruncate(fd, 100), 0);
    ck_assert_int_eq(close(fd), 0);
    a = attributes(ro_path);
    ck_assert(a != INVALID_FILE_ATTRIBUTES);
    if (temporary_kept())
        ck_assert_msg(a & FILE_ATTRIBUTE_TEMPORARY, "0444: attributes %#lx",
                      a);
    ck_assert_msg(a & FILE_ATTRIBUTE_READONLY, "0444: attributes %#lx", a);

    ck_assert_int_eq(shm_unlink(rw), 0);
    ck_assert_int_eq(shm_unlink(ro), 0);
    ck_assert(!exists(rw_path));
    ck_assert(!exists(ro_path));
    free(rw_path);
    free(ro_path);
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

static void one_hostile(const char *name)
{
    const wchar_t *store = store_dir();
    size_t n = wcslen(store);
    wchar_t *path = object_path(name), first[1024];
    const char *bare = name;
    int fd;

    while (*bare == '/')
        bare++;
    ck_assert_msg(wcsncmp(path, store, n) == 0 && path[n] == L'\\' &&
                      tame(path + n + 1),
                  "%s -> %s", name, u8(path));
    /* a left-over of an earlier run that died */
    shm_unlink(name);
    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_msg(fd >= 0, "%s: errno %d", name, errno);
    ck_assert_int_eq(ftruncate(fd, 10), 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_msg(is_file(path), "%s: no %s", name, u8(path));
    /* the same object again by name */
    fd = shm_open(name, O_RDONLY, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(close(fd), 0);

    ck_assert_msg(shm_unlink(name) == 0, "%s: errno %d", name, errno);
    ck_assert(!exists(path));
    ck_assert_int_eq(shm_open(name, O_RDONLY, 0), -1);
    ck_assert_int_eq(errno, ENOENT);
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
    ck_assert_uint_eq(tombstones(store), 0);
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
    ck_assert_uint_eq(tombstones(store), 0);
}
END_TEST

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
    mt_child("try", child_try);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, store_ignores_tmp_and_temp);
    tcase_add_test(tc, shm_dir_moves_store_made_when_missing);
    tcase_add_test(tc, shm_dir_existing_keeps_its_security);
    tcase_add_test(tc, store_under_missing_parent_fails_cleanly);
    tcase_add_test(tc, store_naming_a_file_fails_cleanly);
    tcase_add_test(tc, store_and_objects_for_owner_only);
    tcase_add_test(tc, objects_are_temporary_and_read_only_without_write_bits);
    tcase_add_test(tc, hostile_names_stay_in_store);
    tcase_add_test(tc, unlink_while_mapped_leaves_nothing);
    tcase_add_test(tc, no_access_mode_is_einval);
    tcase_add_test(tc, thousand_cycles_leak_nothing);
    suite_add_tcase(s, tc);
    return mt_main(argc, argv, s);
}
