/* Allocation through a process-wide, swappable allocator. */
#include <stdlib.h>
#include <string.h>
#include "core.h"

static void *default_malloc(size_t size, void *ctx) { PK_UNUSED(ctx); return malloc(size); }
static void *default_realloc(void *p, size_t size, void *ctx) { PK_UNUSED(ctx); return realloc(p, size); }
static void default_free(void *p, void *ctx) { PK_UNUSED(ctx); free(p); }

static pinky_allocator g_alloc = {sizeof(pinky_allocator), default_malloc, default_realloc,
                                  default_free, NULL};

PINKY_API void pinky_allocator_init(pinky_allocator *a)
{
    if (a) {
        memset(a, 0, sizeof *a);
        a->struct_size = sizeof *a;
    }
}

PINKY_API pinky_status pinky_set_allocator(const pinky_allocator *a)
{
    if (a == NULL) {
        g_alloc = (pinky_allocator){sizeof(pinky_allocator), default_malloc, default_realloc,
                                    default_free, NULL};
        return PINKY_OK;
    }
    if (a->struct_size != sizeof *a)
        return pk_err(PINKY_INVALID, "allocator.struct_size",
                      "allocator.struct_size: %u is not a size this library knows (call pinky_allocator_init)",
                      a->struct_size);
    if (a->malloc_fn == NULL || a->realloc_fn == NULL || a->free_fn == NULL)
        return pk_err(PINKY_INVALID, "allocator", "allocator: malloc_fn, realloc_fn and free_fn are all required");
    g_alloc = *a;
    return PINKY_OK;
}

void *pk_malloc(size_t size) { return g_alloc.malloc_fn(size ? size : 1, g_alloc.ctx); }

void *pk_calloc(size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        return NULL;
    void *p = pk_malloc(n * size);
    if (p)
        memset(p, 0, (n * size) > 0 ? n * size : 1);
    return p;
}

void *pk_realloc(void *ptr, size_t size) { return g_alloc.realloc_fn(ptr, size ? size : 1, g_alloc.ctx); }

void pk_free(void *ptr)
{
    if (ptr)
        g_alloc.free_fn(ptr, g_alloc.ctx);
}

PINKY_API void pinky_free(void *ptr) { pk_free(ptr); }

char *pk_strndup(const char *s, size_t n)
{
    char *d = pk_malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *pk_strdup(const char *s) { return s ? pk_strndup(s, strlen(s)) : NULL; }
