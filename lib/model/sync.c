/* platform_connections, sync_operations and sync_items. */
#include <string.h>
#include "model/tables.h"

/* ---- enums ---- */

static const char *const platform_names[] = {"UBUNTU", "WINDOWS", "IOS", "DROPBOX", "WEB", NULL};
static const char *const sync_direction_names[] = {"UPLOAD", "DOWNLOAD", "BIDIRECTIONAL", NULL};
static const char *const sync_status_names[] = {"PENDING", "IN_PROGRESS", "COMPLETED", "FAILED",
                                                "CONFLICT", NULL};
static const char *const sync_item_status_names[] = {"PENDING", "SYNCING", "SYNCED", "FAILED",
                                                     "CONFLICT", NULL};
static const char *const conflict_resolution_names[] = {"LOCAL", "REMOTE", "BOTH", "SKIP", NULL};

PK_DEFINE_ENUM(platform, platform_names)
PK_DEFINE_ENUM(sync_direction, sync_direction_names)
PK_DEFINE_ENUM(sync_status, sync_status_names)
PK_DEFINE_ENUM(sync_item_status, sync_item_status_names)
PK_DEFINE_ENUM(conflict_resolution, conflict_resolution_names)

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
const pk_table pk_platform_connections = {
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

PK_DEFINE_BASICS(platform_connection, pk_platform_connections)
PK_DEFINE_UUID_CRUD(platform_connection, pk_platform_connections)

/* ---- sync_operations ---- */

#define SO pinky_sync_operation
static const pk_column operation_cols[] = {
    {PK_COL(SO, id, PK_UUID, PK_KEY | PK_SERVER | PK_NOTNULL)},
    {PK_COL(SO, connection_id, PK_UUID, PK_PARENT | PK_NOTNULL)},
    {PK_COL(SO, status, PK_ENUM, PK_REQUIRED | PK_NOTNULL), .enums = sync_status_names,
     .mask = PINKY_SYNC_OPERATION_STATUS},
    {PK_COL(SO, start_time, PK_OPT_TIME, PK_NOTNULL),
     .mask = PINKY_SYNC_OPERATION_START_TIME},
    {PK_COL(SO, end_time, PK_OPT_TIME, 0), .mask = PINKY_SYNC_OPERATION_END_TIME},
    {PK_COL(SO, items_processed, PK_OPT_I32, 0), .mask = PINKY_SYNC_OPERATION_ITEMS_PROCESSED},
    {PK_COL(SO, items_total, PK_OPT_I32, 0), .mask = PINKY_SYNC_OPERATION_ITEMS_TOTAL},
    {PK_COL(SO, bytes_transferred, PK_OPT_I64, 0),
     .mask = PINKY_SYNC_OPERATION_BYTES_TRANSFERRED},
    {PK_COL(SO, errors, PK_JSON, 0), .mask = PINKY_SYNC_OPERATION_ERRORS},
    {PK_COL(SO, conflict_items, PK_JSON, 0), .mask = PINKY_SYNC_OPERATION_CONFLICT_ITEMS},
};

#define SOF pinky_sync_operation_filter
static const pk_filter_field operation_filters[] = {
    {"connection_id", offsetof(SOF, connection_id), PK_EQ, "connection_id", NULL, NULL},
    {"status", offsetof(SOF, status), PK_EQ, "status", NULL, NULL},
    {"start_time_from", offsetof(SOF, start_time_from), PK_GE, "start_time", NULL, NULL},
    {"start_time_before", offsetof(SOF, start_time_before), PK_LT, "start_time", NULL, NULL},
};

/* Order: sync_operations_connection_idx (connection_id, start_time, id). */
static const pk_table sync_operations = {
    .name = "sync_operations",
    .entity = "sync_operation",
    .row_size = sizeof(pinky_sync_operation),
    .cols = operation_cols,
    .ncols = PK_NCOLS(operation_cols),
    .parent = &pk_platform_connections,
    .order = {"start_time", "id"},
    .filters = operation_filters,
    .nfilters = PK_NCOLS(operation_filters),
    .filter_size = sizeof(pinky_sync_operation_filter),
};
#undef SO
#undef SOF

PK_DEFINE_BASICS(sync_operation, sync_operations)
PK_DEFINE_UUID_CRUD(sync_operation, sync_operations)

/* ---- sync_items ---- */

#define SI pinky_sync_item
static const pk_column item_cols[] = {
    {PK_COL(SI, id, PK_UUID, PK_KEY | PK_SERVER | PK_NOTNULL)},
    {PK_COL(SI, connection_id, PK_UUID, PK_PARENT | PK_NATURAL | PK_NOTNULL)},
    {PK_COL(SI, path, PK_TEXT, PK_NATURAL | PK_REQUIRED | PK_NOTNULL),
     .mask = PINKY_SYNC_ITEM_PATH},
    {PK_COL(SI, is_directory, PK_BOOL, PK_NOTNULL), .mask = PINKY_SYNC_ITEM_IS_DIRECTORY},
    {PK_COL(SI, size, PK_OPT_I64, 0), .mask = PINKY_SYNC_ITEM_SIZE},
    {PK_COL(SI, mime_type, PK_TEXT, 0), .limit = 255, .mask = PINKY_SYNC_ITEM_MIME_TYPE},
    {PK_COL(SI, hash, PK_TEXT, 0), .limit = 255, .mask = PINKY_SYNC_ITEM_HASH},
    {PK_COL(SI, local_modified, PK_OPT_TIME, 0), .mask = PINKY_SYNC_ITEM_LOCAL_MODIFIED},
    {PK_COL(SI, remote_modified, PK_OPT_TIME, 0), .mask = PINKY_SYNC_ITEM_REMOTE_MODIFIED},
    {PK_COL(SI, sync_status, PK_ENUM, PK_NOTNULL), .enums = sync_item_status_names,
     .mask = PINKY_SYNC_ITEM_SYNC_STATUS},
    {PK_COL(SI, last_synced, PK_OPT_TIME, 0), .mask = PINKY_SYNC_ITEM_LAST_SYNCED},
    {PK_COL(SI, has_conflict, PK_OPT_BOOL, 0), .mask = PINKY_SYNC_ITEM_HAS_CONFLICT},
    {PK_COL(SI, conflict_resolution, PK_ENUM, 0), .enums = conflict_resolution_names,
     .mask = PINKY_SYNC_ITEM_CONFLICT_RESOLUTION},
    {PK_COL(SI, created_at, PK_TIME, PK_SERVER)},
    {PK_COL(SI, updated_at, PK_TIME, PK_SERVER | PK_UPDATED)},
};

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
static const pk_table sync_items = {
    .name = "sync_items",
    .entity = "sync_item",
    .row_size = sizeof(pinky_sync_item),
    .cols = item_cols,
    .ncols = PK_NCOLS(item_cols),
    .parent = &pk_platform_connections,
    .order = {"connection_id", "path"},
    .filters = item_filters,
    .nfilters = PK_NCOLS(item_filters),
    .filter_size = sizeof(pinky_sync_item_filter),
};
#undef SI
#undef SIF

PK_DEFINE_BASICS(sync_item, sync_items)
PK_DEFINE_UUID_CRUD(sync_item, sync_items)

PINKY_API pinky_status pinky_sync_item_upsert(pinky_db *db, int32_t user_id,
                                              const pinky_sync_item *in, pinky_sync_item **out)
{
    return pk_row_upsert(db, &sync_items, user_id, in, (void **)out);
}
