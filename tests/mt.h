/*
 * Helpers shared by the test programs. The tests are plain POSIX; what
 * POSIX lacks on Windows (catching a fault, re-running this program as a
 * child, a temporary directory) is hidden behind these calls.
 */
#ifndef MT_H
#define MT_H

#include <check.h>
#include "mt_fault.h"
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Runs the suite in this process and returns the exit status; with
 * "--child NAME ARGS..." runs the registered child NAME instead. */
int mt_main(int argc, char **argv, Suite *suite);

/* Cross-process tests: a child is this same program, re-run. */
typedef int (*mt_child_fn)(int argc, char **argv);
void mt_child(const char *name, mt_child_fn fn);
/* Runs child name with up to 4 arguments (NULL-terminated) and waits;
 * its exit status, or -1 if it could not be started. */
int mt_run_child(const char *name, ...);
/* Starts a child without waiting; mt_wait gives its exit status. */
intptr_t mt_start_child(const char *name, ...);
int mt_wait(intptr_t child);

/* A program built in this tree, named from the top build directory
 * ("examples/mmcp"; ".exe" is added on Windows). */
const char *mt_built_program(const char *rel);
/* Runs program with arguments (NULL-terminated) and waits; its exit
 * status, or -1 if it could not be started. */
int mt_run_program(const char *program, ...);


/* A path in this process's temporary directory (removed at exit with
 * what is in it). The result stays valid until exit. Threads may call
 * it at once. */
const char *mt_path(const char *name);

/* The byte at offset off of a pattern file made with seed. */
unsigned char mt_pattern(uint64_t off, unsigned seed);
/* Creates (or truncates) path with size pattern bytes; an O_RDWR fd. */
int mt_make_file(const char *path, size_t size, unsigned seed);
/* Whether len bytes at p are the pattern from offset off. */
int mt_is_pattern(const void *p, size_t len, uint64_t off, unsigned seed);
/* Size of the file at path, or -1. */
long long mt_file_size(const char *path);
/* Reads len bytes at off of fd into buf (lseek + read); bytes read. */
ssize_t mt_pread(int fd, void *buf, size_t len, long long off);
ssize_t mt_pwrite(int fd, const void *buf, size_t len, long long off);
/* Waits, at most about 10 s, until the byte at p (in memory shared
 * with another process) is value; whether it is. */
int mt_wait_for(const volatile unsigned char *p, unsigned char value);

/* Asserts that a MAP_FIXED mapping of fd at at fails with EINVAL
 * (flags without MAP_FIXED): an unaligned address, or on Windows CE any
 * file (README, "Windows CE"). */
void mt_fixed_file_einval(void *at, size_t len, int prot, int flags,
                          int fd, off_t off);

/* Asserts that every call that names the shm object name fails with
 * err: shm_open with O_CREAT|O_EXCL, with O_CREAT, without, and
 * shm_unlink. */
void mt_shm_name_fails(const char *name, int err);

/* A free range of len bytes aligned to 64 KiB, the Windows allocation
 * granularity (tests run one at a time, so nobody takes it before it is
 * used). */
char *mt_free_area(size_t len);

/* Deterministic random numbers (xorshift32) from *state, which must
 * not be 0: the next one, and one in [lo, hi]. */
uint32_t mt_random(uint32_t *state);
uint32_t mt_random_in(uint32_t *state, uint32_t lo, uint32_t hi);
/* FNV-1a of a file's bytes, or 0 if unreadable. */
uint32_t mt_file_hash(const char *path);

#endif
