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

PINKY_API void pinky_sync_operation_init(pinky_sync_operation *op);
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

PINKY_API void pinky_sync_item_init(pinky_sync_item *item);
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

#ifdef __cplusplus
}
#endif
#endif /* PINKY_SYNC_H */
