/* Catching a fault, and the page size: see mt_fault.h. No check and
 * no other helper here, so that programs without check (the fuzzer)
 * can link this alone. */
#define _GNU_SOURCE 1
#include "mt_fault.h"

#include <signal.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <setjmp.h>
#include <unistd.h>
#endif

#ifdef _WIN32
/* No sigsetjmp on Windows: the probes are two tiny functions with no
 * stack frame, and a vectored handler that sees a fault inside one
 * resumes at a landing that returns 1. */
#define MT_STR2(x) #x
#define MT_STR(x) MT_STR2(x)
#define MT_SYM(name) MT_STR(__USER_LABEL_PREFIX__) #name
int mt_probe_read(const volatile void *p);
int mt_probe_write(volatile void *p);
extern char mt_probe_begin[], mt_probe_end[], mt_probe_landing[];
#if defined(__x86_64__)
__asm__(".text\n"
        ".globl " MT_SYM(mt_probe_begin) "\n" MT_SYM(mt_probe_begin) ":\n"
        ".globl " MT_SYM(mt_probe_read) "\n" MT_SYM(mt_probe_read) ":\n"
        "  movzbl (%rcx), %eax\n"
        "  xorl %eax, %eax\n"
        "  ret\n"
        ".globl " MT_SYM(mt_probe_write) "\n" MT_SYM(mt_probe_write) ":\n"
        "  movb (%rcx), %al\n"
        "  movb %al, (%rcx)\n"
        "  xorl %eax, %eax\n"
        "  ret\n"
        ".globl " MT_SYM(mt_probe_end) "\n" MT_SYM(mt_probe_end) ":\n"
        ".globl " MT_SYM(mt_probe_landing) "\n" MT_SYM(mt_probe_landing) ":\n"
        "  movl $1, %eax\n"
        "  ret\n");
#define MT_PC(ctx) ((ctx)->Rip)
#elif defined(__i386__)
__asm__(".text\n"
        ".globl " MT_SYM(mt_probe_begin) "\n" MT_SYM(mt_probe_begin) ":\n"
        ".globl " MT_SYM(mt_probe_read) "\n" MT_SYM(mt_probe_read) ":\n"
        "  movl 4(%esp), %ecx\n"
        "  movzbl (%ecx), %eax\n"
        "  xorl %eax, %eax\n"
        "  ret\n"
        ".globl " MT_SYM(mt_probe_write) "\n" MT_SYM(mt_probe_write) ":\n"
        "  movl 4(%esp), %ecx\n"
        "  movb (%ecx), %al\n"
        "  movb %al, (%ecx)\n"
        "  xorl %eax, %eax\n"
        "  ret\n"
        ".globl " MT_SYM(mt_probe_end) "\n" MT_SYM(mt_probe_end) ":\n"
        ".globl " MT_SYM(mt_probe_landing) "\n" MT_SYM(mt_probe_landing) ":\n"
        "  movl $1, %eax\n"
        "  ret\n");
#define MT_PC(ctx) ((ctx)->Eip)
#else
#error "mt.c: no fault probe for this CPU"
#endif

static LONG CALLBACK probe_handler(EXCEPTION_POINTERS *ep)
{
    uintptr_t pc = (uintptr_t)MT_PC(ep->ContextRecord);

    if (ep->ExceptionRecord->ExceptionCode == EXCEPTION_ACCESS_VIOLATION &&
        pc >= (uintptr_t)mt_probe_begin && pc < (uintptr_t)mt_probe_end) {
        MT_PC(ep->ContextRecord) = (uintptr_t)mt_probe_landing;
        return EXCEPTION_CONTINUE_EXECUTION;
    }
    return EXCEPTION_CONTINUE_SEARCH;
}

static void probe_setup(void)
{
    static volatile LONG done;

    /* Last in line, so that the library's own handler sees faults
     * first (MAP_NORESERVE, growing files). */
    if (!InterlockedExchange(&done, 1))
        AddVectoredExceptionHandler(0, probe_handler);
}

int mt_read_faults(const volatile void *p)
{
    probe_setup();
    return mt_probe_read(p);
}

int mt_write_faults(volatile void *p)
{
    probe_setup();
    return mt_probe_write(p);
}
#else
static __thread sigjmp_buf *volatile probe_jump;

static void probe_signal(int sig)
{
    if (probe_jump)
        siglongjmp(*probe_jump, 1);
    signal(sig, SIG_DFL);
    raise(sig);
}

static int probe(volatile unsigned char *p, int write)
{
    sigjmp_buf here;
    struct sigaction sa;
    volatile int faulted = 0;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = probe_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    if (sigsetjmp(here, 1)) {
        faulted = 1;
    } else {
        probe_jump = &here;
        if (write) {
            unsigned char c = *p;
            *p = c;
        } else {
            (void)*p;
        }
    }
    probe_jump = NULL;
    return faulted;
}

int mt_read_faults(const volatile void *p)
{
    return probe((volatile unsigned char *)p, 0);
}

int mt_write_faults(volatile void *p)
{
    return probe((volatile unsigned char *)p, 1);
}
#endif

size_t mt_page(void)
{
#ifdef _WIN32
    SYSTEM_INFO info;

    GetSystemInfo(&info);
    return info.dwPageSize;
#else
    return (size_t)sysconf(_SC_PAGESIZE);
#endif
}
