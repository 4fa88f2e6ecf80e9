/*
 * libpinky -- connected platforms and their file sync state:
 * platform_connections, sync_operations, sync_items.
 *
 * A platform connection belongs to a user; its sync operations and sync
 * items belong to the connection, and so to the connection's user.  Another
 * user's connection, operation or item is NOT_FOUND whether read, updated,
 * deleted or listed, and creating an operation or item under another user's
 * connection is NOT_FOUND.  Deleting a connection deletes its operations
 * and items (ON DELETE CASCADE).
 *
 * The conventions of user.h apply: *_init before filling a struct, rows
 * returned by the library are freed with *_free, lists return pages with a
 * next_cursor, on failure nothing is written and *out is left NULL.
 */
#ifndef PINKY_SYNC_H
#define PINKY_SYNC_H

#include "user.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- enums (0 = unset / NULL) ------------------------------------------- */
typedef enum pinky_platform {
    PINKY_PLATFORM_UBUNTU = 1,
    PINKY_PLATFORM_WINDOWS = 2,
    PINKY_PLATFORM_IOS = 3,
    PINKY_PLATFORM_DROPBOX = 4,
    PINKY_PLATFORM_WEB = 5
} pinky_platform;

typedef enum pinky_sync_direction {
    PINKY_SYNC_DIRECTION_UPLOAD = 1,
    PINKY_SYNC_DIRECTION_DOWNLOAD = 2,
    PINKY_SYNC_DIRECTION_BIDIRECTIONAL = 3
} pinky_sync_direction;

/* sync_operations.status */
typedef enum pinky_sync_status {
    PINKY_SYNC_STATUS_PENDING = 1,
    PINKY_SYNC_STATUS_IN_PROGRESS = 2,
    PINKY_SYNC_STATUS_COMPLETED = 3,
    PINKY_SYNC_STATUS_FAILED = 4,
    PINKY_SYNC_STATUS_CONFLICT = 5
} pinky_sync_status;

/* sync_items.sync_status */
typedef enum pinky_sync_item_status {
    PINKY_SYNC_ITEM_STATUS_PENDING = 1,
    PINKY_SYNC_ITEM_STATUS_SYNCING = 2,
    PINKY_SYNC_ITEM_STATUS_SYNCED = 3,
    PINKY_SYNC_ITEM_STATUS_FAILED = 4,
    PINKY_SYNC_ITEM_STATUS_CONFLICT = 5
} pinky_sync_item_status;

typedef enum pinky_conflict_resolution {
    PINKY_CONFLICT_RESOLUTION_LOCAL = 1,
    PINKY_CONFLICT_RESOLUTION_REMOTE = 2,
    PINKY_CONFLICT_RESOLUTION_BOTH = 3,
    PINKY_CONFLICT_RESOLUTION_SKIP = 4
} pinky_conflict_resolution;

/* The database text of a value ("DROPBOX"), static; NULL for a value that is not one. */
PINKY_API const char *pinky_platform_str(pinky_platform v);
PINKY_API const char *pinky_sync_direction_str(pinky_sync_direction v);
PINKY_API const char *pinky_sync_status_str(pinky_sync_status v);
PINKY_API const char *pinky_sync_item_status_str(pinky_sync_item_status v);
PINKY_API const char *pinky_conflict_resolution_str(pinky_conflict_resolution v);
/* The value named by text (exact, upper case).  INVALID naming the enum otherwise. */
PINKY_API pinky_status pinky_platform_parse(const char *text, pinky_platform *out);
PINKY_API pinky_status pinky_sync_direction_parse(const char *text, pinky_sync_direction *out);
PINKY_API pinky_status pinky_sync_status_parse(const char *text, pinky_sync_status *out);
PINKY_API pinky_status pinky_sync_item_status_parse(const char *text,
                                                    pinky_sync_item_status *out);
PINKY_API pinky_status pinky_conflict_resolution_parse(const char *text,
                                                       pinky_conflict_resolution *out);

/* ---- platform_connections ------------------------------------------------ */
typedef struct pinky_platform_connection {
    uint32_t struct_size;
    pinky_uuid id;                   /* server-assigned */
    int32_t user_id;                 /* the acting user; set by the library */
    char *name;                      /* required, VARCHAR(255) */
    pinky_platform platform;         /* required */
    char *root_path;                 /* required */
    /* JSON text, required.  Secret: its value never appears in error
       messages (it is returned by get/list to the owning user). */
    char *credentials;
    pinky_opt_bool is_enabled;       /* unset on create: TRUE */
    pinky_opt_bool sync_on_startup;  /* unset on create: FALSE */
    pinky_opt_bool sync_on_schedule; /* unset on create: FALSE */
    pinky_sync_direction sync_direction; /* 0: NULL */
    pinky_opt_i32 sync_interval;
    char *metadata;                  /* JSON text, nullable */
    pinky_opt_time last_sync_date;
    char *status;                    /* free text, VARCHAR(50); NULL on create: "DISCONNECTED" */
    pinky_time created_at;           /* server-assigned */
    pinky_time updated_at;           /* server-assigned, kept current on update */
} pinky_platform_connection;

/* Field mask bits for pinky_platform_connection_update. */
#define PINKY_PLATFORM_CONNECTION_NAME             (UINT64_C(1) << 0)
#define PINKY_PLATFORM_CONNECTION_PLATFORM         (UINT64_C(1) << 1)
#define PINKY_PLATFORM_CONNECTION_ROOT_PATH        (UINT64_C(1) << 2)
#define PINKY_PLATFORM_CONNECTION_CREDENTIALS      (UINT64_C(1) << 3)
#define PINKY_PLATFORM_CONNECTION_IS_ENABLED       (UINT64_C(1) << 4)
#define PINKY_PLATFORM_CONNECTION_SYNC_ON_STARTUP  (UINT64_C(1) << 5)
#define PINKY_PLATFORM_CONNECTION_SYNC_ON_SCHEDULE (UINT64_C(1) << 6)
#define PINKY_PLATFORM_CONNECTION_SYNC_DIRECTION   (UINT64_C(1) << 7)
#define PINKY_PLATFORM_CONNECTION_SYNC_INTERVAL    (UINT64_C(1) << 8)
#define PINKY_PLATFORM_CONNECTION_METADATA         (UINT64_C(1) << 9)
#define PINKY_PLATFORM_CONNECTION_LAST_SYNC_DATE   (UINT64_C(1) << 10)
#define PINKY_PLATFORM_CONNECTION_STATUS           (UINT64_C(1) << 11)

typedef struct pinky_platform_connection_filter {
    uint32_t struct_size;
    uint32_t limit;                /* 0: PINKY_LIST_DEFAULT_LIMIT; at most PINKY_LIST_MAX_LIMIT */
    const char *cursor;            /* NULL: first page */
    pinky_platform platform;       /* 0: any */
    const char *status;            /* status equals this text, NULL: any */
    pinky_opt_bool is_enabled;     /* is_enabled equals this (NULL rows never match) */
    pinky_opt_time created_from;   /* created_at >= */
    pinky_opt_time created_before; /* created_at < */
} pinky_platform_connection_filter;

typedef struct pinky_platform_connection_page {
    pinky_platform_connection **items;
    size_t count;
    char *next_cursor;             /* NULL on the last page */
} pinky_platform_connection_page;

/* Zeroes *conn and sets struct_size. */
PINKY_API void pinky_platform_connection_init(pinky_platform_connection *conn);
/* Zeroes the filter (no narrowing, default limit) and sets struct_size. */
PINKY_API void pinky_platform_connection_filter_init(pinky_platform_connection_filter *filter);
/*
 * Inserts a connection owned by user_id from *in (id, user_id and
 * timestamps are ignored; unset optional fields take the column defaults)
 * and returns the stored row in *out (may be NULL).  INVALID naming the
 * field for bad input; NOT_FOUND when the user does not exist.
 */
PINKY_API pinky_status pinky_platform_connection_create(pinky_db *db, int32_t user_id,
                                                        const pinky_platform_connection *in,
                                                        pinky_platform_connection **out);
/* Reads a connection of user_id.  NOT_FOUND when there is none or it is another user's. */
PINKY_API pinky_status pinky_platform_connection_get(pinky_db *db, int32_t user_id,
                                                     const pinky_uuid *id,
                                                     pinky_platform_connection **out);
/*
 * Changes the fields named in mask (PINKY_PLATFORM_CONNECTION_* bits) to
 * their values in *in (NULL / unset clears nullable fields; name, platform,
 * root_path and credentials cannot be cleared: INVALID).  When
 * expected_updated_at is not NULL and the row's updated_at differs, nothing
 * is written: CONFLICT.  Returns the stored row in *out (may be NULL).
 */
PINKY_API pinky_status pinky_platform_connection_update(pinky_db *db, int32_t user_id,
                                                        const pinky_uuid *id,
                                                        const pinky_platform_connection *in,
                                                        uint64_t mask,
                                                        const pinky_time *expected_updated_at,
                                                        pinky_platform_connection **out);
/* Deletes a connection and, by cascade, its sync operations and items. */
PINKY_API pinky_status pinky_platform_connection_delete(pinky_db *db, int32_t user_id,
                                                        const pinky_uuid *id);
/*
 * One page of user_id's connections in (created_at, id) order (a NULL
 * created_at sorts first).  filter may be NULL.  Free with
 * pinky_platform_connection_page_free.
 */
PINKY_API pinky_status pinky_platform_connection_list(pinky_db *db, int32_t user_id,
                                                      const pinky_platform_connection_filter *filter,
                                                      pinky_platform_connection_page **out);
PINKY_API void pinky_platform_connection_free(pinky_platform_connection *conn);
PINKY_API void pinky_platform_connection_page_free(pinky_platform_connection_page *page);

/* ---- sync_operations ----------------------------------------------------- */
typedef struct pinky_sync_operation {
    uint32_t struct_size;
    pinky_uuid id;                   /* server-assigned */
    pinky_uuid connection_id;        /* the platform connection; required, fixed */
    pinky_sync_status status;        /* required */
    pinky_opt_time start_time;       /* NOT NULL: unset on create = the server's now();
                                        an update cannot clear it */
    pinky_opt_time end_time;
    pinky_opt_i32 items_processed;   /* unset on create: 0 */
    pinky_opt_i32 items_total;
    pinky_opt_i64 bytes_transferred; /* unset on create: 0 */
    char *errors;                    /* JSON text, nullable */
    char *conflict_items;            /* JSON text, nullable */
} pinky_sync_operation;

/* Field mask bits for pinky_sync_operation_update. */
#define PINKY_SYNC_OPERATION_STATUS            (UINT64_C(1) << 0)
#define PINKY_SYNC_OPERATION_START_TIME        (UINT64_C(1) << 1)
#define PINKY_SYNC_OPERATION_END_TIME          (UINT64_C(1) << 2)
#define PINKY_SYNC_OPERATION_ITEMS_PROCESSED   (UINT64_C(1) << 3)
#define PINKY_SYNC_OPERATION_ITEMS_TOTAL       (UINT64_C(1) << 4)
#define PINKY_SYNC_OPERATION_BYTES_TRANSFERRED (UINT64_C(1) << 5)
#define PINKY_SYNC_OPERATION_ERRORS            (UINT64_C(1) << 6)
#define PINKY_SYNC_OPERATION_CONFLICT_ITEMS    (UINT64_C(1) << 7)

typedef struct pinky_sync_operation_filter {
    uint32_t struct_size;
    uint32_t limit;
    const char *cursor;
    pinky_opt_uuid connection_id;      /* only this connection's operations */
    pinky_sync_status status;          /* 0: any */
    pinky_opt_time start_time_from;    /* start_time >= */
    pinky_opt_time start_time_before;  /* start_time < */
} pinky_sync_operation_filter;

typedef struct pinky_sync_operation_page {
    pinky_sync_operation **items;
    size_t count;
    char *next_cursor;
} pinky_sync_operation_page;

/* Zeroes the struct and sets struct_size: call before filling it in. */
PINKY_API void pinky_sync_operation_init(pinky_sync_operation *op);
/* Zeroes the filter (no narrowing, default limit) and sets struct_size. */
PINKY_API void pinky_sync_operation_filter_init(pinky_sync_operation_filter *filter);
/*
 * Inserts an operation under in->connection_id (id is ignored) and returns
 * the stored row in *out (may be NULL).  NOT_FOUND naming connection_id when
 * the connection does not exist or is not user_id's; INVALID for bad input.
 */
PINKY_API pinky_status pinky_sync_operation_create(pinky_db *db, int32_t user_id,
                                                   const pinky_sync_operation *in,
                                                   pinky_sync_operation **out);
/* Reads an operation of one of user_id's connections.  NOT_FOUND otherwise. */
PINKY_API pinky_status pinky_sync_operation_get(pinky_db *db, int32_t user_id,
                                                const pinky_uuid *id,
                                                pinky_sync_operation **out);
/*
 * Changes the fields named in mask (PINKY_SYNC_OPERATION_* bits); unset
 * clears nullable fields, status and start_time cannot be cleared (INVALID).
 * sync_operations has no updated_at: expected_updated_at must be NULL
 * (INVALID otherwise).  connection_id cannot change.  *out may be NULL.
 */
PINKY_API pinky_status pinky_sync_operation_update(pinky_db *db, int32_t user_id,
                                                   const pinky_uuid *id,
                                                   const pinky_sync_operation *in, uint64_t mask,
                                                   const pinky_time *expected_updated_at,
                                                   pinky_sync_operation **out);
PINKY_API pinky_status pinky_sync_operation_delete(pinky_db *db, int32_t user_id,
                                                   const pinky_uuid *id);
/* One page of the operations of user_id's connections in (start_time, id) order. */
PINKY_API pinky_status pinky_sync_operation_list(pinky_db *db, int32_t user_id,
                                                 const pinky_sync_operation_filter *filter,
                                                 pinky_sync_operation_page **out);
PINKY_API void pinky_sync_operation_free(pinky_sync_operation *op);
PINKY_API void pinky_sync_operation_page_free(pinky_sync_operation_page *page);

/* ---- sync_items ---------------------------------------------------------- */
typedef struct pinky_sync_item {
    uint32_t struct_size;
    pinky_uuid id;                   /* server-assigned */
    pinky_uuid connection_id;        /* the platform connection; required, fixed */
    char *path;                      /* required, unique within the connection */
    bool is_directory;               /* NOT NULL */
    pinky_opt_i64 size;
    char *mime_type;                 /* VARCHAR(255), nullable */
    char *hash;                      /* VARCHAR(255), nullable */
    pinky_opt_time local_modified;
    pinky_opt_time remote_modified;
    pinky_sync_item_status sync_status; /* NOT NULL: 0 on create = PENDING; an update cannot clear it */
    pinky_opt_time last_synced;
    pinky_opt_bool has_conflict;     /* unset on create: FALSE */
    pinky_conflict_resolution conflict_resolution; /* 0: NULL */
    pinky_time created_at;           /* server-assigned */
    pinky_time updated_at;           /* server-assigned, kept current on update */
} pinky_sync_item;

/* Field mask bits for pinky_sync_item_update. */
#define PINKY_SYNC_ITEM_PATH                (UINT64_C(1) << 0)
#define PINKY_SYNC_ITEM_IS_DIRECTORY        (UINT64_C(1) << 1)
#define PINKY_SYNC_ITEM_SIZE                (UINT64_C(1) << 2)
#define PINKY_SYNC_ITEM_MIME_TYPE           (UINT64_C(1) << 3)
#define PINKY_SYNC_ITEM_HASH                (UINT64_C(1) << 4)
#define PINKY_SYNC_ITEM_LOCAL_MODIFIED      (UINT64_C(1) << 5)
#define PINKY_SYNC_ITEM_REMOTE_MODIFIED     (UINT64_C(1) << 6)
#define PINKY_SYNC_ITEM_SYNC_STATUS         (UINT64_C(1) << 7)
#define PINKY_SYNC_ITEM_LAST_SYNCED         (UINT64_C(1) << 8)
#define PINKY_SYNC_ITEM_HAS_CONFLICT        (UINT64_C(1) << 9)
#define PINKY_SYNC_ITEM_CONFLICT_RESOLUTION (UINT64_C(1) << 10)

typedef struct pinky_sync_item_filter {
    uint32_t struct_size;
    uint32_t limit;
    const char *cursor;
    pinky_opt_uuid connection_id;        /* only this connection's items */
    pinky_sync_item_status sync_status;  /* 0: any */
    pinky_opt_bool has_conflict;         /* has_conflict equals this (NULL rows never match) */
    const char *path_prefix;             /* path starts with this (case-sensitive), NULL: any */
    pinky_opt_time updated_from;         /* updated_at >= */
    pinky_opt_time updated_before;       /* updated_at < */
} pinky_sync_item_filter;

typedef struct pinky_sync_item_page {
    pinky_sync_item **items;
    size_t count;
    char *next_cursor;
} pinky_sync_item_page;

/* Zeroes the struct and sets struct_size: call before filling it in. */
PINKY_API void pinky_sync_item_init(pinky_sync_item *item);
/* Zeroes the filter (no narrowing, default limit) and sets struct_size. */
PINKY_API void pinky_sync_item_filter_init(pinky_sync_item_filter *filter);
/*
 * Inserts an item under in->connection_id and returns the stored row in
 * *out (may be NULL).  NOT_FOUND naming connection_id when the connection
 * does not exist or is not user_id's; CONFLICT (sync_items_connection_id_path_key)
 * when the connection already has an item with this path; INVALID for bad input.
 */
PINKY_API pinky_status pinky_sync_item_create(pinky_db *db, int32_t user_id,
                                              const pinky_sync_item *in, pinky_sync_item **out);
/*
 * Inserts the item, or when its connection already has an item with the
 * same path, updates that item in place (same id and created_at, updated_at
 * moves).  On update, only the fields set in *in are written: unset optional
 * fields (NULL strings, unset opt_*, enum 0) keep their stored values, so an
 * upsert never clears a field (use pinky_sync_item_update for that);
 * is_directory is always written.  On insert unset fields take the column
 * defaults.  NOT_FOUND as for create; *out may be NULL.
 */
PINKY_API pinky_status pinky_sync_item_upsert(pinky_db *db, int32_t user_id,
                                              const pinky_sync_item *in, pinky_sync_item **out);
/* Reads an item of one of user_id's connections.  NOT_FOUND otherwise. */
PINKY_API pinky_status pinky_sync_item_get(pinky_db *db, int32_t user_id, const pinky_uuid *id,
                                           pinky_sync_item **out);
/*
 * Changes the fields named in mask (PINKY_SYNC_ITEM_* bits); unset clears
 * nullable fields, path and sync_status cannot be cleared (INVALID).
 * connection_id cannot change.  A stale expected_updated_at is CONFLICT with
 * nothing written; a path another item of the connection has is CONFLICT.
 */
PINKY_API pinky_status pinky_sync_item_update(pinky_db *db, int32_t user_id,
                                              const pinky_uuid *id, const pinky_sync_item *in,
                                              uint64_t mask, const pinky_time *expected_updated_at,
                                              pinky_sync_item **out);
PINKY_API pinky_status pinky_sync_item_delete(pinky_db *db, int32_t user_id,
                                              const pinky_uuid *id);
/* One page of the items of user_id's connections in (connection_id, path) order. */
PINKY_API pinky_status pinky_sync_item_list(pinky_db *db, int32_t user_id,
                                            const pinky_sync_item_filter *filter,
                                            pinky_sync_item_page **out);
PINKY_API void pinky_sync_item_free(pinky_sync_item *item);
PINKY_API void pinky_sync_item_page_free(pinky_sync_item_page *page);

/* ---- sync_operations: the life of an operation ------------------------------
 *
 *   PENDING --start--> IN_PROGRESS --progress--> IN_PROGRESS
 *   PENDING or IN_PROGRESS --finish--> COMPLETED | FAILED | CONFLICT
 *
 * Each step is one guarded statement: it writes only while the operation is
 * in a state the step may leave, so of concurrent callers exactly one wins.
 * A step from any other state is INVALID naming status (the message says the
 * current state) and writes nothing; an operation that is not user_id's is
 * NOT_FOUND.  *out (may be NULL) gets the stored row.
 */

/*
 * PENDING -> IN_PROGRESS: sets items_total (>= 0, else INVALID naming
 * items_total) and items_processed = 0.  start_time is left as created.
 */
PINKY_API pinky_status pinky_sync_operation_start(pinky_db *db, int32_t user_id,
                                                  const pinky_uuid *operation_id,
                                                  int32_t items_total,
                                                  pinky_sync_operation **out);
/*
 * Records progress of an IN_PROGRESS operation: items_processed and
 * bytes_transferred (each >= 0, else INVALID naming it).  Any other state
 * is INVALID naming status.
 */
PINKY_API pinky_status pinky_sync_operation_progress(pinky_db *db, int32_t user_id,
                                                     const pinky_uuid *operation_id,
                                                     int32_t items_processed,
                                                     int64_t bytes_transferred,
                                                     pinky_sync_operation **out);
/*
 * Ends a PENDING or IN_PROGRESS operation with final_status COMPLETED,
 * FAILED or CONFLICT (another value is INVALID naming final_status):
 * end_time becomes the server's clock_timestamp(), errors and
 * conflict_items the given JSON text (validated; NULL leaves the column as
 * it is).  In the same transaction the operation's platform connection gets
 * last_sync_date = that end_time and status
 *     COMPLETED -> "CONNECTED",  FAILED -> "ERROR",  CONFLICT -> "CONFLICT".
 * Finishing an operation that is already finished is INVALID naming status,
 * and nothing is written (neither the operation nor the connection).
 */
PINKY_API pinky_status pinky_sync_operation_finish(pinky_db *db, int32_t user_id,
                                                   const pinky_uuid *operation_id,
                                                   pinky_sync_status final_status,
                                                   const char *errors_json,
                                                   const char *conflict_items_json,
                                                   pinky_sync_operation **out);

/* ---- sync_items: bulk upsert --------------------------------------------- */
typedef struct pinky_sync_upsert_result {
    uint32_t struct_size;
    uint64_t inserted;   /* items that did not exist */
    uint64_t updated;    /* items that existed and were updated in place */
} pinky_sync_upsert_result;

/* Zeroes *result and sets struct_size. */
PINKY_API void pinky_sync_upsert_result_init(pinky_sync_upsert_result *result);
/*
 * pinky_sync_item_upsert for n items at once, with the same meaning per
 * item (unset fields keep their stored value on update and take the column
 * default on insert; is_directory is always written; id and timestamps are
 * ignored).  The items may belong to several connections, all user_id's.
 *
 * All or nothing: every item is validated first, and an invalid one rejects
 * the batch with INVALID and its index ("items[17]: sync_item.path: must
 * not be empty"); an item whose connection is not user_id's rejects it with
 * NOT_FOUND naming items[i].connection_id.  Nothing of a rejected batch is
 * written.  A (connection_id, path) named more than once in one batch is
 * written once, with the values of its LAST occurrence (last wins), and
 * counted once.  The batch travels by binary COPY into a temporary table and
 * is merged by one INSERT ... ON CONFLICT statement in one transaction (the
 * caller's, when db is a transaction handle).  n = 0 is OK and writes
 * nothing.  result (may be NULL; *_init first) gets the counts;
 * inserted + updated is the number of distinct items.
 */
PINKY_API pinky_status pinky_sync_item_upsert_many(pinky_db *db, int32_t user_id,
                                                   const pinky_sync_item *const *items, size_t n,
                                                   pinky_sync_upsert_result *result);

/* ---- sync_items: change detection ---------------------------------------- */
typedef struct pinky_sync_diff {
    uint32_t struct_size;
    uint64_t new_count;       /* in the scan, not stored (or stored as a tombstone) */
    uint64_t changed_count;   /* stored, and size, hash, local_modified or is_directory differ */
    uint64_t unchanged_count;
    uint64_t gone_count;      /* stored, not in the scan, not already a tombstone */
    uint64_t conflict_count;  /* changed items that are conflicts (not in changed_count) */
    /* With PINKY_SYNC_DIFF_PATHS: one entry per new, changed, gone or
       conflicting item, "+path", "~path", "-path" or "!path", sorted by path
       (list order); NULL and 0 when nothing differs or without the flag. */
    char **paths;
    size_t npaths;
} pinky_sync_diff;

/* Store the scan: upsert new and changed items, mark gone ones, mark conflicts. */
#define PINKY_SYNC_DIFF_APPLY 0x1u
/* Return the paths of what differs in pinky_sync_diff.paths. */
#define PINKY_SYNC_DIFF_PATHS 0x2u

/*
 * Compares a full, fresh listing of one connection (scan, n items; each
 * item's connection_id is ignored: connection_id applies) with the items
 * stored for it, and with PINKY_SYNC_DIFF_APPLY stores the result.  One
 * transaction, set-based: the scan travels by binary COPY.
 *
 * Classes, per path:
 *   new        not stored, or stored as a tombstone (a tombstoned item that
 *              reappears is new again);
 *   changed    stored, and is_directory, size, hash or local_modified differ
 *              (NULL and a value differ);
 *   conflict   changed, and either already has_conflict, or its stored
 *              remote_modified and the scan's local_modified are both after
 *              its stored last_synced (never for last_synced NULL);
 *   unchanged  stored and equal;
 *   gone       stored, not in the scan, and not already a tombstone.
 * A path listed twice in the scan counts once, with its last occurrence.
 *
 * Every scan row must set path and local_modified (the scan knows when each
 * file changed; a stored item without local_modified is a tombstone, see
 * below): INVALID naming scan[i] otherwise, nothing read or written.  Only
 * path, is_directory, size, mime_type, hash, local_modified and
 * remote_modified are read from scan rows; sync_status, last_synced,
 * has_conflict and conflict_resolution are bookkeeping and ignored.
 *
 * PINKY_SYNC_DIFF_APPLY writes (unchanged items are not touched):
 *   new, changed  is_directory, size, hash and local_modified as scanned
 *                 (NULL clears), mime_type and remote_modified when set in
 *                 the scan; sync_status PENDING (the change is to be
 *                 propagated); a new item has has_conflict false.
 *   conflict      the same, with has_conflict true and sync_status CONFLICT
 *                 (resolve it with pinky_sync_item_resolve).
 *   gone          a tombstone: local_modified NULL and sync_status PENDING
 *                 (the deletion is pending propagation; the row is kept
 *                 with its last known size and hash; delete it with
 *                 pinky_sync_item_delete once the deletion has been
 *                 propagated).
 * The connection row is locked for the transaction, so concurrent applies
 * to one connection run one after the other.
 *
 * NOT_FOUND naming connection_id when the connection is not user_id's.
 * *out gets a diff to free with pinky_sync_diff_free (out may be NULL when
 * only applying).
 */
PINKY_API pinky_status pinky_sync_detect_changes(pinky_db *db, int32_t user_id,
                                                 const pinky_uuid *connection_id,
                                                 const pinky_sync_item *const *scan, size_t n,
                                                 unsigned flags, pinky_sync_diff **out);
/* Frees a diff and its paths.  NULL is ignored. */
PINKY_API void pinky_sync_diff_free(pinky_sync_diff *diff);

/*
 * Resolves the conflict of an item with has_conflict true: sets
 * conflict_resolution and has_conflict = false, and
 *   LOCAL, REMOTE, BOTH  sync_status SYNCED, last_synced = the server's
 *                        clock_timestamp() (the caller has carried out the
 *                        resolution);
 *   SKIP                 sync_status PENDING, last_synced unchanged (the
 *                        item is set aside for a later decision).
 * One guarded statement: of concurrent resolvers exactly one succeeds.
 * INVALID naming has_conflict (nothing written) when the item has no
 * conflict; INVALID naming resolution for a value that is not one;
 * NOT_FOUND when the item is not user_id's.  *out may be NULL.
 */
PINKY_API pinky_status pinky_sync_item_resolve(pinky_db *db, int32_t user_id,
                                               const pinky_uuid *item_id,
                                               pinky_conflict_resolution resolution,
                                               pinky_sync_item **out);

/* ---- sync_items: streaming ----------------------------------------------- */
/* Called for each item; the item is freed when fn returns (copy what you
   keep).  Return 0 to go on, non-zero to stop. */
typedef int (*pinky_sync_item_fn)(const pinky_sync_item *item, void *ctx);
/*
 * Calls fn for every item of user_id's connections matching filter (may be
 * NULL), in list order (connection_id, path), fetching keyset pages so that
 * memory stays bounded whatever the number of items.  filter->limit is the
 * page size (0: PINKY_LIST_MAX_LIMIT, 1000), not a bound on the items
 * visited; filter->cursor, when set, is where the walk starts.  Pages are
 * read one statement each, so on the pool the walk is not one snapshot:
 * items changed meanwhile may be seen or not, but none twice (unless its
 * path changes).  OK when every item was visited or fn stopped the walk;
 * an error (e.g. CONNECTION when the connection is lost) is returned as is,
 * after the items already visited.  INVALID for a NULL fn or a bad filter.
 */
PINKY_API pinky_status pinky_sync_item_each(pinky_db *db, int32_t user_id,
                                            const pinky_sync_item_filter *filter,
                                            pinky_sync_item_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif /* PINKY_SYNC_H */
