/* ThreadSanitizer for OpenMP ports built with gcc -fopenmp -fsanitize=thread.
 *
 * libgomp is not built with ThreadSanitizer, so the synchronisation it does inside (thread start, barriers,
 * critical sections, the join at the end of a region) is invisible and ThreadSanitizer would report
 * accesses that OpenMP orders. The harness defines the libgomp entry points that gcc's code calls;
 * each calls the real one (found with dlsym) and tells ThreadSanitizer the ordering it makes, each kind
 * of ordering through its own synchronisation object, so no ordering is told that the timing of one
 * run happens to give (which would hide races at random): a region's start (the encountering thread
 * before it, every member at its start), its end (every member at its end, the encountering thread
 * after it), barriers (two objects, alternating, so a thread already at the next barrier adds nothing
 * to the one being left), and mutual exclusion (critical, atomic). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

void __tsan_acquire(void *addr);
void __tsan_release(void *addr);

__attribute__((weak)) const char *__tsan_default_options(void)
{
    return "halt_on_error=1:exitcode=66:report_signal_unsafe=0:report_thread_leaks=0";
}

static char portproof_omp_start, portproof_omp_end, portproof_omp_barriers[2], portproof_omp_exclusive;
static __thread unsigned portproof_omp_generation;  /* barriers this thread passed in its region */

static void *portproof_omp_real(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);
    if (!f) {
        fprintf(stderr, "portproof-omp: libgomp has no %s\n", name);
        exit(87);
    }
    return f;
}

/* the real entry point, looked up once; atomically, as every thread of a team may get here first */
#define PORTPROOF_REAL(name) \
    static __typeof__(&name) portproof_real; \
    __typeof__(&name) real = __atomic_load_n(&portproof_real, __ATOMIC_ACQUIRE); \
    if (!real) { \
        real = (__typeof__(&name))portproof_omp_real(#name); \
        __atomic_store_n(&portproof_real, real, __ATOMIC_RELEASE); \
    }
#define PORTPROOF_BARRIER(body) do { \
        char *sync = &portproof_omp_barriers[portproof_omp_generation++ & 1]; \
        __tsan_release(sync); body; __tsan_acquire(sync); } while (0)

struct portproof_omp_region { void (*fn)(void *); void *data; };

static void portproof_omp_thread(void *p)
{
    struct portproof_omp_region *r = p;
    unsigned outer = portproof_omp_generation;  /* the encountering thread's count, if it is one */
    portproof_omp_generation = 0;
    __tsan_acquire(&portproof_omp_start);
    r->fn(r->data);
    __tsan_release(&portproof_omp_end);
    portproof_omp_generation = outer;
}

void GOMP_parallel(void (*fn)(void *), void *data, unsigned threads, unsigned flags)
{
    PORTPROOF_REAL(GOMP_parallel);
    struct portproof_omp_region r = {fn, data};
    __tsan_release(&portproof_omp_start);
    real(portproof_omp_thread, &r, threads, flags);
    __tsan_acquire(&portproof_omp_end);
}

void GOMP_barrier(void)
{
    PORTPROOF_REAL(GOMP_barrier);
    PORTPROOF_BARRIER(real());
}

bool GOMP_barrier_cancel(void)
{
    PORTPROOF_REAL(GOMP_barrier_cancel);
    bool out;
    PORTPROOF_BARRIER(out = real());
    return out;
}

void GOMP_loop_end(void)
{
    PORTPROOF_REAL(GOMP_loop_end);
    PORTPROOF_BARRIER(real());
}

bool GOMP_loop_end_cancel(void)
{
    PORTPROOF_REAL(GOMP_loop_end_cancel);
    bool out;
    PORTPROOF_BARRIER(out = real());
    return out;
}

void GOMP_critical_start(void)
{
    PORTPROOF_REAL(GOMP_critical_start);
    real();
    __tsan_acquire(&portproof_omp_exclusive);
}

void GOMP_critical_end(void)
{
    PORTPROOF_REAL(GOMP_critical_end);
    __tsan_release(&portproof_omp_exclusive);
    real();
}

void GOMP_critical_name_start(void **name)
{
    PORTPROOF_REAL(GOMP_critical_name_start);
    real(name);
    __tsan_acquire(&portproof_omp_exclusive);
}

void GOMP_critical_name_end(void **name)
{
    PORTPROOF_REAL(GOMP_critical_name_end);
    __tsan_release(&portproof_omp_exclusive);
    real(name);
}

void GOMP_atomic_start(void)
{
    PORTPROOF_REAL(GOMP_atomic_start);
    real();
    __tsan_acquire(&portproof_omp_exclusive);
}

void GOMP_atomic_end(void)
{
    PORTPROOF_REAL(GOMP_atomic_end);
    __tsan_release(&portproof_omp_exclusive);
    real();
}
