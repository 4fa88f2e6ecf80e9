/* api_keys, system_settings and audit_logs. */
#include <arpa/inet.h>
#include <string.h>
#include "model/model.h"

/* ---- api_keys ---- */

static const pk_column api_key_cols[] = {
    {PK_COL(pinky_api_key, id, PK_UUID, PK_KEY | PK_SERVER | PK_NOTNULL)},
    {PK_COL(pinky_api_key, user_id, PK_I32, PK_OWNER | PK_NOTNULL)},
    {PK_COL(pinky_api_key, service, PK_TEXT, PK_REQUIRED | PK_NOTNULL), .limit = 100,
     .mask = PINKY_API_KEY_SERVICE},
    {PK_COL(pinky_api_key, key_name, PK_TEXT, PK_REQUIRED | PK_NOTNULL), .limit = 255,
     .mask = PINKY_API_KEY_KEY_NAME},
    {PK_COL(pinky_api_key, key_value, PK_TEXT, PK_REQUIRED | PK_NOTNULL | PK_SECRET | PK_HIDDEN),
     .mask = PINKY_API_KEY_KEY_VALUE},
    {PK_COL(pinky_api_key, is_active, PK_OPT_BOOL, 0), .mask = PINKY_API_KEY_IS_ACTIVE},
    {PK_COL(pinky_api_key, last_used, PK_OPT_TIME, 0), .mask = PINKY_API_KEY_LAST_USED},
    {PK_COL(pinky_api_key, created_at, PK_TIME, PK_SERVER)},
    {PK_COL(pinky_api_key, updated_at, PK_TIME, PK_SERVER | PK_UPDATED)},
};

static const pk_filter_field api_key_filters[] = {
    PK_EQ_FILTER(pinky_api_key_filter, service),
    PK_EQ_FILTER(pinky_api_key_filter, is_active),
};

static const pk_table api_keys = {
    .name = "api_keys",
    .entity = "api_key",
    .row_size = sizeof(pinky_api_key),
    .cols = api_key_cols,
    .ncols = PK_NCOLS(api_key_cols),
    /* the unique index api_keys_user_id_service_key_name_key, owner first */
    .order = {"service", "key_name"},
    .filters = api_key_filters,
    .nfilters = PK_NCOLS(api_key_filters),
    .filter_size = sizeof(pinky_api_key_filter),
};

PK_DEFINE_BASICS(api_key, api_keys)
PK_DEFINE_CREATE(api_key, api_keys)
PK_DEFINE_UUID_READ_WRITE(api_key, api_keys)

PINKY_API pinky_status pinky_api_key_reveal(pinky_db *db, int32_t user_id, const pinky_uuid *id,
                                            char **value)
{
    if (value == NULL)
        return pk_err(PINKY_INVALID, "value", "value: NULL pointer");
    *value = NULL;
    PK_UUID_KEY(api_key, api_keys, id, key);
    pinky_api_key *row = NULL;
    pinky_status st = pk_row_get(db, &api_keys, user_id, &key, PK_REVEAL, (void **)&row);
    if (st != PINKY_OK)
        return st;
    char *v = pk_strdup(row->key_value ? row->key_value : "");
    pinky_api_key_free(row);
    if (v == NULL)
        return pk_err_nomem();
    *value = v;
    return PINKY_OK;
}

PINKY_API pinky_status pinky_api_key_find(pinky_db *db, int32_t user_id, const char *service,
                                          const char *key_name, pinky_api_key **out)
{
    if (out == NULL)
        return pk_err(PINKY_INVALID, "out", "out: NULL pointer");
    *out = NULL;
    if (service == NULL)
        return pk_err(PINKY_INVALID, "service", "service: NULL pointer");
    if (key_name == NULL)
        return pk_err(PINKY_INVALID, "key_name", "key_name: NULL pointer");
    pinky_api_key key;
    pk_row_init(&api_keys, &key);
    key.service = (char *)service;
    key.key_name = (char *)key_name;
    static const char *const by[] = {"service", "key_name", NULL};
    return pk_row_find(db, &api_keys, user_id, by, &key, PK_REVEAL, (void **)out);
}

PINKY_API pinky_status pinky_api_key_touch(pinky_db *db, int32_t user_id, const pinky_uuid *id)
{
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK)
        return st;
    if (id == NULL)
        return pk_err(PINKY_INVALID, "id", "id: NULL pointer");
    pk_params ps;
    pk_params_init(&ps);
    pk_buf sql;
    pk_buf_init(&sql);
    pk_buf_printf(&sql, "UPDATE api_keys AS t SET last_used = now() WHERE t.id = $%d::uuid",
                  pk_p_uuid(&ps, id));
    pk_sql_owner_pred(&sql, &api_keys, &ps, user_id);
    pk_buf_put(&sql, " RETURNING t.id");
    pk_res *r = NULL;
    st = pk_query_audited(db, &api_keys, user_id, "touch", "{\"fields\": [\"last_used\"]}",
                          pk_buf_take(&sql), &ps, &r);
    if (st == PINKY_OK && pk_res_rows(r) == 0)
        st = pk_err(PINKY_NOT_FOUND, NULL, "api_key not found");
    pk_res_free(r);
    pk_params_free(&ps);
    return st;
}

PINKY_API pinky_status pinky_api_key_list(pinky_db *db, int32_t user_id,
                                          const pinky_api_key_filter *filter,
                                          pinky_api_key_page **out)
{
    unsigned flags = 0;
    if (filter) {
        pinky_status st = pk_check_size("filter", filter, sizeof *filter);
        if (st != PINKY_OK) {
            if (out)
                *out = NULL;
            return st;
        }
        if (filter->include_key_value)
            flags |= PK_REVEAL;
    }
    return pk_row_list(db, &api_keys, user_id, filter, flags, (void **)out);
}

/* ---- system_settings ---- */

static const pk_column setting_cols[] = {
    {PK_COL(pinky_system_setting, setting_key, PK_TEXT, PK_KEY | PK_NATURAL | PK_REQUIRED | PK_NOTNULL),
     .limit = 255},
    {PK_COL(pinky_system_setting, setting_value, PK_JSON, PK_REQUIRED | PK_NOTNULL)},
    {PK_COL(pinky_system_setting, created_at, PK_TIME, PK_SERVER)},
    {PK_COL(pinky_system_setting, updated_at, PK_TIME, PK_SERVER | PK_UPDATED)},
};

static const pk_filter_field setting_filters[] = {
    {"key_prefix", offsetof(pinky_system_setting_filter, key_prefix), PK_PREFIX, "setting_key", NULL, NULL},
};

/* No owner column: the settings are global (the mapper adds no owner predicate). */
static const pk_table system_settings = {
    .name = "system_settings",
    .entity = "system_setting",
    .row_size = sizeof(pinky_system_setting),
    .cols = setting_cols,
    .ncols = PK_NCOLS(setting_cols),
    .order = {"setting_key"},
    .filters = setting_filters,
    .nfilters = PK_NCOLS(setting_filters),
    .filter_size = sizeof(pinky_system_setting_filter),
};

PK_DEFINE_BASICS(system_setting, system_settings)

PINKY_API pinky_status pinky_system_setting_set(pinky_db *db, const char *key,
                                                const char *json_value,
                                                pinky_system_setting **out)
{
    pinky_system_setting in;
    pk_row_init(&system_settings, &in);
    in.setting_key = (char *)key;
    in.setting_value = (char *)json_value;
    return pk_row_upsert(db, &system_settings, 0, &in, (void **)out);
}

PINKY_API pinky_status pinky_system_setting_get(pinky_db *db, const char *key,
                                                pinky_system_setting **out)
{
    pinky_system_setting k;
    pk_row_init(&system_settings, &k);
    k.setting_key = (char *)key;
    return pk_row_get(db, &system_settings, 0, &k, 0, (void **)out);
}

PINKY_API pinky_status pinky_system_setting_delete(pinky_db *db, const char *key)
{
    pinky_system_setting k;
    pk_row_init(&system_settings, &k);
    k.setting_key = (char *)key;
    return pk_row_delete(db, &system_settings, 0, &k);
}

PINKY_API pinky_status pinky_system_setting_list(pinky_db *db,
                                                 const pinky_system_setting_filter *filter,
                                                 pinky_system_setting_page **out)
{
    return pk_row_list(db, &system_settings, 0, filter, 0, (void **)out);
}

/* ---- audit_logs ---- */

/* A textual IPv4 (dotted quad) or IPv6 address, as inet_pton reads them. */
static pinky_status check_ip_address(const char *field, const char *s)
{
    unsigned char buf[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1)
        return PINKY_OK;
    return pk_err(PINKY_INVALID, field, "%s: \"%s\" is not an IPv4 or IPv6 address", field, s);
}

/*
 * user_id is nullable (ON DELETE SET NULL) and not an owner: entries outlive
 * their users, and the trail is read across users.
 */
static const pk_column audit_cols[] = {
    {PK_COL(pinky_audit_log, id, PK_UUID, PK_KEY | PK_SERVER | PK_NOTNULL)},
    {PK_COL(pinky_audit_log, user_id, PK_OPT_I32, PK_USER_REF)},
    {PK_COL(pinky_audit_log, action, PK_TEXT, PK_REQUIRED | PK_NOTNULL), .limit = 255},
    {PK_COL(pinky_audit_log, entity_type, PK_TEXT, PK_REQUIRED | PK_NOTNULL), .limit = 100},
    {PK_COL(pinky_audit_log, entity_id, PK_TEXT, 0)},
    {PK_COL(pinky_audit_log, details, PK_JSON, 0)},
    {PK_COL(pinky_audit_log, ip_address, PK_TEXT, 0), .limit = 45, .check = check_ip_address},
    {PK_COL(pinky_audit_log, user_agent, PK_TEXT, 0)},
    {PK_COL(pinky_audit_log, created_at, PK_TIME, PK_SERVER)},
};

static const pk_filter_field audit_filters[] = {
    PK_EQ_FILTER(pinky_audit_log_filter, user_id),
    PK_EQ_FILTER(pinky_audit_log_filter, action),
    PK_EQ_FILTER(pinky_audit_log_filter, entity_type),
    PK_EQ_FILTER(pinky_audit_log_filter, entity_id),
    PK_TIME_RANGE(pinky_audit_log_filter, created, "created_at"),
};

static const pk_table audit_logs = {
    .name = "audit_logs",
    .entity = "audit_log",
    .row_size = sizeof(pinky_audit_log),
    .cols = audit_cols,
    .ncols = PK_NCOLS(audit_cols),
    /* COALESCE(created_at, '-infinity'), id: audit_logs_created_idx */
    .order = {"created_at", "id"},
    .filters = audit_filters,
    .nfilters = PK_NCOLS(audit_filters),
    .filter_size = sizeof(pinky_audit_log_filter),
};

PK_DEFINE_BASICS(audit_log, audit_logs)

PINKY_API pinky_status pinky_audit_log_create(pinky_db *db, const pinky_audit_log *in,
                                              pinky_audit_log **out)
{
    return pk_row_create(db, &audit_logs, 0, in, (void **)out);
}

PINKY_API pinky_status pinky_audit_log_list(pinky_db *db, const pinky_audit_log_filter *filter,
                                            pinky_audit_log_page **out)
{
    return pk_row_list(db, &audit_logs, 0, filter, 0, (void **)out);
}
