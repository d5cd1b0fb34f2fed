#ifndef CONV2D_H
#define CONV2D_H

/* PolyBench/GPU-style data type switch, shared by original.c and ported.cu */
#define DATA_TYPE float

#endif
