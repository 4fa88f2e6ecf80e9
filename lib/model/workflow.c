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
    PK_EQ_FILTER(pinky_workflow_filter, is_active),
    {"name_contains", offsetof(pinky_workflow_filter, name_contains), PK_CONTAINS, "name", NULL, NULL},
    PK_TIME_RANGE(pinky_workflow_filter, created, "created_at"),
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

PK_DEFINE_ENUM(execution_status, execution_status_names)

static const pk_column execution_cols[] = {
    {PK_COL(pinky_workflow_execution, id, PK_UUID, PK_KEY | PK_SERVER | PK_NOTNULL)},
    {PK_COL(pinky_workflow_execution, workflow_id, PK_UUID, PK_PARENT | PK_REQUIRED | PK_NOTNULL)},
    {PK_COL(pinky_workflow_execution, status, PK_ENUM, PK_REQUIRED | PK_NOTNULL),
     .enums = execution_status_names, .mask = PINKY_WORKFLOW_EXECUTION_STATUS},
    {PK_COL(pinky_workflow_execution, start_time, PK_OPT_TIME, PK_NOTNULL),
     .mask = PINKY_WORKFLOW_EXECUTION_START_TIME},
    {PK_COL(pinky_workflow_execution, end_time, PK_OPT_TIME, 0),
     .mask = PINKY_WORKFLOW_EXECUTION_END_TIME},
    {PK_COL(pinky_workflow_execution, documents, PK_JSON, 0),
     .mask = PINKY_WORKFLOW_EXECUTION_DOCUMENTS},
    {PK_COL(pinky_workflow_execution, results, PK_JSON, 0),
     .mask = PINKY_WORKFLOW_EXECUTION_RESULTS},
    {PK_COL(pinky_workflow_execution, errors, PK_JSON, 0),
     .mask = PINKY_WORKFLOW_EXECUTION_ERRORS}
};

static const pk_filter_field execution_filters[] = {
    PK_EQ_FILTER(pinky_workflow_execution_filter, workflow_id),
    PK_EQ_FILTER(pinky_workflow_execution_filter, status),
    PK_TIME_RANGE(pinky_workflow_execution_filter, start_time, "start_time"),
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

PK_DEFINE_BASICS(workflow_execution, workflow_executions)
PK_DEFINE_UUID_CRUD(workflow_execution, workflow_executions)

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
    pk_row_init(&workflow_executions, &in);
    in.workflow_id = *workflow_id;
    in.status = PINKY_EXECUTION_STATUS_IN_PROGRESS;
    in.documents = (char *)documents_json;
    /* start_time unset: the column's default, the server's now() */
    return pk_row_create(db, &workflow_executions, user_id, &in, (void **)out);
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
    pinky_workflow_execution in;
    pk_row_init(&workflow_executions, &in);
    in.id = *execution_id;
    in.results = (char *)results_json;
    in.errors = (char *)errors_json;
    /* results and errors given as NULL keep what was recorded before */
    uint64_t mask = (results_json ? PINKY_WORKFLOW_EXECUTION_RESULTS : 0) |
                    (errors_json ? PINKY_WORKFLOW_EXECUTION_ERRORS : 0);
    static const int from[] = {PINKY_EXECUTION_STATUS_PENDING, PINKY_EXECUTION_STATUS_IN_PROGRESS, 0};
    return pk_row_transition(db, &workflow_executions, user_id, &in, "status", from,
                             (int)final_status, &in, mask, "end_time = clock_timestamp()",
                             (void **)out);
}
