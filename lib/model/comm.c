/* communications and communication_tags. */
#include <string.h>
#include "model/tags.h"

/* ---- communications ---- */

/*
 * communication_date is NOT NULL without a default: a pinky_opt_time flagged
 * PK_REQUIRED | PK_NOTNULL, so a caller who forgets it gets INVALID naming it
 * instead of a silent 1970-01-01 (what a plain pinky_time of 0 would store),
 * and an update cannot clear it.  PK_NOTNULL also makes the list order key
 * the bare column, as communications_user_idx (sql/0002) indexes it.
 */
static const pk_column comm_cols[] = {
    {PK_COL(pinky_comm, id, PK_UUID, PK_KEY | PK_SERVER | PK_NOTNULL)},
    {PK_COL(pinky_comm, user_id, PK_I32, PK_OWNER | PK_NOTNULL)},
    {PK_COL(pinky_comm, source, PK_TEXT, PK_REQUIRED | PK_NOTNULL), .limit = 50,
     .mask = PINKY_COMM_SOURCE},
    {PK_COL(pinky_comm, source_id, PK_TEXT, 0), .limit = 255, .mask = PINKY_COMM_SOURCE_ID},
    {PK_COL(pinky_comm, communication_date, PK_OPT_TIME, PK_REQUIRED | PK_NOTNULL),
     .mask = PINKY_COMM_COMMUNICATION_DATE},
    {PK_COL(pinky_comm, sender, PK_TEXT, 0), .limit = 255, .mask = PINKY_COMM_SENDER},
    {PK_COL(pinky_comm, recipients, PK_JSON, 0), .mask = PINKY_COMM_RECIPIENTS},
    {PK_COL(pinky_comm, subject, PK_TEXT, 0), .mask = PINKY_COMM_SUBJECT},
    {PK_COL(pinky_comm, content, PK_TEXT, 0), .mask = PINKY_COMM_CONTENT},
    {PK_COL(pinky_comm, content_vector, PK_VECTOR, 0), .aux = offsetof(pinky_comm, content_vector_dim),
     .limit = PINKY_COMM_VECTOR_DIM, .mask = PINKY_COMM_CONTENT_VECTOR},
    {PK_COL(pinky_comm, attachments, PK_JSON, 0), .mask = PINKY_COMM_ATTACHMENTS},
    {PK_COL(pinky_comm, metadata, PK_JSON, 0), .mask = PINKY_COMM_METADATA},
    {PK_COL(pinky_comm, created_at, PK_TIME, PK_SERVER)},
    {PK_COL(pinky_comm, updated_at, PK_TIME, PK_SERVER | PK_UPDATED)},
};

static const pk_filter_field comm_filters[] = {
    {"source", offsetof(pinky_comm_filter, source), PK_EQ, "source", NULL, NULL},
    {"communication_date_from", offsetof(pinky_comm_filter, communication_date_from), PK_GE,
     "communication_date", NULL, NULL},
    {"communication_date_before", offsetof(pinky_comm_filter, communication_date_before), PK_LT,
     "communication_date", NULL, NULL},
    {"subject_contains", offsetof(pinky_comm_filter, subject_contains), PK_CONTAINS, "subject",
     NULL, NULL},
    {"tag", offsetof(pinky_comm_filter, tag), PK_TAGGED, "id", "communication_tags",
     "communication_id"},
};

static const pk_table communications = {
    .name = "communications",
    .entity = "comm",
    .row_size = sizeof(pinky_comm),
    .cols = comm_cols,
    .ncols = PK_NCOLS(comm_cols),
    /* most recent first: a backward scan of communications_user_idx */
    .order = {"communication_date", "id"},
    .order_desc = true,
    .filters = comm_filters,
    .nfilters = PK_NCOLS(comm_filters),
    .filter_size = sizeof(pinky_comm_filter),
};

PK_DEFINE_BASICS(comm, communications)
PK_DEFINE_UUID_CRUD(comm, communications)

/* ---- communication_tags ---- */

static const pk_column comm_tag_cols[] = {
    {PK_COL(pinky_comm_tag, communication_id, PK_UUID, PK_KEY | PK_PARENT | PK_NATURAL | PK_NOTNULL)},
    {PK_COL(pinky_comm_tag, tag, PK_TEXT, PK_KEY | PK_NATURAL | PK_REQUIRED | PK_NOTNULL),
     .limit = 255},
    {PK_COL(pinky_comm_tag, created_at, PK_TIME, PK_SERVER)},
};

static const pk_filter_field comm_tag_filters[] = {
    {"tag_prefix", offsetof(pinky_comm_tag_filter, tag_prefix), PK_PREFIX, "tag", NULL, NULL},
};

/* Order (communication_id, tag): the primary key. */
static const pk_table communication_tags = {
    .name = "communication_tags",
    .entity = "comm_tag",
    .row_size = sizeof(pinky_comm_tag),
    .cols = comm_tag_cols,
    .ncols = PK_NCOLS(comm_tag_cols),
    .parent = &communications,
    .order = {"communication_id", "tag"},
    .filters = comm_tag_filters,
    .nfilters = PK_NCOLS(comm_tag_filters),
    .filter_size = sizeof(pinky_comm_tag_filter),
};

PK_DEFINE_TAGS(comm_tag, communication_tags)
