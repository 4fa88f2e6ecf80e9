/*
 * lib/model -- shared by the table files: the mapper, and macros that
 * define the typed public wrappers every table has, so each table file
 * holds only its description and what is special about it.
 */
#ifndef PK_MODEL_H
#define PK_MODEL_H

#include <stddef.h>
#include "db/mapper.h"
#include "pinky/pinky.h"

#define PK_COL(ST, FIELD, TYPE, FLAGS) \
    .name = #FIELD, .type = (TYPE), .flags = (FLAGS), .offset = offsetof(ST, FIELD)

/* Filter fields: `FIELD = value` where the filter member is named like the column. */
#define PK_EQ_FILTER(FT, FIELD) {#FIELD, offsetof(FT, FIELD), PK_EQ, #FIELD, NULL, NULL}
/* <PREFIX>_from (>=) and <PREFIX>_before (<) on time column COLUMN. */
#define PK_TIME_RANGE(FT, PREFIX, COLUMN)                                                 \
    {#PREFIX "_from", offsetof(FT, PREFIX##_from), PK_GE, COLUMN, NULL, NULL},            \
    {#PREFIX "_before", offsetof(FT, PREFIX##_before), PK_LT, COLUMN, NULL, NULL}

/* The filter head every public filter struct begins with. */
#define PK_FILTER_LAYOUT_CHECK(FT)                                                        \
    _Static_assert(offsetof(FT, struct_size) == offsetof(pk_filter_head, struct_size) &&  \
                       offsetof(FT, limit) == offsetof(pk_filter_head, limit) &&          \
                       offsetof(FT, cursor) == offsetof(pk_filter_head, cursor),          \
                   #FT " must start like pk_filter_head")

#define PK_PAGE_LAYOUT_CHECK(PT)                                                          \
    _Static_assert(sizeof(PT) == sizeof(pk_page) &&                                       \
                       offsetof(PT, items) == offsetof(pk_page, items) &&                 \
                       offsetof(PT, count) == offsetof(pk_page, count) &&                 \
                       offsetof(PT, next_cursor) == offsetof(pk_page, next_cursor),       \
                   #PT " must be laid out like pk_page")

/* filter_init / free / page_free for a row type the library returns. */
#define PK_DEFINE_FREE(NAME, TABLE)                                                       \
    PK_FILTER_LAYOUT_CHECK(pinky_##NAME##_filter);                                        \
    PK_PAGE_LAYOUT_CHECK(pinky_##NAME##_page);                                            \
    PINKY_API void pinky_##NAME##_filter_init(pinky_##NAME##_filter *f)                   \
    {                                                                                     \
        pk_filter_init(&(TABLE), f);                                                      \
    }                                                                                     \
    PINKY_API void pinky_##NAME##_free(pinky_##NAME *row) { pk_row_free(&(TABLE), row); } \
    PINKY_API void pinky_##NAME##_page_free(pinky_##NAME##_page *page)                    \
    {                                                                                     \
        pk_page_free(&(TABLE), page);                                                     \
    }

/* ... and init, for a row type callers fill in. */
#define PK_DEFINE_BASICS(NAME, TABLE)                                                     \
    PK_DEFINE_FREE(NAME, TABLE)                                                           \
    PINKY_API void pinky_##NAME##_init(pinky_##NAME *row) { pk_row_init(&(TABLE), row); }

/* A key row for a UUID-keyed table, or INVALID for a NULL id. */
#define PK_UUID_KEY(NAME, TABLE, ID, KEY)                                                 \
    pinky_##NAME KEY;                                                                     \
    if ((ID) == NULL)                                                                     \
        return pk_err(PINKY_INVALID, "id", "id: NULL pointer");                           \
    pk_row_init(&(TABLE), &KEY);                                                          \
    KEY.id = *(ID)

/*
 * get / update / delete for a table keyed by a UUID `id` and owned by a user
 * (directly or through its parent).
 */
#define PK_DEFINE_UUID_READ_WRITE(NAME, TABLE)                                            \
    PINKY_API pinky_status pinky_##NAME##_get(pinky_db *db, int32_t user_id,              \
                                              const pinky_uuid *id, pinky_##NAME **out)   \
    {                                                                                     \
        if (out)                                                                          \
            *out = NULL;                                                                  \
        PK_UUID_KEY(NAME, TABLE, id, key);                                                \
        return pk_row_get(db, &(TABLE), user_id, &key, 0, (void **)out);                  \
    }                                                                                     \
    PINKY_API pinky_status pinky_##NAME##_update(pinky_db *db, int32_t user_id,           \
                                                 const pinky_uuid *id, const pinky_##NAME *in, \
                                                 uint64_t mask,                           \
                                                 const pinky_time *expected_updated_at,   \
                                                 pinky_##NAME **out)                      \
    {                                                                                     \
        if (out)                                                                          \
            *out = NULL;                                                                  \
        PK_UUID_KEY(NAME, TABLE, id, key);                                                \
        return pk_row_update(db, &(TABLE), user_id, &key, in, mask, expected_updated_at,  \
                             (void **)out);                                               \
    }                                                                                     \
    PINKY_API pinky_status pinky_##NAME##_delete(pinky_db *db, int32_t user_id,           \
                                                 const pinky_uuid *id)                    \
    {                                                                                     \
        PK_UUID_KEY(NAME, TABLE, id, key);                                                \
        return pk_row_delete(db, &(TABLE), user_id, &key);                                \
    }                                                                                     \

/* list and create of a user-owned table. */
#define PK_DEFINE_LIST(NAME, TABLE)                                                       \
    PINKY_API pinky_status pinky_##NAME##_list(pinky_db *db, int32_t user_id,             \
                                               const pinky_##NAME##_filter *filter,       \
                                               pinky_##NAME##_page **out)                 \
    {                                                                                     \
        return pk_row_list(db, &(TABLE), user_id, filter, 0, (void **)out);               \
    }
#define PK_DEFINE_CREATE(NAME, TABLE)                                                     \
    PINKY_API pinky_status pinky_##NAME##_create(pinky_db *db, int32_t user_id,           \
                                                 const pinky_##NAME *in, pinky_##NAME **out) \
    {                                                                                     \
        return pk_row_create(db, &(TABLE), user_id, in, (void **)out);                    \
    }

/* create / get / update / delete / list. */
#define PK_DEFINE_UUID_CRUD(NAME, TABLE)                                                  \
    PK_DEFINE_CREATE(NAME, TABLE)                                                         \
    PK_DEFINE_UUID_READ_WRITE(NAME, TABLE)                                                \
    PK_DEFINE_LIST(NAME, TABLE)

/* pinky_<NAME>_str / pinky_<NAME>_parse for an enum whose CHECK strings are NAMES. */
#define PK_DEFINE_ENUM(NAME, NAMES)                                                       \
    _Static_assert(sizeof(pinky_##NAME) == sizeof(int),                                   \
                   "enum fields must be int-sized (never build with -fshort-enums)");     \
    PINKY_API const char *pinky_##NAME##_str(pinky_##NAME v) { return pk_enum_name(NAMES, (int)v); } \
    PINKY_API pinky_status pinky_##NAME##_parse(const char *text, pinky_##NAME *out)      \
    {                                                                                     \
        int v = 0;                                                                        \
        if (out == NULL)                                                                  \
            return pk_err(PINKY_INVALID, "out", "out: NULL pointer");                     \
        pinky_status st = pk_enum_parse(#NAME, NAMES, text, &v);                          \
        if (st == PINKY_OK)                                                               \
            *out = (pinky_##NAME)v;                                                       \
        return st;                                                                        \
    }

#endif /* PK_MODEL_H */
