/*
 * glibc malloc settings for a batch of large images.
 *
 * By default glibc serves every allocation over its mmap threshold (at most 32 MiB) with a fresh
 * mmap and unmaps it on free, and worker threads get their own arenas, whose heaps cannot hold
 * a block over 64 MiB (so those are mmap'd too). A batch allocates the same few large buffers
 * (file bytes, pixels, float tensors of 50-250 MB) for every image, so each image paid the kernel
 * to map, zero and unmap them again: 20-25 % of `apply`'s CPU time was page faults. With one
 * arena, no mmap'd blocks and no trimming, freed buffers go back to the heap and the next image
 * reuses pages already mapped. Elsewhere (macOS, musl) this is a no-op.
 */
#include "CImageIO.h"
#if defined(__GLIBC__)
#include <malloc.h>
#endif

int cimageio_tune_malloc_for_batches(void) {
#if defined(__GLIBC__)
    int ok = 1;
    ok &= mallopt(M_ARENA_MAX, 1);
    ok &= mallopt(M_MMAP_MAX, 0);
    ok &= mallopt(M_TRIM_THRESHOLD, 1 << 30);
    ok &= mallopt(M_TOP_PAD, 64 << 20);
    return ok;
#else
    return 0;
#endif
}
