/* platform_connections, sync_operations and sync_items. */
#include <string.h>
#include "model/model.h"

_Static_assert(sizeof(pinky_platform) == sizeof(int) && sizeof(pinky_sync_direction) == sizeof(int) &&
                   sizeof(pinky_sync_status) == sizeof(int) &&
                   sizeof(pinky_sync_item_status) == sizeof(int) &&
                   sizeof(pinky_conflict_resolution) == sizeof(int),
               "enum fields must be int-sized (never build with -fshort-enums)");

/* ---- enums ---- */

static const char *const platform_names[] = {"UBUNTU", "WINDOWS", "IOS", "DROPBOX", "WEB", NULL};
static const char *const sync_direction_names[] = {"UPLOAD", "DOWNLOAD", "BIDIRECTIONAL", NULL};
static const char *const sync_status_names[] = {"PENDING", "IN_PROGRESS", "COMPLETED", "FAILED",
                                                "CONFLICT", NULL};
static const char *const sync_item_status_names[] = {"PENDING", "SYNCING", "SYNCED", "FAILED",
                                                     "CONFLICT", NULL};
static const char *const conflict_resolution_names[] = {"LOCAL", "REMOTE", "BOTH", "SKIP", NULL};

#define SYNC_DEFINE_ENUM(NAME, NAMES)                                                       \
    PINKY_API const char *pinky_##NAME##_str(pinky_##NAME v)                              \
    {                                                                                     \
        return pk_enum_name(NAMES, (int)v);                                               \
    }                                                                                     \
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

SYNC_DEFINE_ENUM(platform, platform_names)
SYNC_DEFINE_ENUM(sync_direction, sync_direction_names)
SYNC_DEFINE_ENUM(sync_status, sync_status_names)
SYNC_DEFINE_ENUM(sync_item_status, sync_item_status_names)
SYNC_DEFINE_ENUM(conflict_resolution, conflict_resolution_names)

/* ---- platform_connections ---- */

#define PC pinky_platform_connection
static const pk_column connection_cols[] = {
    {PK_COL(PC, id, PK_UUID, PK_KEY | PK_SERVER | PK_NOTNULL)},
    {PK_COL(PC, user_id, PK_I32, PK_OWNER | PK_NOTNULL)},
    {PK_COL(PC, name, PK_TEXT, PK_REQUIRED | PK_NOTNULL), .limit = 255,
     .mask = PINKY_PLATFORM_CONNECTION_NAME},
    {PK_COL(PC, platform, PK_ENUM, PK_REQUIRED | PK_NOTNULL), .enums = platform_names,
     .mask = PINKY_PLATFORM_CONNECTION_PLATFORM},
    {PK_COL(PC, root_path, PK_TEXT, PK_REQUIRED | PK_NOTNULL),
     .mask = PINKY_PLATFORM_CONNECTION_ROOT_PATH},
    {PK_COL(PC, credentials, PK_JSON, PK_REQUIRED | PK_NOTNULL | PK_SECRET),
     .mask = PINKY_PLATFORM_CONNECTION_CREDENTIALS},
    {PK_COL(PC, is_enabled, PK_OPT_BOOL, 0), .mask = PINKY_PLATFORM_CONNECTION_IS_ENABLED},
    {PK_COL(PC, sync_on_startup, PK_OPT_BOOL, 0), .mask = PINKY_PLATFORM_CONNECTION_SYNC_ON_STARTUP},
    {PK_COL(PC, sync_on_schedule, PK_OPT_BOOL, 0),
     .mask = PINKY_PLATFORM_CONNECTION_SYNC_ON_SCHEDULE},
    {PK_COL(PC, sync_direction, PK_ENUM, 0), .enums = sync_direction_names,
     .mask = PINKY_PLATFORM_CONNECTION_SYNC_DIRECTION},
    {PK_COL(PC, sync_interval, PK_OPT_I32, 0), .mask = PINKY_PLATFORM_CONNECTION_SYNC_INTERVAL},
    {PK_COL(PC, metadata, PK_JSON, 0), .mask = PINKY_PLATFORM_CONNECTION_METADATA},
    {PK_COL(PC, last_sync_date, PK_OPT_TIME, 0), .mask = PINKY_PLATFORM_CONNECTION_LAST_SYNC_DATE},
    {PK_COL(PC, status, PK_TEXT, 0), .limit = 50, .mask = PINKY_PLATFORM_CONNECTION_STATUS},
    {PK_COL(PC, created_at, PK_TIME, PK_SERVER)},
    {PK_COL(PC, updated_at, PK_TIME, PK_SERVER | PK_UPDATED)},
};

#define PCF pinky_platform_connection_filter
static const pk_filter_field connection_filters[] = {
    {"platform", offsetof(PCF, platform), PK_EQ, "platform", NULL, NULL},
    {"status", offsetof(PCF, status), PK_EQ, "status", NULL, NULL},
    {"is_enabled", offsetof(PCF, is_enabled), PK_EQ, "is_enabled", NULL, NULL},
    {"created_from", offsetof(PCF, created_from), PK_GE, "created_at", NULL, NULL},
    {"created_before", offsetof(PCF, created_before), PK_LT, "created_at", NULL, NULL},
};

/* Order: platform_connections_user_idx (user_id, COALESCE(created_at, '-infinity'), id). */
static const pk_table platform_connections = {
    .name = "platform_connections",
    .entity = "platform_connection",
    .row_size = sizeof(PC),
    .cols = connection_cols,
    .ncols = PK_NCOLS(connection_cols),
    .order = {"created_at", "id"},
    .filters = connection_filters,
    .nfilters = PK_NCOLS(connection_filters),
    .filter_size = sizeof(PCF),
};
#undef PC
#undef PCF

PK_DEFINE_BASICS(platform_connection, platform_connections)
PK_DEFINE_UUID_CRUD(platform_connection, platform_connections)

/*
 * sync_operations.start_time and sync_items.sync_status are NOT NULL with
 * a server default.  PK_NOTNULL says "an update cannot clear it", but
 * pk_row_validate also rejects the unset value on create, where it should
 * mean "use the default".  Until the mapper tells the two apart, each of
 * these tables is described once (a column-list macro taking the flag for
 * its defaulted NOT NULL columns) and instantiated twice: with PK_NOTNULL
 * for update, get, delete and list, and without it for create and upsert.
 */

/*
 * get / update / delete / list of PK_DEFINE_UUID_CRUD without its create
 * (which must use the insert description).  model.h could offer the two
 * halves separately.
 */
#define SYNC_KEY(NAME, TABLE, ID)                                                         \
    pinky_##NAME key;                                                                     \
    if ((ID) == NULL)                                                                     \
        return pk_err(PINKY_INVALID, "id", "id: NULL pointer");                           \
    pk_row_init(&(TABLE), &key);                                                          \
    key.id = *(ID)

#define SYNC_DEFINE_GET_UPDATE_DELETE_LIST(NAME, TABLE)                                   \
    PINKY_API pinky_status pinky_##NAME##_get(pinky_db *db, int32_t user_id,              \
                                              const pinky_uuid *id, pinky_##NAME **out)   \
    {                                                                                     \
        SYNC_KEY(NAME, TABLE, id);                                                        \
        return pk_row_get(db, &(TABLE), user_id, &key, 0, (void **)out);                  \
    }                                                                                     \
    PINKY_API pinky_status pinky_##NAME##_update(pinky_db *db, int32_t user_id,           \
                                                 const pinky_uuid *id, const pinky_##NAME *in, \
                                                 uint64_t mask,                           \
                                                 const pinky_time *expected_updated_at,   \
                                                 pinky_##NAME **out)                      \
    {                                                                                     \
        SYNC_KEY(NAME, TABLE, id);                                                        \
        return pk_row_update(db, &(TABLE), user_id, &key, in, mask, expected_updated_at,  \
                             (void **)out);                                               \
    }                                                                                     \
    PINKY_API pinky_status pinky_##NAME##_delete(pinky_db *db, int32_t user_id,           \
                                                 const pinky_uuid *id)                    \
    {                                                                                     \
        SYNC_KEY(NAME, TABLE, id);                                                        \
        return pk_row_delete(db, &(TABLE), user_id, &key);                                \
    }                                                                                     \
    PINKY_API pinky_status pinky_##NAME##_list(pinky_db *db, int32_t user_id,             \
                                               const pinky_##NAME##_filter *filter,       \
                                               pinky_##NAME##_page **out)                 \
    {                                                                                     \
        return pk_row_list(db, &(TABLE), user_id, filter, 0, (void **)out);               \
    }

/* ---- sync_operations ---- */

#define SO pinky_sync_operation
#define SYNC_OPERATION_COLS(DEFAULTED_NOTNULL)                                                  \
    {                                                                                           \
        {PK_COL(SO, id, PK_UUID, PK_KEY | PK_SERVER | PK_NOTNULL)},                             \
        {PK_COL(SO, connection_id, PK_UUID, PK_PARENT | PK_NOTNULL)},                           \
        {PK_COL(SO, status, PK_ENUM, PK_REQUIRED | PK_NOTNULL), .enums = sync_status_names,     \
         .mask = PINKY_SYNC_OPERATION_STATUS},                                                  \
        {PK_COL(SO, start_time, PK_OPT_TIME, DEFAULTED_NOTNULL),                                \
         .mask = PINKY_SYNC_OPERATION_START_TIME},                                              \
        {PK_COL(SO, end_time, PK_OPT_TIME, 0), .mask = PINKY_SYNC_OPERATION_END_TIME},          \
        {PK_COL(SO, items_processed, PK_OPT_I32, 0), .mask = PINKY_SYNC_OPERATION_ITEMS_PROCESSED}, \
        {PK_COL(SO, items_total, PK_OPT_I32, 0), .mask = PINKY_SYNC_OPERATION_ITEMS_TOTAL},     \
        {PK_COL(SO, bytes_transferred, PK_OPT_I64, 0),                                          \
         .mask = PINKY_SYNC_OPERATION_BYTES_TRANSFERRED},                                       \
        {PK_COL(SO, errors, PK_JSON, 0), .mask = PINKY_SYNC_OPERATION_ERRORS},                  \
        {PK_COL(SO, conflict_items, PK_JSON, 0), .mask = PINKY_SYNC_OPERATION_CONFLICT_ITEMS},  \
    }

static const pk_column operation_cols[] = SYNC_OPERATION_COLS(PK_NOTNULL);
static const pk_column operation_insert_cols[] = SYNC_OPERATION_COLS(0);

#define SOF pinky_sync_operation_filter
static const pk_filter_field operation_filters[] = {
    {"connection_id", offsetof(SOF, connection_id), PK_EQ, "connection_id", NULL, NULL},
    {"status", offsetof(SOF, status), PK_EQ, "status", NULL, NULL},
    {"start_time_from", offsetof(SOF, start_time_from), PK_GE, "start_time", NULL, NULL},
    {"start_time_before", offsetof(SOF, start_time_before), PK_LT, "start_time", NULL, NULL},
};

/* Order: sync_operations_connection_idx (connection_id, start_time, id). */
#define SYNC_OPERATION_TABLE(COLS)                                                        \
    {                                                                                     \
        .name = "sync_operations", .entity = "sync_operation", .row_size = sizeof(SO),    \
        .cols = COLS, .ncols = PK_NCOLS(COLS), .parent = &platform_connections,           \
        .order = {"start_time", "id"}, .filters = operation_filters,                      \
        .nfilters = PK_NCOLS(operation_filters), .filter_size = sizeof(SOF),              \
    }

static const pk_table sync_operations = SYNC_OPERATION_TABLE(operation_cols);
static const pk_table sync_operations_insert = SYNC_OPERATION_TABLE(operation_insert_cols);
#undef SO
#undef SOF

PK_DEFINE_BASICS(sync_operation, sync_operations)

PINKY_API pinky_status pinky_sync_operation_create(pinky_db *db, int32_t user_id,
                                                   const pinky_sync_operation *in,
                                                   pinky_sync_operation **out)
{
    return pk_row_create(db, &sync_operations_insert, user_id, in, (void **)out);
}

SYNC_DEFINE_GET_UPDATE_DELETE_LIST(sync_operation, sync_operations)

/* ---- sync_items ---- */

#define SI pinky_sync_item
#define SYNC_ITEM_COLS(DEFAULTED_NOTNULL)                                                      \
    {                                                                                          \
        {PK_COL(SI, id, PK_UUID, PK_KEY | PK_SERVER | PK_NOTNULL)},                            \
        {PK_COL(SI, connection_id, PK_UUID, PK_PARENT | PK_NATURAL | PK_NOTNULL)},             \
        {PK_COL(SI, path, PK_TEXT, PK_NATURAL | PK_REQUIRED | PK_NOTNULL),                     \
         .mask = PINKY_SYNC_ITEM_PATH},                                                        \
        {PK_COL(SI, is_directory, PK_BOOL, PK_NOTNULL), .mask = PINKY_SYNC_ITEM_IS_DIRECTORY}, \
        {PK_COL(SI, size, PK_OPT_I64, 0), .mask = PINKY_SYNC_ITEM_SIZE},                       \
        {PK_COL(SI, mime_type, PK_TEXT, 0), .limit = 255, .mask = PINKY_SYNC_ITEM_MIME_TYPE},  \
        {PK_COL(SI, hash, PK_TEXT, 0), .limit = 255, .mask = PINKY_SYNC_ITEM_HASH},            \
        {PK_COL(SI, local_modified, PK_OPT_TIME, 0), .mask = PINKY_SYNC_ITEM_LOCAL_MODIFIED},  \
        {PK_COL(SI, remote_modified, PK_OPT_TIME, 0), .mask = PINKY_SYNC_ITEM_REMOTE_MODIFIED}, \
        {PK_COL(SI, sync_status, PK_ENUM, DEFAULTED_NOTNULL), .enums = sync_item_status_names, \
         .mask = PINKY_SYNC_ITEM_SYNC_STATUS},                                                 \
        {PK_COL(SI, last_synced, PK_OPT_TIME, 0), .mask = PINKY_SYNC_ITEM_LAST_SYNCED},        \
        {PK_COL(SI, has_conflict, PK_OPT_BOOL, 0), .mask = PINKY_SYNC_ITEM_HAS_CONFLICT},      \
        {PK_COL(SI, conflict_resolution, PK_ENUM, 0), .enums = conflict_resolution_names,      \
         .mask = PINKY_SYNC_ITEM_CONFLICT_RESOLUTION},                                         \
        {PK_COL(SI, created_at, PK_TIME, PK_SERVER)},                                          \
        {PK_COL(SI, updated_at, PK_TIME, PK_SERVER | PK_UPDATED)},                             \
    }

static const pk_column item_cols[] = SYNC_ITEM_COLS(PK_NOTNULL);
static const pk_column item_insert_cols[] = SYNC_ITEM_COLS(0);

#define SIF pinky_sync_item_filter
static const pk_filter_field item_filters[] = {
    {"connection_id", offsetof(SIF, connection_id), PK_EQ, "connection_id", NULL, NULL},
    {"sync_status", offsetof(SIF, sync_status), PK_EQ, "sync_status", NULL, NULL},
    {"has_conflict", offsetof(SIF, has_conflict), PK_EQ, "has_conflict", NULL, NULL},
    {"path_prefix", offsetof(SIF, path_prefix), PK_PREFIX, "path", NULL, NULL},
    {"updated_from", offsetof(SIF, updated_from), PK_GE, "updated_at", NULL, NULL},
    {"updated_before", offsetof(SIF, updated_before), PK_LT, "updated_at", NULL, NULL},
};

/* Order: the unique index sync_items_connection_id_path_key (connection_id, path). */
#define SYNC_ITEM_TABLE(COLS)                                                             \
    {                                                                                     \
        .name = "sync_items", .entity = "sync_item", .row_size = sizeof(SI), .cols = COLS, \
        .ncols = PK_NCOLS(COLS), .parent = &platform_connections,                         \
        .order = {"connection_id", "path"}, .filters = item_filters,                      \
        .nfilters = PK_NCOLS(item_filters), .filter_size = sizeof(SIF),                   \
    }

static const pk_table sync_items = SYNC_ITEM_TABLE(item_cols);
static const pk_table sync_items_insert = SYNC_ITEM_TABLE(item_insert_cols);
#undef SI
#undef SIF

PK_DEFINE_BASICS(sync_item, sync_items)

PINKY_API pinky_status pinky_sync_item_create(pinky_db *db, int32_t user_id,
                                              const pinky_sync_item *in, pinky_sync_item **out)
{
    return pk_row_create(db, &sync_items_insert, user_id, in, (void **)out);
}

PINKY_API pinky_status pinky_sync_item_upsert(pinky_db *db, int32_t user_id,
                                              const pinky_sync_item *in, pinky_sync_item **out)
{
    return pk_row_upsert(db, &sync_items_insert, user_id, in, (void **)out);
}

SYNC_DEFINE_GET_UPDATE_DELETE_LIST(sync_item, sync_items)
