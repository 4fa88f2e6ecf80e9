/* users and user_preferences. */
#include <string.h>
#include "model/model.h"

static const pk_column user_cols[] = {
    {PK_COL(pinky_user, id, PK_I32, PK_KEY | PK_SERVER | PK_NOTNULL)},
    {PK_COL(pinky_user, username, PK_TEXT, PK_REQUIRED | PK_NOTNULL), .limit = 255,
     .mask = PINKY_USER_USERNAME},
    {PK_COL(pinky_user, email, PK_TEXT, 0), .limit = 255, .mask = PINKY_USER_EMAIL},
    {PK_COL(pinky_user, profile_image_url, PK_TEXT, 0), .mask = PINKY_USER_PROFILE_IMAGE_URL},
    {PK_COL(pinky_user, first_name, PK_TEXT, 0), .limit = 255, .mask = PINKY_USER_FIRST_NAME},
    {PK_COL(pinky_user, last_name, PK_TEXT, 0), .limit = 255, .mask = PINKY_USER_LAST_NAME},
    {PK_COL(pinky_user, created_at, PK_TIME, PK_SERVER)},
    {PK_COL(pinky_user, updated_at, PK_TIME, PK_SERVER | PK_UPDATED)},
};

static const pk_filter_field user_filters[] = {
    {"username_contains", offsetof(pinky_user_filter, username_contains), PK_CONTAINS, "username", NULL, NULL},
    PK_TIME_RANGE(pinky_user_filter, created, "created_at"),
};

static const pk_table users = {
    .name = "users",
    .entity = "user",
    .row_size = sizeof(pinky_user),
    .cols = user_cols,
    .ncols = PK_NCOLS(user_cols),
    .order = {"id"},
    .filters = user_filters,
    .nfilters = PK_NCOLS(user_filters),
    .filter_size = sizeof(pinky_user_filter),
};

PK_DEFINE_BASICS(user, users)

PINKY_API pinky_status pinky_user_create(pinky_db *db, const pinky_user *in, pinky_user **out)
{
    return pk_row_create(db, &users, 0, in, (void **)out);
}

PINKY_API pinky_status pinky_user_get(pinky_db *db, int32_t id, pinky_user **out)
{
    pinky_user key;
    pk_row_init(&users, &key);
    key.id = id;
    return pk_row_get(db, &users, 0, &key, 0, (void **)out);
}

PINKY_API pinky_status pinky_user_get_by_username(pinky_db *db, const char *username,
                                                  pinky_user **out)
{
    if (username == NULL)
        return pk_err(PINKY_INVALID, "username", "username: NULL pointer");
    pinky_status st = pk_check_text("username", username, 255);
    if (st != PINKY_OK)
        return st;
    pinky_user key;
    pk_row_init(&users, &key);
    key.username = (char *)username;
    static const char *const by[] = {"username", NULL};
    return pk_row_find(db, &users, 0, by, &key, 0, (void **)out);
}

PINKY_API pinky_status pinky_user_update(pinky_db *db, int32_t id, const pinky_user *in,
                                         uint64_t mask, const pinky_time *expected_updated_at,
                                         pinky_user **out)
{
    pinky_user key;
    pk_row_init(&users, &key);
    key.id = id;
    return pk_row_update(db, &users, 0, &key, in, mask, expected_updated_at, (void **)out);
}

static pinky_status delete_body(pinky_db *tx, void *ctx)
{
    const pinky_user *key = ctx;
    /* document_versions.created_by references users without an ON DELETE
       rule (the seed schema): forget the author, as ON DELETE SET NULL would,
       so the user can go */
    pk_params ps;
    pk_params_init(&ps);
    pk_p_i32(&ps, key->id);
    pinky_status st = pk_query(tx, "UPDATE document_versions SET created_by = NULL WHERE created_by = $1::int4",
                               &ps, NULL);
    pk_params_free(&ps);
    return st == PINKY_OK ? pk_row_delete(tx, &users, 0, key) : st;
}

PINKY_API pinky_status pinky_user_delete(pinky_db *db, int32_t id)
{
    pinky_user key;
    pk_row_init(&users, &key);
    key.id = id;
    return pk_atomic(db, delete_body, &key);
}

PINKY_API pinky_status pinky_user_list(pinky_db *db, const pinky_user_filter *filter,
                                       pinky_user_page **out)
{
    return pk_row_list(db, &users, 0, filter, 0, (void **)out);
}

/* ---- user_preferences ---- */

static const pk_column pref_cols[] = {
    {PK_COL(pinky_user_preference, user_id, PK_I32, PK_KEY | PK_OWNER | PK_NATURAL | PK_NOTNULL)},
    {PK_COL(pinky_user_preference, preference_key, PK_TEXT, PK_KEY | PK_NATURAL | PK_REQUIRED | PK_NOTNULL),
     .limit = 255},
    {PK_COL(pinky_user_preference, preference_value, PK_JSON, PK_REQUIRED | PK_NOTNULL), .mask = 1},
    {PK_COL(pinky_user_preference, created_at, PK_TIME, PK_SERVER)},
    {PK_COL(pinky_user_preference, updated_at, PK_TIME, PK_SERVER | PK_UPDATED)},
};

static const pk_filter_field pref_filters[] = {
    {"key_prefix", offsetof(pinky_user_preference_filter, key_prefix), PK_PREFIX, "preference_key", NULL, NULL},
};

static const pk_table user_preferences = {
    .name = "user_preferences",
    .entity = "user_preference",
    .row_size = sizeof(pinky_user_preference),
    .cols = pref_cols,
    .ncols = PK_NCOLS(pref_cols),
    .order = {"preference_key"},
    .filters = pref_filters,
    .nfilters = PK_NCOLS(pref_filters),
    .filter_size = sizeof(pinky_user_preference_filter),
};

PK_DEFINE_BASICS(user_preference, user_preferences)

PINKY_API pinky_status pinky_user_preference_set(pinky_db *db, int32_t user_id, const char *key,
                                                 const char *json_value,
                                                 pinky_user_preference **out)
{
    pinky_user_preference in;
    pk_row_init(&user_preferences, &in);
    in.preference_key = (char *)key;
    in.preference_value = (char *)json_value;
    return pk_row_upsert(db, &user_preferences, user_id, &in, (void **)out);
}

PINKY_API pinky_status pinky_user_preference_get(pinky_db *db, int32_t user_id, const char *key,
                                                 pinky_user_preference **out)
{
    pinky_user_preference k;
    pk_row_init(&user_preferences, &k);
    k.preference_key = (char *)key;
    return pk_row_get(db, &user_preferences, user_id, &k, 0, (void **)out);
}

PINKY_API pinky_status pinky_user_preference_delete(pinky_db *db, int32_t user_id, const char *key)
{
    pinky_user_preference k;
    pk_row_init(&user_preferences, &k);
    k.preference_key = (char *)key;
    return pk_row_delete(db, &user_preferences, user_id, &k);
}

PINKY_API pinky_status pinky_user_preference_list(pinky_db *db, int32_t user_id,
                                                  const pinky_user_preference_filter *filter,
                                                  pinky_user_preference_page **out)
{
    return pk_row_list(db, &user_preferences, user_id, filter, 0, (void **)out);
}
