/* workflows and workflow_executions. */
#include <string.h>
#include "model/model.h"

/* ---- workflows ---- */

static const pk_column workflow_cols[] = {
    {PK_COL(pinky_workflow, id, PK_UUID, PK_KEY | PK_SERVER | PK_NOTNULL)},
    {PK_COL(pinky_workflow, user_id, PK_I32, PK_OWNER | PK_NOTNULL)},
    {PK_COL(pinky_workflow, name, PK_TEXT, PK_REQUIRED | PK_NOTNULL), .limit = 255,
     .mask = PINKY_WORKFLOW_NAME},
    {PK_COL(pinky_workflow, description, PK_TEXT, 0), .mask = PINKY_WORKFLOW_DESCRIPTION},
    {PK_COL(pinky_workflow, steps, PK_JSON, PK_REQUIRED | PK_NOTNULL | PK_ARRAY),
     .mask = PINKY_WORKFLOW_STEPS},
    {PK_COL(pinky_workflow, is_active, PK_OPT_BOOL, 0), .mask = PINKY_WORKFLOW_IS_ACTIVE},
    {PK_COL(pinky_workflow, triggers, PK_JSON, 0), .mask = PINKY_WORKFLOW_TRIGGERS},
    {PK_COL(pinky_workflow, created_at, PK_TIME, PK_SERVER)},
    {PK_COL(pinky_workflow, updated_at, PK_TIME, PK_SERVER | PK_UPDATED)},
};

static const pk_filter_field workflow_filters[] = {
    {"is_active", offsetof(pinky_workflow_filter, is_active), PK_EQ, "is_active", NULL, NULL},
    {"name_contains", offsetof(pinky_workflow_filter, name_contains), PK_CONTAINS, "name", NULL, NULL},
    {"created_from", offsetof(pinky_workflow_filter, created_from), PK_GE, "created_at", NULL, NULL},
    {"created_before", offsetof(pinky_workflow_filter, created_before), PK_LT, "created_at", NULL, NULL},
};

static const pk_table workflows = {
    .name = "workflows",
    .entity = "workflow",
    .row_size = sizeof(pinky_workflow),
    .cols = workflow_cols,
    .ncols = PK_NCOLS(workflow_cols),
    /* index workflows_user_idx (user_id, COALESCE(created_at, '-infinity'), id) */
    .order = {"created_at", "id"},
    .filters = workflow_filters,
    .nfilters = PK_NCOLS(workflow_filters),
    .filter_size = sizeof(pinky_workflow_filter),
};

PK_DEFINE_BASICS(workflow, workflows)
PK_DEFINE_UUID_CRUD(workflow, workflows)

/* ---- workflow_executions ---- */

static const char *const execution_status_names[] = {"PENDING", "IN_PROGRESS", "COMPLETED",
                                                     "FAILED", NULL};

PINKY_API const char *pinky_execution_status_str(pinky_execution_status status)
{
    return pk_enum_name(execution_status_names, (int)status);
}

PINKY_API pinky_status pinky_execution_status_parse(const char *text, pinky_execution_status *out)
{
    if (out == NULL)
        return pk_err(PINKY_INVALID, "out", "out: NULL pointer");
    int v = 0;
    pinky_status st = pk_enum_parse("execution_status", execution_status_names, text, &v);
    if (st == PINKY_OK)
        *out = (pinky_execution_status)v;
    return st;
}

/*
 * start_time is NOT NULL with a default: an update cannot clear it (PK_NOTNULL,
 * which also makes the list order use the bare column as index
 * workflow_executions_workflow_idx does), but a create may leave it unset.
 * The mapper treats PK_NOTNULL as required on create too, so creates go
 * through a twin description without that flag on start_time.
 */
#define EXECUTION_COLS(START_FLAGS)                                                               \
    {PK_COL(pinky_workflow_execution, id, PK_UUID, PK_KEY | PK_SERVER | PK_NOTNULL)},             \
    {PK_COL(pinky_workflow_execution, workflow_id, PK_UUID, PK_PARENT | PK_REQUIRED | PK_NOTNULL)}, \
    {PK_COL(pinky_workflow_execution, status, PK_ENUM, PK_REQUIRED | PK_NOTNULL),                 \
     .enums = execution_status_names, .mask = PINKY_WORKFLOW_EXECUTION_STATUS},                   \
    {PK_COL(pinky_workflow_execution, start_time, PK_OPT_TIME, (START_FLAGS)),                    \
     .mask = PINKY_WORKFLOW_EXECUTION_START_TIME},                                                \
    {PK_COL(pinky_workflow_execution, end_time, PK_OPT_TIME, 0),                                  \
     .mask = PINKY_WORKFLOW_EXECUTION_END_TIME},                                                  \
    {PK_COL(pinky_workflow_execution, documents, PK_JSON, 0),                                     \
     .mask = PINKY_WORKFLOW_EXECUTION_DOCUMENTS},                                                 \
    {PK_COL(pinky_workflow_execution, results, PK_JSON, 0),                                       \
     .mask = PINKY_WORKFLOW_EXECUTION_RESULTS},                                                   \
    {PK_COL(pinky_workflow_execution, errors, PK_JSON, 0),                                        \
     .mask = PINKY_WORKFLOW_EXECUTION_ERRORS}

static const pk_column execution_cols[] = {EXECUTION_COLS(PK_NOTNULL)};
static const pk_column execution_create_cols[] = {EXECUTION_COLS(0)};

static const pk_filter_field execution_filters[] = {
    {"workflow_id", offsetof(pinky_workflow_execution_filter, workflow_id), PK_EQ, "workflow_id", NULL, NULL},
    {"status", offsetof(pinky_workflow_execution_filter, status), PK_EQ, "status", NULL, NULL},
    {"start_time_from", offsetof(pinky_workflow_execution_filter, start_time_from), PK_GE, "start_time", NULL, NULL},
    {"start_time_before", offsetof(pinky_workflow_execution_filter, start_time_before), PK_LT, "start_time", NULL, NULL},
};

static const pk_table workflow_executions = {
    .name = "workflow_executions",
    .entity = "workflow_execution",
    .row_size = sizeof(pinky_workflow_execution),
    .cols = execution_cols,
    .ncols = PK_NCOLS(execution_cols),
    .parent = &workflows,
    /* index workflow_executions_workflow_idx (workflow_id, start_time, id) */
    .order = {"start_time", "id"},
    .filters = execution_filters,
    .nfilters = PK_NCOLS(execution_filters),
    .filter_size = sizeof(pinky_workflow_execution_filter),
};

static const pk_table workflow_executions_create = {
    .name = "workflow_executions",
    .entity = "workflow_execution",
    .row_size = sizeof(pinky_workflow_execution),
    .cols = execution_create_cols,
    .ncols = PK_NCOLS(execution_create_cols),
    .parent = &workflows,
    .order = {"start_time", "id"},
};

PK_FILTER_LAYOUT_CHECK(pinky_workflow_execution_filter);
PK_PAGE_LAYOUT_CHECK(pinky_workflow_execution_page);

PINKY_API void pinky_workflow_execution_init(pinky_workflow_execution *row)
{
    pk_row_init(&workflow_executions, row);
}

PINKY_API void pinky_workflow_execution_filter_init(pinky_workflow_execution_filter *f)
{
    pk_filter_init(&workflow_executions, f);
}

PINKY_API void pinky_workflow_execution_free(pinky_workflow_execution *row) { pk_free(row); }

PINKY_API void pinky_workflow_execution_page_free(pinky_workflow_execution_page *page)
{
    pk_page_free(page);
}

PINKY_API pinky_status pinky_workflow_execution_create(pinky_db *db, int32_t user_id,
                                                       const pinky_workflow_execution *in,
                                                       pinky_workflow_execution **out)
{
    return pk_row_create(db, &workflow_executions_create, user_id, in, (void **)out);
}

static pinky_status execution_key(const pinky_uuid *id, pinky_workflow_execution *key)
{
    if (id == NULL)
        return pk_err(PINKY_INVALID, "id", "id: NULL pointer");
    pk_row_init(&workflow_executions, key);
    key->id = *id;
    return PINKY_OK;
}

PINKY_API pinky_status pinky_workflow_execution_get(pinky_db *db, int32_t user_id,
                                                    const pinky_uuid *id,
                                                    pinky_workflow_execution **out)
{
    pinky_workflow_execution key;
    pinky_status st = execution_key(id, &key);
    if (st != PINKY_OK) {
        if (out)
            *out = NULL;
        return st;
    }
    return pk_row_get(db, &workflow_executions, user_id, &key, 0, (void **)out);
}

PINKY_API pinky_status pinky_workflow_execution_update(pinky_db *db, int32_t user_id,
                                                       const pinky_uuid *id,
                                                       const pinky_workflow_execution *in,
                                                       uint64_t mask,
                                                       const pinky_time *expected_updated_at,
                                                       pinky_workflow_execution **out)
{
    pinky_workflow_execution key;
    pinky_status st = execution_key(id, &key);
    if (st != PINKY_OK) {
        if (out)
            *out = NULL;
        return st;
    }
    return pk_row_update(db, &workflow_executions, user_id, &key, in, mask, expected_updated_at,
                         (void **)out);
}

PINKY_API pinky_status pinky_workflow_execution_delete(pinky_db *db, int32_t user_id,
                                                       const pinky_uuid *id)
{
    pinky_workflow_execution key;
    pinky_status st = execution_key(id, &key);
    if (st != PINKY_OK)
        return st;
    return pk_row_delete(db, &workflow_executions, user_id, &key);
}

PINKY_API pinky_status pinky_workflow_execution_list(pinky_db *db, int32_t user_id,
                                                     const pinky_workflow_execution_filter *filter,
                                                     pinky_workflow_execution_page **out)
{
    return pk_row_list(db, &workflow_executions, user_id, filter, 0, (void **)out);
}

PINKY_API pinky_status pinky_workflow_execution_start(pinky_db *db, int32_t user_id,
                                                      const pinky_uuid *workflow_id,
                                                      const char *documents_json,
                                                      pinky_workflow_execution **out)
{
    if (out)
        *out = NULL;
    if (workflow_id == NULL)
        return pk_err(PINKY_INVALID, "workflow_id", "workflow_id: NULL pointer");
    pinky_workflow_execution in;
    pk_row_init(&workflow_executions_create, &in);
    in.workflow_id = *workflow_id;
    in.status = PINKY_EXECUTION_STATUS_IN_PROGRESS;
    in.documents = (char *)documents_json;
    /* start_time unset: the column's default, the server's now() */
    return pk_row_create(db, &workflow_executions_create, user_id, &in, (void **)out);
}

PINKY_API pinky_status pinky_workflow_execution_finish(pinky_db *db, int32_t user_id,
                                                       const pinky_uuid *execution_id,
                                                       pinky_execution_status final_status,
                                                       const char *results_json,
                                                       const char *errors_json,
                                                       pinky_workflow_execution **out)
{
    if (out)
        *out = NULL;
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK)
        return st;
    if (execution_id == NULL)
        return pk_err(PINKY_INVALID, "execution_id", "execution_id: NULL pointer");
    if (final_status != PINKY_EXECUTION_STATUS_COMPLETED &&
        final_status != PINKY_EXECUTION_STATUS_FAILED) {
        const char *name = pinky_execution_status_str(final_status);
        if (name)
            return pk_err(PINKY_INVALID, "final_status",
                          "final_status: %s is not a final status (COMPLETED or FAILED)", name);
        return pk_err(PINKY_INVALID, "final_status",
                      "final_status: %d is not a final status (COMPLETED or FAILED)", (int)final_status);
    }
    if (results_json && (st = pk_check_json("workflow_execution.results", results_json)) != PINKY_OK)
        return st;
    if (errors_json && (st = pk_check_json("workflow_execution.errors", errors_json)) != PINKY_OK)
        return st;

    /*
     * One conditional UPDATE: under concurrency the row lock serialises the
     * finishers and the WHERE clause is re-checked on the newest version, so
     * only the first one still sees PENDING/IN_PROGRESS.
     */
    const pk_table *t = &workflow_executions;
    pk_params ps;
    pk_params_init(&ps);
    pk_buf sql;
    pk_buf_init(&sql);
    int s = pk_p_text(&ps, pinky_execution_status_str(final_status));
    int res = pk_p_text(&ps, results_json);
    int err = pk_p_text(&ps, errors_json);
    int id = pk_p_uuid(&ps, execution_id);
    pk_buf_printf(&sql,
                  "UPDATE workflow_executions AS t SET status = $%d::text, end_time = clock_timestamp(), "
                  "results = COALESCE($%d::jsonb, t.results), errors = COALESCE($%d::jsonb, t.errors) "
                  "WHERE t.id = $%d::uuid AND t.status IN ('PENDING', 'IN_PROGRESS')",
                  s, res, err, id);
    pk_sql_owner_pred(&sql, t, &ps, user_id);
    pk_buf_put(&sql, " RETURNING ");
    pk_sql_select_list(&sql, t, 0);
    char *text = pk_buf_take(&sql);
    pk_res *r = NULL;
    st = text ? pk_query(db, text, &ps, &r) : pk_err_nomem();
    pk_free(text);
    pk_params_free(&ps);
    if (st != PINKY_OK)
        return st;
    if (pk_res_rows(r) == 1) {
        st = out ? pk_row_decode(t, r, 0, 0, (void **)out) : PINKY_OK;
        pk_res_free(r);
        return st;
    }
    pk_res_free(r);
    /* Nothing matched: no such execution (for this user), or not finishable. */
    pinky_workflow_execution *now = NULL;
    st = pinky_workflow_execution_get(db, user_id, execution_id, &now);
    if (st != PINKY_OK)
        return st;
    const char *cur = pinky_execution_status_str(now->status);
    st = pk_err(PINKY_INVALID, "status",
                "workflow_execution.status: the execution is %s; only PENDING or IN_PROGRESS "
                "executions can be finished; nothing written",
                cur ? cur : "?");
    pk_free(now);
    return st;
}
