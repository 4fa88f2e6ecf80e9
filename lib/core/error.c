/* The per-thread error and status names. */
#include <stdio.h>
#include <string.h>
#include "core.h"

#define PK_MSG_MAX 1024
#define PK_DETAIL_MAX 1024
#define PK_NAME_MAX 128

typedef struct pk_tls_error {
    pinky_error pub;
    char message[PK_MSG_MAX];
    char field[PK_NAME_MAX];
    char sqlstate[6];
    char detail[PK_DETAIL_MAX];
    char hint[PK_DETAIL_MAX];
    char constraint_name[PK_NAME_MAX];
    char table_name[PK_NAME_MAX];
    char column_name[PK_NAME_MAX];
} pk_tls_error;

static _Thread_local pk_tls_error t_err;

static const char *const status_names[] = {
    "OK", "NOT_FOUND", "INVALID", "CONFLICT", "CONSTRAINT", "CONNECTION", "TIMEOUT",
    "BUSY", "NO_MEMORY", "SERIALIZATION", "MIGRATION", "SERVER", "STATE", "INTERNAL",
};

PINKY_API const char *pinky_status_str(pinky_status status)
{
    if ((unsigned)status < PK_ARRAY_LEN(status_names))
        return status_names[status];
    return "UNKNOWN";
}

PINKY_API const char *pinky_version(void) { return PINKY_VERSION_STRING; }

static void copy_field(char *dst, size_t cap, const char *src)
{
    if (src == NULL)
        src = "";
    size_t n = strlen(src);
    if (n >= cap) {
        n = cap - 1;
        /* do not cut a UTF-8 sequence in half */
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Messages quote caller input cut at a byte count: keep them valid UTF-8
   (bindings decode them) by replacing broken sequences with '?'. */
static void repair_utf8(char *s)
{
    unsigned char *p = (unsigned char *)s;
    while (*p) {
        int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;
        int ok = n >= 0;
        for (int k = 1; ok && k <= n; k++)
            ok = (p[k] & 0xC0) == 0x80;
        if (ok && n > 0 && pk_utf8_count((const char *)p, (size_t)n + 1) != 1)
            ok = 0; /* overlong, surrogate or out of range */
        if (!ok) {
            *p++ = '?';
            continue;
        }
        p += n + 1;
    }
}

static pinky_error *wire(void)
{
    pk_tls_error *e = &t_err;
    e->pub.message = e->message;
    e->pub.field = e->field;
    e->pub.sqlstate = e->sqlstate;
    e->pub.detail = e->detail;
    e->pub.hint = e->hint;
    e->pub.constraint_name = e->constraint_name;
    e->pub.table_name = e->table_name;
    e->pub.column_name = e->column_name;
    return &e->pub;
}

PINKY_API void pinky_error_clear(void)
{
    pk_tls_error *e = &t_err;
    e->pub.status = PINKY_OK;
    e->message[0] = e->field[0] = e->sqlstate[0] = e->detail[0] = e->hint[0] = '\0';
    e->constraint_name[0] = e->table_name[0] = e->column_name[0] = '\0';
    wire();
}

PINKY_API const pinky_error *pinky_error_last(void) { return wire(); }

pinky_status pk_err_status(void) { return t_err.pub.status; }

pinky_status pk_err(pinky_status status, const char *field, const char *fmt, ...)
{
    pinky_error_clear();
    t_err.pub.status = status;
    copy_field(t_err.field, sizeof t_err.field, field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t_err.message, sizeof t_err.message, fmt, ap);
    va_end(ap);
    repair_utf8(t_err.message);
    return status;
}

pinky_status pk_err_nomem(void) { return pk_err(PINKY_NO_MEMORY, NULL, "out of memory"); }

pinky_status pk_err_server(pinky_status status, const pk_server_error *s)
{
    pinky_error_clear();
    pk_tls_error *e = &t_err;
    e->pub.status = status;
    copy_field(e->message, sizeof e->message, s->message ? s->message : "server error");
    copy_field(e->sqlstate, sizeof e->sqlstate, s->sqlstate);
    copy_field(e->detail, sizeof e->detail, s->detail);
    copy_field(e->hint, sizeof e->hint, s->hint);
    copy_field(e->constraint_name, sizeof e->constraint_name, s->constraint_name);
    copy_field(e->table_name, sizeof e->table_name, s->table_name);
    copy_field(e->column_name, sizeof e->column_name, s->column_name);
    copy_field(e->field, sizeof e->field, s->column_name);
    return status;
}

pinky_status pk_err_restore(const pinky_error *src)
{
    pk_server_error e = {src->sqlstate, src->message, src->detail, src->hint,
                         src->constraint_name, src->table_name, src->column_name};
    pk_err_server(src->status, &e);
    copy_field(t_err.field, sizeof t_err.field, src->field);
    return src->status;
}

void pk_err_prefix(const char *fmt, ...)
{
    char pre[256], old[PK_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    memcpy(old, t_err.message, sizeof old);
    size_t n = strlen(pre);
    if (n + 2 >= sizeof t_err.message)
        return;
    memcpy(t_err.message, pre, n);
    memcpy(t_err.message + n, ": ", 2);
    copy_field(t_err.message + n + 2, sizeof t_err.message - n - 2, old);
}

PINKY_API pinky_error *pinky_error_copy(const pinky_error *src)
{
    if (src == NULL)
        return NULL;
    const char *parts[] = {src->message, src->field, src->sqlstate, src->detail, src->hint,
                           src->constraint_name, src->table_name, src->column_name};
    size_t total = sizeof(pinky_error);
    for (size_t i = 0; i < PK_ARRAY_LEN(parts); i++)
        total += strlen(parts[i] ? parts[i] : "") + 1;
    pinky_error *dst = pk_malloc(total);
    if (dst == NULL)
        return NULL;
    char *p = (char *)(dst + 1);
    const char **slots[] = {&dst->message, &dst->field, &dst->sqlstate, &dst->detail, &dst->hint,
                            &dst->constraint_name, &dst->table_name, &dst->column_name};
    dst->status = src->status;
    for (size_t i = 0; i < PK_ARRAY_LEN(parts); i++) {
        const char *s = parts[i] ? parts[i] : "";
        size_t n = strlen(s) + 1;
        memcpy(p, s, n);
        *slots[i] = p;
        p += n;
    }
    return dst;
}

PINKY_API void pinky_error_free(pinky_error *err) { pk_free(err); }
