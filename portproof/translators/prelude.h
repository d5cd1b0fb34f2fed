/* portproof prelude (C): the types and macros of the standard headers that the C frontend needs once they are gone. */
#include "prelude_macros.h"
typedef unsigned long size_t;
typedef long ssize_t;
typedef long ptrdiff_t;
typedef signed char int8_t;
typedef short int16_t;
typedef int int32_t;
typedef long int64_t;
typedef unsigned char uint8_t;
typedef unsigned short uint16_t;
typedef unsigned int uint32_t;
typedef unsigned long uint64_t;
typedef _Bool bool;
#define true 1
#define false 0
#define NULL ((void *)0)
typedef struct _portproof_FILE FILE;
extern FILE *stdin, *stdout, *stderr;
#define __restrict restrict
#define __restrict__ restrict
#define __inline inline
#define __inline__ inline
#define __attribute__(x)
#define __extension__
