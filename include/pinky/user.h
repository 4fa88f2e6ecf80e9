/*
 * libpinky -- users and user_preferences.
 *
 * Conventions (shared by every module):
 *  - Structs a caller fills (rows as input, filters) start with struct_size;
 *    call the *_init function first.
 *  - Rows the library returns are allocated by it: free them with *_free.
 *  - Strings are UTF-8; VARCHAR limits count characters.  JSON is text.
 *  - Lists return a page: items (array of pointers), count, and next_cursor
 *    (NULL on the last page) to pass back in the filter's cursor.
 *  - On failure nothing is written, *out is left NULL, and pinky_error_last()
 *    names the field or constraint at fault.
 */
#ifndef PINKY_USER_H
#define PINKY_USER_H

#include "db.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- users --------------------------------------------------------------- */
typedef struct pinky_user {
    uint32_t struct_size;
    int32_t id;                 /* server-assigned */
    char *username;             /* required, VARCHAR(255), unique */
    char *email;                /* VARCHAR(255), unique, nullable */
    char *profile_image_url;    /* nullable */
    char *first_name;           /* VARCHAR(255), nullable */
    char *last_name;            /* VARCHAR(255), nullable */
    pinky_time created_at;      /* server-assigned */
    pinky_time updated_at;      /* server-assigned, kept current on update */
} pinky_user;

/* Field mask bits for pinky_user_update. */
#define PINKY_USER_USERNAME          (UINT64_C(1) << 0)
#define PINKY_USER_EMAIL             (UINT64_C(1) << 1)
#define PINKY_USER_PROFILE_IMAGE_URL (UINT64_C(1) << 2)
#define PINKY_USER_FIRST_NAME        (UINT64_C(1) << 3)
#define PINKY_USER_LAST_NAME         (UINT64_C(1) << 4)

typedef struct pinky_user_filter {
    uint32_t struct_size;
    uint32_t limit;             /* 0: PINKY_LIST_DEFAULT_LIMIT; at most PINKY_LIST_MAX_LIMIT */
    const char *cursor;         /* NULL: first page */
    const char *username_contains; /* case-insensitive substring, NULL: any */
    pinky_opt_time created_from;   /* created_at >= */
    pinky_opt_time created_before; /* created_at < */
} pinky_user_filter;

typedef struct pinky_user_page {
    pinky_user **items;
    size_t count;
    char *next_cursor;          /* NULL on the last page */
} pinky_user_page;

/* Zeroes *user and sets struct_size. */
PINKY_API void pinky_user_init(pinky_user *user);
/* Zeroes the filter (no narrowing, default limit) and sets struct_size. */
PINKY_API void pinky_user_filter_init(pinky_user_filter *filter);
/*
 * Inserts a user from *in (id and timestamps are ignored) and returns the
 * stored row in *out (may be NULL).  INVALID for bad fields; CONFLICT naming
 * users_username_key / users_email_key for a duplicate.
 */
PINKY_API pinky_status pinky_user_create(pinky_db *db, const pinky_user *in, pinky_user **out);
/* Reads a user by id.  NOT_FOUND when there is none. */
PINKY_API pinky_status pinky_user_get(pinky_db *db, int32_t id, pinky_user **out);
PINKY_API pinky_status pinky_user_get_by_username(pinky_db *db, const char *username,
                                                  pinky_user **out);
/*
 * Changes the fields named in mask (PINKY_USER_* bits) to their values in
 * *in (NULL strings clear nullable fields).  When expected_updated_at is not
 * NULL and the row's updated_at differs, nothing is written: CONFLICT.
 * Returns the stored row in *out (may be NULL).
 */
PINKY_API pinky_status pinky_user_update(pinky_db *db, int32_t id, const pinky_user *in,
                                         uint64_t mask, const pinky_time *expected_updated_at,
                                         pinky_user **out);
/*
 * Deletes a user and, by cascade, everything the user owns; document
 * versions the user authored in other users' documents keep their row with
 * created_by cleared.  NOT_FOUND when there is no such user.
 */
PINKY_API pinky_status pinky_user_delete(pinky_db *db, int32_t id);
/* One page of users in id order. Free with pinky_user_page_free. */
PINKY_API pinky_status pinky_user_list(pinky_db *db, const pinky_user_filter *filter,
                                       pinky_user_page **out);
PINKY_API void pinky_user_free(pinky_user *user);
PINKY_API void pinky_user_page_free(pinky_user_page *page);

/* ---- user_preferences ---------------------------------------------------- */
typedef struct pinky_user_preference {
    uint32_t struct_size;
    int32_t user_id;
    char *preference_key;       /* VARCHAR(255), required */
    char *preference_value;     /* JSON text, required */
    pinky_time created_at;
    pinky_time updated_at;
} pinky_user_preference;

typedef struct pinky_user_preference_filter {
    uint32_t struct_size;
    uint32_t limit;
    const char *cursor;
    const char *key_prefix;     /* preference_key starts with this, NULL: any */
} pinky_user_preference_filter;

typedef struct pinky_user_preference_page {
    pinky_user_preference **items;
    size_t count;
    char *next_cursor;
} pinky_user_preference_page;

/* Zeroes the struct and sets struct_size: call before filling it in. */
PINKY_API void pinky_user_preference_init(pinky_user_preference *pref);
/* Zeroes the filter (no narrowing, default limit) and sets struct_size. */
PINKY_API void pinky_user_preference_filter_init(pinky_user_preference_filter *filter);
/*
 * Inserts or replaces the preference (user_id, key) with the JSON value.
 * NOT_FOUND when the user does not exist.  *out may be NULL.
 */
PINKY_API pinky_status pinky_user_preference_set(pinky_db *db, int32_t user_id,
                                                 const char *key, const char *json_value,
                                                 pinky_user_preference **out);
PINKY_API pinky_status pinky_user_preference_get(pinky_db *db, int32_t user_id,
                                                 const char *key,
                                                 pinky_user_preference **out);
PINKY_API pinky_status pinky_user_preference_delete(pinky_db *db, int32_t user_id,
                                                    const char *key);
/* One page of a user's preferences in key order. */
PINKY_API pinky_status pinky_user_preference_list(pinky_db *db, int32_t user_id,
                                                  const pinky_user_preference_filter *filter,
                                                  pinky_user_preference_page **out);
PINKY_API void pinky_user_preference_free(pinky_user_preference *pref);
PINKY_API void pinky_user_preference_page_free(pinky_user_preference_page *page);

#ifdef __cplusplus
}
#endif
#endif /* PINKY_USER_H */
