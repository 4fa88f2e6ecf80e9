/*
 * libpinky -- common definitions: export macro, status codes, the per-thread
 * error, and the value types every module uses (uuid, time, optional scalars,
 * decimals).
 *
 * Public headers include only <stddef.h>, <stdint.h>, <stdbool.h> and each
 * other.  No libpq, json-c or libuuid type ever appears here.
 */
#ifndef PINKY_COMMON_H
#define PINKY_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(PINKY_BUILDING) && defined(__GNUC__)
#define PINKY_API __attribute__((visibility("default")))
#else
#define PINKY_API
#endif

#define PINKY_VERSION_MAJOR 0
#define PINKY_VERSION_MINOR 1
#define PINKY_VERSION_PATCH 0
#define PINKY_VERSION_STRING "0.1.0"

/* The library's version as "MAJOR.MINOR.PATCH" (may differ from the header's). */
PINKY_API const char *pinky_version(void);

/*
 * Status codes.  The values are fixed and never change meaning; new codes are
 * appended.
 */
typedef enum pinky_status {
    PINKY_OK = 0,
    PINKY_NOT_FOUND = 1,     /* no such row, or it belongs to another user */
    PINKY_INVALID = 2,       /* bad argument; nothing was sent or written */
    PINKY_CONFLICT = 3,      /* unique violation, or a stale expected updated_at */
    PINKY_CONSTRAINT = 4,    /* foreign key, check or not-null violation */
    PINKY_CONNECTION = 5,    /* the connection failed or was lost */
    PINKY_TIMEOUT = 6,       /* statement timeout or cancelled */
    PINKY_BUSY = 7,          /* no connection could be had in time */
    PINKY_NO_MEMORY = 8,     /* allocation failed */
    PINKY_SERIALIZATION = 9, /* serialization failure or deadlock; retry */
    PINKY_MIGRATION = 10,    /* schema migrations disagree with this library */
    PINKY_SERVER = 11,       /* any other error reported by the server */
    PINKY_STATE = 12,        /* call not allowed in this state (e.g. failed transaction) */
    PINKY_INTERNAL = 13      /* a bug in libpinky, or a protocol surprise */
} pinky_status;

/* A static, never-NULL name such as "NOT_FOUND". */
PINKY_API const char *pinky_status_str(pinky_status status);

/*
 * The last error of the calling thread.  Every fallible function sets it on
 * failure (and leaves it alone on success).  The strings are never NULL
 * ("" when absent).  The library owns the returned struct; it stays valid
 * until the next libpinky call on the same thread.  Callers never allocate
 * this struct, so fields may be appended in later versions.
 */
typedef struct pinky_error {
    pinky_status status;
    const char *message;    /* readable, names the field or constraint at fault */
    const char *field;      /* the argument/column at fault, "" if none */
    const char *sqlstate;   /* five characters for server errors, else "" */
    const char *detail;
    const char *hint;
    const char *constraint_name;
    const char *table_name;
    const char *column_name;
} pinky_error;

/* The calling thread's last error (see above). */
PINKY_API const pinky_error *pinky_error_last(void);
/* Clears the calling thread's error (status OK, empty strings). */
PINKY_API void pinky_error_clear(void);
/* A heap copy that outlives later calls; NULL when out of memory. */
PINKY_API pinky_error *pinky_error_copy(const pinky_error *err);
PINKY_API void pinky_error_free(pinky_error *err);

/*
 * Allocator.  Replace it before any other call (it is process-wide):
 * pinky_allocator_init, set the three functions (and ctx), then
 * pinky_set_allocator.  NULL restores the defaults (malloc, realloc, free).
 * INVALID for a wrong struct_size or a missing function; the allocator in
 * use is kept then.  Memory the library returns to callers (rows, pages,
 * strings) is released with the matching *_free function.  json-c and libpq
 * allocate with their own allocators.
 */
typedef struct pinky_allocator {
    uint32_t struct_size;
    void *(*malloc_fn)(size_t size, void *ctx);
    void *(*realloc_fn)(void *ptr, size_t size, void *ctx);
    void (*free_fn)(void *ptr, void *ctx);
    void *ctx;
} pinky_allocator;
/* Zeroes *allocator and sets struct_size. */
PINKY_API void pinky_allocator_init(pinky_allocator *allocator);
/* Installs the allocator (see above). */
PINKY_API pinky_status pinky_set_allocator(const pinky_allocator *allocator);
/* Frees a string or buffer the library allocated (e.g. from pinky_api_key_reveal). */
PINKY_API void pinky_free(void *ptr);

/* Lists: the default and largest page sizes (filter.limit). */
#define PINKY_LIST_DEFAULT_LIMIT 100
#define PINKY_LIST_MAX_LIMIT 1000

/* ---- UUID ---------------------------------------------------------------- */
typedef struct pinky_uuid {
    uint8_t bytes[16];
} pinky_uuid;

#define PINKY_UUID_STRLEN 37 /* 36 characters + NUL */

/*
 * Accepts PostgreSQL's input forms: canonical, upper case, surrounded by
 * braces, without hyphens, or hyphens after any group of four digits.
 * INVALID (field "uuid") for anything else.
 */
PINKY_API pinky_status pinky_uuid_parse(const char *text, pinky_uuid *out);
/* Canonical lower-case form into buf (at least PINKY_UUID_STRLEN bytes). */
PINKY_API void pinky_uuid_format(const pinky_uuid *uuid, char *buf);
PINKY_API bool pinky_uuid_is_nil(const pinky_uuid *uuid);
PINKY_API bool pinky_uuid_equal(const pinky_uuid *a, const pinky_uuid *b);
/* A random (version 4) UUID. */
PINKY_API void pinky_uuid_generate(pinky_uuid *out);

/* ---- Time ---------------------------------------------------------------- */
/* Microseconds since 1970-01-01 00:00:00 UTC: TIMESTAMPTZ's resolution. */
typedef int64_t pinky_time;
#define PINKY_TIME_INFINITY ((pinky_time)INT64_MAX)
#define PINKY_TIME_NEG_INFINITY ((pinky_time)INT64_MIN)

/* The current time. */
PINKY_API pinky_time pinky_time_now(void);
/* From/to calendar fields in UTC; independent of the process's TZ. */
PINKY_API pinky_status pinky_time_from_utc(int year, int month, int day, int hour,
                                           int minute, int second, int microsecond,
                                           pinky_time *out);
/*
 * ISO 8601 in UTC ("2024-02-29T13:45:00.123456Z", fraction omitted when zero),
 * "infinity" or "-infinity".  buf needs PINKY_TIME_STRLEN bytes.
 */
#define PINKY_TIME_STRLEN 40
PINKY_API void pinky_time_format(pinky_time t, char *buf);
/* Parses what pinky_time_format writes, plus "+HH:MM" offsets and a space for 'T'. */
PINKY_API pinky_status pinky_time_parse(const char *text, pinky_time *out);

/* ---- Optional scalars (nullable columns) --------------------------------- */
typedef struct pinky_opt_i32 { int32_t value; bool is_set; } pinky_opt_i32;
typedef struct pinky_opt_i64 { int64_t value; bool is_set; } pinky_opt_i64;
typedef struct pinky_opt_bool { bool value; bool is_set; } pinky_opt_bool;
typedef struct pinky_opt_time { pinky_time value; bool is_set; } pinky_opt_time;
typedef struct pinky_opt_uuid { pinky_uuid value; bool is_set; } pinky_opt_uuid;

/* Set optional values: pinky_i32(5) is {5, true}; a zeroed struct is unset (NULL). */
PINKY_API pinky_opt_i32 pinky_i32(int32_t v);
PINKY_API pinky_opt_i64 pinky_i64(int64_t v);
PINKY_API pinky_opt_bool pinky_bool(bool v);
PINKY_API pinky_opt_time pinky_time_val(pinky_time v);
PINKY_API pinky_opt_uuid pinky_uuid_val(const pinky_uuid *v);

/* ---- Hashing ------------------------------------------------------------ */
/* Hex SHA-256 of data into out (65 bytes), e.g. for sync_items.hash. */
PINKY_API void pinky_sha256_hex(const void *data, size_t len, char out[65]);

/* ---- Decimals ------------------------------------------------------------ */
/*
 * An exact decimal as a scaled integer: the column's scale is fixed by the
 * column (DECIMAL(15,2) holds cents: 12.34 is value 1234).  Never a double.
 */
typedef struct pinky_opt_decimal { int64_t value; bool is_set; } pinky_opt_decimal;
PINKY_API pinky_opt_decimal pinky_decimal(int64_t scaled);

#define PINKY_DECIMAL_STRLEN 24
/*
 * Parses "-123.45" for a DECIMAL(precision, scale) column: INVALID when the
 * text is not a plain decimal number, has more fractional digits than scale
 * (no silent rounding), or does not fit precision.
 */
PINKY_API pinky_status pinky_decimal_parse(const char *text, int precision, int scale,
                                           int64_t *out);
/* Writes the value with exactly `scale` fractional digits (scale 0..18; "NaN"
   for another scale); buf needs PINKY_DECIMAL_STRLEN. */
PINKY_API void pinky_decimal_format(int64_t scaled, int scale, char *buf);

#ifdef __cplusplus
}
#endif
#endif /* PINKY_COMMON_H */
