/* mmcp SRC DST: copy a file through two shared mappings. */
#define _POSIX_C_SOURCE 200809L
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void die(const char *what, const char *name)
{
    const char *msg = strerror(errno);

    if (name)
        fprintf(stderr, "mmcp: %s %s: %s\n", what, name, msg);
    else
        fprintf(stderr, "mmcp: %s: %s\n", what, msg);
    exit(1);
}

int main(int argc, char **argv)
{
    struct timeval t0, t1;
    struct stat st;
    size_t len;
    void *src, *dst;
    int in, out;

    if (argc != 3) {
        fprintf(stderr, "usage: mmcp SRC DST\n");
        return 2;
    }
    if (gettimeofday(&t0, NULL) < 0)
        die("gettimeofday", NULL);

    in = open(argv[1], O_RDONLY);
    if (in < 0)
        die("open", argv[1]);
    if (fstat(in, &st) < 0)
        die("fstat", argv[1]);
    len = st.st_size;
    if (st.st_size < 0 || (off_t)len != st.st_size) {
        errno = EFBIG;
        die("map", argv[1]);
    }
    out = open(argv[2], O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (out < 0)
        die("open", argv[2]);
    if (ftruncate(out, st.st_size) < 0)
        die("ftruncate", argv[2]);

    /* mmap of length 0 is EINVAL: an empty file needs no mapping. */
    if (len > 0) {
        src = mmap(NULL, len, PROT_READ, MAP_SHARED, in, 0);
        if (src == MAP_FAILED)
            die("mmap", argv[1]);
        dst = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, out, 0);
        if (dst == MAP_FAILED)
            die("mmap", argv[2]);
        memcpy(dst, src, len);
        if (msync(dst, len, MS_SYNC) < 0)
            die("msync", argv[2]);
        if (munmap(dst, len) < 0)
            die("munmap", argv[2]);
        if (munmap(src, len) < 0)
            die("munmap", argv[1]);
    }

    if (close(out) < 0)
        die("close", argv[2]);
    if (close(in) < 0)
        die("close", argv[1]);
    if (gettimeofday(&t1, NULL) < 0)
        die("gettimeofday", NULL);

    printf("mmcp: copied %llu bytes from %s to %s in %.3f s\n",
           (unsigned long long)len, argv[1], argv[2],
           (t1.tv_sec - t0.tv_sec) + (t1.tv_usec - t0.tv_usec) / 1e6);
    return 0;
}
