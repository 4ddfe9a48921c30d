/*
 * Catching a fault, which POSIX does with signals and Windows with
 * exceptions, and the page size. Part of the test helpers (mt.h), and
 * usable alone by programs that do not use check.
 */
#ifndef MT_FAULT_H
#define MT_FAULT_H

#include <stddef.h>

/* The page size. */
size_t mt_page(void);

/* Whether reading / writing the byte at p faults (SIGSEGV or SIGBUS).
 * The write probe writes back the byte it read. */
int mt_read_faults(const volatile void *p);
int mt_write_faults(volatile void *p);

#endif
