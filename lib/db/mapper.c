/*
 * The row mapper: validation, binding, SQL generation, decoding and keyset
 * pagination for every table, driven by its pk_table description.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "db/mapper.h"

#define FIELD(row, c) ((const char *)(row) + (c)->offset)
#define MFIELD(row, c) ((char *)(row) + (c)->offset)

const char *pk_sql_type(pk_ctype type)
{
    switch (type) {
    case PK_I32:
    case PK_OPT_I32: return "int4";
    case PK_OPT_I64: return "int8";
    case PK_BOOL:
    case PK_OPT_BOOL: return "bool";
    case PK_JSON: return "jsonb";
    case PK_UUID:
    case PK_OPT_UUID: return "uuid";
    case PK_TIME:
    case PK_OPT_TIME: return "timestamptz";
    case PK_DECIMAL: return "numeric";
    case PK_VECTOR: return "vector";
    case PK_TEXT:
    case PK_ENUM: break;
    }
    return "text";
}

const pk_column *pk_column_named(const pk_table *t, const char *name)
{
    for (int i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i].name, name) == 0)
            return &t->cols[i];
    return NULL;
}

pinky_status pk_check_size(const char *what, const void *s, size_t size)
{
    if (s == NULL)
        return pk_err(PINKY_INVALID, what, "%s: NULL pointer", what);
    uint32_t got = *(const uint32_t *)s;
    if (got != size)
        return pk_err(PINKY_INVALID, what,
                      "%s: struct_size %u is not a size this library knows (%zu); call the *_init function first",
                      what, got, size);
    return PINKY_OK;
}

void pk_row_init(const pk_table *t, void *row)
{
    if (row == NULL)
        return;
    memset(row, 0, t->row_size);
    *(uint32_t *)row = (uint32_t)t->row_size;
}

void pk_filter_init(const pk_table *t, void *filter)
{
    if (filter == NULL)
        return;
    memset(filter, 0, t->filter_size);
    *(uint32_t *)filter = (uint32_t)t->filter_size;
}

void pk_row_free(const pk_table *t, void *row)
{
    if (row == NULL)
        return;
    for (int i = 0; i < t->ncols; i++) {
        const pk_column *c = &t->cols[i];
        char *v = (c->flags & PK_SECRET) ? *(char **)((char *)row + c->offset) : NULL;
        if (v && (c->type == PK_TEXT || c->type == PK_JSON))
            explicit_bzero(v, strlen(v));
    }
    pk_free(row);
}

void pk_page_free(const pk_table *t, void *page)
{
    pk_page *p = page;
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->count; i++)
        pk_row_free(t, p->items[i]);
    pk_free(p->items);
    pk_free(p->next_cursor);
    pk_free(p);
}

/* ---- values ---- */

static bool is_null(const pk_column *c, const void *row)
{
    const char *f = FIELD(row, c);
    switch (c->type) {
    case PK_I32:
    case PK_BOOL:
    case PK_UUID:
    case PK_TIME: return false;
    case PK_OPT_I32: return !((const pinky_opt_i32 *)f)->is_set;
    case PK_OPT_I64: return !((const pinky_opt_i64 *)f)->is_set;
    case PK_OPT_BOOL: return !((const pinky_opt_bool *)f)->is_set;
    case PK_OPT_UUID: return !((const pinky_opt_uuid *)f)->is_set;
    case PK_OPT_TIME: return !((const pinky_opt_time *)f)->is_set;
    case PK_DECIMAL: return !((const pinky_opt_decimal *)f)->is_set;
    case PK_ENUM: return *(const int *)f == 0;
    case PK_TEXT:
    case PK_JSON:
    case PK_VECTOR: return *(char *const *)f == NULL;
    }
    return true;
}

static int enum_count(const pk_column *c)
{
    int n = 0;
    while (c->enums[n])
        n++;
    return n;
}

static int64_t pow10i(int n)
{
    int64_t v = 1;
    while (n-- > 0)
        v *= 10;
    return v;
}

static pinky_status validate_column(const pk_table *t, const pk_column *c, const void *row,
                                    bool create)
{
    char field[128];
    snprintf(field, sizeof field, "%s.%s", t->entity, c->name);
    if (c->type == PK_VECTOR && is_null(c, row) && *(const uint32_t *)((const char *)row + c->aux))
        return pk_err(PINKY_INVALID, field, "%s: NULL with dimension %u (NULL needs dimension 0)",
                      field, *(const uint32_t *)((const char *)row + c->aux));
    if (is_null(c, row)) {
        /* on create an unset NOT NULL column with a default takes the default */
        if (c->flags & (create ? PK_REQUIRED : (PK_REQUIRED | PK_NOTNULL)))
            return pk_err(PINKY_INVALID, field, "%s: is required and cannot be NULL", field);
        return PINKY_OK;
    }
    const char *f = FIELD(row, c);
    switch (c->type) {
    case PK_TEXT: {
        const char *s = *(char *const *)f;
        if ((c->flags & PK_REQUIRED) && s[0] == '\0')
            return pk_err(PINKY_INVALID, field, "%s: must not be empty", field);
        pinky_status st = pk_check_text(field, s, c->limit);
        if (st == PINKY_OK && c->check)
            st = c->check(field, s);
        if (st != PINKY_OK && (c->flags & PK_SECRET))
            return pk_err(st, field, "%s: invalid value (not shown: secret)", field);
        return st;
    }
    case PK_JSON: {
        const char *s = *(char *const *)f;
        pinky_status st = (c->flags & PK_ARRAY)    ? pk_check_json_array(field, s)
                          : (c->flags & PK_OBJECT) ? pk_check_json_object(field, s)
                                                   : pk_check_json(field, s);
        if (st != PINKY_OK && (c->flags & PK_SECRET))
            return pk_err(st, field, "%s: not valid JSON for JSONB (value not shown: secret)", field);
        return st;
    }
    case PK_ENUM: {
        int v = *(const int *)f;
        if (v < 0 || v > enum_count(c))
            return pk_err(PINKY_INVALID, field, "%s: %d is not a valid value (1..%d)", field, v,
                          enum_count(c));
        return PINKY_OK;
    }
    case PK_DECIMAL: {
        int64_t v = ((const pinky_opt_decimal *)f)->value, lim = pow10i(c->precision);
        if (v <= -lim || v >= lim) {
            char buf[PINKY_DECIMAL_STRLEN];
            pinky_decimal_format(v, c->scale, buf);
            return pk_err(PINKY_INVALID, field, "%s: %s does not fit DECIMAL(%d,%d)", field, buf,
                          c->precision, c->scale);
        }
        return PINKY_OK;
    }
    case PK_VECTOR:
        return pk_check_vector(field, *(const float *const *)f,
                               *(const uint32_t *)((const char *)row + c->aux), c->limit);
    case PK_OPT_TIME:
    case PK_TIME: {
        pinky_time v = c->type == PK_TIME ? *(const pinky_time *)f : ((const pinky_opt_time *)f)->value;
        if (v < PK_PG_MIN_TIME && v != PINKY_TIME_NEG_INFINITY)
            return pk_err(PINKY_INVALID, field, "%s: before 4714-11-24 BC, the earliest TIMESTAMPTZ", field);
        return PINKY_OK;
    }
    case PK_I32:
    case PK_OPT_I32: {
        int32_t v = c->type == PK_I32 ? *(const int32_t *)f : ((const pinky_opt_i32 *)f)->value;
        if ((c->flags & PK_MIN1) && v < 1)
            return pk_err(PINKY_INVALID, field, "%s: %d, must be at least 1", field, (int)v);
        return PINKY_OK;
    }
    case PK_OPT_I64:
    case PK_BOOL:
    case PK_OPT_BOOL:
    case PK_UUID:
    case PK_OPT_UUID: break;
    }
    return PINKY_OK;
}

pinky_status pk_row_validate(const pk_table *t, const void *row, bool create, uint64_t mask)
{
    pinky_status st = pk_check_size(t->entity, row, t->row_size);
    if (st != PINKY_OK)
        return st;
    for (int i = 0; i < t->ncols; i++) {
        const pk_column *c = &t->cols[i];
        if (c->flags & (PK_SERVER | PK_OWNER))
            continue;
        if (create || (c->mask & mask)) {
            if ((st = validate_column(t, c, row, create)) != PINKY_OK)
                return st;
        }
    }
    return PINKY_OK;
}

int pk_bind_column(pk_params *ps, const pk_column *c, const void *row)
{
    if (is_null(c, row))
        return 0;
    const char *f = FIELD(row, c);
    switch (c->type) {
    case PK_I32: return pk_p_i32(ps, *(const int32_t *)f);
    case PK_OPT_I32: return pk_p_i32(ps, ((const pinky_opt_i32 *)f)->value);
    case PK_OPT_I64: return pk_p_i64(ps, ((const pinky_opt_i64 *)f)->value);
    case PK_BOOL: return pk_p_bool(ps, *(const bool *)f);
    case PK_OPT_BOOL: return pk_p_bool(ps, ((const pinky_opt_bool *)f)->value);
    case PK_TEXT:
    case PK_JSON: return pk_p_text(ps, *(char *const *)f);
    case PK_UUID: return pk_p_uuid(ps, (const pinky_uuid *)f);
    case PK_OPT_UUID: return pk_p_uuid(ps, &((const pinky_opt_uuid *)f)->value);
    case PK_TIME: return pk_p_time(ps, *(const pinky_time *)f);
    case PK_OPT_TIME: return pk_p_time(ps, ((const pinky_opt_time *)f)->value);
    case PK_DECIMAL: {
        char buf[PINKY_DECIMAL_STRLEN];
        pinky_decimal_format(((const pinky_opt_decimal *)f)->value, c->scale, buf);
        return pk_p_text_owned(ps, pk_strdup(buf));
    }
    case PK_ENUM: return pk_p_text(ps, c->enums[*(const int *)f - 1]);
    case PK_VECTOR: {
        /* pgvector's binary input: int16 dim, int16 unused, dim big-endian float4 */
        const float *v = *(const float *const *)f;
        uint32_t dim = *(const uint32_t *)((const char *)row + c->aux);
        char *buf = pk_malloc(4 + 4 * (size_t)dim);
        if (buf) {
            pk_put_be16(buf, (uint16_t)dim);
            pk_put_be16(buf + 2, 0);
            for (uint32_t i = 0; i < dim; i++) {
                uint32_t bits;
                memcpy(&bits, &v[i], 4);
                pk_put_be32(buf + 4 + 4 * i, bits);
            }
        }
        return pk_p_binary_owned(ps, buf, (int)(4 + 4 * dim));
    }
    }
    return 0;
}

/* ---- SQL pieces ---- */

void pk_sql_select_list(pk_buf *b, const pk_table *t, unsigned flags)
{
    for (int i = 0; i < t->ncols; i++) {
        const pk_column *c = &t->cols[i];
        if (i)
            pk_buf_put(b, ", ");
        if ((c->flags & PK_HIDDEN) && !(flags & PK_REVEAL))
            pk_buf_printf(b, "NULL::%s", pk_sql_type(c->type));
        else if (c->type == PK_DECIMAL)
            pk_buf_printf(b, "t.%s::text", c->name);
        else
            pk_buf_printf(b, "t.%s", c->name);
    }
}

static const pk_column *owner_col(const pk_table *t)
{
    for (int i = 0; i < t->ncols; i++)
        if (t->cols[i].flags & PK_OWNER)
            return &t->cols[i];
    return NULL;
}

static const pk_column *parent_col(const pk_table *t)
{
    for (int i = 0; i < t->ncols; i++)
        if (t->cols[i].flags & PK_PARENT)
            return &t->cols[i];
    return NULL;
}

static const pk_column *first_key(const pk_table *t)
{
    for (int i = 0; i < t->ncols; i++)
        if ((t->cols[i].flags & PK_KEY) && !(t->cols[i].flags & PK_OWNER))
            return &t->cols[i];
    return NULL;
}

/* "EXISTS (SELECT 1 FROM parent p WHERE p.id = <expr> AND p.user_id = $u)" */
static void owned_exists(pk_buf *b, const pk_table *parent, const char *expr, int uparam)
{
    pk_buf_printf(b, "EXISTS (SELECT 1 FROM %s p WHERE p.%s = %s AND p.%s = $%d)", parent->name,
                  first_key(parent)->name, expr, owner_col(parent)->name, uparam);
}

void pk_sql_owner_pred(pk_buf *b, const pk_table *t, pk_params *ps, int32_t user)
{
    const pk_column *oc = owner_col(t);
    if (oc) {
        pk_buf_printf(b, " AND t.%s = $%d::int4", oc->name, pk_p_i32(ps, user));
        return;
    }
    const pk_column *pc = parent_col(t);
    if (pc && t->parent) {
        char expr[96];
        snprintf(expr, sizeof expr, "t.%s", pc->name);
        pk_buf_put(b, " AND ");
        owned_exists(b, t->parent, expr, pk_p_i32(ps, user));
    }
}

/* " AND t.k = $n::type" for each non-owner key column */
static void key_pred(pk_buf *b, const pk_table *t, pk_params *ps, const void *key)
{
    for (int i = 0; i < t->ncols; i++) {
        const pk_column *c = &t->cols[i];
        if (!(c->flags & PK_KEY) || (c->flags & PK_OWNER))
            continue;
        int n = pk_bind_column(ps, c, key);
        if (n)
            pk_buf_printf(b, " AND t.%s = $%d::%s", c->name, n, pk_sql_type(c->type));
        else
            pk_buf_put(b, " AND FALSE");
    }
}

static pinky_status check_key(const pk_table *t, const void *key)
{
    for (int i = 0; i < t->ncols; i++) {
        const pk_column *c = &t->cols[i];
        if (!(c->flags & PK_KEY) || (c->flags & PK_OWNER))
            continue;
        char field[128];
        snprintf(field, sizeof field, "%s.%s", t->entity, c->name);
        if (is_null(c, key))
            return pk_err(PINKY_INVALID, field, "%s: NULL key", field);
        if (c->type == PK_TEXT) {
            pinky_status st = pk_check_text(field, *(char *const *)FIELD(key, c), c->limit);
            if (st != PINKY_OK)
                return st;
        }
    }
    return PINKY_OK;
}

/* Guards that the acting user owns every referenced row (parent and refs). */
static void ref_guards(pk_buf *b, const pk_table *t, pk_params *ps, const int *params,
                       int32_t user, bool *any, uint64_t mask, bool create)
{
    int uparam = 0;
    for (int i = 0; i < t->ncols; i++) {
        const pk_column *c = &t->cols[i];
        const pk_table *target = (c->flags & PK_PARENT) ? t->parent : c->ref;
        if (target == NULL || params[i] == 0)
            continue;
        if (!create && !(c->mask & mask))
            continue;
        char expr[48];
        snprintf(expr, sizeof expr, "$%d::uuid", params[i]);
        if (uparam == 0)
            uparam = pk_p_i32(ps, user);
        pk_buf_put(b, *any ? " AND " : " WHERE ");
        owned_exists(b, target, expr, uparam);
        *any = true;
    }
}

/* NOT_FOUND for a failed ownership guard: the message lists the guarded
   columns with the entity each references; field is the first column. */
static pinky_status guard_failed(const pk_table *t, const int *params, uint64_t mask, bool create)
{
    char list[256] = "";
    const char *first = "";
    for (int i = 0; i < t->ncols; i++) {
        const pk_column *c = &t->cols[i];
        const pk_table *target = (c->flags & PK_PARENT) ? t->parent : c->ref;
        if (target == NULL || params[i] == 0 || (!create && !(c->mask & mask)))
            continue;
        size_t n = strlen(list);
        snprintf(list + n, sizeof list - n, "%s%s (%s)", n ? ", " : "", c->name, target->entity);
        if (first[0] == '\0')
            first = c->name;
    }
    return pk_err(PINKY_NOT_FOUND, first, "%s: %s not found", t->entity, list);
}

/* A missing user (the owner, or a column referencing users) is NOT_FOUND
   naming the column rather than a foreign-key error. */
static pinky_status user_fk(const pk_table *t, pinky_status st)
{
    const pinky_error *e = pinky_error_last();
    if (st != PINKY_CONSTRAINT || strcmp(e->sqlstate, "23503") != 0)
        return st;
    for (int i = 0; i < t->ncols; i++) {
        const pk_column *c = &t->cols[i];
        char fk[160];
        snprintf(fk, sizeof fk, "%s_%s_fkey", t->name, c->name);
        if ((c->flags & (PK_OWNER | PK_USER_REF)) && strcmp(e->constraint_name, fk) == 0)
            return pk_err(PINKY_NOT_FOUND, c->name, "%s.%s: no such user", t->entity, c->name);
    }
    return st;
}

/* ---- decoding ---- */

static size_t align8(size_t n) { return (n + 7) & ~(size_t)7; }

static size_t extra_size(const pk_column *c, const pk_res *r, int row, int col)
{
    if (pk_res_null(r, row, col))
        return 0;
    switch (c->type) {
    case PK_TEXT: return (size_t)pk_res_len(r, row, col) + 1;
    case PK_JSON: return (size_t)pk_res_len(r, row, col) + 1; /* minus version byte, plus NUL */
    case PK_VECTOR: return align8((size_t)pk_res_len(r, row, col)) + 8;
    default: return 0;
    }
}

pinky_status pk_row_decode(const pk_table *t, const pk_res *r, int row, int first, void **out)
{
    size_t total = align8(t->row_size);
    for (int i = 0; i < t->ncols; i++)
        total += extra_size(&t->cols[i], r, row, first + i);
    char *mem = pk_calloc(1, total);
    if (mem == NULL)
        return pk_err_nomem();
    *(uint32_t *)mem = (uint32_t)t->row_size;
    char *heap = mem + align8(t->row_size);
    for (int i = 0; i < t->ncols; i++) {
        const pk_column *c = &t->cols[i];
        int col = first + i;
        char *f = MFIELD(mem, c);
        if (pk_res_null(r, row, col))
            continue; /* zero: NULL, unset, 0 */
        const char *v = pk_res_val(r, row, col);
        int len = pk_res_len(r, row, col);
        switch (c->type) {
        case PK_I32: *(int32_t *)f = pk_res_i32(r, row, col); break;
        case PK_OPT_I32: *(pinky_opt_i32 *)f = pinky_i32(pk_res_i32(r, row, col)); break;
        case PK_OPT_I64: *(pinky_opt_i64 *)f = pinky_i64(pk_res_i64(r, row, col)); break;
        case PK_BOOL: *(bool *)f = pk_res_bool(r, row, col); break;
        case PK_OPT_BOOL: *(pinky_opt_bool *)f = pinky_bool(pk_res_bool(r, row, col)); break;
        case PK_UUID: pk_res_uuid(r, row, col, (pinky_uuid *)f); break;
        case PK_OPT_UUID:
            pk_res_uuid(r, row, col, &((pinky_opt_uuid *)f)->value);
            ((pinky_opt_uuid *)f)->is_set = true;
            break;
        case PK_TIME:
        case PK_OPT_TIME: {
            /* TIMESTAMPTZ reaches 294276 AD; int64 microseconds since 1970 stop in 294247 */
            int64_t pg = (int64_t)pk_get_be64(v);
            if (pg != INT64_MAX && pg != INT64_MIN && pg > INT64_MAX - PK_PG_EPOCH_US) {
                pk_free(mem);
                return pk_err(PINKY_INVALID, c->name, "%s: the stored time is beyond pinky_time's range (294247 AD)",
                              c->name);
            }
            pinky_time t = pk_res_time(r, row, col);
            if (c->type == PK_TIME)
                *(pinky_time *)f = t;
            else
                *(pinky_opt_time *)f = pinky_time_val(t);
            break;
        }
        case PK_TEXT:
            memcpy(heap, v, (size_t)len);
            heap[len] = '\0';
            *(char **)f = heap;
            heap += len + 1;
            break;
        case PK_JSON:
            /* binary jsonb: a version byte (1), then the text */
            if (len < 1 || v[0] != 1) {
                pk_free(mem);
                return pk_err(PINKY_INTERNAL, c->name, "%s: unexpected jsonb format", c->name);
            }
            memcpy(heap, v + 1, (size_t)len - 1);
            heap[len - 1] = '\0';
            *(char **)f = heap;
            heap += len;
            break;
        case PK_DECIMAL: {
            char text[64];
            snprintf(text, sizeof text, "%.*s", len, v);
            int64_t scaled;
            if (pinky_decimal_parse(text, 18, c->scale, &scaled) != PINKY_OK) {
                pk_free(mem);
                return pk_err(PINKY_INTERNAL, c->name, "%s: cannot read decimal %s", c->name, text);
            }
            *(pinky_opt_decimal *)f = pinky_decimal(scaled);
            break;
        }
        case PK_ENUM: {
            int k = 0;
            for (; c->enums[k]; k++)
                if ((int)strlen(c->enums[k]) == len && memcmp(c->enums[k], v, (size_t)len) == 0)
                    break;
            if (c->enums[k] == NULL) {
                pk_free(mem);
                return pk_err(PINKY_INTERNAL, c->name, "%s: unknown value \"%.*s\" in the database",
                              c->name, len > 40 ? 40 : len, v);
            }
            *(int *)f = k + 1;
            break;
        }
        case PK_VECTOR: {
            uint32_t dim = len >= 4 ? pk_get_be16(v) : 0;
            if ((size_t)len != 4 + 4 * (size_t)dim) {
                pk_free(mem);
                return pk_err(PINKY_INTERNAL, c->name, "%s: unexpected vector format", c->name);
            }
            heap = mem + align8((size_t)(heap - mem));
            float *fl = (float *)heap;
            for (uint32_t k = 0; k < dim; k++) {
                uint32_t bits = pk_get_be32(v + 4 + 4 * k);
                memcpy(&fl[k], &bits, 4);
            }
            *(float **)f = fl;
            *(uint32_t *)(mem + c->aux) = dim;
            heap += 4 * (size_t)dim;
            break;
        }
        }
    }
    *out = mem;
    return PINKY_OK;
}

static pinky_status decode_one(const pk_table *t, pk_res *r, void **out)
{
    pinky_status st = out ? pk_row_decode(t, r, 0, 0, out) : PINKY_OK;
    pk_res_free(r);
    return st;
}

/* ---- operations ---- */

static pinky_status insert(pinky_db *db, const pk_table *t, int32_t user, const void *in,
                           bool upsert, void **out)
{
    if (out)
        *out = NULL;
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK || (st = pk_row_validate(t, in, true, 0)) != PINKY_OK)
        return st;
    pk_params ps;
    pk_params_init(&ps);
    int params[64] = {0};
    pk_buf cols, vals, sql;
    pk_buf_init(&cols);
    pk_buf_init(&vals);
    pk_buf_init(&sql);
    for (int i = 0; i < t->ncols; i++) {
        const pk_column *c = &t->cols[i];
        if (c->flags & PK_SERVER)
            continue;
        int n = (c->flags & PK_OWNER) ? pk_p_i32(&ps, user) : pk_bind_column(&ps, c, in);
        params[i] = n;
        if (n == 0)
            continue;
        pk_buf_printf(&cols, "%s%s", cols.len ? ", " : "", c->name);
        pk_buf_printf(&vals, "%s$%d::%s", vals.len ? ", " : "", n, pk_sql_type(c->type));
    }
    pk_buf_printf(&sql, "INSERT INTO %s AS t (%s) SELECT %s", t->name, cols.data ? cols.data : "",
                  vals.data ? vals.data : "");
    bool guarded = false, key_only = false;
    ref_guards(&sql, t, &ps, params, user, &guarded, 0, true);
    if (upsert) {
        pk_buf_put(&sql, " ON CONFLICT (");
        bool first = true;
        for (int i = 0; i < t->ncols; i++)
            if (t->cols[i].flags & PK_NATURAL) {
                pk_buf_printf(&sql, "%s%s", first ? "" : ", ", t->cols[i].name);
                first = false;
            }
        pk_buf_put(&sql, ")");
        first = true;
        for (int i = 0; i < t->ncols; i++) {
            const pk_column *c = &t->cols[i];
            if (params[i] == 0 || (c->flags & (PK_NATURAL | PK_OWNER | PK_PARENT | PK_KEY)))
                continue;
            pk_buf_printf(&sql, "%s%s = EXCLUDED.%s", first ? " DO UPDATE SET " : ", ", c->name,
                          c->name);
            first = false;
        }
        if (first) /* nothing but the key: an existing row stays as it is, read below */
            pk_buf_put(&sql, " DO NOTHING");
        key_only = first;
    }
    pk_buf_put(&sql, " RETURNING ");
    pk_sql_select_list(&sql, t, 0);
    char *details = pk_audit_fields(t, params, 0, NULL);
    pk_res *r = NULL;
    st = pk_query_audited(db, t, user, upsert ? "upsert" : "create", details, pk_buf_take(&sql),
                          &ps, &r);
    pk_free(details);
    pk_buf_free(&cols);
    pk_buf_free(&vals);
    if (st != PINKY_OK) {
        pk_params_free(&ps);
        return user_fk(t, st);
    }
    if (pk_res_rows(r) == 1) {
        pk_params_free(&ps);
        return decode_one(t, r, out);
    }
    pk_res_free(r);
    /* No row: with DO NOTHING it may have been there already; otherwise a
       guard failed: the parent or a referenced row is not the user's. */
    if (key_only) {
        void *row = NULL;
        st = pk_row_get(db, t, user, in, 0, &row);
        if (st == PINKY_OK && out)
            *out = row;
        else
            pk_free(row);
        if (st != PINKY_NOT_FOUND) {
            pk_params_free(&ps);
            return st;
        }
    }
    pk_params_free(&ps);
    return guard_failed(t, params, 0, true);
}

pinky_status pk_row_create(pinky_db *db, const pk_table *t, int32_t user, const void *in, void **out)
{
    return insert(db, t, user, in, false, out);
}

pinky_status pk_row_upsert(pinky_db *db, const pk_table *t, int32_t user, const void *in, void **out)
{
    return insert(db, t, user, in, true, out);
}

pinky_status pk_row_find(pinky_db *db, const pk_table *t, int32_t user, const char *const *cols,
                         const void *values, unsigned flags, void **out)
{
    if (out == NULL)
        return pk_err(PINKY_INVALID, "out", "out: NULL pointer");
    *out = NULL;
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK)
        return st;
    pk_params ps;
    pk_params_init(&ps);
    pk_buf sql;
    pk_buf_init(&sql);
    pk_buf_put(&sql, "SELECT ");
    pk_sql_select_list(&sql, t, flags);
    pk_buf_printf(&sql, " FROM %s AS t WHERE TRUE", t->name);
    for (int i = 0; cols[i]; i++) {
        const pk_column *c = pk_column_named(t, cols[i]);
        const char *text = c->type == PK_TEXT ? *(char *const *)FIELD(values, c) : NULL;
        if (text && (st = pk_check_text(c->name, text, c->limit)) != PINKY_OK) {
            pk_buf_free(&sql);
            pk_params_free(&ps);
            return st;
        }
        int n = pk_bind_column(&ps, c, values);
        if (n)
            pk_buf_printf(&sql, " AND t.%s = $%d::%s", c->name, n, pk_sql_type(c->type));
        else
            pk_buf_printf(&sql, " AND t.%s IS NULL", c->name);
    }
    pk_sql_owner_pred(&sql, t, &ps, user);
    char *text = pk_buf_take(&sql);
    pk_res *r = NULL;
    st = pk_query(db, text, &ps, &r);
    if (st == PINKY_OK && pk_res_rows(r) == 0) {
        pk_res_free(r);
        st = pk_err(PINKY_NOT_FOUND, NULL, "%s not found", t->entity);
    } else if (st == PINKY_OK) {
        st = decode_one(t, r, out);
    }
    pk_free(text);
    pk_params_free(&ps);
    return st;
}

/* Runs "<verb> FROM <table> AS t WHERE <key> AND <owner><tail>". */
static pinky_status keyed(pinky_db *db, const pk_table *t, int32_t user, const void *key,
                          const char *verb, const char *tail, pk_res **r)
{
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK || (st = check_key(t, key)) != PINKY_OK)
        return st;
    pk_params ps;
    pk_params_init(&ps);
    pk_buf sql;
    pk_buf_init(&sql);
    pk_buf_printf(&sql, "%s FROM %s AS t WHERE TRUE", verb, t->name);
    key_pred(&sql, t, &ps, key);
    pk_sql_owner_pred(&sql, t, &ps, user);
    pk_buf_put(&sql, tail);
    char *text = pk_buf_take(&sql);
    st = pk_query(db, text, &ps, r);
    pk_free(text);
    pk_params_free(&ps);
    return st;
}

pinky_status pk_row_exists(pinky_db *db, const pk_table *t, int32_t user, const void *key,
                           bool lock, const char *field)
{
    pk_res *r = NULL;
    pinky_status st = keyed(db, t, user, key, "SELECT 1", lock ? " FOR NO KEY UPDATE" : "", &r);
    if (st != PINKY_OK)
        return st;
    int rows = pk_res_rows(r);
    pk_res_free(r);
    if (rows != 1)
        return pk_err(PINKY_NOT_FOUND, field, "%s: %s not found", field, t->entity);
    return PINKY_OK;
}

pinky_status pk_row_get(pinky_db *db, const pk_table *t, int32_t user, const void *key,
                        unsigned flags, void **out)
{
    if (out)
        *out = NULL;
    pinky_status st = check_key(t, key);
    if (st != PINKY_OK)
        return st;
    const char *cols[8];
    int n = 0;
    for (int i = 0; i < t->ncols && n < 7; i++)
        if ((t->cols[i].flags & PK_KEY) && !(t->cols[i].flags & PK_OWNER))
            cols[n++] = t->cols[i].name;
    cols[n] = NULL;
    return pk_row_find(db, t, user, cols, key, flags, out);
}

static const pk_column *updated_col(const pk_table *t)
{
    for (int i = 0; i < t->ncols; i++)
        if (t->cols[i].flags & PK_UPDATED)
            return &t->cols[i];
    return NULL;
}

/* Appends "col = $n::type" (or "= NULL") for each column in mask; params[i]
   gets column i's parameter number. */
static void set_masked(pk_buf *sql, const pk_table *t, pk_params *ps, const void *in,
                       uint64_t mask, int *params, bool first)
{
    for (int i = 0; i < t->ncols; i++) {
        const pk_column *c = &t->cols[i];
        if (!(c->mask & mask))
            continue;
        int n = params[i] = pk_bind_column(ps, c, in);
        if (n)
            pk_buf_printf(sql, "%s%s = $%d::%s", first ? "" : ", ", c->name, n, pk_sql_type(c->type));
        else
            pk_buf_printf(sql, "%s%s = NULL", first ? "" : ", ", c->name);
        first = false;
    }
}

/* Adds RETURNING to the statement in sql (audited as "<entity>.update"
   with details) and runs it; *matched tells whether it returned its row
   (decoded into *out). */
static pinky_status returning_one(pinky_db *db, const pk_table *t, pk_buf *sql, pk_params *ps,
                                  void **out, bool *matched, int32_t user, const char *details)
{
    pk_buf_put(sql, " RETURNING ");
    pk_sql_select_list(sql, t, 0);
    pk_res *r = NULL;
    pinky_status st = pk_query_audited(db, t, user, "update", details, pk_buf_take(sql), ps, &r);
    pk_params_free(ps);
    *matched = false;
    if (st != PINKY_OK)
        return user_fk(t, st);
    if (pk_res_rows(r) == 1) {
        *matched = true;
        return decode_one(t, r, out);
    }
    pk_res_free(r);
    return PINKY_OK;
}

pinky_status pk_row_update(pinky_db *db, const pk_table *t, int32_t user, const void *key,
                           const void *in, uint64_t mask, const pinky_time *expected, void **out)
{
    if (out)
        *out = NULL;
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK || (st = check_key(t, key)) != PINKY_OK)
        return st;
    uint64_t known = 0;
    for (int i = 0; i < t->ncols; i++)
        known |= t->cols[i].mask;
    if (mask == 0 || (mask & ~known))
        return pk_err(PINKY_INVALID, "mask", "mask: %s (0x%llx; known bits 0x%llx)",
                      mask ? "unknown field bits" : "no field selected", (unsigned long long)mask,
                      (unsigned long long)known);
    const pk_column *uc = updated_col(t);
    if (expected && uc == NULL)
        return pk_err(PINKY_INVALID, "expected_updated_at",
                      "expected_updated_at: %s has no updated_at column", t->name);
    if ((st = pk_row_validate(t, in, false, mask)) != PINKY_OK)
        return st;
    pk_params ps;
    pk_params_init(&ps);
    int params[64] = {0};
    pk_buf sql;
    pk_buf_init(&sql);
    pk_buf_printf(&sql, "UPDATE %s AS t SET ", t->name);
    set_masked(&sql, t, &ps, in, mask, params, true);
    pk_buf_put(&sql, " WHERE TRUE");
    key_pred(&sql, t, &ps, key);
    pk_sql_owner_pred(&sql, t, &ps, user);
    if (expected)
        pk_buf_printf(&sql, " AND t.%s = $%d::timestamptz", uc->name, pk_p_time(&ps, *expected));
    bool guarded = true; /* WHERE already open */
    ref_guards(&sql, t, &ps, params, user, &guarded, mask, false);
    bool matched;
    char *details = pk_audit_fields(t, NULL, mask, NULL);
    st = returning_one(db, t, &sql, &ps, out, &matched, user, details);
    pk_free(details);
    if (st != PINKY_OK || matched)
        return st;
    /* Nothing matched: find out why (the row, a stale write, or a reference). */
    void *now = NULL;
    st = pk_row_get(db, t, user, key, 0, &now);
    if (st != PINKY_OK)
        return st;
    pinky_time cur = uc ? *(const pinky_time *)FIELD(now, uc) : 0;
    pk_free(now);
    if (expected && cur != *expected) {
        char a[PINKY_TIME_STRLEN], b[PINKY_TIME_STRLEN];
        pinky_time_format(*expected, a);
        pinky_time_format(cur, b);
        return pk_err(PINKY_CONFLICT, "expected_updated_at",
                      "%s was changed by someone else: expected updated_at %s, found %s; nothing written",
                      t->entity, a, b);
    }
    return guard_failed(t, params, mask, false);
}

pinky_status pk_row_delete(pinky_db *db, const pk_table *t, int32_t user, const void *key)
{
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK || (st = check_key(t, key)) != PINKY_OK)
        return st;
    pk_params ps;
    pk_params_init(&ps);
    pk_buf sql;
    pk_buf_init(&sql);
    pk_buf_printf(&sql, "DELETE FROM %s AS t WHERE TRUE", t->name);
    key_pred(&sql, t, &ps, key);
    pk_sql_owner_pred(&sql, t, &ps, user);
    pk_buf_put(&sql, " RETURNING ");
    for (int i = 0, n = 0; i < t->ncols; i++)
        if (t->cols[i].flags & PK_KEY)
            pk_buf_printf(&sql, "%st.%s", n++ ? ", " : "", t->cols[i].name);
    pk_res *r = NULL;
    st = pk_query_audited(db, t, user, "delete", "{}", pk_buf_take(&sql), &ps, &r);
    pk_params_free(&ps);
    if (st != PINKY_OK)
        return st;
    int rows = pk_res_rows(r);
    pk_res_free(r);
    return rows ? PINKY_OK : pk_err(PINKY_NOT_FOUND, NULL, "%s not found", t->entity);
}

/* ---- lists ---- */

/* The order key expression of column name for table t. */
static void order_expr(pk_buf *b, const pk_table *t, const char *name)
{
    const pk_column *c = pk_column_named(t, name);
    bool nullable_time = (c->type == PK_TIME || c->type == PK_OPT_TIME) && !(c->flags & PK_NOTNULL);
    if (nullable_time)
        pk_buf_printf(b, "COALESCE(t.%s, '%sinfinity'::timestamptz)", name,
                      t->order_nulls_last ? "" : "-");
    else
        pk_buf_printf(b, "t.%s", name);
}

static int norder(const pk_table *t)
{
    int n = 0;
    while (n < 3 && t->order[n])
        n++;
    return n;
}

/* The cursor: base64url of a table tag and the order key values of the last row. */
static uint32_t table_tag(const pk_table *t)
{
    uint32_t h = 2166136261u;
    for (const char *s = t->name; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static uint32_t cursor_sum(const unsigned char *p, size_t n)
{
    uint32_t h = 0x811c9dc5u ^ 0x70696e6bu; /* FNV-1a, seeded */
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static char *make_cursor(const pk_table *t, const pk_res *r, int row, int first)
{
    pk_buf b;
    pk_buf_init(&b);
    char tag[4];
    pk_put_be32(tag, table_tag(t));
    pk_buf_putn(&b, tag, 4);
    for (int i = 0; i < norder(t); i++) {
        char len[4];
        int n = pk_res_null(r, row, first + i) ? 0 : pk_res_len(r, row, first + i);
        pk_put_be32(len, (uint32_t)n);
        pk_buf_putn(&b, len, 4);
        pk_buf_putn(&b, pk_res_val(r, row, first + i), (size_t)n);
    }
    /* a check value over the whole: a cursor altered by hand is refused
       before anything is sent */
    char sum[4];
    pk_put_be32(sum, b.data ? cursor_sum((const unsigned char *)b.data, b.len) : 0);
    pk_buf_putn(&b, sum, 4);
    if (b.failed) {
        pk_buf_free(&b);
        return NULL;
    }
    char *out = pk_b64_encode(b.data, b.len);
    pk_buf_free(&b);
    return out;
}

/* Binds the cursor's values (but those of pinned order columns) as binary
   parameters of the order columns' types; *first is the first one's number. */
static pinky_status bind_cursor(const pk_table *t, const char *cursor, const bool *pinned,
                                pk_params *ps, int *first)
{
    size_t cap = strlen(cursor);
    unsigned char *raw = pk_malloc(cap + 1);
    if (raw == NULL)
        return pk_err_nomem();
    long n = pk_b64_decode(cursor, raw, cap + 1);
    size_t pos = 4;
    if (n < 8 || pk_get_be32((const char *)raw + n - 4) != cursor_sum(raw, (size_t)n - 4))
        goto bad;
    n -= 4; /* the check value */
    if (pk_get_be32((const char *)raw) != table_tag(t))
        goto bad;
    for (int i = 0; i < norder(t); i++) {
        if (pos + 4 > (size_t)n)
            goto bad;
        uint32_t len = pk_get_be32((const char *)raw + pos);
        pos += 4;
        if (len > (size_t)n - pos)
            goto bad;
        const pk_column *c = pk_column_named(t, t->order[i]);
        size_t want = c->type == PK_UUID ? 16 : (c->type == PK_TIME || c->type == PK_OPT_TIME) ? 8
                      : (c->type == PK_I32 || c->type == PK_OPT_I32) ? 4 : len;
        if (len != want)
            goto bad;
        char *val = pk_malloc(len + 1);
        if (val == NULL) {
            pk_free(raw);
            return pk_err_nomem();
        }
        memcpy(val, raw + pos, len);
        val[len] = '\0';
        pos += len;
        if (c->type == PK_TEXT && pk_utf8_count(val, len) < 0) {
            pk_free(val);
            goto bad;
        }
        if (pinned[i]) {
            pk_free(val);
            continue;
        }
        int k = pk_p_binary_owned(ps, val, (int)len);
        if (*first == 0)
            *first = k;
    }
    if (pos != (size_t)n)
        goto bad;
    pk_free(raw);
    return PINKY_OK;
bad:
    pk_free(raw);
    return pk_err(PINKY_INVALID, "cursor", "cursor: not a cursor of a %s list", t->entity);
}

static pinky_status filter_sql(const pk_table *t, const void *filter, pk_buf *sql, pk_params *ps)
{
    for (int i = 0; i < t->nfilters; i++) {
        const pk_filter_field *ff = &t->filters[i];
        const char *f = (const char *)filter + ff->offset;
        const pk_column *c = pk_column_named(t, ff->column);
        char field[96];
        snprintf(field, sizeof field, "filter.%s", ff->name);
        switch (ff->op) {
        case PK_EQ:
            if (c->type == PK_ENUM) {
                int v = *(const int *)f;
                if (v == 0)
                    break;
                if (v < 0 || v > enum_count(c))
                    return pk_err(PINKY_INVALID, field, "%s: %d is not a valid value", field, v);
                pk_buf_printf(sql, " AND t.%s = $%d::text", c->name, pk_p_text(ps, c->enums[v - 1]));
            } else if (c->type == PK_TEXT) {
                const char *s = *(const char *const *)f;
                if (s == NULL)
                    break;
                pinky_status st = pk_check_text(field, s, 0);
                if (st != PINKY_OK)
                    return st;
                pk_buf_printf(sql, " AND t.%s = $%d::text", c->name, pk_p_text(ps, s));
            } else if (c->type == PK_UUID || c->type == PK_OPT_UUID) {
                const pinky_opt_uuid *u = (const pinky_opt_uuid *)f;
                if (u->is_set)
                    pk_buf_printf(sql, " AND t.%s = $%d::uuid", c->name, pk_p_uuid(ps, &u->value));
            } else if (c->type == PK_BOOL || c->type == PK_OPT_BOOL) {
                const pinky_opt_bool *v = (const pinky_opt_bool *)f;
                if (v->is_set)
                    pk_buf_printf(sql, " AND t.%s = $%d::bool", c->name, pk_p_bool(ps, v->value));
            } else if (c->type == PK_I32 || c->type == PK_OPT_I32) {
                const pinky_opt_i32 *v = (const pinky_opt_i32 *)f;
                if (v->is_set)
                    pk_buf_printf(sql, " AND t.%s = $%d::int4", c->name, pk_p_i32(ps, v->value));
            }
            break;
        case PK_GE:
        case PK_LT: {
            const pinky_opt_time *v = (const pinky_opt_time *)f;
            if (v->is_set)
                pk_buf_printf(sql, " AND t.%s %s $%d::timestamptz", c->name,
                              ff->op == PK_GE ? ">=" : "<", pk_p_time(ps, v->value));
            break;
        }
        case PK_CONTAINS:
        case PK_PREFIX:
        case PK_TAGGED: {
            const char *s = *(const char *const *)f;
            if (s == NULL)
                break;
            pinky_status st = pk_check_text(field, s, ff->op == PK_TAGGED ? 255 : 0);
            if (st != PINKY_OK)
                return st;
            int n = pk_p_text(ps, s);
            if (ff->op == PK_CONTAINS)
                pk_buf_printf(sql, " AND strpos(lower(t.%s), lower($%d::text)) > 0", c->name, n);
            else if (ff->op == PK_PREFIX)
                pk_buf_printf(sql, " AND starts_with(t.%s, $%d::text)", c->name, n);
            else
                pk_buf_printf(sql, " AND EXISTS (SELECT 1 FROM %s g WHERE g.%s = t.%s AND g.tag = $%d::text)",
                              ff->tag_table, ff->tag_fk, c->name, n);
            break;
        }
        }
    }
    return PINKY_OK;
}

int pk_p_text_array(pk_params *ps, const char *const *items, size_t n)
{
    /* the array's text form: {"a","b\\"c"} */
    pk_buf b;
    pk_buf_init(&b);
    pk_buf_putc(&b, '{');
    for (size_t i = 0; i < n; i++) {
        pk_buf_put(&b, i ? ",\"" : "\"");
        for (const char *p = items[i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                pk_buf_putc(&b, '\\');
            pk_buf_putc(&b, *p);
        }
        pk_buf_putc(&b, '"');
    }
    pk_buf_putc(&b, '}');
    return pk_p_text_owned(ps, pk_buf_take(&b));
}

static const pk_filter_field *tag_filter(const pk_table *t)
{
    for (int i = 0; i < t->nfilters; i++)
        if (t->filters[i].op == PK_TAGGED)
            return &t->filters[i];
    return NULL;
}

/* The scope's conditions: its parent and the tags every row must carry. */
static pinky_status scope_sql(const pk_table *t, const pk_scope *scope, pk_buf *sql, pk_params *ps)
{
    if (scope->parent) {
        const pk_column *pc = parent_col(t);
        pk_buf_printf(sql, " AND t.%s = $%d::uuid", pc->name, pk_p_uuid(ps, scope->parent));
    }
    if (scope->ntags == 0)
        return PINKY_OK;
    const pk_filter_field *tf = tag_filter(t);
    if (tf == NULL || scope->all_tags == NULL)
        return pk_err(PINKY_INVALID, "tags", "tags: %s has no tags", t->entity);
    for (size_t i = 0; i < scope->ntags; i++) {
        char field[32];
        snprintf(field, sizeof field, "tags[%zu]", i);
        if (scope->all_tags[i] == NULL || scope->all_tags[i][0] == '\0')
            return pk_err(PINKY_INVALID, field, "%s: empty tag", field);
        pinky_status st = pk_check_text(field, scope->all_tags[i], 255);
        if (st != PINKY_OK)
            return st;
    }
    /* as many distinct matches as distinct tags asked for */
    int arr = pk_p_text_array(ps, scope->all_tags, scope->ntags);
    pk_buf_printf(sql,
                  " AND (SELECT count(*) FROM %s g WHERE g.%s = t.%s AND g.tag = ANY($%d::text[]))"
                  " = (SELECT count(DISTINCT x) FROM unnest($%d::text[]) x)",
                  tf->tag_table, tf->tag_fk, tf->column, arr, arr);
    return PINKY_OK;
}

pinky_status pk_row_each(pinky_db *db, const pk_table *t, int32_t user, const void *filter,
                         pk_row_fn fn, void *ctx)
{
    if (fn == NULL)
        return pk_err(PINKY_INVALID, "fn", "fn: NULL callback");
    pinky_status st = filter ? pk_check_size("filter", filter, t->filter_size) : PINKY_OK;
    if (st != PINKY_OK)
        return st;
    /* a copy of the caller's filter whose cursor moves page by page */
    char *f = pk_malloc(t->filter_size);
    if (f == NULL)
        return pk_err_nomem();
    if (filter)
        memcpy(f, filter, t->filter_size);
    else
        pk_filter_init(t, f);
    pk_filter_head *head = (pk_filter_head *)f;
    if (head->limit == 0)
        head->limit = PINKY_LIST_MAX_LIMIT;
    char *cursor = NULL;
    bool stop = false;
    while (st == PINKY_OK && !stop) {
        pk_page *p = NULL;
        if ((st = pk_row_list(db, t, user, f, 0, (void **)&p)) != PINKY_OK)
            break;
        for (size_t i = 0; i < p->count && !stop; i++)
            stop = fn(p->items[i], ctx) != 0;
        pk_free(cursor);
        cursor = p->next_cursor;
        p->next_cursor = NULL;
        pk_page_free(t, p);
        head->cursor = cursor;
        if (cursor == NULL)
            break;
    }
    pk_free(cursor);
    pk_free(f);
    return st;
}

pinky_status pk_row_list(pinky_db *db, const pk_table *t, int32_t user, const void *filter,
                         unsigned flags, void **page)
{
    return pk_row_list_scoped(db, t, user, filter, flags, NULL, page);
}

/* True when the filter field ff is set in filter (it narrows the list). */
static bool filter_set(const pk_table *t, const pk_filter_field *ff, const void *filter)
{
    const char *f = (const char *)filter + ff->offset;
    const pk_column *c = pk_column_named(t, ff->column);
    switch (c->type) {
    case PK_ENUM: return *(const int *)f != 0;
    case PK_TEXT: return *(const char *const *)f != NULL;
    case PK_UUID:
    case PK_OPT_UUID: return ((const pinky_opt_uuid *)f)->is_set;
    case PK_BOOL:
    case PK_OPT_BOOL: return ((const pinky_opt_bool *)f)->is_set;
    case PK_I32:
    case PK_OPT_I32: return ((const pinky_opt_i32 *)f)->is_set;
    default: return false;
    }
}

/*
 * Order columns an equality (a PK_EQ filter that is set, or the scope's
 * parent) pins to one value: the keyset comparison and the ORDER BY leave
 * them out, so the index scan starts at the cursor instead of at the
 * pinned value's first row (pages stay O(limit), not O(position)).
 */
static void pinned_order(const pk_table *t, const void *filter, const pk_scope *scope, bool *pinned)
{
    const pk_column *pc = parent_col(t);
    for (int i = 0; i < norder(t); i++) {
        pinned[i] = scope && scope->parent && pc && strcmp(pc->name, t->order[i]) == 0;
        for (int k = 0; filter && !pinned[i] && k < t->nfilters; k++) {
            const pk_filter_field *ff = &t->filters[k];
            pinned[i] = ff->op == PK_EQ && strcmp(ff->column, t->order[i]) == 0 &&
                        filter_set(t, ff, filter);
        }
    }
}

pinky_status pk_row_list_scoped(pinky_db *db, const pk_table *t, int32_t user, const void *filter,
                                unsigned flags, const pk_scope *scope, void **page)
{
    if (page == NULL)
        return pk_err(PINKY_INVALID, "out", "out: NULL pointer");
    *page = NULL;
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK)
        return st;
    pk_filter_head head = {(uint32_t)t->filter_size, 0, NULL};
    if (filter) {
        if ((st = pk_check_size("filter", filter, t->filter_size)) != PINKY_OK)
            return st;
        head = *(const pk_filter_head *)filter;
    }
    if (head.limit > PINKY_LIST_MAX_LIMIT)
        return pk_err(PINKY_INVALID, "filter.limit", "filter.limit: %u exceeds the maximum %d",
                      head.limit, PINKY_LIST_MAX_LIMIT);
    uint32_t limit = head.limit ? head.limit : PINKY_LIST_DEFAULT_LIMIT;
    pk_params ps;
    pk_params_init(&ps);
    pk_buf sql;
    pk_buf_init(&sql);
    pk_buf_put(&sql, "SELECT ");
    pk_sql_select_list(&sql, t, flags);
    int no = norder(t);
    for (int i = 0; i < no; i++) {
        pk_buf_put(&sql, ", ");
        order_expr(&sql, t, t->order[i]);
    }
    pk_buf_printf(&sql, " FROM %s AS t WHERE TRUE", t->name);
    pk_sql_owner_pred(&sql, t, &ps, user);
    if (filter)
        st = filter_sql(t, filter, &sql, &ps);
    if (st == PINKY_OK && scope)
        st = scope_sql(t, scope, &sql, &ps);
    bool pinned[3];
    pinned_order(t, filter, scope, pinned);
    if (st == PINKY_OK && head.cursor) {
        int first = 0;
        st = bind_cursor(t, head.cursor, pinned, &ps, &first);
        if (st == PINKY_OK) {
            pk_buf_put(&sql, " AND (");
            for (int i = 0, n = 0; i < no; i++) {
                if (pinned[i])
                    continue;
                if (n++)
                    pk_buf_put(&sql, ", ");
                order_expr(&sql, t, t->order[i]);
            }
            pk_buf_printf(&sql, ") %s (", t->order_desc ? "<" : ">");
            for (int i = 0, n = 0; i < no; i++) {
                if (pinned[i])
                    continue;
                const pk_column *c = pk_column_named(t, t->order[i]);
                pk_buf_printf(&sql, "%s$%d::%s", n ? ", " : "", first + n, pk_sql_type(c->type));
                n++;
            }
            pk_buf_put(&sql, ")");
        }
    }
    if (st != PINKY_OK) {
        pk_buf_free(&sql);
        pk_params_free(&ps);
        return st;
    }
    pk_buf_put(&sql, " ORDER BY ");
    for (int i = 0, n = 0; i < no; i++) {
        if (pinned[i])
            continue;
        if (n++)
            pk_buf_put(&sql, ", ");
        order_expr(&sql, t, t->order[i]);
        if (t->order_desc)
            pk_buf_put(&sql, " DESC");
    }
    pk_buf_printf(&sql, " LIMIT $%d::int8", pk_p_i64(&ps, (int64_t)limit + 1));
    char *text = pk_buf_take(&sql);
    pk_res *r = NULL;
    st = pk_query(db, text, &ps, &r);
    pk_free(text);
    pk_params_free(&ps);
    if (st != PINKY_OK)
        return st;
    int rows = pk_res_rows(r);
    int take = rows > (int)limit ? (int)limit : rows;
    pk_page *p = pk_calloc(1, sizeof *p);
    if (p)
        p->items = pk_calloc((size_t)(take ? take : 1), sizeof(void *));
    if (p == NULL || p->items == NULL) {
        pk_free(p);
        pk_res_free(r);
        return pk_err_nomem();
    }
    for (int i = 0; i < take && st == PINKY_OK; i++) {
        st = pk_row_decode(t, r, i, 0, &p->items[i]);
        if (st == PINKY_OK)
            p->count++;
    }
    if (st == PINKY_OK && rows > (int)limit) {
        p->next_cursor = make_cursor(t, r, take - 1, t->ncols);
        if (p->next_cursor == NULL)
            st = pk_err_nomem();
    }
    pk_res_free(r);
    if (st != PINKY_OK) {
        pk_page_free(t, p);
        return st;
    }
    *page = p;
    return PINKY_OK;
}

pinky_status pk_row_transition(pinky_db *db, const pk_table *t, int32_t user, const void *key,
                               const char *state, const int *from, int to, const void *in,
                               uint64_t mask, const char *extra_set, void **out)
{
    if (out)
        *out = NULL;
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK || (st = check_key(t, key)) != PINKY_OK)
        return st;
    if (mask && (st = pk_row_validate(t, in, false, mask)) != PINKY_OK)
        return st;
    const pk_column *sc = pk_column_named(t, state);
    pk_params ps;
    pk_params_init(&ps);
    pk_buf sql;
    pk_buf_init(&sql);
    pk_buf_printf(&sql, "UPDATE %s AS t SET %s = $%d::text", t->name, sc->name,
                  pk_p_text(&ps, sc->enums[to - 1]));
    int params[64] = {0};
    set_masked(&sql, t, &ps, in, mask & ~sc->mask, params, false);
    if (extra_set)
        pk_buf_printf(&sql, ", %s", extra_set);
    pk_buf_put(&sql, " WHERE TRUE");
    key_pred(&sql, t, &ps, key);
    pk_sql_owner_pred(&sql, t, &ps, user);
    pk_buf_printf(&sql, " AND t.%s IN (", sc->name);
    for (int i = 0; from[i]; i++)
        pk_buf_printf(&sql, "%s$%d::text", i ? ", " : "", pk_p_text(&ps, sc->enums[from[i] - 1]));
    pk_buf_put(&sql, ")");
    bool matched;
    char *details = pk_audit_fields(t, NULL, mask | sc->mask, sc->enums[to - 1]);
    st = returning_one(db, t, &sql, &ps, out, &matched, user, details);
    pk_free(details);
    if (st != PINKY_OK || matched)
        return st;
    /* Nothing matched: no such row for the user, or not in a state to move from. */
    void *now = NULL;
    st = pk_row_get(db, t, user, key, 0, &now);
    if (st != PINKY_OK)
        return st;
    const char *cur = pk_enum_name(sc->enums, *(const int *)FIELD(now, sc));
    pk_free(now);
    char allowed[160] = "";
    for (int i = 0; from[i]; i++) {
        size_t n = strlen(allowed);
        snprintf(allowed + n, sizeof allowed - n, "%s%s", i ? " or " : "", sc->enums[from[i] - 1]);
    }
    char field[128];
    snprintf(field, sizeof field, "%s.%s", t->entity, sc->name);
    return pk_err(PINKY_INVALID, field, "%s: is %s, expected %s (to become %s); nothing written",
                  field, cur ? cur : "NULL", allowed, sc->enums[to - 1]);
}
