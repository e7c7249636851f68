#ifndef MALLOC_COUNTER_H
#define MALLOC_COUNTER_H

#include <stdint.h>

/// Counts since the process started (or the last reset): allocation calls (malloc, calloc,
/// realloc, posix_memalign, aligned_alloc, memalign, valloc), bytes requested by them, and frees.
typedef struct {
    uint64_t allocations;
    uint64_t bytes;
    uint64_t frees;
} malloc_counter_snapshot;

malloc_counter_snapshot malloc_counter_read(void);

#endif
