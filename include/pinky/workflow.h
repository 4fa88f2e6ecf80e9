/*
 * libpinky -- workflows and workflow_executions.
 *
 * A workflow is a user's definition (a JSON array of steps, optional JSON
 * triggers); an execution is one run of it, owned through its workflow.
 * Conventions as in user.h: call *_init first, free returned rows with
 * *_free, lists return pages with a cursor, failures leave *out NULL and
 * name the field at fault in pinky_error_last().  Another user's workflows
 * and executions are NOT_FOUND.
 */
#ifndef PINKY_WORKFLOW_H
#define PINKY_WORKFLOW_H

#include "user.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- workflows ----------------------------------------------------------- */
typedef struct pinky_workflow {
    uint32_t struct_size;
    pinky_uuid id;              /* server-assigned */
    int32_t user_id;            /* the owner: set from the acting user */
    char *name;                 /* required, VARCHAR(255) */
    char *description;          /* nullable */
    char *steps;                /* required, JSON array */
    pinky_opt_bool is_active;   /* unset on create: TRUE */
    char *triggers;             /* JSON, nullable */
    pinky_time created_at;      /* server-assigned */
    pinky_time updated_at;      /* server-assigned, kept current on update */
} pinky_workflow;

/* Field mask bits for pinky_workflow_update. */
#define PINKY_WORKFLOW_NAME        (UINT64_C(1) << 0)
#define PINKY_WORKFLOW_DESCRIPTION (UINT64_C(1) << 1)
#define PINKY_WORKFLOW_STEPS       (UINT64_C(1) << 2)
#define PINKY_WORKFLOW_IS_ACTIVE   (UINT64_C(1) << 3)
#define PINKY_WORKFLOW_TRIGGERS    (UINT64_C(1) << 4)

typedef struct pinky_workflow_filter {
    uint32_t struct_size;
    uint32_t limit;                /* 0: PINKY_LIST_DEFAULT_LIMIT; at most PINKY_LIST_MAX_LIMIT */
    const char *cursor;            /* NULL: first page */
    pinky_opt_bool is_active;      /* unset: any */
    const char *name_contains;     /* case-insensitive substring, NULL: any */
    pinky_opt_time created_from;   /* created_at >= */
    pinky_opt_time created_before; /* created_at < */
} pinky_workflow_filter;

typedef struct pinky_workflow_page {
    pinky_workflow **items;
    size_t count;
    char *next_cursor;             /* NULL on the last page */
} pinky_workflow_page;

/* Zeroes *workflow and sets struct_size. */
PINKY_API void pinky_workflow_init(pinky_workflow *workflow);
/* Zeroes the filter (no narrowing, default limit) and sets struct_size. */
PINKY_API void pinky_workflow_filter_init(pinky_workflow_filter *filter);
/*
 * Inserts a workflow owned by user_id from *in (id, user_id and timestamps
 * are ignored); the stored row goes to *out (may be NULL).  INVALID for bad
 * fields (steps must be a JSON array); NOT_FOUND when the user does not exist.
 */
PINKY_API pinky_status pinky_workflow_create(pinky_db *db, int32_t user_id,
                                             const pinky_workflow *in, pinky_workflow **out);
/* Reads one of user_id's workflows.  NOT_FOUND when there is none. */
PINKY_API pinky_status pinky_workflow_get(pinky_db *db, int32_t user_id, const pinky_uuid *id,
                                          pinky_workflow **out);
/*
 * Changes the fields named in mask (PINKY_WORKFLOW_* bits).  When
 * expected_updated_at is not NULL and differs from the row's, nothing is
 * written: CONFLICT.  *out (may be NULL) gets the stored row.
 */
PINKY_API pinky_status pinky_workflow_update(pinky_db *db, int32_t user_id, const pinky_uuid *id,
                                             const pinky_workflow *in, uint64_t mask,
                                             const pinky_time *expected_updated_at,
                                             pinky_workflow **out);
/* Deletes a workflow and, by cascade, its executions. */
PINKY_API pinky_status pinky_workflow_delete(pinky_db *db, int32_t user_id, const pinky_uuid *id);
/* One page of user_id's workflows in (created_at, id) order; filter may be NULL.
   Free with pinky_workflow_page_free. */
PINKY_API pinky_status pinky_workflow_list(pinky_db *db, int32_t user_id,
                                           const pinky_workflow_filter *filter,
                                           pinky_workflow_page **out);
PINKY_API void pinky_workflow_free(pinky_workflow *workflow);
PINKY_API void pinky_workflow_page_free(pinky_workflow_page *page);

/* ---- workflow_executions ------------------------------------------------- */
typedef enum pinky_execution_status {
    PINKY_EXECUTION_STATUS_PENDING = 1,
    PINKY_EXECUTION_STATUS_IN_PROGRESS = 2,
    PINKY_EXECUTION_STATUS_COMPLETED = 3,
    PINKY_EXECUTION_STATUS_FAILED = 4
} pinky_execution_status;

/* "PENDING", ...; NULL for a value that is not one of the enum's. */
PINKY_API const char *pinky_execution_status_str(pinky_execution_status status);
/* The value named by text ("COMPLETED"); INVALID for any other text. */
PINKY_API pinky_status pinky_execution_status_parse(const char *text,
                                                    pinky_execution_status *out);

typedef struct pinky_workflow_execution {
    uint32_t struct_size;
    pinky_uuid id;                  /* server-assigned */
    pinky_uuid workflow_id;         /* required: a workflow of the acting user */
    pinky_execution_status status;  /* required */
    pinky_opt_time start_time;      /* NOT NULL: unset on create means the server's now() */
    pinky_opt_time end_time;        /* nullable */
    char *documents;                /* JSON, nullable */
    char *results;                  /* JSON, nullable */
    char *errors;                   /* JSON, nullable */
} pinky_workflow_execution;

/* Field mask bits for pinky_workflow_execution_update. */
#define PINKY_WORKFLOW_EXECUTION_STATUS     (UINT64_C(1) << 0)
#define PINKY_WORKFLOW_EXECUTION_START_TIME (UINT64_C(1) << 1)
#define PINKY_WORKFLOW_EXECUTION_END_TIME   (UINT64_C(1) << 2)
#define PINKY_WORKFLOW_EXECUTION_DOCUMENTS  (UINT64_C(1) << 3)
#define PINKY_WORKFLOW_EXECUTION_RESULTS    (UINT64_C(1) << 4)
#define PINKY_WORKFLOW_EXECUTION_ERRORS     (UINT64_C(1) << 5)

typedef struct pinky_workflow_execution_filter {
    uint32_t struct_size;
    uint32_t limit;
    const char *cursor;
    pinky_opt_uuid workflow_id;        /* unset: all the user's workflows */
    pinky_execution_status status;     /* 0: any */
    pinky_opt_time start_time_from;    /* start_time >= */
    pinky_opt_time start_time_before;  /* start_time < */
} pinky_workflow_execution_filter;

typedef struct pinky_workflow_execution_page {
    pinky_workflow_execution **items;
    size_t count;
    char *next_cursor;
} pinky_workflow_execution_page;

/* Zeroes the struct and sets struct_size: call before filling it in. */
PINKY_API void pinky_workflow_execution_init(pinky_workflow_execution *execution);
/* Zeroes the filter (no narrowing, default limit) and sets struct_size. */
PINKY_API void pinky_workflow_execution_filter_init(pinky_workflow_execution_filter *filter);
/*
 * Inserts an execution of in->workflow_id.  NOT_FOUND when that workflow
 * does not exist or belongs to another user; INVALID for bad fields.
 * *out (may be NULL) gets the stored row.
 */
PINKY_API pinky_status pinky_workflow_execution_create(pinky_db *db, int32_t user_id,
                                                       const pinky_workflow_execution *in,
                                                       pinky_workflow_execution **out);
PINKY_API pinky_status pinky_workflow_execution_get(pinky_db *db, int32_t user_id,
                                                    const pinky_uuid *id,
                                                    pinky_workflow_execution **out);
/*
 * Changes the fields named in mask (PINKY_WORKFLOW_EXECUTION_* bits); any
 * status change is allowed here (pinky_workflow_execution_finish enforces
 * the transitions).  The table has no updated_at: expected_updated_at must
 * be NULL (INVALID otherwise).
 */
PINKY_API pinky_status pinky_workflow_execution_update(pinky_db *db, int32_t user_id,
                                                       const pinky_uuid *id,
                                                       const pinky_workflow_execution *in,
                                                       uint64_t mask,
                                                       const pinky_time *expected_updated_at,
                                                       pinky_workflow_execution **out);
PINKY_API pinky_status pinky_workflow_execution_delete(pinky_db *db, int32_t user_id,
                                                       const pinky_uuid *id);
/* One page of the user's executions in (start_time, id) order; filter may be NULL. */
PINKY_API pinky_status pinky_workflow_execution_list(pinky_db *db, int32_t user_id,
                                                     const pinky_workflow_execution_filter *filter,
                                                     pinky_workflow_execution_page **out);
PINKY_API void pinky_workflow_execution_free(pinky_workflow_execution *execution);
PINKY_API void pinky_workflow_execution_page_free(pinky_workflow_execution_page *page);

/*
 * Starts a run of workflow_id: a new execution IN_PROGRESS with start_time
 * the server's now() and documents (JSON text or NULL).  NOT_FOUND when the
 * workflow is not user_id's; INVALID for bad JSON.  *out may be NULL.
 */
PINKY_API pinky_status pinky_workflow_execution_start(pinky_db *db, int32_t user_id,
                                                      const pinky_uuid *workflow_id,
                                                      const char *documents_json,
                                                      pinky_workflow_execution **out);
/*
 * Ends a PENDING or IN_PROGRESS execution: status becomes final (COMPLETED
 * or FAILED), end_time the server's current time, and results / errors
 * the given JSON (NULL leaves that column as it is).  One conditional
 * statement, so of concurrent finishers exactly one succeeds.  INVALID
 * (nothing written) for another final status, bad JSON, or an execution
 * that is already COMPLETED or FAILED; NOT_FOUND when it is not user_id's.
 * *out may be NULL.
 */
PINKY_API pinky_status pinky_workflow_execution_finish(pinky_db *db, int32_t user_id,
                                                       const pinky_uuid *execution_id,
                                                       pinky_execution_status final_status,
                                                       const char *results_json,
                                                       const char *errors_json,
                                                       pinky_workflow_execution **out);

#ifdef __cplusplus
}
#endif
#endif /* PINKY_WORKFLOW_H */
