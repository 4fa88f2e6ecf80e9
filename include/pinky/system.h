/*
 * libpinky -- api_keys (a user's credentials for outside services),
 * system_settings (global settings, no owner) and audit_logs (an append-only
 * trail).
 *
 * Conventions as in user.h: call *_init before filling a struct, free what
 * the library returns with the matching *_free, and read pinky_error_last()
 * after a failure (nothing is written and *out stays NULL).
 */
#ifndef PINKY_SYSTEM_H
#define PINKY_SYSTEM_H

#include "user.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- api_keys ------------------------------------------------------------ */
/*
 * key_value is a secret: it never appears in error messages or logs, and
 * rows read by get, list (unless asked), create and update carry it as NULL.
 * pinky_api_key_reveal and pinky_api_key_find return it.  The library wipes
 * it from rows it frees.
 */
typedef struct pinky_api_key {
    uint32_t struct_size;
    pinky_uuid id;                 /* server-assigned */
    int32_t user_id;               /* the owner: set from the acting user */
    char *service;                 /* required, VARCHAR(100) */
    char *key_name;                /* required, VARCHAR(255); (service, key_name) unique per user */
    char *key_value;               /* required on create; NULL when read unless revealed */
    pinky_opt_bool is_active;      /* unset on create: TRUE (the column default) */
    pinky_opt_time last_used;      /* nullable; pinky_api_key_touch sets it */
    pinky_time created_at;         /* server-assigned */
    pinky_time updated_at;         /* server-assigned, kept current on update */
} pinky_api_key;

/* Field mask bits for pinky_api_key_update. */
#define PINKY_API_KEY_SERVICE   (UINT64_C(1) << 0)
#define PINKY_API_KEY_KEY_NAME  (UINT64_C(1) << 1)
#define PINKY_API_KEY_KEY_VALUE (UINT64_C(1) << 2)
#define PINKY_API_KEY_IS_ACTIVE (UINT64_C(1) << 3)
#define PINKY_API_KEY_LAST_USED (UINT64_C(1) << 4)

typedef struct pinky_api_key_filter {
    uint32_t struct_size;
    uint32_t limit;                /* 0: PINKY_LIST_DEFAULT_LIMIT; at most PINKY_LIST_MAX_LIMIT */
    const char *cursor;            /* NULL: first page */
    const char *service;           /* service equals this, NULL: any */
    pinky_opt_bool is_active;      /* is_active equals this, unset: any */
    bool include_key_value;        /* true: the rows carry key_value */
} pinky_api_key_filter;

typedef struct pinky_api_key_page {
    pinky_api_key **items;
    size_t count;
    char *next_cursor;             /* NULL on the last page */
} pinky_api_key_page;

/* Zeroes the struct and sets struct_size: call before filling it in. */
PINKY_API void pinky_api_key_init(pinky_api_key *key);
/* Zeroes the filter (no narrowing, default limit) and sets struct_size. */
PINKY_API void pinky_api_key_filter_init(pinky_api_key_filter *filter);
/*
 * Stores an API key of user_id from *in (id, user_id, timestamps ignored);
 * *out (may be NULL) gets the stored row, key_value NULL.  INVALID naming the
 * field for bad input (the value itself is never shown); CONFLICT naming
 * api_keys_user_id_service_key_name_key when the user already has a key of
 * that service and name; NOT_FOUND when the user does not exist.
 */
PINKY_API pinky_status pinky_api_key_create(pinky_db *db, int32_t user_id,
                                            const pinky_api_key *in, pinky_api_key **out);
/* Reads one of user_id's keys, key_value NULL.  NOT_FOUND when absent or another user's. */
PINKY_API pinky_status pinky_api_key_get(pinky_db *db, int32_t user_id, const pinky_uuid *id,
                                         pinky_api_key **out);
/*
 * The key's value as a new string (free with pinky_free).  NOT_FOUND when
 * absent or another user's.
 */
PINKY_API pinky_status pinky_api_key_reveal(pinky_db *db, int32_t user_id, const pinky_uuid *id,
                                            char **value);
/*
 * Finds user_id's key by (service, key_name), key_value included, whether
 * active or not (check is_active).  NOT_FOUND when there is none.
 */
PINKY_API pinky_status pinky_api_key_find(pinky_db *db, int32_t user_id, const char *service,
                                          const char *key_name, pinky_api_key **out);
/*
 * Changes the fields in mask (PINKY_API_KEY_* bits); as pinky_comm_update.
 * *out (may be NULL) gets the stored row, key_value NULL.  CONFLICT for a
 * duplicate (service, key_name) or a stale expected_updated_at.
 */
PINKY_API pinky_status pinky_api_key_update(pinky_db *db, int32_t user_id, const pinky_uuid *id,
                                            const pinky_api_key *in, uint64_t mask,
                                            const pinky_time *expected_updated_at,
                                            pinky_api_key **out);
/*
 * Records a use: last_used = the server's now() (this also moves updated_at).
 * NOT_FOUND when absent or another user's.
 */
PINKY_API pinky_status pinky_api_key_touch(pinky_db *db, int32_t user_id, const pinky_uuid *id);
/* Deletes a key.  NOT_FOUND when absent or another user's. */
PINKY_API pinky_status pinky_api_key_delete(pinky_db *db, int32_t user_id, const pinky_uuid *id);
/*
 * One page of user_id's keys in (service, key_name) order; key_value is NULL
 * unless filter->include_key_value.  filter may be NULL.
 */
PINKY_API pinky_status pinky_api_key_list(pinky_db *db, int32_t user_id,
                                          const pinky_api_key_filter *filter,
                                          pinky_api_key_page **out);
/* Frees a row (wiping key_value first).  NULL is ignored. */
PINKY_API void pinky_api_key_free(pinky_api_key *key);
PINKY_API void pinky_api_key_page_free(pinky_api_key_page *page);

/* ---- system_settings ----------------------------------------------------- */
/* Global settings: no owner, shared by every user of the database. */
typedef struct pinky_system_setting {
    uint32_t struct_size;
    char *setting_key;             /* VARCHAR(255), required */
    char *setting_value;           /* JSON text, required */
    pinky_time created_at;
    pinky_time updated_at;
} pinky_system_setting;

typedef struct pinky_system_setting_filter {
    uint32_t struct_size;
    uint32_t limit;
    const char *cursor;
    const char *key_prefix;        /* setting_key starts with this, NULL: any */
} pinky_system_setting_filter;

typedef struct pinky_system_setting_page {
    pinky_system_setting **items;
    size_t count;
    char *next_cursor;
} pinky_system_setting_page;

/* Zeroes the struct and sets struct_size: call before filling it in. */
PINKY_API void pinky_system_setting_init(pinky_system_setting *setting);
/* Zeroes the filter (no narrowing, default limit) and sets struct_size. */
PINKY_API void pinky_system_setting_filter_init(pinky_system_setting_filter *filter);
/*
 * Inserts or replaces setting `key` with the JSON value (created_at is kept
 * on replace).  INVALID for a bad key or JSON.  *out may be NULL.
 */
PINKY_API pinky_status pinky_system_setting_set(pinky_db *db, const char *key,
                                                const char *json_value,
                                                pinky_system_setting **out);
/* Reads a setting.  NOT_FOUND when there is none. */
PINKY_API pinky_status pinky_system_setting_get(pinky_db *db, const char *key,
                                                pinky_system_setting **out);
/* Deletes a setting.  NOT_FOUND when there is none. */
PINKY_API pinky_status pinky_system_setting_delete(pinky_db *db, const char *key);
/* One page of settings in key order.  filter may be NULL. */
PINKY_API pinky_status pinky_system_setting_list(pinky_db *db,
                                                 const pinky_system_setting_filter *filter,
                                                 pinky_system_setting_page **out);
PINKY_API void pinky_system_setting_free(pinky_system_setting *setting);
PINKY_API void pinky_system_setting_page_free(pinky_system_setting_page *page);

/* ---- audit_logs ---------------------------------------------------------- */
/*
 * An append-only trail: the library creates and lists entries, and never
 * updates or deletes them.  Deleting a user keeps its entries with user_id
 * NULL.
 */
typedef struct pinky_audit_log {
    uint32_t struct_size;
    pinky_uuid id;                 /* server-assigned */
    pinky_opt_i32 user_id;         /* the user who acted, unset: none (or deleted since) */
    char *action;                  /* required, VARCHAR(255) ("document.update") */
    char *entity_type;             /* required, VARCHAR(100) ("document") */
    char *entity_id;               /* nullable */
    char *details;                 /* JSON text, nullable */
    char *ip_address;              /* nullable; a textual IPv4 or IPv6 address, VARCHAR(45) */
    char *user_agent;              /* nullable */
    pinky_time created_at;         /* server-assigned */
} pinky_audit_log;

typedef struct pinky_audit_log_filter {
    uint32_t struct_size;
    uint32_t limit;
    const char *cursor;
    pinky_opt_i32 user_id;         /* user_id equals this, unset: any */
    const char *action;            /* action equals this, NULL: any */
    const char *entity_type;       /* entity_type equals this, NULL: any */
    const char *entity_id;         /* entity_id equals this, NULL: any */
    pinky_opt_time created_from;   /* created_at >= */
    pinky_opt_time created_before; /* created_at < */
} pinky_audit_log_filter;

typedef struct pinky_audit_log_page {
    pinky_audit_log **items;
    size_t count;
    char *next_cursor;
} pinky_audit_log_page;

/* Zeroes the struct and sets struct_size: call before filling it in. */
PINKY_API void pinky_audit_log_init(pinky_audit_log *entry);
/* Zeroes the filter (no narrowing, default limit) and sets struct_size. */
PINKY_API void pinky_audit_log_filter_init(pinky_audit_log_filter *filter);
/*
 * Appends an entry from *in (id and created_at ignored); *out (may be NULL)
 * gets the stored row.  INVALID naming the field for bad input (ip_address
 * that is not an IPv4/IPv6 address, bad JSON, too long text); NOT_FOUND
 * naming user_id when in->user_id is set to a user that does not exist.
 */
PINKY_API pinky_status pinky_audit_log_create(pinky_db *db, const pinky_audit_log *in,
                                              pinky_audit_log **out);
/*
 * One page of entries, oldest first (created_at, then id).  filter may be
 * NULL.  Free with pinky_audit_log_page_free.
 */
PINKY_API pinky_status pinky_audit_log_list(pinky_db *db, const pinky_audit_log_filter *filter,
                                            pinky_audit_log_page **out);
PINKY_API void pinky_audit_log_free(pinky_audit_log *entry);
PINKY_API void pinky_audit_log_page_free(pinky_audit_log_page *page);

#ifdef __cplusplus
}
#endif
#endif /* PINKY_SYSTEM_H */
