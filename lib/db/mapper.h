/*
 * The row mapper: one description per table (columns with their C type,
 * struct offset, nullability, limits, enum names, decimal scale, ownership)
 * drives validation, parameter binding, SQL generation, result decoding,
 * keyset pagination and freeing for every table.  lib/model describes its
 * tables here and keeps only what is special about them.
 */
#ifndef PK_MAPPER_H
#define PK_MAPPER_H

#include <stddef.h>
#include "db/db.h"

typedef enum pk_ctype {
    PK_I32 = 1,   /* int32_t, never NULL (serial ids, owners) */
    PK_OPT_I32,   /* pinky_opt_i32 */
    PK_OPT_I64,   /* pinky_opt_i64 */
    PK_BOOL,      /* bool, NOT NULL column */
    PK_OPT_BOOL,  /* pinky_opt_bool */
    PK_TEXT,      /* char *, NULL = SQL NULL */
    PK_JSON,      /* char * holding JSON text, JSONB column */
    PK_UUID,      /* pinky_uuid, never NULL */
    PK_OPT_UUID,  /* pinky_opt_uuid */
    PK_TIME,      /* pinky_time, server-assigned timestamps (NULL reads as 0) */
    PK_OPT_TIME,  /* pinky_opt_time */
    PK_DECIMAL,   /* pinky_opt_decimal, scaled by the column's scale */
    PK_ENUM,      /* an int-sized C enum, 0 = NULL, value i = enums[i-1] */
    PK_VECTOR     /* float * plus a uint32_t dimension at .aux */
} pk_ctype;

/* Column flags */
#define PK_KEY       0x0001u /* part of the primary key */
#define PK_SERVER    0x0002u /* assigned by the server: never written */
#define PK_REQUIRED  0x0004u /* must be given on create (NOT NULL, no default) */
#define PK_NOTNULL   0x0008u /* NOT NULL column: an update cannot clear it */
#define PK_OWNER     0x0010u /* the acting user's id (user_id) */
#define PK_PARENT    0x0020u /* references the owning parent row */
#define PK_SECRET    0x0040u /* its value never appears in messages or logs */
#define PK_ARRAY     0x0080u /* JSON must be an array */
#define PK_OBJECT    0x0100u /* JSON must be an object */
#define PK_UPDATED   0x0200u /* the updated_at column */
#define PK_NATURAL   0x0400u /* part of the natural key used by upsert */
#define PK_HIDDEN    0x0800u /* read as NULL unless the operation passes PK_REVEAL */
#define PK_USER_REF  0x1000u /* references users(id): a missing user is NOT_FOUND */
#define PK_MIN1      0x2000u /* an integer that must be at least 1 */

typedef struct pk_table pk_table;

typedef struct pk_column {
    const char *name;
    pk_ctype type;
    uint32_t flags;
    size_t offset;
    size_t aux;                 /* PK_VECTOR: offset of the uint32_t dimension */
    uint64_t mask;              /* update mask bit; 0: not updatable */
    int limit;                  /* VARCHAR(n) in characters; vector dimension */
    const char *const *enums;   /* PK_ENUM names, NULL-terminated */
    int precision, scale;       /* PK_DECIMAL */
    const pk_table *ref;        /* a row of this (user-owned) table is referenced */
    /* extra validation of a PK_TEXT value (INVALID naming field otherwise) */
    pinky_status (*check)(const char *field, const char *value);
} pk_column;

/* Filter fields: what a list may be narrowed by. */
typedef enum pk_fop {
    PK_EQ = 1,     /* column = value (ENUM: int, TEXT: char*, OPT_UUID/OPT_BOOL/OPT_I32) */
    PK_GE,         /* column >= value (pinky_opt_time) */
    PK_LT,         /* column <  value (pinky_opt_time) */
    PK_CONTAINS,   /* case-insensitive substring (char *) */
    PK_PREFIX,     /* starts with (char *) */
    PK_TAGGED      /* has the tag (char *): EXISTS in tag_table */
} pk_fop;

typedef struct pk_filter_field {
    const char *name;     /* the filter struct's field, for messages */
    size_t offset;
    pk_fop op;
    const char *column;   /* column of the table it applies to */
    const char *tag_table, *tag_fk; /* PK_TAGGED */
} pk_filter_field;

/* Every public filter struct starts with these members, in this order. */
typedef struct pk_filter_head {
    uint32_t struct_size;
    uint32_t limit;
    const char *cursor;
} pk_filter_head;

/* Same layout as every public *_page struct. */
typedef struct pk_page {
    void **items;
    size_t count;
    char *next_cursor;
} pk_page;

struct pk_table {
    const char *name;           /* SQL table */
    const char *entity;         /* for messages: "document" */
    size_t row_size;            /* sizeof the public row struct */
    const pk_column *cols;
    int ncols;
    const pk_table *parent;     /* ownership through a PK_PARENT column */
    const char *order[3];       /* list order: column names, the last unique within the owner */
    bool order_desc;
    bool order_nulls_last;      /* nullable time order keys sort NULL last */
    const pk_filter_field *filters;
    int nfilters;
    size_t filter_size;         /* sizeof the public filter struct */
};

#define PK_NCOLS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Operation flags */
#define PK_REVEAL 0x1u /* read PK_HIDDEN columns too */

/* Sets struct_size and zeroes the rest. */
void pk_row_init(const pk_table *t, void *row);
void pk_filter_init(const pk_table *t, void *filter);
/* Frees a row or a page of rows, wiping PK_SECRET values first. */
void pk_row_free(const pk_table *t, void *row);
void pk_page_free(const pk_table *t, void *page);

/* Validates a caller's row for create (every column) or update (masked). */
pinky_status pk_row_validate(const pk_table *t, const void *row, bool create, uint64_t mask);
/*
 * The operations.  `user` is the acting user (ignored by tables without an
 * owner).  `key` points to a row struct whose PK_KEY columns (other than
 * the owner) identify the row.
 */
pinky_status pk_row_create(pinky_db *db, const pk_table *t, int32_t user, const void *in, void **out);
pinky_status pk_row_upsert(pinky_db *db, const pk_table *t, int32_t user, const void *in, void **out);
pinky_status pk_row_get(pinky_db *db, const pk_table *t, int32_t user, const void *key,
                        unsigned flags, void **out);
/* OK when the row identified by key exists and is the user's (locked
   against concurrent updates when lock); NOT_FOUND naming `field` otherwise. */
pinky_status pk_row_exists(pinky_db *db, const pk_table *t, int32_t user, const void *key,
                           bool lock, const char *field);
/* Reads the row whose columns named in cols (NULL-terminated) equal their
   values in the row struct `values`; NOT_FOUND when none. */
pinky_status pk_row_find(pinky_db *db, const pk_table *t, int32_t user, const char *const *cols,
                         const void *values, unsigned flags, void **out);
pinky_status pk_row_update(pinky_db *db, const pk_table *t, int32_t user, const void *key,
                           const void *in, uint64_t mask, const pinky_time *expected, void **out);
pinky_status pk_row_delete(pinky_db *db, const pk_table *t, int32_t user, const void *key);
pinky_status pk_row_list(pinky_db *db, const pk_table *t, int32_t user, const void *filter,
                         unsigned flags, void **page);

/*
 * Calls fn for every row the filter selects, in list order, a page of at
 * most filter.limit (0: PINKY_LIST_MAX_LIMIT) rows at a time: memory stays
 * bounded whatever the number of rows.  Each row is freed after fn
 * returns; fn returning non-zero stops (OK).  An error on any page is
 * returned as it is.
 */
typedef int (*pk_row_fn)(const void *row, void *ctx);
pinky_status pk_row_each(pinky_db *db, const pk_table *t, int32_t user, const void *filter,
                         pk_row_fn fn, void *ctx);

/* What narrows a list beyond its filter struct. */
typedef struct pk_scope {
    const pinky_uuid *parent;   /* only rows of this parent (the PK_PARENT column) */
    const char *const *all_tags; /* only rows carrying every one of these tags (the
                                    table's PK_TAGGED filter names the tag table) */
    size_t ntags;
} pk_scope;
pinky_status pk_row_list_scoped(pinky_db *db, const pk_table *t, int32_t user, const void *filter,
                                unsigned flags, const pk_scope *scope, void **page);

/*
 * A guarded state change: sets the enum column `state` to `to` (plus the
 * columns in mask from `in`, and `extra_set`, literal "col = expr" SQL
 * without parameters) only while the row's state is one of `from`
 * (0-terminated).  One statement, so concurrent callers cannot both win.
 * NOT_FOUND when there is no such row for the user; INVALID naming the
 * state column, with the current state, when it is not in `from`.
 */
pinky_status pk_row_transition(pinky_db *db, const pk_table *t, int32_t user, const void *key,
                               const char *state, const int *from, int to, const void *in,
                               uint64_t mask, const char *extra_set, void **out);

/* Building blocks for model files with their own statements. */
/* Writes the select list ("t.a, t.b::text, ...") for t. */
void pk_sql_select_list(pk_buf *b, const pk_table *t, unsigned flags);
/* Writes the ownership predicate for alias t (nothing for unowned tables). */
void pk_sql_owner_pred(pk_buf *b, const pk_table *t, pk_params *ps, int32_t user);
/* Binds a column's value from a row; 0 when it is NULL (nothing bound). */
int pk_bind_column(pk_params *ps, const pk_column *c, const void *row);
const char *pk_sql_type(pk_ctype type);
/* Decodes row `row` of r (columns in select-list order from column `first`)
   into a newly allocated struct. */
pinky_status pk_row_decode(const pk_table *t, const pk_res *r, int row, int first, void **out);
const pk_column *pk_column_named(const pk_table *t, const char *name);
/* ---- audit trail (audit.c) ---- */
/*
 * Runs a mutation ending in RETURNING (with the key columns), taking stmt.
 * With auditing on, the same statement writes one audit_logs row
 * "<entity>.<verb>" with details (a data-modifying CTE around it).
 */
pinky_status pk_query_audited(pinky_db *db, const pk_table *t, int32_t user, const char *verb,
                              const char *details, char *stmt, pk_params *ps, pk_res **out);
/* With auditing on, writes one audit row (for multi-statement operations:
   call it inside their transaction). */
pinky_status pk_audit_record(pinky_db *db, const char *entity, int32_t user, const char *verb,
                             const char *entity_id, const char *details);
/* {"fields": [...]} naming the columns in mask, or (mask 0) those bound in
   params; "state" added when not NULL.  Caller frees. */
char *pk_audit_fields(const pk_table *t, const int *params, uint64_t mask, const char *state);

/* Binds a text[] parameter (text format) from n strings. */
int pk_p_text_array(pk_params *ps, const char *const *items, size_t n);
/* Checks struct_size of a caller's struct. */
pinky_status pk_check_size(const char *what, const void *s, size_t size);

#endif /* PK_MAPPER_H */
