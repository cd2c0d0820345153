/*
 * glibc malloc settings for a batch of large images, two of them.
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

int cimageio_tune_malloc_for_batches(int reuse_large_buffers) {
#if defined(__GLIBC__)
    int ok = mallopt(M_ARENA_MAX, 1);
    if (reuse_large_buffers) {
        ok &= mallopt(M_MMAP_MAX, 0);
        ok &= mallopt(M_TRIM_THRESHOLD, 1 << 30);
        ok &= mallopt(M_TOP_PAD, 64 << 20);
    } else {
        /* The streaming route's large buffers are image rows of every size: reused from one heap,
         * the holes between them stay resident and memory creeps above what is live. Mapped afresh
         * (a fixed threshold: glibc would otherwise raise it to the largest block freed) and advised
         * to huge pages where they are allocated, they cost a few faults each and leave on free. */
        ok &= mallopt(M_MMAP_THRESHOLD, 4 << 20);
        ok &= mallopt(M_TRIM_THRESHOLD, 16 << 20);
    }
    return ok;
#else
    (void)reuse_large_buffers;
    return 0;
#endif
}
