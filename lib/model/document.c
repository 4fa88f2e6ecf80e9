/*
 * documents, document_versions and document_tags: the table descriptions,
 * the generic operations through the mapper, and what is special here --
 * a document is created together with its first version, new versions are
 * numbered under the document's row lock, tags are replaced atomically, and
 * documents can be listed by a set of tags.
 */
#include <stdio.h>
#include <string.h>
#include "model/model.h"

/* ---- platform_connections (reference only) ---- */

/*
 * Only what the ownership check of documents.connection_id needs (the
 * table's key and owner).  The full description lives with the sync module
 * (lib/model/sync.c); this can be replaced by it once it is shared.
 */
typedef struct pc_ref_row {
    uint32_t struct_size;
    pinky_uuid id;
    int32_t user_id;
} pc_ref_row;

static const pk_column pc_ref_cols[] = {
    {PK_COL(pc_ref_row, id, PK_UUID, PK_KEY | PK_SERVER | PK_NOTNULL)},
    {PK_COL(pc_ref_row, user_id, PK_I32, PK_OWNER | PK_NOTNULL)},
};

static const pk_table platform_connections_ref = {
    .name = "platform_connections",
    .entity = "platform_connection",
    .row_size = sizeof(pc_ref_row),
    .cols = pc_ref_cols,
    .ncols = PK_NCOLS(pc_ref_cols),
    .order = {"id"},
};

/* ---- documents ---- */

static const char *const category_names[] = {"PERSONAL", "LEGAL", "TAX", "INSURANCE",
                                             "BUSINESS", "OTHER", NULL};

PINKY_API const char *pinky_document_category_str(pinky_document_category category)
{
    return pk_enum_name(category_names, (int)category);
}

PINKY_API pinky_status pinky_document_category_parse(const char *text,
                                                     pinky_document_category *out)
{
    if (out == NULL)
        return pk_err(PINKY_INVALID, "out", "out: NULL pointer");
    int v = 0;
    pinky_status st = pk_enum_parse("category", category_names, text, &v);
    if (st == PINKY_OK)
        *out = (pinky_document_category)v;
    return st;
}

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
    {PK_COL(pinky_document, connection_id, PK_OPT_UUID, 0), .ref = &platform_connections_ref,
     .mask = PINKY_DOCUMENT_CONNECTION_ID},
    {PK_COL(pinky_document, size, PK_OPT_I64, 0), .mask = PINKY_DOCUMENT_SIZE},
    {PK_COL(pinky_document, mime_type, PK_TEXT, 0), .limit = 255, .mask = PINKY_DOCUMENT_MIME_TYPE},
    {PK_COL(pinky_document, version, PK_OPT_I32, 0), .mask = PINKY_DOCUMENT_VERSION},
    {PK_COL(pinky_document, metadata, PK_JSON, 0), .mask = PINKY_DOCUMENT_METADATA},
    {PK_COL(pinky_document, created_at, PK_TIME, PK_SERVER)},
    {PK_COL(pinky_document, updated_at, PK_TIME, PK_SERVER | PK_UPDATED)},
};

#define DOCUMENT_FILTERS                                                                        \
    {"category", offsetof(pinky_document_filter, category), PK_EQ, "category", NULL, NULL},     \
    {"connection_id", offsetof(pinky_document_filter, connection_id), PK_EQ, "connection_id",   \
     NULL, NULL},                                                                               \
    {"title_contains", offsetof(pinky_document_filter, title_contains), PK_CONTAINS, "title",   \
     NULL, NULL},                                                                               \
    {"tag", offsetof(pinky_document_filter, tag), PK_TAGGED, "id", "document_tags",             \
     "document_id"},                                                                            \
    {"created_from", offsetof(pinky_document_filter, created_from), PK_GE, "created_at", NULL,  \
     NULL},                                                                                     \
    {"created_before", offsetof(pinky_document_filter, created_before), PK_LT, "created_at",    \
     NULL, NULL},                                                                               \
    {"updated_from", offsetof(pinky_document_filter, updated_from), PK_GE, "updated_at", NULL,  \
     NULL},                                                                                     \
    {"updated_before", offsetof(pinky_document_filter, updated_before), PK_LT, "updated_at",    \
     NULL, NULL}

static const pk_filter_field document_filters[] = {DOCUMENT_FILTERS};

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

/*
 * pinky_document_list_by_tags: the document list with one "has the tag"
 * filter per requested tag.  The filter struct is the public one followed
 * by the tag slots; the description differs from `documents` only in its
 * filters, so the SQL, the order and the cursors are the same.
 */
typedef struct doc_tags_filter {
    pinky_document_filter base;
    const char *tags[PINKY_DOCUMENT_LIST_TAGS_MAX];
} doc_tags_filter;
_Static_assert(offsetof(doc_tags_filter, base) == 0, "the public filter comes first");

#define TAG_SLOT(i)                                                                             \
    {"tags", offsetof(doc_tags_filter, tags) + (i) * sizeof(const char *), PK_TAGGED, "id",     \
     "document_tags", "document_id"}
#define TAG_SLOT4(i) TAG_SLOT(i), TAG_SLOT((i) + 1), TAG_SLOT((i) + 2), TAG_SLOT((i) + 3)

static const pk_filter_field document_tagged_filters[] = {
    DOCUMENT_FILTERS,
    TAG_SLOT4(0), TAG_SLOT4(4), TAG_SLOT4(8), TAG_SLOT4(12),
    TAG_SLOT4(16), TAG_SLOT4(20), TAG_SLOT4(24), TAG_SLOT4(28),
};
_Static_assert(PK_NCOLS(document_tagged_filters) == PK_NCOLS(document_filters) + PINKY_DOCUMENT_LIST_TAGS_MAX,
               "one filter slot per tag");

static const pk_table documents_tagged = {
    .name = "documents",
    .entity = "document",
    .row_size = sizeof(pinky_document),
    .cols = document_cols,
    .ncols = PK_NCOLS(document_cols),
    .order = {"created_at", "id"},
    .filters = document_tagged_filters,
    .nfilters = PK_NCOLS(document_tagged_filters),
    .filter_size = sizeof(doc_tags_filter),
};

/* ---- document_versions ---- */

static const pk_column version_cols[] = {
    {PK_COL(pinky_document_version, id, PK_UUID, PK_KEY | PK_SERVER | PK_NOTNULL)},
    {PK_COL(pinky_document_version, document_id, PK_UUID, PK_PARENT | PK_REQUIRED | PK_NOTNULL)},
    {PK_COL(pinky_document_version, version_number, PK_I32, PK_REQUIRED | PK_NOTNULL),
     .mask = PINKY_DOCUMENT_VERSION_VERSION_NUMBER},
    {PK_COL(pinky_document_version, path, PK_TEXT, PK_REQUIRED | PK_NOTNULL),
     .mask = PINKY_DOCUMENT_VERSION_PATH},
    {PK_COL(pinky_document_version, size, PK_OPT_I64, 0), .mask = PINKY_DOCUMENT_VERSION_SIZE},
    {PK_COL(pinky_document_version, hash, PK_TEXT, 0), .limit = 255,
     .mask = PINKY_DOCUMENT_VERSION_HASH},
    {PK_COL(pinky_document_version, created_at, PK_TIME, PK_SERVER)},
    {PK_COL(pinky_document_version, created_by, PK_OPT_I32, 0),
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

/* pinky_document_tag_list's filter: the public one plus the document. */
typedef struct tag_filter_int {
    pinky_document_tag_filter base;
    pinky_opt_uuid document_id;
} tag_filter_int;
_Static_assert(offsetof(tag_filter_int, base) == 0, "the public filter comes first");
PK_FILTER_LAYOUT_CHECK(pinky_document_tag_filter);
PK_PAGE_LAYOUT_CHECK(pinky_document_tag_page);

static const pk_filter_field tag_filters[] = {
    {"tag_prefix", offsetof(tag_filter_int, base.tag_prefix), PK_PREFIX, "tag", NULL, NULL},
    {"document_id", offsetof(tag_filter_int, document_id), PK_EQ, "document_id", NULL, NULL},
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
    .filter_size = sizeof(tag_filter_int),
};

/* ---- helpers ---- */

/*
 * pk_atomic with the failure's error kept whole.  On the pool, pk_atomic
 * rolls back with pinky_db_rollback, which restores the error through
 * pk_err_server and so loses the `field` of a library-made error (NOT_FOUND
 * naming connection_id, INVALID naming a field).  Re-set it from a copy.
 */
typedef struct atomic_call {
    pk_tx_fn fn;
    void *ctx;
    pinky_error *err;
} atomic_call;

static pinky_status atomic_body(pinky_db *tx, void *p)
{
    atomic_call *a = p;
    pinky_status st = a->fn(tx, a->ctx);
    if (st != PINKY_OK) {
        pinky_error_free(a->err);
        a->err = pinky_error_copy(pinky_error_last());
    }
    return st;
}

static pinky_status atomic(pinky_db *db, pk_tx_fn fn, void *ctx)
{
    atomic_call a = {fn, ctx, NULL};
    pinky_status st = pk_atomic(db, atomic_body, &a);
    if (st != PINKY_OK && a.err && a.err->status == st && a.err->sqlstate[0] == '\0')
        pk_err(st, a.err->field, "%s", a.err->message);
    pinky_error_free(a.err);
    return st;
}

static pinky_status check_id(const char *field, const pinky_uuid *id)
{
    if (id == NULL)
        return pk_err(PINKY_INVALID, field, "%s: NULL pointer", field);
    return PINKY_OK;
}

/* A tag argument: non-NULL, non-empty, UTF-8, at most 255 characters. */
static pinky_status check_tag(const char *field, const char *tag)
{
    if (tag == NULL)
        return pk_err(PINKY_INVALID, field, "%s: NULL pointer", field);
    if (tag[0] == '\0')
        return pk_err(PINKY_INVALID, field, "%s: must not be empty", field);
    return pk_check_text(field, tag, 255);
}

/* Version numbers start at 1. */
static pinky_status check_version_number(const char *field, int32_t v)
{
    if (v < 1)
        return pk_err(PINKY_INVALID, field, "%s: %d; version numbers start at 1", field, (int)v);
    return PINKY_OK;
}

/* NOT_FOUND unless document_id is a document of user. */
static pinky_status document_owned(pinky_db *db, int32_t user, const pinky_uuid *document_id,
                                   bool lock)
{
    pk_params ps;
    pk_params_init(&ps);
    char sql[160];
    int a = pk_p_uuid(&ps, document_id), b = pk_p_i32(&ps, user);
    snprintf(sql, sizeof sql, "SELECT 1 FROM documents WHERE id = $%d::uuid AND user_id = $%d::int4%s",
             a, b, lock ? " FOR NO KEY UPDATE" : "");
    pk_res *r = NULL;
    pinky_status st = pk_query(db, sql, &ps, &r);
    pk_params_free(&ps);
    if (st != PINKY_OK)
        return st;
    int rows = pk_res_rows(r);
    pk_res_free(r);
    if (rows != 1)
        return pk_err(PINKY_NOT_FOUND, "document_id", "document_id: document not found");
    return PINKY_OK;
}

/* ---- documents: operations ---- */

PK_DEFINE_BASICS(document, documents)

typedef struct create_ctx {
    int32_t user;
    const pinky_document *in;
    pinky_document *doc;
} create_ctx;

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
    if (in->version.is_set &&
        (st = check_version_number("document.version", in->version.value)) != PINKY_OK)
        return st;
    create_ctx c = {user_id, in, NULL};
    st = atomic(db, create_body, &c);
    if (st != PINKY_OK) {
        pk_free(c.doc);
        return st;
    }
    if (out)
        *out = c.doc;
    else
        pk_free(c.doc);
    return PINKY_OK;
}

PINKY_API pinky_status pinky_document_get(pinky_db *db, int32_t user_id, const pinky_uuid *id,
                                          pinky_document **out)
{
    pinky_status st = check_id("id", id);
    if (st != PINKY_OK)
        return st;
    pinky_document key;
    pk_row_init(&documents, &key);
    key.id = *id;
    return pk_row_get(db, &documents, user_id, &key, 0, (void **)out);
}

PINKY_API pinky_status pinky_document_update(pinky_db *db, int32_t user_id, const pinky_uuid *id,
                                             const pinky_document *in, uint64_t mask,
                                             const pinky_time *expected_updated_at,
                                             pinky_document **out)
{
    if (out)
        *out = NULL;
    pinky_status st = check_id("id", id);
    if (st != PINKY_OK || (st = pk_check_size("document", in, sizeof *in)) != PINKY_OK)
        return st;
    if ((mask & PINKY_DOCUMENT_VERSION) && in->version.is_set &&
        (st = check_version_number("document.version", in->version.value)) != PINKY_OK)
        return st;
    pinky_document key;
    pk_row_init(&documents, &key);
    key.id = *id;
    return pk_row_update(db, &documents, user_id, &key, in, mask, expected_updated_at,
                         (void **)out);
}

PINKY_API pinky_status pinky_document_delete(pinky_db *db, int32_t user_id, const pinky_uuid *id)
{
    pinky_status st = check_id("id", id);
    if (st != PINKY_OK)
        return st;
    pinky_document key;
    pk_row_init(&documents, &key);
    key.id = *id;
    return pk_row_delete(db, &documents, user_id, &key);
}

PINKY_API pinky_status pinky_document_list(pinky_db *db, int32_t user_id,
                                           const pinky_document_filter *filter,
                                           pinky_document_page **out)
{
    return pk_row_list(db, &documents, user_id, filter, 0, (void **)out);
}

PINKY_API pinky_status pinky_document_list_by_tags(pinky_db *db, int32_t user_id,
                                                   const char *const *tags, size_t n,
                                                   const pinky_document_filter *filter,
                                                   pinky_document_page **out)
{
    if (out == NULL)
        return pk_err(PINKY_INVALID, "out", "out: NULL pointer");
    *out = NULL;
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK)
        return st;
    if (n > 0 && tags == NULL)
        return pk_err(PINKY_INVALID, "tags", "tags: NULL pointer with n = %zu", n);
    if (n > PINKY_DOCUMENT_LIST_TAGS_MAX)
        return pk_err(PINKY_INVALID, "tags", "tags: %zu tags, at most %d allowed", n,
                      PINKY_DOCUMENT_LIST_TAGS_MAX);
    for (size_t i = 0; i < n; i++) {
        char field[32];
        snprintf(field, sizeof field, "tags[%zu]", i);
        if ((st = check_tag(field, tags[i])) != PINKY_OK)
            return st;
    }
    doc_tags_filter f;
    memset(&f, 0, sizeof f);
    if (filter) {
        if ((st = pk_check_size("filter", filter, sizeof *filter)) != PINKY_OK)
            return st;
        f.base = *filter;
    }
    f.base.struct_size = (uint32_t)sizeof f;
    for (size_t i = 0; i < n; i++)
        f.tags[i] = tags[i];
    return pk_row_list(db, &documents_tagged, user_id, &f, 0, (void **)out);
}

/* ---- document_versions: operations ---- */

PK_DEFINE_BASICS(document_version, document_versions)

PINKY_API pinky_status pinky_document_version_create(pinky_db *db, int32_t user_id,
                                                     const pinky_document_version *in,
                                                     pinky_document_version **out)
{
    if (out)
        *out = NULL;
    pinky_status st = pk_check_size("document_version", in, sizeof *in);
    if (st != PINKY_OK ||
        (st = check_version_number("document_version.version_number", in->version_number)) !=
            PINKY_OK)
        return st;
    return pk_row_create(db, &document_versions, user_id, in, (void **)out);
}

PINKY_API pinky_status pinky_document_version_get(pinky_db *db, int32_t user_id,
                                                  const pinky_uuid *id,
                                                  pinky_document_version **out)
{
    pinky_status st = check_id("id", id);
    if (st != PINKY_OK)
        return st;
    pinky_document_version key;
    pk_row_init(&document_versions, &key);
    key.id = *id;
    return pk_row_get(db, &document_versions, user_id, &key, 0, (void **)out);
}

PINKY_API pinky_status pinky_document_version_update(pinky_db *db, int32_t user_id,
                                                     const pinky_uuid *id,
                                                     const pinky_document_version *in,
                                                     uint64_t mask,
                                                     const pinky_time *expected_updated_at,
                                                     pinky_document_version **out)
{
    if (out)
        *out = NULL;
    pinky_status st = check_id("id", id);
    if (st != PINKY_OK || (st = pk_check_size("document_version", in, sizeof *in)) != PINKY_OK)
        return st;
    if ((mask & PINKY_DOCUMENT_VERSION_VERSION_NUMBER) &&
        (st = check_version_number("document_version.version_number", in->version_number)) !=
            PINKY_OK)
        return st;
    pinky_document_version key;
    pk_row_init(&document_versions, &key);
    key.id = *id;
    return pk_row_update(db, &document_versions, user_id, &key, in, mask, expected_updated_at,
                         (void **)out);
}

PINKY_API pinky_status pinky_document_version_delete(pinky_db *db, int32_t user_id,
                                                     const pinky_uuid *id)
{
    pinky_status st = check_id("id", id);
    if (st != PINKY_OK)
        return st;
    pinky_document_version key;
    pk_row_init(&document_versions, &key);
    key.id = *id;
    return pk_row_delete(db, &document_versions, user_id, &key);
}

PINKY_API pinky_status pinky_document_version_list(pinky_db *db, int32_t user_id,
                                                   const pinky_document_version_filter *filter,
                                                   pinky_document_version_page **out)
{
    return pk_row_list(db, &document_versions, user_id, filter, 0, (void **)out);
}

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
        const pinky_error *e = pinky_error_last();
        if (strcmp(e->sqlstate, "22003") == 0)
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
    if (st != PINKY_OK || (st = check_id("document_id", document_id)) != PINKY_OK ||
        (st = pk_check_size("document_version", in, sizeof *in)) != PINKY_OK)
        return st;
    new_version_ctx c = {.user = user_id, .row = *in, .out = NULL, .want_out = out != NULL};
    c.row.document_id = *document_id;
    c.row.version_number = 1; /* assigned in the transaction */
    c.row.created_by = pinky_i32(user_id);
    if ((st = pk_row_validate(&document_versions, &c.row, true, 0)) != PINKY_OK)
        return st;
    st = atomic(db, new_version_body, &c);
    if (st != PINKY_OK) {
        pk_free(c.out);
        return st;
    }
    if (out)
        *out = c.out;
    return PINKY_OK;
}

/* ---- document_tags: operations ---- */

PINKY_API void pinky_document_tag_filter_init(pinky_document_tag_filter *filter)
{
    if (filter == NULL)
        return;
    memset(filter, 0, sizeof *filter);
    filter->struct_size = (uint32_t)sizeof *filter;
}

PINKY_API void pinky_document_tag_free(pinky_document_tag *tag) { pk_free(tag); }

PINKY_API void pinky_document_tag_page_free(pinky_document_tag_page *page) { pk_page_free(page); }

PINKY_API pinky_status pinky_document_tag_add(pinky_db *db, int32_t user_id,
                                              const pinky_uuid *document_id, const char *tag)
{
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK || (st = check_id("document_id", document_id)) != PINKY_OK ||
        (st = check_tag("tag", tag)) != PINKY_OK)
        return st;
    pinky_document_tag row;
    pk_row_init(&document_tags, &row);
    row.document_id = *document_id;
    row.tag = (char *)tag;
    return pk_row_upsert(db, &document_tags, user_id, &row, NULL);
}

PINKY_API pinky_status pinky_document_tag_remove(pinky_db *db, int32_t user_id,
                                                 const pinky_uuid *document_id, const char *tag)
{
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK || (st = check_id("document_id", document_id)) != PINKY_OK ||
        (st = check_tag("tag", tag)) != PINKY_OK)
        return st;
    pinky_document_tag key;
    pk_row_init(&document_tags, &key);
    key.document_id = *document_id;
    key.tag = (char *)tag;
    return pk_row_delete(db, &document_tags, user_id, &key);
}

PINKY_API pinky_status pinky_document_tag_list(pinky_db *db, int32_t user_id,
                                               const pinky_uuid *document_id,
                                               const pinky_document_tag_filter *filter,
                                               pinky_document_tag_page **out)
{
    if (out == NULL)
        return pk_err(PINKY_INVALID, "out", "out: NULL pointer");
    *out = NULL;
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK || (st = check_id("document_id", document_id)) != PINKY_OK)
        return st;
    tag_filter_int f;
    memset(&f, 0, sizeof f);
    if (filter) {
        if ((st = pk_check_size("filter", filter, sizeof *filter)) != PINKY_OK)
            return st;
        f.base = *filter;
    }
    f.base.struct_size = (uint32_t)sizeof f;
    f.document_id = pinky_uuid_val(document_id);
    pinky_document_tag_page *page = NULL;
    st = pk_row_list(db, &document_tags, user_id, &f, 0, (void **)&page);
    if (st != PINKY_OK)
        return st;
    /* An empty first page: tell "no tags" from "no such document". */
    if (page->count == 0 && f.base.cursor == NULL &&
        (st = document_owned(db, user_id, document_id, false)) != PINKY_OK) {
        pk_page_free(page);
        return st;
    }
    *out = page;
    return PINKY_OK;
}

typedef struct tag_set_ctx {
    int32_t user;
    const pinky_uuid *document_id;
    const char *array; /* the tags as a PostgreSQL text[] literal */
} tag_set_ctx;

static pinky_status tag_set_body(pinky_db *tx, void *p)
{
    tag_set_ctx *c = p;
    /* the row lock makes concurrent replacements of one document's tags queue */
    pinky_status st = document_owned(tx, c->user, c->document_id, true);
    if (st != PINKY_OK)
        return st;
    pk_params ps;
    pk_params_init(&ps);
    pk_p_uuid(&ps, c->document_id);
    pk_p_text(&ps, c->array);
    st = pk_query(tx,
                  "DELETE FROM document_tags WHERE document_id = $1::uuid AND tag <> ALL ($2::text[])",
                  &ps, NULL);
    if (st == PINKY_OK)
        st = pk_query(tx,
                      "INSERT INTO document_tags (document_id, tag) "
                      "SELECT DISTINCT $1::uuid, x FROM unnest($2::text[]) AS x "
                      "ON CONFLICT (document_id, tag) DO NOTHING",
                      &ps, NULL);
    pk_params_free(&ps);
    return st;
}

PINKY_API pinky_status pinky_document_tag_set(pinky_db *db, int32_t user_id,
                                              const pinky_uuid *document_id,
                                              const char *const *tags, size_t n)
{
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK || (st = check_id("document_id", document_id)) != PINKY_OK)
        return st;
    if (n > 0 && tags == NULL)
        return pk_err(PINKY_INVALID, "tags", "tags: NULL pointer with n = %zu", n);
    for (size_t i = 0; i < n; i++) {
        char field[32];
        snprintf(field, sizeof field, "tags[%zu]", i);
        if ((st = check_tag(field, tags[i])) != PINKY_OK)
            return st;
    }
    /* {"a","b \"c\""}: every element quoted, '"' and '\' escaped */
    pk_buf b;
    pk_buf_init(&b);
    pk_buf_putc(&b, '{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            pk_buf_putc(&b, ',');
        pk_buf_putc(&b, '"');
        for (const char *s = tags[i]; *s; s++) {
            if (*s == '"' || *s == '\\')
                pk_buf_putc(&b, '\\');
            pk_buf_putc(&b, *s);
        }
        pk_buf_putc(&b, '"');
    }
    pk_buf_putc(&b, '}');
    char *array = pk_buf_take(&b);
    if (array == NULL)
        return pk_err_nomem();
    tag_set_ctx c = {user_id, document_id, array};
    st = atomic(db, tag_set_body, &c);
    pk_free(array);
    return st;
}
