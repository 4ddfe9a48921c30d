/* Built out of tree against the installed library by install.sh. It also
 * uses a GCC nested function and getpagesize, which pull in MinGW
 * libgcc's own mprotect: ours must still be the one called. */
#include <sys/mman.h>

#include <errno.h>
#include <stdio.h>

extern int getpagesize(void);

static int apply(int (*fn)(int), int x)
{
    return fn(x);
}

int main(void)
{
    int k = 3;
    int add(int v)
    {
        return v + k;
    }
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED) {
        perror("install-prog: mmap");
        return 1;
    }
    p[0] = 'x';
    if (mprotect(p, 4096, PROT_READ) != 0) {
        perror("install-prog: mprotect");
        return 1;
    }
    /* libgcc's mprotect would accept an unaligned address; ours is
     * POSIX's and refuses it. */
    if (mprotect(p + 1, 4096, PROT_READ) != -1 || errno != EINVAL) {
        printf("install-prog: mprotect is not libmman's\n");
        return 1;
    }
    if (munmap(p, 8192) != 0) {
        perror("install-prog: munmap");
        return 1;
    }
    printf("install-prog: ok (page %d, nested %d)\n", getpagesize(),
           apply(add, 4));
    return 0;
}
