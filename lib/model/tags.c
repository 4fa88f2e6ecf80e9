/* Tag tables: add, remove, list and replace, for every tagged table. */
#include <stdio.h>
#include <string.h>
#include "model/tags.h"

static const pk_column *parent_column(const pk_table *t)
{
    for (int i = 0; i < t->ncols; i++)
        if (t->cols[i].flags & PK_PARENT)
            return &t->cols[i];
    return NULL;
}

/* A key row (parent, tag) in a buffer of the table's row size. */
typedef struct tag_key {
    union {
        char bytes[1024];
        max_align_t align;
    } u;
} tag_key;

static pinky_status make_key(const pk_table *t, const pinky_uuid *parent, const char *tag,
                             tag_key *k)
{
    const pk_column *pc = parent_column(t), *tc = pk_column_named(t, "tag");
    if (t->row_size > sizeof k->u.bytes || t->parent->row_size > sizeof k->u.bytes)
        return pk_err(PINKY_INTERNAL, NULL, "tag key buffer too small");
    if (parent == NULL)
        return pk_err(PINKY_INVALID, pc->name, "%s: NULL pointer", pc->name);
    pk_row_init(t, k->u.bytes);
    memcpy(k->u.bytes + pc->offset, parent, sizeof *parent);
    *(const char **)(k->u.bytes + tc->offset) = tag;
    return pk_row_validate(t, k->u.bytes, true, 0);
}

/* The parent's key row: its first column is its UUID id. */
static pinky_status parent_owned(pinky_db *db, const pk_table *t, int32_t user,
                                 const pinky_uuid *parent, bool lock)
{
    const pk_table *pt = t->parent;
    tag_key k;
    pk_row_init(pt, k.u.bytes);
    memcpy(k.u.bytes + pt->cols[0].offset, parent, sizeof *parent);
    return pk_row_exists(db, pt, user, k.u.bytes, lock, parent_column(t)->name);
}

pinky_status pk_tag_add(pinky_db *db, const pk_table *t, int32_t user, const pinky_uuid *parent,
                        const char *tag)
{
    tag_key k;
    pinky_status st = make_key(t, parent, tag, &k);
    return st != PINKY_OK ? st : pk_row_upsert(db, t, user, k.u.bytes, NULL);
}

pinky_status pk_tag_remove(pinky_db *db, const pk_table *t, int32_t user, const pinky_uuid *parent,
                           const char *tag)
{
    tag_key k;
    pinky_status st = make_key(t, parent, tag, &k);
    return st != PINKY_OK ? st : pk_row_delete(db, t, user, k.u.bytes);
}

pinky_status pk_tag_list(pinky_db *db, const pk_table *t, int32_t user, const pinky_uuid *parent,
                         const void *filter, void **page)
{
    if (page == NULL)
        return pk_err(PINKY_INVALID, "out", "out: NULL pointer");
    *page = NULL;
    if (parent == NULL)
        return pk_err(PINKY_INVALID, parent_column(t)->name, "%s: NULL pointer",
                      parent_column(t)->name);
    pk_scope scope = {.parent = parent};
    pk_page *p = NULL;
    pinky_status st = pk_row_list_scoped(db, t, user, filter, 0, &scope, (void **)&p);
    if (st != PINKY_OK)
        return st;
    /* an empty first page: no tags, or no such parent for this user? */
    bool first = filter == NULL || ((const pk_filter_head *)filter)->cursor == NULL;
    if (p->count == 0 && first && (st = parent_owned(db, t, user, parent, false)) != PINKY_OK) {
        pk_page_free(t, p);
        return st;
    }
    *page = p;
    return PINKY_OK;
}

typedef struct set_ctx {
    const pk_table *t;
    int32_t user;
    const pinky_uuid *parent;
    const char *const *tags;
    size_t n;
} set_ctx;

static pinky_status set_body(pinky_db *tx, void *p)
{
    set_ctx *c = p;
    const pk_table *t = c->t;
    const char *fk = parent_column(t)->name;
    /* the parent's row lock makes concurrent replacements queue */
    pinky_status st = parent_owned(tx, t, c->user, c->parent, true);
    if (st != PINKY_OK)
        return st;
    pk_params ps;
    pk_params_init(&ps);
    int id = pk_p_uuid(&ps, c->parent), arr = pk_p_text_array(&ps, c->tags, c->n);
    char sql[512];
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE %s = $%d::uuid AND tag <> ALL ($%d::text[])",
             t->name, fk, id, arr);
    st = pk_query(tx, sql, &ps, NULL);
    if (st == PINKY_OK) {
        snprintf(sql, sizeof sql,
                 "INSERT INTO %s (%s, tag) SELECT DISTINCT $%d::uuid, x FROM unnest($%d::text[]) AS x "
                 "ON CONFLICT (%s, tag) DO NOTHING",
                 t->name, fk, id, arr, fk);
        st = pk_query(tx, sql, &ps, NULL);
    }
    pk_params_free(&ps);
    if (st == PINKY_OK) {
        char id[PINKY_UUID_STRLEN], details[64];
        pinky_uuid_format(c->parent, id);
        snprintf(details, sizeof details, "{\"fields\": [\"tag\"], \"count\": %zu}", c->n);
        st = pk_audit_record(tx, t->entity, c->user, "set", id, details);
    }
    return st;
}

pinky_status pk_tag_set(pinky_db *db, const pk_table *t, int32_t user, const pinky_uuid *parent,
                        const char *const *tags, size_t n)
{
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK)
        return st;
    if (n > 0 && tags == NULL)
        return pk_err(PINKY_INVALID, "tags", "tags: NULL pointer with n = %zu", n);
    for (size_t i = 0; i < n; i++) {
        tag_key k;
        if ((st = make_key(t, parent, tags[i], &k)) != PINKY_OK) {
            pk_err_prefix("tags[%zu]", i);
            return st;
        }
    }
    if (parent == NULL) {
        tag_key k;
        return make_key(t, parent, "", &k);
    }
    set_ctx c = {t, user, parent, tags, n};
    return pk_atomic(db, set_body, &c);
}
