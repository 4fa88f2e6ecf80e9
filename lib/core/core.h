/*
 * lib/core -- internal helpers shared by the whole library: allocation,
 * errors, a string builder, UTF-8 and JSON validation, SHA-256.
 * Knows nothing of libpq.
 */
#ifndef PK_CORE_H
#define PK_CORE_H

#include <stdarg.h>
#include "pinky/common.h"

#define PK_UNUSED(x) ((void)(x))
#define PK_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define PK_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define PK_PRINTF(f, a)
#endif

/* ---- allocation (through the swappable allocator) ---- */
void *pk_malloc(size_t size);
void *pk_calloc(size_t n, size_t size);
void *pk_realloc(void *ptr, size_t size);
void pk_free(void *ptr);
char *pk_strdup(const char *s);
char *pk_strndup(const char *s, size_t n);

/* ---- errors ---- */
/* Sets the thread's error and returns status.  field may be NULL. */
pinky_status pk_err(pinky_status status, const char *field, const char *fmt, ...) PK_PRINTF(3, 4);
pinky_status pk_err_nomem(void);
/* Server error fields; any may be NULL. */
typedef struct pk_server_error {
    const char *sqlstate, *message, *detail, *hint, *constraint_name, *table_name,
        *column_name;
} pk_server_error;
pinky_status pk_err_server(pinky_status status, const pk_server_error *e);
/* Makes a copied error the thread's error again, every field included. */
pinky_status pk_err_restore(const pinky_error *e);
/* Prefixes the current message with "context: ". */
void pk_err_prefix(const char *fmt, ...) PK_PRINTF(1, 2);
/* Current status of the thread's error. */
pinky_status pk_err_status(void);

/* ---- string builder ---- */
typedef struct pk_buf {
    char *data;
    size_t len, cap;
    bool failed; /* an allocation failed; data is unusable */
} pk_buf;
void pk_buf_init(pk_buf *b);
void pk_buf_free(pk_buf *b);
void pk_buf_put(pk_buf *b, const char *s);
void pk_buf_putn(pk_buf *b, const void *s, size_t n);
void pk_buf_putc(pk_buf *b, char c);
void pk_buf_printf(pk_buf *b, const char *fmt, ...) PK_PRINTF(2, 3);
/* Takes the buffer's string (caller frees with pk_free); NULL if it failed. */
char *pk_buf_take(pk_buf *b);

/* ---- validation ---- */
/* Number of UTF-8 characters, or -1 when s is not valid UTF-8 (no NUL inside). */
long pk_utf8_count(const char *s, size_t len);
/*
 * Checks text as a string column value: valid UTF-8, at most max_chars
 * characters (0 = unlimited).  INVALID naming field otherwise.
 */
pinky_status pk_check_text(const char *field, const char *s, int max_chars);
/* Checks JSON text the way JSONB accepts it.  INVALID naming field otherwise. */
pinky_status pk_check_json(const char *field, const char *json);
/* Like pk_check_json and the top level must be an array/object. */
pinky_status pk_check_json_array(const char *field, const char *json);
pinky_status pk_check_json_object(const char *field, const char *json);

/*
 * Checks an embedding: exactly `want` finite floats with a norm that is
 * neither zero (cosine distance is undefined for it) nor beyond single
 * precision.  INVALID naming field (with expected and actual) otherwise.
 */
pinky_status pk_check_vector(const char *field, const float *v, uint32_t dim, int want);

/* ---- enums: names[i] is the text of value i + 1; names is NULL-terminated ---- */
/* The name of v, or NULL when v is not a value of the enum. */
const char *pk_enum_name(const char *const *names, int v);
/* INVALID naming field when s is not one of names. */
pinky_status pk_enum_parse(const char *field, const char *const *names, const char *s, int *out);

/* ---- encoding ---- */
void pk_sha256_hex(const void *data, size_t len, char out[65]);
/* base64url without padding.  pk_b64_decode returns length or -1. */
char *pk_b64_encode(const void *data, size_t len);
long pk_b64_decode(const char *s, unsigned char *out, size_t cap);

/* ---- time helpers ---- */
/* Monotonic clock in microseconds. */
int64_t pk_mono_us(void);
/* Random 64 bits (for jitter), thread-safe. */
uint64_t pk_random64(void);

#endif /* PK_CORE_H */
