/*
 * documents, document_versions and document_tags: the table descriptions,
 * the generic operations through the mapper, and what is special here --
 * a document is created together with its first version, new versions are
 * numbered under the document's row lock, tags are replaced atomically, and
 * documents can be listed by a set of tags.
 */
#include <stdio.h>
#include <string.h>
#include "model/tables.h"
#include "model/tags.h"

/* ---- documents ---- */

static const char *const category_names[] = {"PERSONAL", "LEGAL", "TAX", "INSURANCE",
                                             "BUSINESS", "OTHER", NULL};

PK_DEFINE_ENUM(document_category, category_names)

static const pk_column document_cols[] = {
    {PK_COL(pinky_document, id, PK_UUID, PK_KEY | PK_SERVER | PK_NOTNULL)},
    {PK_COL(pinky_document, user_id, PK_I32, PK_OWNER | PK_NOTNULL)},
    {PK_COL(pinky_document, title, PK_TEXT, PK_REQUIRED | PK_NOTNULL), .limit = 255,
     .mask = PINKY_DOCUMENT_TITLE},
    {PK_COL(pinky_document, category, PK_ENUM, 0), .enums = category_names,
     .mask = PINKY_DOCUMENT_CATEGORY},
    {PK_COL(pinky_document, path, PK_TEXT, PK_REQUIRED | PK_NOTNULL), .mask = PINKY_DOCUMENT_PATH},
    {PK_COL(pinky_document, platform, PK_TEXT, PK_REQUIRED | PK_NOTNULL), .limit = 50,
     .mask = PINKY_DOCUMENT_PLATFORM},
    {PK_COL(pinky_document, connection_id, PK_OPT_UUID, 0), .ref = &pk_platform_connections,
     .mask = PINKY_DOCUMENT_CONNECTION_ID},
    {PK_COL(pinky_document, size, PK_OPT_I64, 0), .mask = PINKY_DOCUMENT_SIZE},
    {PK_COL(pinky_document, mime_type, PK_TEXT, 0), .limit = 255, .mask = PINKY_DOCUMENT_MIME_TYPE},
    {PK_COL(pinky_document, version, PK_OPT_I32, PK_MIN1), .mask = PINKY_DOCUMENT_VERSION},
    {PK_COL(pinky_document, metadata, PK_JSON, 0), .mask = PINKY_DOCUMENT_METADATA},
    {PK_COL(pinky_document, created_at, PK_TIME, PK_SERVER)},
    {PK_COL(pinky_document, updated_at, PK_TIME, PK_SERVER | PK_UPDATED)},
};

static const pk_filter_field document_filters[] = {
    PK_EQ_FILTER(pinky_document_filter, category),     
    {"connection_id", offsetof(pinky_document_filter, connection_id), PK_EQ, "connection_id",   
     NULL, NULL},                                                                               
    {"title_contains", offsetof(pinky_document_filter, title_contains), PK_CONTAINS, "title",   
     NULL, NULL},                                                                               
    {"tag", offsetof(pinky_document_filter, tag), PK_TAGGED, "id", "document_tags",             
     "document_id"},                                                                            
    PK_TIME_RANGE(pinky_document_filter, created, "created_at"),                                                                               
    PK_TIME_RANGE(pinky_document_filter, updated, "updated_at"),
};

/* Order (created_at, id): the index documents_user_idx
   (user_id, COALESCE(created_at, '-infinity'), id). */
static const pk_table documents = {
    .name = "documents",
    .entity = "document",
    .row_size = sizeof(pinky_document),
    .cols = document_cols,
    .ncols = PK_NCOLS(document_cols),
    .order = {"created_at", "id"},
    .filters = document_filters,
    .nfilters = PK_NCOLS(document_filters),
    .filter_size = sizeof(pinky_document_filter),
};

/* ---- document_versions ---- */

static const pk_column version_cols[] = {
    {PK_COL(pinky_document_version, id, PK_UUID, PK_KEY | PK_SERVER | PK_NOTNULL)},
    {PK_COL(pinky_document_version, document_id, PK_UUID, PK_PARENT | PK_REQUIRED | PK_NOTNULL)},
    {PK_COL(pinky_document_version, version_number, PK_I32, PK_REQUIRED | PK_NOTNULL | PK_MIN1),
     .mask = PINKY_DOCUMENT_VERSION_VERSION_NUMBER},
    {PK_COL(pinky_document_version, path, PK_TEXT, PK_REQUIRED | PK_NOTNULL),
     .mask = PINKY_DOCUMENT_VERSION_PATH},
    {PK_COL(pinky_document_version, size, PK_OPT_I64, 0), .mask = PINKY_DOCUMENT_VERSION_SIZE},
    {PK_COL(pinky_document_version, hash, PK_TEXT, 0), .limit = 255,
     .mask = PINKY_DOCUMENT_VERSION_HASH},
    {PK_COL(pinky_document_version, created_at, PK_TIME, PK_SERVER)},
    {PK_COL(pinky_document_version, created_by, PK_OPT_I32, PK_USER_REF),
     .mask = PINKY_DOCUMENT_VERSION_CREATED_BY},
    {PK_COL(pinky_document_version, comment, PK_TEXT, 0), .mask = PINKY_DOCUMENT_VERSION_COMMENT},
};

static const pk_filter_field version_filters[] = {
    {"document_id", offsetof(pinky_document_version_filter, document_id), PK_EQ, "document_id",
     NULL, NULL},
    {"created_by", offsetof(pinky_document_version_filter, created_by), PK_EQ, "created_by", NULL,
     NULL},
    {"created_from", offsetof(pinky_document_version_filter, created_from), PK_GE, "created_at",
     NULL, NULL},
    {"created_before", offsetof(pinky_document_version_filter, created_before), PK_LT,
     "created_at", NULL, NULL},
};

/* Order (document_id, version_number): the unique index of the table. */
static const pk_table document_versions = {
    .name = "document_versions",
    .entity = "document_version",
    .row_size = sizeof(pinky_document_version),
    .cols = version_cols,
    .ncols = PK_NCOLS(version_cols),
    .parent = &documents,
    .order = {"document_id", "version_number"},
    .filters = version_filters,
    .nfilters = PK_NCOLS(version_filters),
    .filter_size = sizeof(pinky_document_version_filter),
};

/* ---- document_tags ---- */

static const pk_column tag_cols[] = {
    {PK_COL(pinky_document_tag, document_id, PK_UUID,
            PK_KEY | PK_PARENT | PK_NATURAL | PK_REQUIRED | PK_NOTNULL)},
    {PK_COL(pinky_document_tag, tag, PK_TEXT, PK_KEY | PK_NATURAL | PK_REQUIRED | PK_NOTNULL),
     .limit = 255},
    {PK_COL(pinky_document_tag, created_at, PK_TIME, PK_SERVER)},
};

static const pk_filter_field tag_filters[] = {
    {"tag_prefix", offsetof(pinky_document_tag_filter, tag_prefix), PK_PREFIX, "tag", NULL, NULL},
};

/* Order (document_id, tag): the primary key. */
static const pk_table document_tags = {
    .name = "document_tags",
    .entity = "document_tag",
    .row_size = sizeof(pinky_document_tag),
    .cols = tag_cols,
    .ncols = PK_NCOLS(tag_cols),
    .parent = &documents,
    .order = {"document_id", "tag"},
    .filters = tag_filters,
    .nfilters = PK_NCOLS(tag_filters),
    .filter_size = sizeof(pinky_document_tag_filter),
};

/* ---- documents: operations ---- */

PK_DEFINE_BASICS(document, documents)
PK_DEFINE_UUID_READ_WRITE(document, documents)
PK_DEFINE_LIST(document, documents)

typedef struct create_ctx {
    int32_t user;
    const pinky_document *in;
    pinky_document *doc;
} create_ctx;

/* The document and its version-1 row (or the version the caller gave). */
static pinky_status create_body(pinky_db *tx, void *p)
{
    create_ctx *c = p;
    pinky_document *doc = NULL;
    pinky_status st = pk_row_create(tx, &documents, c->user, c->in, (void **)&doc);
    if (st != PINKY_OK)
        return st;
    pinky_document_version v;
    pk_row_init(&document_versions, &v);
    v.document_id = doc->id;
    v.version_number = doc->version.is_set ? doc->version.value : 1;
    v.path = doc->path;
    v.size = doc->size;
    v.created_by = pinky_i32(c->user);
    st = pk_row_create(tx, &document_versions, c->user, &v, NULL);
    if (st != PINKY_OK) {
        pk_err_prefix("document_version");
        pk_free(doc);
        return st;
    }
    c->doc = doc;
    return PINKY_OK;
}

PINKY_API pinky_status pinky_document_create(pinky_db *db, int32_t user_id,
                                             const pinky_document *in, pinky_document **out)
{
    if (out)
        *out = NULL;
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK || (st = pk_row_validate(&documents, in, true, 0)) != PINKY_OK)
        return st;
    create_ctx c = {user_id, in, NULL};
    st = pk_atomic(db, create_body, &c);
    if (st == PINKY_OK && out)
        *out = c.doc;
    else
        pinky_document_free(c.doc);
    return st;
}

PINKY_API pinky_status pinky_document_list_by_tags(pinky_db *db, int32_t user_id,
                                                   const char *const *tags, size_t n,
                                                   const pinky_document_filter *filter,
                                                   pinky_document_page **out)
{
    if (n > 0 && tags == NULL)
        return pk_err(PINKY_INVALID, "tags", "tags: NULL pointer with n = %zu", n);
    if (n > PINKY_DOCUMENT_LIST_TAGS_MAX)
        return pk_err(PINKY_INVALID, "tags", "tags: %zu tags, at most %d allowed", n,
                      PINKY_DOCUMENT_LIST_TAGS_MAX);
    pk_scope scope = {.all_tags = tags, .ntags = n};
    return pk_row_list_scoped(db, &documents, user_id, filter, 0, &scope, (void **)out);
}

/* ---- document_versions: operations ---- */

PK_DEFINE_BASICS(document_version, document_versions)
PK_DEFINE_UUID_CRUD(document_version, document_versions)

typedef struct new_version_ctx {
    int32_t user;
    pinky_document_version row;  /* the caller's fields; number set in the transaction */
    pinky_document_version *out; /* the stored row */
    bool want_out;
} new_version_ctx;

/*
 * The UPDATE takes the document's row lock, so concurrent calls on one
 * document queue here; under READ COMMITTED a waiting call re-reads the
 * locked row after the holder commits and so numbers past it.  The highest
 * recorded version_number guards against a documents.version set back by
 * an update (the statement's snapshot may miss a concurrent insert, but the
 * re-read version never does).
 */
static const char new_version_sql[] =
    "UPDATE documents AS t SET version = GREATEST(COALESCE(t.version, 1), "
    "COALESCE((SELECT max(v.version_number) FROM document_versions v WHERE v.document_id = t.id), 0)) + 1 "
    "WHERE t.id = $1::uuid AND t.user_id = $2::int4 RETURNING t.version";

static pinky_status new_version_body(pinky_db *tx, void *p)
{
    new_version_ctx *c = p;
    pk_params ps;
    pk_params_init(&ps);
    pk_p_uuid(&ps, &c->row.document_id);
    pk_p_i32(&ps, c->user);
    pk_res *r = NULL;
    pinky_status st = pk_query(tx, new_version_sql, &ps, &r);
    pk_params_free(&ps);
    if (st != PINKY_OK) {
        if (strcmp(pinky_error_last()->sqlstate, "22003") == 0)
            return pk_err(PINKY_INVALID, "document.version",
                          "document.version: the next version number would exceed %d; nothing written",
                          (int)INT32_MAX);
        return st;
    }
    if (pk_res_rows(r) != 1) {
        pk_res_free(r);
        return pk_err(PINKY_NOT_FOUND, "document_id", "document_id: document not found");
    }
    c->row.version_number = pk_res_i32(r, 0, 0);
    pk_res_free(r);
    char id[PINKY_UUID_STRLEN], details[64];
    pinky_uuid_format(&c->row.document_id, id);
    snprintf(details, sizeof details, "{\"fields\": [\"version\"], \"version\": %d}",
             (int)c->row.version_number);
    st = pk_audit_record(tx, "document", c->user, "new_version", id, details);
    if (st != PINKY_OK)
        return st;
    return pk_row_create(tx, &document_versions, c->user, &c->row,
                         c->want_out ? (void **)&c->out : NULL);
}

PINKY_API pinky_status pinky_document_new_version(pinky_db *db, int32_t user_id,
                                                  const pinky_uuid *document_id,
                                                  const pinky_document_version *in,
                                                  pinky_document_version **out)
{
    if (out)
        *out = NULL;
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK || (st = pk_check_size("document_version", in, sizeof *in)) != PINKY_OK)
        return st;
    if (document_id == NULL)
        return pk_err(PINKY_INVALID, "document_id", "document_id: NULL pointer");
    new_version_ctx c = {.user = user_id, .row = *in, .out = NULL, .want_out = out != NULL};
    c.row.document_id = *document_id;
    c.row.version_number = 1; /* assigned in the transaction */
    c.row.created_by = pinky_i32(user_id);
    if ((st = pk_row_validate(&document_versions, &c.row, true, 0)) != PINKY_OK)
        return st;
    st = pk_atomic(db, new_version_body, &c);
    if (st == PINKY_OK && out)
        *out = c.out;
    else
        pinky_document_version_free(c.out);
    return st;
}

/* ---- document_tags: operations ---- */

PK_DEFINE_TAGS(document_tag, document_tags)
