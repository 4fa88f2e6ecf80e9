/* A growable string builder that remembers allocation failure. */
#include <stdio.h>
#include <string.h>
#include "core.h"

void pk_buf_init(pk_buf *b) { memset(b, 0, sizeof *b); }

void pk_buf_free(pk_buf *b)
{
    pk_free(b->data);
    pk_buf_init(b);
}

static bool reserve(pk_buf *b, size_t extra)
{
    if (b->failed)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *d = pk_realloc(b->data, cap);
    if (d == NULL) {
        b->failed = true;
        return false;
    }
    b->data = d;
    b->cap = cap;
    return true;
}

void pk_buf_putn(pk_buf *b, const void *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void pk_buf_put(pk_buf *b, const char *s) { pk_buf_putn(b, s, strlen(s)); }
void pk_buf_putc(pk_buf *b, char c) { pk_buf_putn(b, &c, 1); }

void pk_buf_printf(pk_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *pk_buf_take(pk_buf *b)
{
    if (b->failed || !reserve(b, 0)) {
        pk_buf_free(b);
        return NULL;
    }
    char *d = b->data;
    d[b->len] = '\0'; /* an empty builder has not written its terminator yet */
    pk_buf_init(b);
    return d;
}
