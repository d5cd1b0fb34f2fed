/* portproof: guarded allocation and binary file I/O shared by the C and C++ harnesses. */
#ifndef PORTPROOF_HARNESS_H
#define PORTPROOF_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PORTPROOF_EXIT_IO 85

/* Place `bytes` so that they end exactly at an inaccessible page: a write or read past the end of
   the block faults at once instead of corrupting other data. Alignment is the largest power of two
   up to 16 dividing `bytes`, so no slack is left between the data and the guard page. */
static void *portproof_guarded_alloc(size_t bytes) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t data_pages = (bytes + page - 1) / page;
    size_t length = (data_pages + 1) * page;
    char *base = (char *)mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == (char *)MAP_FAILED) return NULL;
    char *guard = base + data_pages * page;
    mprotect(guard, page, PROT_NONE);
    return guard - bytes;
}

static void portproof_guarded_free(void *pointer, size_t bytes) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    char *end = (char *)pointer + bytes;
    size_t data_pages = (bytes + page - 1) / page;
    munmap(end - data_pages * page, (data_pages + 1) * page);
}

static void portproof_fail(const char *what, const char *name) {
    fprintf(stderr, "portproof harness: %s %s\n", what, name);
    exit(PORTPROOF_EXIT_IO);
}

static void *portproof_read_array(const char *path, size_t *bytes) {
    FILE *f = fopen(path, "rb");
    if (!f) portproof_fail("cannot open", path);
    fseek(f, 0, SEEK_END);
    *bytes = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    void *data = portproof_guarded_alloc(*bytes);
    if (!data) portproof_fail("cannot allocate memory for", path);
    if (fread(data, 1, *bytes, f) != *bytes) portproof_fail("cannot read", path);
    fclose(f);
    return data;
}

static void portproof_write(const char *path, const void *data, size_t bytes) {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, bytes, f) != bytes || fclose(f) != 0) portproof_fail("cannot write", path);
}

static FILE *portproof_scalars;

static void portproof_read_scalar(void *value, size_t bytes) {
    if (!portproof_scalars) portproof_scalars = fopen("scalars.bin", "rb");
    if (!portproof_scalars || fread(value, 1, bytes, portproof_scalars) != bytes)
        portproof_fail("cannot read", "scalars.bin");
}

#endif
