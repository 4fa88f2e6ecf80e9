/* communications and communication_tags. */
#include <string.h>
#include "model/model.h"

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

/*
 * The tag list is always of one communication, which is an argument rather
 * than a field of the public filter: the mapper sees this wider filter.
 */
typedef struct comm_tag_list_filter {
    pinky_comm_tag_filter pub;
    pinky_opt_uuid communication_id;
} comm_tag_list_filter;

static const pk_filter_field comm_tag_filters[] = {
    {"tag_prefix", offsetof(comm_tag_list_filter, pub.tag_prefix), PK_PREFIX, "tag", NULL, NULL},
    {"communication_id", offsetof(comm_tag_list_filter, communication_id), PK_EQ,
     "communication_id", NULL, NULL},
};

static const pk_table communication_tags = {
    .name = "communication_tags",
    .entity = "comm_tag",
    .row_size = sizeof(pinky_comm_tag),
    .cols = comm_tag_cols,
    .ncols = PK_NCOLS(comm_tag_cols),
    .parent = &communications,
    .order = {"tag"}, /* unique within one communication: its primary key */
    .filters = comm_tag_filters,
    .nfilters = PK_NCOLS(comm_tag_filters),
    .filter_size = sizeof(comm_tag_list_filter),
};

PK_FILTER_LAYOUT_CHECK(pinky_comm_tag_filter);
PK_PAGE_LAYOUT_CHECK(pinky_comm_tag_page);

PINKY_API void pinky_comm_tag_filter_init(pinky_comm_tag_filter *filter)
{
    if (filter == NULL)
        return;
    memset(filter, 0, sizeof *filter);
    filter->struct_size = (uint32_t)sizeof *filter;
}

PINKY_API void pinky_comm_tag_free(pinky_comm_tag *tag) { pk_free(tag); }

PINKY_API void pinky_comm_tag_page_free(pinky_comm_tag_page *page) { pk_page_free(page); }

/* The key row for (comm_id, tag), validated as for an insert. */
static pinky_status tag_key(const pinky_uuid *comm_id, const char *tag, pinky_comm_tag *key)
{
    if (comm_id == NULL)
        return pk_err(PINKY_INVALID, "comm_id", "comm_id: NULL pointer");
    pk_row_init(&communication_tags, key);
    key->communication_id = *comm_id;
    key->tag = (char *)tag;
    return pk_row_validate(&communication_tags, key, true, 0);
}

PINKY_API pinky_status pinky_comm_tag_add(pinky_db *db, int32_t user_id, const pinky_uuid *comm_id,
                                          const char *tag, pinky_comm_tag **out)
{
    if (out)
        *out = NULL;
    pinky_comm_tag key;
    pinky_status st = tag_key(comm_id, tag, &key);
    if (st != PINKY_OK)
        return st;
    /* INSERT ... SELECT guarded by the parent's owner, ON CONFLICT DO UPDATE
       (a no-op on the key) so that an existing tag is returned unchanged. */
    st = pk_row_upsert(db, &communication_tags, user_id, &key, (void **)out);
    if (st == PINKY_NOT_FOUND)
        return pk_err(PINKY_NOT_FOUND, "comm_id", "comm_id: communication not found");
    return st;
}

PINKY_API pinky_status pinky_comm_tag_remove(pinky_db *db, int32_t user_id,
                                             const pinky_uuid *comm_id, const char *tag)
{
    pinky_comm_tag key;
    pinky_status st = tag_key(comm_id, tag, &key);
    if (st != PINKY_OK)
        return st;
    return pk_row_delete(db, &communication_tags, user_id, &key);
}

PINKY_API pinky_status pinky_comm_tag_list(pinky_db *db, int32_t user_id,
                                           const pinky_uuid *comm_id,
                                           const pinky_comm_tag_filter *filter,
                                           pinky_comm_tag_page **out)
{
    if (out == NULL)
        return pk_err(PINKY_INVALID, "out", "out: NULL pointer");
    *out = NULL;
    if (comm_id == NULL)
        return pk_err(PINKY_INVALID, "comm_id", "comm_id: NULL pointer");
    comm_tag_list_filter f;
    memset(&f, 0, sizeof f);
    if (filter) {
        pinky_status st = pk_check_size("filter", filter, sizeof *filter);
        if (st != PINKY_OK)
            return st;
        f.pub = *filter;
    }
    f.pub.struct_size = (uint32_t)sizeof f;
    f.communication_id = pinky_uuid_val(comm_id);
    pinky_status st = pk_row_list(db, &communication_tags, user_id, &f, 0, (void **)out);
    if (st != PINKY_OK || (*out)->count > 0)
        return st;
    /* An empty page: is the communication there at all (and this user's)? */
    pk_params ps;
    pk_params_init(&ps);
    pk_buf sql;
    pk_buf_init(&sql);
    pk_buf_printf(&sql, "SELECT 1 FROM communications AS t WHERE t.id = $%d::uuid",
                  pk_p_uuid(&ps, comm_id));
    pk_sql_owner_pred(&sql, &communications, &ps, user_id);
    char *text = pk_buf_take(&sql);
    pk_res *r = NULL;
    st = text ? pk_query(db, text, &ps, &r) : pk_err_nomem();
    if (st == PINKY_OK && pk_res_rows(r) == 0)
        st = pk_err(PINKY_NOT_FOUND, "comm_id", "comm_id: communication not found");
    pk_res_free(r);
    pk_free(text);
    pk_params_free(&ps);
    if (st != PINKY_OK) {
        pinky_comm_tag_page_free(*out);
        *out = NULL;
    }
    return st;
}
