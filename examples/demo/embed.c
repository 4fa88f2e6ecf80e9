/* The demo's stand-in embedding: signed feature hashing of words. */
#include <ctype.h>
#include <math.h>
#include <string.h>
#include "demo.h"

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

void demo_embed(const char *text, float out[DEMO_DIM])
{
    memset(out, 0, sizeof(float) * DEMO_DIM);
    char word[64];
    size_t n = 0;
    for (const char *p = text;; p++) {
        unsigned char c = (unsigned char)*p;
        if (c && (isalnum(c) || c >= 0x80)) {
            if (n < sizeof word)
                word[n++] = (char)tolower(c);
            continue;
        }
        if (n >= 2) {
            uint64_t h = fnv1a(word, n);
            out[h % DEMO_DIM] += (h >> 63) ? 1.0f : -1.0f;
        }
        n = 0;
        if (c == 0)
            break;
    }
    double norm = 0;
    for (int i = 0; i < DEMO_DIM; i++) {
        float v = out[i];
        out[i] = v > 0 ? 1.0f + logf(v) : v < 0 ? -(1.0f + logf(-v)) : 0.0f;
        norm += (double)out[i] * out[i];
    }
    if (norm == 0) {
        out[0] = 1.0f; /* an empty text still needs a direction */
        return;
    }
    float inv = (float)(1.0 / sqrt(norm));
    for (int i = 0; i < DEMO_DIM; i++)
        out[i] *= inv;
}
