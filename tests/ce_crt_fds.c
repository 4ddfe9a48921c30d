/*
 * The CE-rules build runs plain POSIX programs built with MinGW, whose
 * descriptors are the MinGW C runtime's. A CE program whose runtime
 * keeps its own descriptor table plugs that table into libmman with
 * mman_set_fd_resolver; these programs do the same for the MinGW
 * runtime, before main. Linked into every program of the CE-rules
 * build (Makefile.am, MMAN_FDS); empty elsewhere.
 */
#ifdef MMAN_CE_RULES
#include <sys/mman.h>

#include <fcntl.h>
#include <io.h>
#include <stdint.h>

static void *crt_to_handle(int fd)
{
    return (void *)_get_osfhandle(fd);
}

/* As shm_open's descriptors on Linux: not inherited. */
static int crt_from_handle(void *handle, int oflag)
{
    return _open_osfhandle((intptr_t)handle,
                           (oflag & (O_ACCMODE | O_APPEND)) | O_NOINHERIT |
                               O_BINARY);
}

/* Referenced by the link (-Wl,--undefined=mt_crt_fds), so that this
 * object is taken from the archive. */
const struct mman_fd_resolver mt_crt_fds = {crt_to_handle, crt_from_handle};

__attribute__((constructor)) static void plug_in(void)
{
    mman_set_fd_resolver(&mt_crt_fds);
}
#else
/* ISO C wants at least one declaration. */
typedef int mt_ce_crt_fds_unused;
#endif
