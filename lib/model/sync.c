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
    PK_EQ_FILTER(PCF, platform),
    PK_EQ_FILTER(PCF, status),
    PK_EQ_FILTER(PCF, is_enabled),
    PK_TIME_RANGE(PCF, created, "created_at"),
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
    PK_EQ_FILTER(SOF, connection_id),
    PK_EQ_FILTER(SOF, status),
    PK_TIME_RANGE(SOF, start_time, "start_time"),
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
    PK_EQ_FILTER(SIF, connection_id),
    PK_EQ_FILTER(SIF, sync_status),
    PK_EQ_FILTER(SIF, has_conflict),
    {"path_prefix", offsetof(SIF, path_prefix), PK_PREFIX, "path", NULL, NULL},
    PK_TIME_RANGE(SIF, updated, "updated_at"),
};

/* Order: the unique index sync_items_connection_id_path_key (connection_id, path).
   Shared with lib/model/sync_bulk.c. */
const pk_table pk_sync_items = {
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

PK_DEFINE_BASICS(sync_item, pk_sync_items)
PK_DEFINE_UUID_CRUD(sync_item, pk_sync_items)

PINKY_API pinky_status pinky_sync_item_upsert(pinky_db *db, int32_t user_id,
                                              const pinky_sync_item *in, pinky_sync_item **out)
{
    return pk_row_upsert(db, &pk_sync_items, user_id, in, (void **)out);
}

/* ---- sync_operations: the life of an operation ---- */

#define OPERATION_KEY(ID)                                                                 \
    if ((ID) == NULL)                                                                     \
        return pk_err(PINKY_INVALID, "operation_id", "operation_id: NULL pointer");       \
    pinky_sync_operation in;                                                              \
    pk_row_init(&sync_operations, &in);                                                   \
    in.id = *(ID)

PINKY_API pinky_status pinky_sync_operation_start(pinky_db *db, int32_t user_id,
                                                  const pinky_uuid *operation_id,
                                                  int32_t items_total,
                                                  pinky_sync_operation **out)
{
    if (out)
        *out = NULL;
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK)
        return st;
    OPERATION_KEY(operation_id);
    if (items_total < 0)
        return pk_err(PINKY_INVALID, "items_total", "items_total: %d, must be at least 0",
                      (int)items_total);
    in.items_total = pinky_i32(items_total);
    in.items_processed = pinky_i32(0);
    static const int from[] = {PINKY_SYNC_STATUS_PENDING, 0};
    return pk_row_transition(db, &sync_operations, user_id, &in, "status", from,
                             PINKY_SYNC_STATUS_IN_PROGRESS, &in,
                             PINKY_SYNC_OPERATION_ITEMS_TOTAL | PINKY_SYNC_OPERATION_ITEMS_PROCESSED,
                             NULL, (void **)out);
}

PINKY_API pinky_status pinky_sync_operation_progress(pinky_db *db, int32_t user_id,
                                                     const pinky_uuid *operation_id,
                                                     int32_t items_processed,
                                                     int64_t bytes_transferred,
                                                     pinky_sync_operation **out)
{
    if (out)
        *out = NULL;
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK)
        return st;
    OPERATION_KEY(operation_id);
    if (items_processed < 0)
        return pk_err(PINKY_INVALID, "items_processed", "items_processed: %d, must be at least 0",
                      (int)items_processed);
    if (bytes_transferred < 0)
        return pk_err(PINKY_INVALID, "bytes_transferred",
                      "bytes_transferred: %lld, must be at least 0", (long long)bytes_transferred);
    in.items_processed = pinky_i32(items_processed);
    in.bytes_transferred = pinky_i64(bytes_transferred);
    static const int from[] = {PINKY_SYNC_STATUS_IN_PROGRESS, 0};
    return pk_row_transition(db, &sync_operations, user_id, &in, "status", from,
                             PINKY_SYNC_STATUS_IN_PROGRESS, &in,
                             PINKY_SYNC_OPERATION_ITEMS_PROCESSED |
                                 PINKY_SYNC_OPERATION_BYTES_TRANSFERRED,
                             NULL, (void **)out);
}

typedef struct finish_ctx {
    int32_t user;
    pinky_sync_operation in;  /* key, errors, conflict_items */
    uint64_t mask;
    pinky_sync_status final_status;
    const char *conn_status;
    pinky_sync_operation *op; /* the stored row */
} finish_ctx;

/* Takes the connection's row lock before the operation's, in the order a
   deletion of the connection takes them (it cascades to the operations). */
static const char finish_lock_sql[] =
    "SELECT 1 FROM platform_connections p WHERE p.user_id = $2::int4 AND p.id = "
    "(SELECT o.connection_id FROM sync_operations o WHERE o.id = $1::uuid) FOR NO KEY UPDATE";

static const char finish_conn_sql[] =
    "UPDATE platform_connections AS t SET last_sync_date = $1::timestamptz, status = $2::text "
    "WHERE t.id = $3::uuid AND t.user_id = $4::int4 RETURNING t.id";

static pinky_status finish_body(pinky_db *tx, void *p)
{
    finish_ctx *c = p;
    pk_params ps;
    pk_params_init(&ps);
    pk_p_uuid(&ps, &c->in.id);
    pk_p_i32(&ps, c->user);
    pinky_status st = pk_query(tx, finish_lock_sql, &ps, NULL);
    pk_params_free(&ps);
    if (st != PINKY_OK)
        return st;
    static const int from[] = {PINKY_SYNC_STATUS_PENDING, PINKY_SYNC_STATUS_IN_PROGRESS, 0};
    st = pk_row_transition(tx, &sync_operations, c->user, &c->in, "status", from,
                           (int)c->final_status, &c->in, c->mask, "end_time = clock_timestamp()",
                           (void **)&c->op);
    if (st != PINKY_OK)
        return st;
    pk_params_init(&ps);
    pk_p_time(&ps, c->op->end_time.value);
    pk_p_text(&ps, c->conn_status);
    pk_p_uuid(&ps, &c->op->connection_id);
    pk_p_i32(&ps, c->user);
    pk_res *r = NULL;
    st = pk_query_audited(tx, &pk_platform_connections, c->user, "sync_finished",
                          "{\"fields\": [\"last_sync_date\", \"status\"]}",
                          pk_strdup(finish_conn_sql), &ps, &r);
    pk_params_free(&ps);
    if (st != PINKY_OK)
        return st;
    int n = pk_res_rows(r);
    pk_res_free(r);
    if (n != 1)
        return pk_err(PINKY_NOT_FOUND, "connection_id",
                      "connection_id: the operation's platform_connection not found");
    return PINKY_OK;
}

PINKY_API pinky_status pinky_sync_operation_finish(pinky_db *db, int32_t user_id,
                                                   const pinky_uuid *operation_id,
                                                   pinky_sync_status final_status,
                                                   const char *errors_json,
                                                   const char *conflict_items_json,
                                                   pinky_sync_operation **out)
{
    if (out)
        *out = NULL;
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK)
        return st;
    if (operation_id == NULL)
        return pk_err(PINKY_INVALID, "operation_id", "operation_id: NULL pointer");
    /* the connection status each final status leaves behind */
    const char *conn_status = final_status == PINKY_SYNC_STATUS_COMPLETED ? "CONNECTED"
                              : final_status == PINKY_SYNC_STATUS_FAILED  ? "ERROR"
                              : final_status == PINKY_SYNC_STATUS_CONFLICT ? "CONFLICT"
                                                                          : NULL;
    if (conn_status == NULL) {
        const char *name = pinky_sync_status_str(final_status);
        if (name)
            return pk_err(PINKY_INVALID, "final_status",
                          "final_status: %s is not a final status (COMPLETED, FAILED or CONFLICT)",
                          name);
        return pk_err(PINKY_INVALID, "final_status",
                      "final_status: %d is not a final status (COMPLETED, FAILED or CONFLICT)",
                      (int)final_status);
    }
    finish_ctx c = {.user = user_id, .final_status = final_status, .conn_status = conn_status};
    pk_row_init(&sync_operations, &c.in);
    c.in.id = *operation_id;
    c.in.errors = (char *)errors_json;
    c.in.conflict_items = (char *)conflict_items_json;
    /* errors and conflict_items given as NULL keep what was recorded before */
    c.mask = (errors_json ? PINKY_SYNC_OPERATION_ERRORS : 0) |
             (conflict_items_json ? PINKY_SYNC_OPERATION_CONFLICT_ITEMS : 0);
    if (c.mask && (st = pk_row_validate(&sync_operations, &c.in, false, c.mask)) != PINKY_OK)
        return st;
    st = pk_atomic(db, finish_body, &c);
    if (st == PINKY_OK && out)
        *out = c.op;
    else
        pinky_sync_operation_free(c.op);
    return st;
}

/* ---- sync_items: conflicts ---- */

PINKY_API pinky_status pinky_sync_item_resolve(pinky_db *db, int32_t user_id,
                                               const pinky_uuid *item_id,
                                               pinky_conflict_resolution resolution,
                                               pinky_sync_item **out)
{
    if (out)
        *out = NULL;
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK)
        return st;
    if (item_id == NULL)
        return pk_err(PINKY_INVALID, "item_id", "item_id: NULL pointer");
    const char *rname = pinky_conflict_resolution_str(resolution);
    if (rname == NULL)
        return pk_err(PINKY_INVALID, "resolution",
                      "resolution: %d is not a conflict resolution (LOCAL, REMOTE, BOTH or SKIP)",
                      (int)resolution);
    bool skip = resolution == PINKY_CONFLICT_RESOLUTION_SKIP;
    pk_params ps;
    pk_params_init(&ps);
    pk_buf sql;
    pk_buf_init(&sql);
    int pr = pk_p_text(&ps, rname);
    int ps_status = pk_p_text(&ps, skip ? "PENDING" : "SYNCED");
    int pid = pk_p_uuid(&ps, item_id);
    pk_buf_printf(&sql,
                  "UPDATE sync_items AS t SET conflict_resolution = $%d::text, has_conflict = false, "
                  "sync_status = $%d::text%s WHERE t.id = $%d::uuid AND t.has_conflict",
                  pr, ps_status, skip ? "" : ", last_synced = clock_timestamp()", pid);
    pk_sql_owner_pred(&sql, &pk_sync_items, &ps, user_id);
    pk_buf_put(&sql, " RETURNING ");
    pk_sql_select_list(&sql, &pk_sync_items, 0);
    pk_res *r = NULL;
    st = pk_query_audited(db, &pk_sync_items, user_id, "resolve",
                          "{\"fields\": [\"conflict_resolution\", \"has_conflict\", "
                          "\"sync_status\", \"last_synced\"]}",
                          pk_buf_take(&sql), &ps, &r);
    pk_params_free(&ps);
    if (st != PINKY_OK)
        return st;
    if (pk_res_rows(r) == 1) {
        pinky_sync_item *row = NULL;
        st = out ? pk_row_decode(&pk_sync_items, r, 0, 0, (void **)&row) : PINKY_OK;
        pk_res_free(r);
        if (st == PINKY_OK && out)
            *out = row;
        return st;
    }
    pk_res_free(r);
    /* nothing matched: no such item for the user, or no conflict to resolve */
    pinky_sync_item *now = NULL;
    if ((st = pinky_sync_item_get(db, user_id, item_id, &now)) != PINKY_OK)
        return st;
    pinky_sync_item_free(now);
    return pk_err(PINKY_INVALID, "sync_item.has_conflict",
                  "sync_item.has_conflict: the item has no conflict to resolve; nothing written");
}

/* ---- sync_items: streaming ---- */

typedef struct each_call {
    pinky_sync_item_fn fn;
    void *ctx;
} each_call;

static int each_item(const void *row, void *ctx)
{
    const each_call *c = ctx;
    return c->fn(row, c->ctx);
}

PINKY_API pinky_status pinky_sync_item_each(pinky_db *db, int32_t user_id,
                                            const pinky_sync_item_filter *filter,
                                            pinky_sync_item_fn fn, void *ctx)
{
    if (fn == NULL)
        return pk_err(PINKY_INVALID, "fn", "fn: NULL callback");
    each_call c = {fn, ctx};
    return pk_row_each(db, &pk_sync_items, user_id, filter, each_item, &c);
}
