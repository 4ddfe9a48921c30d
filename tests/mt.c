/* Test helpers: see mt.h. */
#define _GNU_SOURCE 1
#include "mt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef _WIN32
#include <windows.h>
#include <direct.h>
#include <process.h>
#else
#include <spawn.h>
#include <sys/wait.h>
extern char **environ;
#endif

/* ---- temporary files ---- */

static char tmpdir[512];
static char **paths;
static size_t npaths;

static void cleanup(void)
{
    size_t i;

    for (i = 0; i < npaths; i++) {
        unlink(paths[i]);
        free(paths[i]);
    }
    free(paths);
    if (tmpdir[0])
        rmdir(tmpdir);
}

static const char *dir(void)
{
    if (tmpdir[0])
        return tmpdir;
#ifdef _WIN32
    {
        char base[MAX_PATH];
        static unsigned n;

        GetTempPathA(sizeof base, base);
        do {
            snprintf(tmpdir, sizeof tmpdir, "%smt-%lu-%u", base,
                     (unsigned long)GetCurrentProcessId(), n++);
        } while (_mkdir(tmpdir) != 0);
    }
#else
    strcpy(tmpdir, "/tmp/mt-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        exit(99);
    }
#endif
    atexit(cleanup);
    return tmpdir;
}

/* Threads call mt_path at once (test_win_load): the list of paths, and
 * the directory made on first use, are theirs one at a time. */
static volatile int paths_busy;

const char *mt_path(const char *name)
{
    char buf[1024], **more;
    const char *path = NULL;

    while (__sync_lock_test_and_set(&paths_busy, 1))
        ;
    snprintf(buf, sizeof buf, "%s/%s", dir(), name);
    for (size_t i = 0; !path && i < npaths; i++)
        if (strcmp(paths[i], buf) == 0)
            path = paths[i];
    if (!path) {
        more = realloc(paths, (npaths + 1) * sizeof *paths);
        if (!more || !(more[npaths] = strdup(buf)))
            abort();
        paths = more;
        path = paths[npaths++];
    }
    __sync_lock_release(&paths_busy);
    return path;
}

unsigned char mt_pattern(uint64_t off, unsigned seed)
{
    uint64_t x = off * 2654435761u + seed * 40503u + (off >> 12);

    return (unsigned char)(x ^ (x >> 8) ^ (x >> 16));
}

int mt_make_file(const char *path, size_t size, unsigned seed)
{
    unsigned char buf[8192];
    size_t done = 0, n, i;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);

    if (fd < 0)
        return -1;
    while (done < size) {
        n = size - done < sizeof buf ? size - done : sizeof buf;
        for (i = 0; i < n; i++)
            buf[i] = mt_pattern(done + i, seed);
        if (write(fd, buf, n) != (ssize_t)n) {
            close(fd);
            return -1;
        }
        done += n;
    }
    return fd;
}

int mt_is_pattern(const void *p, size_t len, uint64_t off, unsigned seed)
{
    const unsigned char *c = p;
    size_t i;

    for (i = 0; i < len; i++)
        if (c[i] != mt_pattern(off + i, seed))
            return 0;
    return 1;
}

long long mt_file_size(const char *path)
{
#ifdef _WIN32
    struct _stati64 st;

    return _stati64(path, &st) == 0 ? (long long)st.st_size : -1;
#else
    struct stat st;

    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
#endif
}

ssize_t mt_pread(int fd, void *buf, size_t len, long long off)
{
#ifdef _WIN32
    if (_lseeki64(fd, off, SEEK_SET) != off)
        return -1;
#else
    if (lseek(fd, (off_t)off, SEEK_SET) != (off_t)off)
        return -1;
#endif
    return read(fd, buf, len);
}

ssize_t mt_pwrite(int fd, const void *buf, size_t len, long long off)
{
#ifdef _WIN32
    if (_lseeki64(fd, off, SEEK_SET) != off)
        return -1;
#else
    if (lseek(fd, (off_t)off, SEEK_SET) != (off_t)off)
        return -1;
#endif
    return write(fd, buf, len);
}

uint32_t mt_file_hash(const char *path)
{
    unsigned char buf[8192];
    uint32_t h = 2166136261u;
    ssize_t n, i;
    int fd = open(path, O_RDONLY);

    if (fd < 0)
        return 0;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        for (i = 0; i < n; i++)
            h = (h ^ buf[i]) * 16777619u;
    close(fd);
    return h;
}

/* ---- children ---- */

struct child {
    const char *name;
    mt_child_fn fn;
};
static struct child children[16];
static int nchildren;
static char self[1024];

void mt_child(const char *name, mt_child_fn fn)
{
    children[nchildren].name = name;
    children[nchildren++].fn = fn;
}

/* Starts program with fixed arguments first, then those in ap. */
static intptr_t start(const char *program, const char *const *fixed,
                      va_list ap, int wait)
{
    const char *argv[10];
    int argc = 0;
    const char *a;

    argv[argc++] = program;
    while (*fixed)
        argv[argc++] = *fixed++;
    while (argc < 9 && (a = va_arg(ap, const char *)) != NULL)
        argv[argc++] = a;
    argv[argc] = NULL;
    fflush(NULL);
#ifdef _WIN32
    return _spawnv(wait ? _P_WAIT : _P_NOWAIT, program,
                   (const char *const *)argv);
#else
    {
        pid_t pid;
        int status;

        if (posix_spawn(&pid, program, NULL, NULL, (char *const *)argv,
                        environ) != 0)
            return -1;
        if (!wait)
            return pid;
        if (waitpid(pid, &status, 0) != pid)
            return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    }
#endif
}

const char *mt_built_program(const char *rel)
{
    static char path[1200];
    char top[1024];
    char *slash;
    int up;

    strcpy(top, self);
    for (up = 0; up < 2; up++) {
        slash = strrchr(top, '/');
#ifdef _WIN32
        if (!slash || (strrchr(top, '\\') && strrchr(top, '\\') > slash))
            slash = strrchr(top, '\\');
#endif
        if (slash)
            *slash = '\0';
    }
#ifdef _WIN32
    snprintf(path, sizeof path, "%s/%s.exe", top, rel);
#else
    snprintf(path, sizeof path, "%s/%s", top, rel);
#endif
    return path;
}

int mt_run_program(const char *program, ...)
{
    static const char *const none[] = {NULL};
    va_list ap;
    intptr_t r;

    va_start(ap, program);
    r = start(program, none, ap, 1);
    va_end(ap);
    return (int)r;
}

/* Starts this program as child name with the arguments in ap. */
static intptr_t start_child(const char *name, va_list ap, int wait)
{
    const char *fixed[] = {"--child", name, NULL};

    return start(self, fixed, ap, wait);
}

int mt_run_child(const char *name, ...)
{
    va_list ap;
    intptr_t r;

    va_start(ap, name);
    r = start_child(name, ap, 1);
    va_end(ap);
    return (int)r;
}

intptr_t mt_start_child(const char *name, ...)
{
    va_list ap;
    intptr_t r;

    va_start(ap, name);
    r = start_child(name, ap, 0);
    va_end(ap);
    return r;
}

int mt_wait(intptr_t child)
{
#ifdef _WIN32
    int status;

    if (_cwait(&status, child, 0) == -1)
        return -1;
    return status;
#else
    int status;

    if (waitpid((pid_t)child, &status, 0) != (pid_t)child)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
#endif
}

/* ---- main ---- */

int mt_main(int argc, char **argv, Suite *suite)
{
    SRunner *runner;
    int failed, i;

#ifdef _WIN32
    GetModuleFileNameA(NULL, self, sizeof self);
#else
    {
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

        self[n > 0 ? n : 0] = '\0';
    }
#endif
#ifdef _WIN32
    /* POSIX has no text mode: read() and write() move bytes unchanged. */
    _fmode = _O_BINARY;
#endif
    if (argc >= 3 && strcmp(argv[1], "--child") == 0) {
        for (i = 0; i < nchildren; i++)
            if (strcmp(children[i].name, argv[2]) == 0)
                return children[i].fn(argc - 3, argv + 3);
        fprintf(stderr, "no child named %s\n", argv[2]);
        return 99;
    }
    runner = srunner_create(suite);
    /* The same on both sides: every test runs in this process (Windows
     * has no fork), so faults are caught by the probes above. */
    srunner_set_fork_status(runner, CK_NOFORK);
    srunner_run_all(runner, CK_VERBOSE);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? 1 : 0;
}

/* ---- random numbers ---- */

uint32_t mt_random(uint32_t *state)
{
    uint32_t x = *state;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

uint32_t mt_random_in(uint32_t *state, uint32_t lo, uint32_t hi)
{
    return lo + mt_random(state) % (hi - lo + 1);
}

/* ---- waiting on another process ---- */

static void nap(void)
{
#ifdef _WIN32
    Sleep(5);
#else
    usleep(5000);
#endif
}

int mt_wait_for(const volatile unsigned char *p, unsigned char value)
{
    int i;

    for (i = 0; i < 2000; i++) {
        if (*p == value)
            return 1;
        nap();
    }
    return *p == value;
}

/* ---- address space ---- */

#define MT_GRAIN ((size_t)65536)

char *mt_free_area(size_t len)
{
    char *p = mmap(NULL, len + MT_GRAIN, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *a;

    ck_assert_ptr_ne(p, MAP_FAILED);
    a = (char *)(((uintptr_t)p + MT_GRAIN - 1) & ~(uintptr_t)(MT_GRAIN - 1));
    ck_assert_int_eq(munmap(p, len + MT_GRAIN), 0);
    return a;
}

void mt_fixed_file_einval(void *at, size_t len, int prot, int flags,
                          int fd, off_t off)
{
    errno = 0;
    ck_assert_ptr_eq(mmap(at, len, prot, flags | MAP_FIXED, fd, off),
                     MAP_FAILED);
    ck_assert_int_eq(errno, EINVAL);
}

void mt_shm_name_fails(const char *name, int err)
{
    errno = 0;
    ck_assert_int_eq(shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600), -1);
    ck_assert_msg(errno == err, "%s: errno %d", name, errno);
    errno = 0;
    ck_assert_int_eq(shm_open(name, O_RDWR | O_CREAT, 0600), -1);
    ck_assert_int_eq(errno, err);
    errno = 0;
    ck_assert_int_eq(shm_open(name, O_RDONLY, 0), -1);
    ck_assert_int_eq(errno, err);
    errno = 0;
    ck_assert_int_eq(shm_unlink(name), -1);
    ck_assert_int_eq(errno, err);
}
