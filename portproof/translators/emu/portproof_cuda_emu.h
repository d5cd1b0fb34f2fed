// portproof: a CPU emulation of the CUDA runtime, for running a port's own source with g++.
// Blocks run one after another; the threads of a block run as fibers that switch at __syncthreads().
#ifndef PORTPROOF_CUDA_EMU_H
#define PORTPROOF_CUDA_EMU_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include <cmath>
#include <tuple>
#include <type_traits>
#include <utility>

#include "portproof_harness.h"

#define PORTPROOF_EXIT_BARRIER 86
#define PORTPROOF_EXIT_UNSUPPORTED 87
#define PORTPROOF_EXIT_INTERNAL 88
#define PORTPROOF_FIBER_STACK (64 * 1024)

#define __CUDACC__ 1
#define __NVCC__ 1
#define __global__
#define __device__
#define __host__
#define __constant__
#define __managed__
#ifdef PORTPROOF_TSAN  // shared memory in one section, on pages of its own, whose shadow is reset between blocks
#define __shared__ static __attribute__((section("portproof_shared"), aligned(4096)))
#define PORTPROOF_SHARED_ARRAY(name) name
#define PORTPROOF_SHARED_AT(...)
#else
#define __shared__ static
// a __shared__ array (T name[K] in a function) is a reference to memory that ends at a guard page,
// so that an access past its end faults, as one past a cudaMalloc'ed array does
#define PORTPROOF_SHARED_ARRAY(name) (&name)
#define PORTPROOF_SHARED_AT(...) = portproof_shared_guarded<__VA_ARGS__>()
#endif
#define __forceinline__ inline
#define __noinline__ __attribute__((noinline))
#define __align__(n) __attribute__((aligned(n)))
#define __launch_bounds__(...)
#define __syncthreads() portproof_syncthreads(__LINE__)
#define __syncthreads_count(p) portproof_syncthreads_reduce(__LINE__, (p), 0)
#define __syncthreads_and(p) portproof_syncthreads_reduce(__LINE__, (p), 1)
#define __syncthreads_or(p) portproof_syncthreads_reduce(__LINE__, (p), 2)
#define __threadfence() ((void)0)
#define __threadfence_block() ((void)0)

// ---- vector types and launch geometry ---------------------------------------------------------

struct uint3 { unsigned x, y, z; };
struct dim3 {
    unsigned x, y, z;
    dim3(unsigned vx = 1, unsigned vy = 1, unsigned vz = 1) : x(vx), y(vy), z(vz) {}
    dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
    operator uint3() const { return uint3{x, y, z}; }
};

#define PORTPROOF_VECTORS(T, N)                                                               \
    struct N##1 { T x; };                                                                     \
    struct N##2 { T x, y; };                                                                  \
    struct alignas(sizeof(T) * 4 <= 16 ? sizeof(T) * 4 : 16) N##4 { T x, y, z, w; };        \
    inline N##1 make_##N##1(T x) { return N##1{x}; }                                          \
    inline N##2 make_##N##2(T x, T y) { return N##2{x, y}; }                                  \
    inline N##4 make_##N##4(T x, T y, T z, T w) { return N##4{x, y, z, w}; }
PORTPROOF_VECTORS(float, float)
PORTPROOF_VECTORS(double, double)
PORTPROOF_VECTORS(int, int)
PORTPROOF_VECTORS(unsigned, uint)
#undef PORTPROOF_VECTORS
struct float3 { float x, y, z; };
struct int3 { int x, y, z; };
struct double3 { double x, y, z; };
inline float3 make_float3(float x, float y, float z) { return float3{x, y, z}; }
inline int3 make_int3(int x, int y, int z) { return int3{x, y, z}; }
inline double3 make_double3(double x, double y, double z) { return double3{x, y, z}; }
inline uint3 make_uint3(unsigned x, unsigned y, unsigned z) { return uint3{x, y, z}; }

static uint3 threadIdx, blockIdx;
static dim3 blockDim, gridDim;
static const int warpSize = 32;

// ---- errors -----------------------------------------------------------------------------------

enum cudaError_t {
    cudaSuccess = 0,
    cudaErrorInvalidValue = 1,
    cudaErrorMemoryAllocation = 2,
    cudaErrorInvalidConfiguration = 9,
    cudaErrorInvalidDevicePointer = 17,
    cudaErrorInvalidMemcpyDirection = 21,
};
typedef cudaError_t cudaError;
static cudaError_t portproof_last_error = cudaSuccess;

inline const char *cudaGetErrorString(cudaError_t e) {
    switch (e) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInvalidConfiguration: return "invalid configuration argument";
    case cudaErrorInvalidDevicePointer: return "invalid device pointer";
    case cudaErrorInvalidMemcpyDirection: return "invalid copy direction for memcpy";
    }
    return "unknown error";
}
inline const char *cudaGetErrorName(cudaError_t e) { return cudaGetErrorString(e); }
inline cudaError_t cudaGetLastError() { cudaError_t e = portproof_last_error; portproof_last_error = cudaSuccess; return e; }
inline cudaError_t cudaPeekAtLastError() { return portproof_last_error; }
inline cudaError_t portproof_fail_with(cudaError_t e) { portproof_last_error = e; return e; }

// ---- memory -------------------------------------------------------------------------------------

enum cudaMemcpyKind {
    cudaMemcpyHostToHost = 0, cudaMemcpyHostToDevice = 1, cudaMemcpyDeviceToHost = 2,
    cudaMemcpyDeviceToDevice = 3, cudaMemcpyDefault = 4,
};
typedef struct portproof_stream *cudaStream_t;
typedef struct portproof_event *cudaEvent_t;

struct portproof_allocation { void *data; size_t bytes; bool managed; portproof_allocation *next; };
static portproof_allocation *portproof_allocations;
static portproof_allocation *portproof_host_arrays;  // the harness's arrays, when a host function runs

// Memory spaces as on a GPU: device memory is inaccessible to host code (outside kernels, copies and
// memsets) and the host arrays a host function receives are inaccessible to kernels, so a port that
// dereferences the wrong pointer faults here as it would on the device.
inline void portproof_protect(void *data, size_t bytes, bool accessible) {
    if (!bytes) return;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    char *start = (char *)((uintptr_t)data & ~(uintptr_t)(page - 1));
    mprotect(start, (size_t)((char *)data + bytes - start), accessible ? PROT_READ | PROT_WRITE : PROT_NONE);
}
inline void portproof_device_memory(bool accessible) {
    for (portproof_allocation *a = portproof_allocations; a; a = a->next)
        if (!a->managed) portproof_protect(a->data, a->bytes, accessible);
}
inline void portproof_host_memory(bool accessible) {
    for (portproof_allocation *a = portproof_host_arrays; a; a = a->next) portproof_protect(a->data, a->bytes, accessible);
}
inline void portproof_register_host_array(void *data, size_t bytes) {
    portproof_host_arrays = new portproof_allocation{data, bytes, false, portproof_host_arrays};
}

// Device memory is host memory that ends at a guard page; new memory is filled with 0xFF bytes so
// that reading it before writing it gives NaN (floats) or -1 (integers).
inline cudaError_t portproof_malloc(void **pointer, size_t bytes, bool managed) {
    void *p = portproof_guarded_alloc(bytes);
    if (!p) { *pointer = nullptr; return portproof_fail_with(cudaErrorMemoryAllocation); }
    memset(p, 0xFF, bytes);
    portproof_allocations = new portproof_allocation{p, bytes, managed, portproof_allocations};
    if (!managed) portproof_protect(p, bytes, false);
    *pointer = p;
    return cudaSuccess;
}
template <class T> T &portproof_shared_guarded() { return *(T *)portproof_guarded_alloc(sizeof(T)); }
inline cudaError_t cudaMalloc(void **pointer, size_t bytes) { return portproof_malloc(pointer, bytes, false); }
template <class T> cudaError_t cudaMalloc(T **pointer, size_t bytes) { return cudaMalloc((void **)pointer, bytes); }
inline cudaError_t cudaMallocManaged(void **pointer, size_t bytes, unsigned = 1) { return portproof_malloc(pointer, bytes, true); }
template <class T> cudaError_t cudaMallocManaged(T **pointer, size_t bytes, unsigned = 1) { return portproof_malloc((void **)pointer, bytes, true); }
inline cudaError_t cudaFree(void *pointer) {
    if (!pointer) return cudaSuccess;
    for (portproof_allocation **a = &portproof_allocations; *a; a = &(*a)->next) {
        if ((*a)->data == pointer) {
            portproof_allocation *found = *a;
            *a = found->next;
            portproof_guarded_free(pointer, found->bytes);
            delete found;
            return cudaSuccess;
        }
    }
    return portproof_fail_with(cudaErrorInvalidDevicePointer);
}
inline cudaError_t cudaMallocHost(void **pointer, size_t bytes) { *pointer = malloc(bytes ? bytes : 1); return cudaSuccess; }
template <class T> cudaError_t cudaMallocHost(T **pointer, size_t bytes) { return cudaMallocHost((void **)pointer, bytes); }
inline cudaError_t cudaFreeHost(void *pointer) { free(pointer); return cudaSuccess; }

inline cudaError_t cudaMemcpy(void *dst, const void *src, size_t bytes, cudaMemcpyKind kind) {
    if ((unsigned)kind > cudaMemcpyDefault) return portproof_fail_with(cudaErrorInvalidMemcpyDirection);
    portproof_device_memory(true);
    if (bytes) memmove(dst, src, bytes);
    portproof_device_memory(false);
    return cudaSuccess;
}
inline cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t bytes, cudaMemcpyKind kind, cudaStream_t = 0) {
    return cudaMemcpy(dst, src, bytes, kind);
}
inline cudaError_t cudaMemset(void *dst, int value, size_t bytes) {
    portproof_device_memory(true);
    memset(dst, value, bytes);
    portproof_device_memory(false);
    return cudaSuccess;
}
inline cudaError_t cudaMemsetAsync(void *dst, int value, size_t bytes, cudaStream_t = 0) { return cudaMemset(dst, value, bytes); }
template <class T>
cudaError_t cudaMemcpyToSymbol(T &symbol, const void *src, size_t bytes, size_t offset = 0, cudaMemcpyKind = cudaMemcpyHostToDevice) {
    memcpy((char *)&symbol + offset, src, bytes);
    return cudaSuccess;
}
template <class T>
cudaError_t cudaMemcpyFromSymbol(void *dst, const T &symbol, size_t bytes, size_t offset = 0, cudaMemcpyKind = cudaMemcpyDeviceToHost) {
    memcpy(dst, (const char *)&symbol + offset, bytes);
    return cudaSuccess;
}

// ---- device, streams, events: nothing to do on one CPU thread -----------------------------------

struct cudaDeviceProp {
    char name[256];
    size_t totalGlobalMem, sharedMemPerBlock;
    int warpSize, maxThreadsPerBlock, maxThreadsDim[3], maxGridSize[3], multiProcessorCount, major, minor;
};
inline cudaError_t cudaGetDeviceProperties(cudaDeviceProp *p, int) {
    *p = cudaDeviceProp{"portproof CPU emulation", (size_t)1 << 30, 48 * 1024, 32, 1024,
                        {1024, 1024, 64}, {2147483647, 65535, 65535}, 1, 9, 0};
    return cudaSuccess;
}
inline cudaError_t cudaGetDeviceCount(int *n) { *n = 1; return cudaSuccess; }
inline cudaError_t cudaSetDevice(int) { return cudaSuccess; }
inline cudaError_t cudaGetDevice(int *d) { *d = 0; return cudaSuccess; }
inline cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }
inline cudaError_t cudaDeviceReset() { return cudaSuccess; }
inline cudaError_t cudaThreadSynchronize() { return cudaSuccess; }
inline cudaError_t cudaStreamCreate(cudaStream_t *s) { *s = nullptr; return cudaSuccess; }
inline cudaError_t cudaStreamDestroy(cudaStream_t) { return cudaSuccess; }
inline cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }
inline cudaError_t cudaEventCreate(cudaEvent_t *e) { *e = nullptr; return cudaSuccess; }
inline cudaError_t cudaEventRecord(cudaEvent_t, cudaStream_t = 0) { return cudaSuccess; }
inline cudaError_t cudaEventSynchronize(cudaEvent_t) { return cudaSuccess; }
inline cudaError_t cudaEventElapsedTime(float *ms, cudaEvent_t, cudaEvent_t) { *ms = 0.0f; return cudaSuccess; }
inline cudaError_t cudaEventDestroy(cudaEvent_t) { return cudaSuccess; }
template <class... A> cudaError_t cudaFuncSetAttribute(A...) { return cudaSuccess; }

// ---- math and intrinsics ----------------------------------------------------------------------

template <class A, class B, class = std::enable_if_t<std::is_arithmetic<A>::value && std::is_arithmetic<B>::value>>
inline std::common_type_t<A, B> min(A a, B b) { return b < a ? b : a; }
template <class A, class B, class = std::enable_if_t<std::is_arithmetic<A>::value && std::is_arithmetic<B>::value>>
inline std::common_type_t<A, B> max(A a, B b) { return a < b ? b : a; }
inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
inline double rsqrt(double x) { return 1.0 / sqrt(x); }
inline float __fdividef(float a, float b) { return a / b; }
inline float __expf(float x) { return expf(x); }
inline float __logf(float x) { return logf(x); }
inline float __sinf(float x) { return sinf(x); }
inline float __cosf(float x) { return cosf(x); }
inline float __powf(float a, float b) { return powf(a, b); }
inline float __saturatef(float x) { return x < 0.0f ? 0.0f : (x > 1.0f ? 1.0f : x); }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fsqrt_rn(float x) { return sqrtf(x); }
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline float __int_as_float(int v) { float f; memcpy(&f, &v, 4); return f; }
inline int __float_as_int(float f) { int v; memcpy(&v, &f, 4); return v; }
inline int __popc(unsigned v) { return __builtin_popcount(v); }
inline int __popcll(unsigned long long v) { return __builtin_popcountll(v); }
inline int __clz(int v) { return v ? __builtin_clz((unsigned)v) : 32; }
inline int __ffs(int v) { return __builtin_ffs(v); }
template <class T> inline T __ldg(const T *p) { return *p; }

// Atomics are plain read-modify-writes: fibers switch only at barriers, so nothing interleaves.
// The race-checking build makes them real atomics, so that ThreadSanitizer does not report them
// against each other. Only compare-exchanges touch the address: ThreadSanitizer misses a race of
// an atomic write against another thread's plain read when the writer loaded the address
// atomically just before, so the first exchange starts from a guess and a failure loads the value.
template <class T, class F> inline T portproof_atomic_update(T *address, F update) {
#ifdef PORTPROOF_TSAN
    T old{}, desired;
    do desired = update(old);
    while (!__atomic_compare_exchange(address, &old, &desired, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
    return old;
#else
    T old = *address;
    *address = update(old);
    return old;
#endif
}
#define PORTPROOF_ATOMIC(NAME, EXPR)                                                      \
    template <class T, class V> inline T NAME(T *address, V value) {                      \
        return portproof_atomic_update(address, [&](T old) -> T { return (EXPR); });      \
    }
PORTPROOF_ATOMIC(atomicAdd, (T)(old + (T)value))
PORTPROOF_ATOMIC(atomicSub, (T)(old - (T)value))
PORTPROOF_ATOMIC(atomicMax, ((T)value > old ? (T)value : old))
PORTPROOF_ATOMIC(atomicMin, ((T)value < old ? (T)value : old))
PORTPROOF_ATOMIC(atomicExch, (T)value)
PORTPROOF_ATOMIC(atomicAnd, (T)(old & (T)value))
PORTPROOF_ATOMIC(atomicOr, (T)(old | (T)value))
PORTPROOF_ATOMIC(atomicXor, (T)(old ^ (T)value))
PORTPROOF_ATOMIC(atomicInc, (old >= (T)value ? (T)0 : (T)(old + 1)))
PORTPROOF_ATOMIC(atomicDec, ((old == 0 || old > (T)value) ? (T)value : (T)(old - 1)))
#undef PORTPROOF_ATOMIC
template <class T, class C, class V> inline T atomicCAS(T *address, C compare, V value) {
    return portproof_atomic_update(address, [&](T old) -> T { return old == (T)compare ? (T)value : old; });
}

// Warp votes need lock-step warps, which this emulation does not model (shuffles: see below).
[[noreturn]] inline void portproof_unsupported(const char *what) {
    fprintf(stderr, "portproof-emu: unsupported in the CPU emulation: %s\n", what);
    exit(PORTPROOF_EXIT_UNSUPPORTED);
}
#define PORTPROOF_UNSUPPORTED(NAME) \
    template <class... A> inline int NAME(A...) { portproof_unsupported(#NAME); }
PORTPROOF_UNSUPPORTED(__ballot_sync)
PORTPROOF_UNSUPPORTED(__any_sync)
PORTPROOF_UNSUPPORTED(__all_sync)
PORTPROOF_UNSUPPORTED(__activemask)
#undef PORTPROOF_UNSUPPORTED

// ---- race checking: the build with -fsanitize=thread -DPORTPROOF_TSAN ----------------------------
// Each CUDA thread of each block is a ThreadSanitizer fiber of its own, and fibers
// switch without synchronisation, except that: the host (the scheduler) hands its history to each
// fiber it enters, so host code before a launch happens before the kernel; __syncthreads() releases
// into and acquires from a sync object of its block and barrier generation; each thread's end
// releases into the launch's object, which the host acquires when the launch returns. So accesses of
// two threads of a block between two barriers, and of two blocks of one launch, are unordered, as on
// a GPU. The emulation's own bookkeeping is hidden from ThreadSanitizer; between blocks the shadow of
// shared memory and of the fiber stacks is reset (by mapping them afresh), as each block has its own.
#ifdef PORTPROOF_TSAN
extern "C" {
void *__tsan_get_current_fiber(void);
void *__tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void *fiber);
void __tsan_switch_to_fiber(void *fiber, unsigned flags);
void __tsan_set_fiber_name(void *fiber, const char *name);
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
void __tsan_ignore_thread_begin(void);
void __tsan_ignore_thread_end(void);
__attribute__((weak)) const char *__tsan_default_options(void) {
    return "halt_on_error=1:exitcode=66:history_size=7:report_signal_unsafe=0:report_thread_leaks=0";
}
extern char __start_portproof_shared[] __attribute__((weak)), __stop_portproof_shared[] __attribute__((weak));
}
#define PORTPROOF_SHARED_SECTION __attribute__((section("portproof_shared"), aligned(4096)))
#define PORTPROOF_EXIT_RACE 66

// Fibers live until their launch ends: ThreadSanitizer reuses the ids of destroyed threads, and a
// fiber with a reused id counts as ordered after the dead one's accesses.
#define PORTPROOF_RACE_MAX_FIBERS 6144
struct portproof_race_state {
    void *host;
    void *fibers[1024];
    void *live[PORTPROOF_RACE_MAX_FIBERS];
    unsigned live_count;
    char *barrier;  // two sync objects (alternate barrier generations), fresh for each block
    char launch;
};
static portproof_race_state portproof_race;

inline void portproof_race_ignore(bool on) { on ? __tsan_ignore_thread_begin() : __tsan_ignore_thread_end(); }
inline void portproof_race_launch_begin() {
    portproof_race.host = __tsan_get_current_fiber();
    __tsan_ignore_thread_begin();
}
inline void portproof_race_destroy_fibers() {  // orders the launch's blocks so far: misses races, never adds one
    for (unsigned i = 0; i < portproof_race.live_count; i++) __tsan_destroy_fiber(portproof_race.live[i]);
    portproof_race.live_count = 0;
}
inline void portproof_race_launch_end() {
    portproof_race_destroy_fibers();
    __tsan_acquire(&portproof_race.launch);
    __tsan_ignore_thread_end();
}
inline void portproof_race_block_begin(unsigned threads, uint3 (*coords)(unsigned)) {
    if (portproof_race.live_count + threads > PORTPROOF_RACE_MAX_FIBERS) portproof_race_destroy_fibers();
    for (unsigned t = 0; t < threads; t++) {
        portproof_race.fibers[t] = portproof_race.live[portproof_race.live_count++] = __tsan_create_fiber(0);
        uint3 c = coords(t);
        char name[96];
        snprintf(name, sizeof name, "block (%u,%u,%u) thread (%u,%u,%u)", blockIdx.x, blockIdx.y, blockIdx.z, c.x, c.y, c.z);
        __tsan_set_fiber_name(portproof_race.fibers[t], name);
    }
    portproof_race.barrier = (char *)malloc(2);
}
// ThreadSanitizer's fiber switch and the context switch happen in one frame, so that the function
// entries and exits it records stay balanced on each fiber.
inline void portproof_race_swap_to_thread(ucontext_t *scheduler, ucontext_t *fiber, unsigned t) {
    __tsan_switch_to_fiber(portproof_race.fibers[t], 0);
    swapcontext(scheduler, fiber);
}
inline void portproof_race_swap_to_scheduler(ucontext_t *fiber, ucontext_t *scheduler) {
    __tsan_switch_to_fiber(portproof_race.host, 1 /* no synchronisation */);
    swapcontext(fiber, scheduler);
}
inline void portproof_race_fiber_end(ucontext_t *scheduler) {
    __tsan_switch_to_fiber(portproof_race.host, 1);
    setcontext(scheduler);
}
inline void portproof_race_barrier_arrive(unsigned generation) { __tsan_release(portproof_race.barrier + (generation & 1)); }
inline void portproof_race_barrier_depart(unsigned generation) { __tsan_acquire(portproof_race.barrier + (generation & 1)); }
inline void portproof_race_thread_exit() { __tsan_release(&portproof_race.launch); }

// Unmapping and mapping memory afresh resets its shadow. The shared section starts on a page of its own (its
// arrays are page-aligned) but its last page may hold other static data (.bss), which
// is kept: copied out and back with a plain loop, as nothing may be called while it is unmapped.
inline void portproof_race_remap(char *start, char *end, bool keep) {
    if (start >= end) return;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    char *first = (char *)((uintptr_t)start & ~(page - 1));
    char *last = (char *)(((uintptr_t)end + page - 1) & ~(page - 1));
    size_t bytes = (size_t)(last - first);
    volatile char *copy = keep ? (volatile char *)malloc(bytes) : nullptr;
    for (size_t i = 0; copy && i < bytes; i++) copy[i] = first[i];
    munmap(first, bytes);  // forgets the shadow and the sync objects (of atomics) of the range
    if (mmap(first, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) {
        fprintf(stderr, "portproof-emu: cannot reset shared memory between blocks\n");
        exit(PORTPROOF_EXIT_INTERNAL);
    }
    for (size_t i = 0; copy && i < bytes; i++) ((volatile char *)first)[i] = copy[i];
    free((void *)copy);
}
inline void portproof_race_block_end(unsigned threads, char *const *stacks) {
    // the barrier objects are not freed: their addresses stay unique to this block
    portproof_race_remap(__start_portproof_shared, __stop_portproof_shared, true);
    for (unsigned t = 0; t < threads; t++)
        if (stacks[t]) portproof_race_remap(stacks[t], stacks[t] + PORTPROOF_FIBER_STACK, false);
}
#else
#define PORTPROOF_SHARED_SECTION
inline void portproof_race_ignore(bool) {}
inline void portproof_race_launch_begin() {}
inline void portproof_race_launch_end() {}
inline void portproof_race_block_begin(unsigned, uint3 (*)(unsigned)) {}
inline void portproof_race_swap_to_thread(ucontext_t *scheduler, ucontext_t *fiber, unsigned) {
    swapcontext(scheduler, fiber);
}
inline void portproof_race_swap_to_scheduler(ucontext_t *fiber, ucontext_t *scheduler) { swapcontext(fiber, scheduler); }
inline void portproof_race_fiber_end(ucontext_t *) {}  // the fiber returns to its uc_link, the scheduler
inline void portproof_race_barrier_arrive(unsigned) {}
inline void portproof_race_barrier_depart(unsigned) {}
inline void portproof_race_thread_exit() {}
inline void portproof_race_block_end(unsigned, char *const *) {}
#endif

// ---- the launcher: blocks in order, the threads of a block as fibers ----------------------------

enum portproof_thread_state { PORTPROOF_READY, PORTPROOF_WAITING, PORTPROOF_DONE, PORTPROOF_WARP_WAITING };

struct portproof_grid_run {
    const char *kernel;
    void (*run_thread)(void *);
    void *closure;
    unsigned threads;
    ucontext_t fibers[1024];
    portproof_thread_state state[1024];
    int barrier_line[1024];
    ucontext_t scheduler;
    unsigned current;
    int reduce[2];  // __syncthreads_{count,and,or}: true predicates, for alternate barrier generations
    unsigned generation;
};
static portproof_grid_run *portproof_run;
static unsigned long portproof_block_serial;
#define PORTPROOF_DYNAMIC_SHARED_MAX (227 * 1024)
#ifdef PORTPROOF_TSAN  // in the shared section, whose shadow is reset between blocks
alignas(16) static PORTPROOF_SHARED_SECTION unsigned char portproof_dynamic_buffer[PORTPROOF_DYNAMIC_SHARED_MAX];
#endif
static unsigned char *portproof_dynamic_shared;  // where `extern __shared__ T s[]` points in this launch

// A launch's dynamic shared bytes end at a guard page (rounded up to the 16-byte alignment dynamic
// shared memory has), so an access past the size the launch gave faults, as one past a cudaMalloc'ed
// array does (a tile sized without its halo).
inline unsigned char *portproof_dynamic_place(size_t bytes) {
#ifdef PORTPROOF_TSAN
    (void)bytes;
    return portproof_dynamic_buffer;
#else
    static unsigned char *end;
    if (!end) {
        unsigned char *start = (unsigned char *)portproof_guarded_alloc(PORTPROOF_DYNAMIC_SHARED_MAX);
        if (!start) portproof_unsupported("dynamic shared memory (cannot map it)");
        end = start + PORTPROOF_DYNAMIC_SHARED_MAX;
    }
    return end - ((bytes + 15) & ~(size_t)15);
#endif
}

// The first thread of a block that passes a __shared__ declaration fills it with 0xFF bytes: shared
// memory starts each block undefined, and NaN / -1 make reads of it before any write visible.
struct portproof_shared_array { void *data; unsigned long block; portproof_shared_array *next; };
static portproof_shared_array *portproof_shared_arrays;

inline void portproof_shared_reset(void *data, size_t bytes) {
    portproof_race_ignore(true);
    portproof_shared_array *a = portproof_shared_arrays;
    while (a && a->data != data) a = a->next;
    if (!a) a = portproof_shared_arrays = new portproof_shared_array{data, 0, portproof_shared_arrays};
    if (a->block != portproof_block_serial) {
        a->block = portproof_block_serial;
        memset(data, 0xFF, bytes);
    }
    portproof_race_ignore(false);
}

inline uint3 portproof_thread_coords(unsigned t) {
    return uint3{t % blockDim.x, (t / blockDim.x) % blockDim.y, t / (blockDim.x * blockDim.y)};
}

[[noreturn]] inline void portproof_barrier_error(unsigned t, const char *what, unsigned waiter, int line) {
    uint3 a = portproof_thread_coords(t), b = portproof_thread_coords(waiter);
    fprintf(stderr,
            "portproof-emu: barrier divergence in kernel %s, block (%u,%u,%u): thread (%u,%u,%u) %s "
            "while thread (%u,%u,%u) waits at the __syncthreads() on line %d\n",
            portproof_run->kernel, blockIdx.x, blockIdx.y, blockIdx.z, a.x, a.y, a.z, what, b.x, b.y, b.z, line);
    exit(PORTPROOF_EXIT_BARRIER);
}

inline void portproof_wait(int line) {
    portproof_grid_run *r = portproof_run;
    if (!r) return;  // host code: nothing to wait for
    portproof_race_ignore(true);
    unsigned generation = r->generation;
    r->state[r->current] = PORTPROOF_WAITING;
    r->barrier_line[r->current] = line;
    portproof_race_barrier_arrive(generation);
    portproof_race_swap_to_scheduler(&r->fibers[r->current], &r->scheduler);
    portproof_race_barrier_depart(generation);
    portproof_race_ignore(false);
}

inline void portproof_syncthreads(int line) { portproof_wait(line); }

inline int portproof_syncthreads_reduce(int line, int predicate, int op) {
    portproof_grid_run *r = portproof_run;
    portproof_race_ignore(true);
    r->reduce[r->generation & 1] += predicate != 0;
    portproof_race_ignore(false);
    portproof_wait(line);
    portproof_race_ignore(true);
    int count = r->reduce[(r->generation - 1) & 1];
    portproof_race_ignore(false);
    return op == 0 ? count : op == 1 ? count == (int)r->threads : count > 0;
}

// ---- warp shuffles and __syncwarp(): the lanes of a warp meet, as at a barrier of the warp --------
// A lane publishes its value and waits; once every lane of its warp that the mask names waits at the
// same call, each gets its source lane's value and they go on. Other warps need not be there.
// Divergence within a warp, or a source lane outside the mask, exits as barrier divergence.
struct portproof_warp_lane { unsigned long long bits, result; int line, kind, arg, width; unsigned mask; };
static portproof_warp_lane portproof_lanes[1024];
#ifdef PORTPROOF_TSAN
#define PORTPROOF_WARP_IGNORE(on) portproof_race_ignore(on)
#define PORTPROOF_WARP_SWAP(from, to) portproof_race_swap_to_scheduler(from, to)
#else
#define PORTPROOF_WARP_IGNORE(on) ((void)0)
#define PORTPROOF_WARP_SWAP(from, to) swapcontext(from, to)
#endif
enum { PORTPROOF_SYNCWARP, PORTPROOF_SHFL_DOWN, PORTPROOF_SHFL_UP, PORTPROOF_SHFL_XOR, PORTPROOF_SHFL_IDX };

inline unsigned long long portproof_warp_wait(int kind, int line, unsigned mask, unsigned long long bits,
                                              int arg, int width) {
    portproof_grid_run *r = portproof_run;
    if (!r) portproof_unsupported("a warp operation in host code");
    PORTPROOF_WARP_IGNORE(true);
    portproof_lanes[r->current] = portproof_warp_lane{bits, bits, line, kind, arg, width, mask};
    r->state[r->current] = PORTPROOF_WARP_WAITING;
    PORTPROOF_WARP_SWAP(&r->fibers[r->current], &r->scheduler);
    unsigned long long result = portproof_lanes[r->current].result;
    PORTPROOF_WARP_IGNORE(false);
    return result;
}

template <class T> inline T portproof_shfl(int kind, int line, unsigned mask, T var, int arg, int width = 32) {
    static_assert(sizeof(T) <= 8 && std::is_trivially_copyable<T>::value, "warp shuffle of a type over 8 bytes");
    unsigned long long bits = 0;
    memcpy(&bits, &var, sizeof(T));
    bits = portproof_warp_wait(kind, line, mask, bits, arg, width);
    memcpy(&var, &bits, sizeof(T));
    return var;
}
struct portproof_syncwarp {  // __syncwarp([mask]) is portproof_syncwarp(__LINE__)([mask])
    int line;
    explicit portproof_syncwarp(int at) : line(at) {}
    void operator()(unsigned mask = 0xffffffffu) const { portproof_warp_wait(PORTPROOF_SYNCWARP, line, mask, 0, 0, 32); }
};
#define __shfl_down_sync(...) portproof_shfl(PORTPROOF_SHFL_DOWN, __LINE__, __VA_ARGS__)
#define __shfl_up_sync(...) portproof_shfl(PORTPROOF_SHFL_UP, __LINE__, __VA_ARGS__)
#define __shfl_xor_sync(...) portproof_shfl(PORTPROOF_SHFL_XOR, __LINE__, __VA_ARGS__)
#define __shfl_sync(...) portproof_shfl(PORTPROOF_SHFL_IDX, __LINE__, __VA_ARGS__)
#define __syncwarp(...) portproof_syncwarp(__LINE__)(__VA_ARGS__)

[[noreturn]] inline void portproof_warp_error(unsigned t, const char *what, unsigned lead, int line) {
    uint3 a = portproof_thread_coords(t), b = portproof_thread_coords(lead);
    fprintf(stderr,
            "portproof-emu: warp divergence in kernel %s, block (%u,%u,%u): thread (%u,%u,%u) %s "
            "while thread (%u,%u,%u) waits at the warp operation on line %d\n",
            portproof_run->kernel, blockIdx.x, blockIdx.y, blockIdx.z, a.x, a.y, a.z, what, b.x, b.y, b.z, line);
    exit(PORTPROOF_EXIT_BARRIER);
}

inline int portproof_source_lane(const portproof_warp_lane &l, int lane) {
    int width = l.width, start = lane - lane % (width > 0 ? width : 1);
    switch (l.kind) {
    case PORTPROOF_SHFL_DOWN: return l.arg >= 0 && lane + l.arg < start + width ? lane + l.arg : lane;
    case PORTPROOF_SHFL_UP: return l.arg >= 0 && lane - l.arg >= start ? lane - l.arg : lane;
    case PORTPROOF_SHFL_XOR: return (lane ^ l.arg) >= 0 && (lane ^ l.arg) < start + width ? lane ^ l.arg : lane;
    case PORTPROOF_SHFL_IDX: return start + ((l.arg % width) + width) % width;
    }
    return lane;
}

// Called by the scheduler when no thread is ready: completes each warp operation that every lane
// its mask names has reached; false when there was none.
inline bool portproof_meet_in_warps(portproof_grid_run &r) {
    bool met = false;
    for (unsigned first = 0; first < r.threads; first += 32) {
        unsigned end = first + 32 < r.threads ? first + 32 : r.threads, lead = end;
        for (unsigned t = first; t < end && lead == end; t++)
            if (r.state[t] == PORTPROOF_WARP_WAITING) lead = t;
        if (lead == end) continue;
        PORTPROOF_WARP_IGNORE(true);
        const portproof_warp_lane op = portproof_lanes[lead];
        for (unsigned t = first; t < end; t++) {
            bool named = op.mask >> (t - first) & 1;
            if (r.state[t] == PORTPROOF_WARP_WAITING) {
                const portproof_warp_lane &l = portproof_lanes[t];
                if (l.line != op.line || l.kind != op.kind)
                    portproof_warp_error(t, "waits at another warp operation", lead, op.line);
                if (l.mask != op.mask) portproof_unsupported("lanes of a warp at a warp operation with different masks");
                if (!named) portproof_warp_error(t, "calls a warp operation whose mask leaves it out", lead, op.line);
                if (l.width < 1 || l.width > 32 || (l.width & (l.width - 1)))
                    portproof_warp_error(t, "shuffles with a width that is not a power of 2 up to 32", lead, op.line);
            } else if (named) {
                portproof_warp_error(t, r.state[t] == PORTPROOF_DONE ? "has exited" : "waits at a __syncthreads()",
                                     lead, op.line);
            }
        }
        for (unsigned t = first; t < end; t++) {
            if (!(op.mask >> (t - first) & 1)) continue;
            int source = portproof_source_lane(portproof_lanes[t], (int)(t - first));
            if (!(op.mask >> source & 1) || first + source >= end)
                portproof_warp_error(t, "reads a lane outside the shuffle's mask", lead, op.line);
            portproof_lanes[t].result = portproof_lanes[first + source].bits;
        }
        for (unsigned t = first; t < end; t++)
            if (op.mask >> (t - first) & 1) r.state[t] = PORTPROOF_READY;
        PORTPROOF_WARP_IGNORE(false);
        met = true;
    }
    return met;
}

inline void portproof_fiber_main() {
    portproof_grid_run *r = portproof_run;
    r->run_thread(r->closure);
    portproof_race_ignore(true);
    r->state[r->current] = PORTPROOF_DONE;
    portproof_race_ignore(false);
    portproof_race_thread_exit();
    portproof_race_fiber_end(&r->scheduler);
}

static char *portproof_stacks[1024];
inline void *portproof_stack(unsigned t, size_t *size) {
    char **stacks = portproof_stacks;
    long page = sysconf(_SC_PAGESIZE);
    *size = PORTPROOF_FIBER_STACK;
    if (!stacks[t]) {  // each stack sits above a guard page, so an overflow faults
        char *base = (char *)mmap(nullptr, PORTPROOF_FIBER_STACK + page, PROT_READ | PROT_WRITE,
                                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (base == (char *)MAP_FAILED) {
            fprintf(stderr, "portproof-emu: cannot allocate a stack for thread %u\n", t);
            exit(PORTPROOF_EXIT_INTERNAL);
        }
        mprotect(base, page, PROT_NONE);
        stacks[t] = base + page;
    }
    return stacks[t];
}

// ---- the order in which blocks and threads take their turns -------------------------------------
// A file `portproof_schedule` in the working directory names it: `index` (the default), `reverse`, or
// `seed N`, a permutation drawn exactly as portproof/ir/parallel.py's Schedule draws it (splitmix64,
// Fisher-Yates; one draw for the blocks of each launch, then one for the threads of each block in
// turn), so that an order found in the IR runs the same way here.
enum { PORTPROOF_INDEX_ORDER, PORTPROOF_REVERSE_ORDER, PORTPROOF_SEEDED_ORDER };
static int portproof_order_kind = -1;  // read from the file at the first launch
static unsigned long long portproof_order_state;
static unsigned portproof_thread_order[1024];

inline void portproof_read_schedule() {
    portproof_order_kind = PORTPROOF_INDEX_ORDER;
    FILE *f = fopen("portproof_schedule", "r");
    if (!f) return;
    char word[16] = "";
    unsigned long long seed = 0;
    int got = fscanf(f, "%15s %llu", word, &seed);
    fclose(f);
    if (got >= 1 && !strcmp(word, "reverse")) portproof_order_kind = PORTPROOF_REVERSE_ORDER;
    else if (got == 2 && !strcmp(word, "seed")) portproof_order_kind = PORTPROOF_SEEDED_ORDER;
    else if (got < 1 || strcmp(word, "index")) portproof_unsupported("a portproof_schedule file other than "
                                                                     "`index`, `reverse` or `seed N`");
    portproof_order_state = seed;
}

inline unsigned long long portproof_splitmix() {
    unsigned long long z = (portproof_order_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

template <class T> inline void portproof_order(T *order, T count) {
    for (T k = 0; k < count; k++)
        order[k] = portproof_order_kind == PORTPROOF_REVERSE_ORDER ? count - 1 - k : k;
    if (portproof_order_kind != PORTPROOF_SEEDED_ORDER) return;
    for (T i = count - 1; i > 0 && count > 1; i--) {
        T j = (T)(portproof_splitmix() % (unsigned long long)(i + 1));
        T t = order[i]; order[i] = order[j]; order[j] = t;
    }
}

inline void portproof_run_block(portproof_grid_run &r) {
    unsigned threads = r.threads;
    portproof_order(portproof_thread_order, threads);
    for (unsigned t = 0; t < threads; t++) {
        getcontext(&r.fibers[t]);
        r.fibers[t].uc_stack.ss_sp = portproof_stack(t, &r.fibers[t].uc_stack.ss_size);
        r.fibers[t].uc_link = &r.scheduler;
        makecontext(&r.fibers[t], portproof_fiber_main, 0);
        r.state[t] = PORTPROOF_READY;
    }
    r.generation = 0;
    r.reduce[0] = r.reduce[1] = 0;
    portproof_race_block_begin(threads, portproof_thread_coords);
    for (;;) {
        int waiting = -1, done = -1;
        for (unsigned k = 0; k < threads; k++) {
            unsigned t = portproof_thread_order[k];
            if (r.state[t] == PORTPROOF_READY) {
                r.current = t;
                threadIdx = portproof_thread_coords(t);
                portproof_race_swap_to_thread(&r.scheduler, &r.fibers[t], t);
            }
            if (r.state[t] == PORTPROOF_WAITING) {
                if (waiting >= 0 && r.barrier_line[t] != r.barrier_line[waiting]) {
                    char what[64];
                    snprintf(what, sizeof what, "waits at the __syncthreads() on line %d", r.barrier_line[t]);
                    portproof_barrier_error(t, what, waiting, r.barrier_line[waiting]);
                }
                waiting = t;
            } else if (r.state[t] == PORTPROOF_DONE) {
                done = t;
            }
        }
        if (portproof_meet_in_warps(r)) continue;
        if (waiting < 0) return portproof_race_block_end(threads, portproof_stacks);
        if (done >= 0) portproof_barrier_error(done, "has exited", waiting, r.barrier_line[waiting]);
        r.generation++;
        r.reduce[r.generation & 1] = 0;
        for (unsigned t = 0; t < threads; t++) r.state[t] = PORTPROOF_READY;
    }
}

inline const char *portproof_bad_config(dim3 grid, dim3 block, size_t shared) {
    unsigned long long threads = (unsigned long long)block.x * block.y * block.z;
    if (!grid.x || !grid.y || !grid.z || !block.x || !block.y || !block.z) return "a zero dimension";
    if (threads > 1024) return "more than 1024 threads per block";
    if (block.x > 1024 || block.y > 1024 || block.z > 64) return "a block dimension over its limit";
    if (grid.x > 2147483647u || grid.y > 65535 || grid.z > 65535) return "a grid dimension over its limit";
    if (shared > 48 * 1024) return "more than 48 KiB of dynamic shared memory";
    return nullptr;
}

inline void portproof_run_grid(const char *kernel, dim3 grid, dim3 block, size_t shared,
                               void (*run_thread)(void *), void *closure) {
    if (const char *why = portproof_bad_config(grid, block, shared)) {
        fprintf(stderr, "portproof-emu: launch of %s not run: invalid configuration (%s)\n", kernel, why);
        portproof_last_error = cudaErrorInvalidConfiguration;
        return;
    }
    if (portproof_run) portproof_unsupported("a kernel launch inside a kernel (dynamic parallelism)");
    portproof_race_launch_begin();
    static portproof_grid_run r;
    r.kernel = kernel;
    r.run_thread = run_thread;
    r.closure = closure;
    r.threads = block.x * block.y * block.z;
    portproof_run = &r;
    gridDim = grid;
    blockDim = block;
    if (portproof_order_kind < 0) portproof_read_schedule();
    portproof_dynamic_shared = portproof_dynamic_place(shared);
    unsigned long long blocks = (unsigned long long)grid.x * grid.y * grid.z;
    // a drawn order is an array; index and reverse order need none (grids can be huge)
    unsigned long long *order = nullptr;
    if (portproof_order_kind == PORTPROOF_SEEDED_ORDER) {
        order = (unsigned long long *)malloc(blocks * sizeof *order);
        if (!order) portproof_unsupported("a drawn order of this many blocks");
        portproof_order(order, blocks);
    }
    for (unsigned long long k = 0; k < blocks; k++) {
        unsigned long long b = order ? order[k] : portproof_order_kind == PORTPROOF_REVERSE_ORDER ? blocks - 1 - k : k;
        blockIdx = uint3{(unsigned)(b % grid.x), (unsigned)(b / grid.x % grid.y), (unsigned)(b / grid.x / grid.y)};
        portproof_block_serial++;
        memset(portproof_dynamic_shared, 0xFF, shared);
        portproof_run_block(r);
    }
    free(order);
    portproof_run = nullptr;
    portproof_race_launch_end();
}

// `kernel<<<grid, block, shared>>>(args)` becomes `portproof_launch("kernel", grid, block, shared,
// [&](auto &&...a) { kernel(a...); }, args)`: the arguments are evaluated once, as on a GPU, and every
// thread receives its own copies of them.
template <class Body, class... A>
void portproof_launch(const char *kernel, dim3 grid, dim3 block, size_t shared, Body body, A &&...args) {
    std::tuple<std::decay_t<A>...> packed(std::forward<A>(args)...);
    auto thread = [&]() { std::apply(body, packed); };
    portproof_device_memory(true);
    portproof_host_memory(false);
    portproof_run_grid(kernel, grid, block, shared,
                       [](void *closure) { (*static_cast<decltype(thread) *>(closure))(); }, &thread);
    portproof_host_memory(true);
    portproof_device_memory(false);
}

#endif
