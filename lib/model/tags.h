/*
 * lib/model -- tag tables (document_tags, communication_tags): rows of
 * (parent id, tag, created_at) keyed by both, owned through the parent.
 * One implementation serves every tagged table; the table files define
 * their public functions with PK_DEFINE_TAGS.
 */
#ifndef PK_TAGS_H
#define PK_TAGS_H

#include "model/model.h"

/* Adds a tag (already there: OK, nothing changes). */
pinky_status pk_tag_add(pinky_db *db, const pk_table *t, int32_t user, const pinky_uuid *parent,
                        const char *tag);
/* Removes a tag: NOT_FOUND when the parent does not carry it. */
pinky_status pk_tag_remove(pinky_db *db, const pk_table *t, int32_t user, const pinky_uuid *parent,
                           const char *tag);
/* A page of the parent's tags in tag order; NOT_FOUND when the parent is not the user's. */
pinky_status pk_tag_list(pinky_db *db, const pk_table *t, int32_t user, const pinky_uuid *parent,
                         const void *filter, void **page);
/* Replaces all of the parent's tags with tags[0..n) in one transaction. */
pinky_status pk_tag_set(pinky_db *db, const pk_table *t, int32_t user, const pinky_uuid *parent,
                        const char *const *tags, size_t n);

/* The public functions of a tag table: pinky_<NAME>_add/remove/list/set/... */
#define PK_DEFINE_TAGS(NAME, TABLE)                                                       \
    PK_DEFINE_FREE(NAME, TABLE)                                                           \
    PINKY_API pinky_status pinky_##NAME##_add(pinky_db *db, int32_t user_id,              \
                                              const pinky_uuid *parent, const char *tag)  \
    {                                                                                     \
        return pk_tag_add(db, &(TABLE), user_id, parent, tag);                            \
    }                                                                                     \
    PINKY_API pinky_status pinky_##NAME##_remove(pinky_db *db, int32_t user_id,           \
                                                 const pinky_uuid *parent, const char *tag) \
    {                                                                                     \
        return pk_tag_remove(db, &(TABLE), user_id, parent, tag);                         \
    }                                                                                     \
    PINKY_API pinky_status pinky_##NAME##_list(pinky_db *db, int32_t user_id,             \
                                               const pinky_uuid *parent,                  \
                                               const pinky_##NAME##_filter *filter,       \
                                               pinky_##NAME##_page **out)                 \
    {                                                                                     \
        return pk_tag_list(db, &(TABLE), user_id, parent, filter, (void **)out);          \
    }                                                                                     \
    PINKY_API pinky_status pinky_##NAME##_set(pinky_db *db, int32_t user_id,              \
                                              const pinky_uuid *parent,                   \
                                              const char *const *tags, size_t n)          \
    {                                                                                     \
        return pk_tag_set(db, &(TABLE), user_id, parent, tags, n);                        \
    }

#endif
