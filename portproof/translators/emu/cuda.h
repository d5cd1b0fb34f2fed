// portproof: stands in for the CUDA header of this name in the CPU emulation.
#include "portproof_cuda_emu.h"
