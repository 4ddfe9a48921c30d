/*
 * shmdemo write [NAME]: store the working directory in a shared memory
 * object. shmdemo read [NAME], run afterwards: print it and remove NAME.
 */
#define _POSIX_C_SOURCE 200809L
#include <sys/mman.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void die(const char *what, const char *name)
{
    const char *msg = strerror(errno);

    if (name)
        fprintf(stderr, "shmdemo: %s %s: %s\n", what, name, msg);
    else
        fprintf(stderr, "shmdemo: %s: %s\n", what, msg);
    exit(1);
}

static void do_write(const char *name)
{
    char cwd[4096];
    size_t len;
    char *p;
    int fd;

    if (!getcwd(cwd, sizeof cwd))
        die("getcwd", NULL);
    len = strlen(cwd) + 1;

    fd = shm_open(name, O_CREAT | O_RDWR, 0600);
    if (fd < 0)
        die("shm_open", name);
    if (ftruncate(fd, len) < 0)
        die("ftruncate", name);
    p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        die("mmap", name);
    memcpy(p, cwd, len);
    if (munmap(p, len) < 0)
        die("munmap", name);
    if (close(fd) < 0)
        die("close", name);

    printf("shmdemo: wrote \"%s\" to %s\n", cwd, name);
}

static void do_read(const char *name)
{
    struct stat st;
    size_t len;
    char *p = NULL;
    int fd, n;

    fd = shm_open(name, O_RDONLY, 0);
    if (fd < 0)
        die("shm_open", name);
    if (fstat(fd, &st) < 0)
        die("fstat", name);
    len = st.st_size;
    if (st.st_size < 0 || (off_t)len != st.st_size) {
        errno = EFBIG;
        die("map", name);
    }

    /* The writer may not be ours: print at most len bytes, NUL or not. */
    n = len > INT_MAX ? INT_MAX : (int)len;
    if (len > 0) {
        p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED)
            die("mmap", name);
    }
    printf("shmdemo: read \"%.*s\" from %s\n", n, p ? p : "", name);
    if (p && munmap(p, len) < 0)
        die("munmap", name);
    if (close(fd) < 0)
        die("close", name);
    if (shm_unlink(name) < 0)
        die("shm_unlink", name);
}

int main(int argc, char **argv)
{
    const char *name = "/winmman-shmdemo";

    if (argc < 2 || argc > 3)
        goto usage;
    if (argc == 3)
        name = argv[2];
    if (!strcmp(argv[1], "write"))
        do_write(name);
    else if (!strcmp(argv[1], "read"))
        do_read(name);
    else
        goto usage;
    return 0;

usage:
    fprintf(stderr, "usage: shmdemo write|read [NAME]\n");
    return 2;
}
