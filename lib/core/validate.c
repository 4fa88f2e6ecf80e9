/* UTF-8 and JSON validation, done before anything reaches the server. */
#include <float.h>
#include <math.h>
#include <string.h>
#include <json-c/json.h>
#include "core.h"

long pk_utf8_count(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    long count = 0;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        uint32_t cp;
        if (c == 0)
            return -1;
        if (c < 0x80) {
            i++;
            count++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return -1;
        }
        if (len - i <= n) /* truncated sequence */
            return -1;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return -1;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        /* overlong forms, surrogates, beyond U+10FFFF */
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return -1;
        i += n + 1;
        count++;
    }
    return count;
}

pinky_status pk_check_text(const char *field, const char *s, int max_chars)
{
    if (s == NULL)
        return pk_err(PINKY_INVALID, field, "%s: NULL string", field);
    long n = pk_utf8_count(s, strlen(s));
    if (n < 0)
        return pk_err(PINKY_INVALID, field, "%s: not valid UTF-8", field);
    if (max_chars > 0 && n > max_chars)
        return pk_err(PINKY_INVALID, field, "%s: %ld characters, at most %d allowed", field, n,
                      max_chars);
    return PINKY_OK;
}

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    return v;
}

/*
 * A strict RFC 8259 scanner.  json-c's parser, even in strict mode, accepts
 * text JSONB refuses (single-quoted strings among them), and the \u0000
 * escape and unpaired surrogates that JSONB refuses: this scanner settles
 * grammar and escapes, then json-c parses the text.
 */
typedef struct jscan {
    const char *p;
    const char *why;
    int depth;
} jscan;

static void ws(jscan *s)
{
    while (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')
        s->p++;
}

static bool fail_at(jscan *s, const char *why)
{
    if (s->why == NULL)
        s->why = why;
    return false;
}

static bool scan_value(jscan *s);

static bool scan_string(jscan *s)
{
    s->p++; /* the opening quote */
    for (;;) {
        unsigned char c = (unsigned char)*s->p;
        if (c == '"') {
            s->p++;
            return true;
        }
        if (c == '\0')
            return fail_at(s, "unterminated string");
        if (c < 0x20)
            return fail_at(s, "control character in a string");
        if (c != '\\') {
            s->p++;
            continue;
        }
        char e = s->p[1];
        if (e != '\0' && strchr("\"\\/bfnrt", e) != NULL) {
            s->p += 2;
            continue;
        }
        if (e != 'u')
            return fail_at(s, "invalid escape");
        int v = hex4(s->p + 2);
        if (v < 0)
            return fail_at(s, "invalid \\u escape");
        if (v == 0)
            return fail_at(s, "the escape \\u0000 is not allowed (JSONB refuses it)");
        if (v >= 0xDC00 && v <= 0xDFFF)
            return fail_at(s, "unpaired low surrogate escape (JSONB refuses it)");
        s->p += 6;
        if (v >= 0xD800 && v <= 0xDBFF) {
            int lo = (s->p[0] == '\\' && s->p[1] == 'u') ? hex4(s->p + 2) : -1;
            if (lo < 0xDC00 || lo > 0xDFFF)
                return fail_at(s, "unpaired high surrogate escape (JSONB refuses it)");
            s->p += 6;
        }
    }
}

static bool digits1(jscan *s)
{
    if (*s->p < '0' || *s->p > '9')
        return fail_at(s, "invalid number");
    while (*s->p >= '0' && *s->p <= '9')
        s->p++;
    return true;
}

static bool scan_number(jscan *s)
{
    if (*s->p == '-')
        s->p++;
    if (*s->p == '0')
        s->p++;
    else if (!digits1(s))
        return false;
    if (*s->p == '.') {
        s->p++;
        if (!digits1(s))
            return false;
    }
    if (*s->p == 'e' || *s->p == 'E') {
        s->p++;
        bool neg = *s->p == '-';
        if (*s->p == '+' || *s->p == '-')
            s->p++;
        const char *e = s->p;
        if (!digits1(s))
            return false;
        long exp = 0;
        for (; e < s->p && exp < 1000000; e++)
            exp = exp * 10 + (*e - '0');
        /* JSONB numbers are numeric: at most 131072 digits before the point, 16383 after */
        if ((!neg && exp > 131071) || (neg && exp > 16383))
            return fail_at(s, "number out of the range JSONB can store");
    }
    return true;
}

static bool scan_word(jscan *s, const char *w)
{
    size_t n = strlen(w);
    if (strncmp(s->p, w, n) != 0)
        return fail_at(s, "unexpected character");
    s->p += n;
    return true;
}

static bool scan_container(jscan *s, char close)
{
    if (++s->depth > 1000)
        return fail_at(s, "nested deeper than 1000 levels");
    s->p++;
    ws(s);
    if (*s->p == close) {
        s->p++;
        s->depth--;
        return true;
    }
    for (;;) {
        ws(s);
        if (close == '}') {
            if (*s->p != '"')
                return fail_at(s, "expected a string key");
            if (!scan_string(s))
                return false;
            ws(s);
            if (*s->p != ':')
                return fail_at(s, "expected ':'");
            s->p++;
        }
        if (!scan_value(s))
            return false;
        ws(s);
        if (*s->p == ',') {
            s->p++;
            continue;
        }
        if (*s->p == close) {
            s->p++;
            s->depth--;
            return true;
        }
        return fail_at(s, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static bool scan_value(jscan *s)
{
    ws(s);
    switch (*s->p) {
    case '{': return scan_container(s, '}');
    case '[': return scan_container(s, ']');
    case '"': return scan_string(s);
    case 't': return scan_word(s, "true");
    case 'f': return scan_word(s, "false");
    case 'n': return scan_word(s, "null");
    case '\0': return fail_at(s, "unexpected end of data");
    default:
        if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))
            return scan_number(s);
        return fail_at(s, "unexpected character");
    }
}

static pinky_status parse_json(const char *field, const char *json, json_type *type)
{
    if (json == NULL)
        return pk_err(PINKY_INVALID, field, "%s: JSON text is required", field);
    size_t len = strlen(json);
    if (pk_utf8_count(json, len) < 0)
        return pk_err(PINKY_INVALID, field, "%s: JSON is not valid UTF-8", field);
    jscan s = {json, NULL, 0};
    bool ok = scan_value(&s);
    if (ok) {
        ws(&s);
        if (*s.p != '\0')
            ok = fail_at(&s, "trailing data");
    }
    if (!ok)
        return pk_err(PINKY_INVALID, field, "%s: invalid JSON at offset %zu: %s", field,
                      (size_t)(s.p - json), s.why);
    json_tokener *tok = json_tokener_new_ex(1001);
    if (tok == NULL)
        return pk_err_nomem();
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    /* Include the terminating NUL so a bare number at the end is complete. */
    json_object *obj = json_tokener_parse_ex(tok, json, (int)len + 1);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    json_tokener_free(tok);
    if (jerr != json_tokener_success) {
        json_object_put(obj);
        return pk_err(PINKY_INVALID, field, "%s: invalid JSON: %s", field,
                      json_tokener_error_desc(jerr));
    }
    *type = json_object_get_type(obj);
    json_object_put(obj);
    return PINKY_OK;
}

pinky_status pk_check_json(const char *field, const char *json)
{
    json_type t;
    return parse_json(field, json, &t);
}

pinky_status pk_check_json_array(const char *field, const char *json)
{
    json_type t;
    pinky_status st = parse_json(field, json, &t);
    if (st == PINKY_OK && t != json_type_array)
        return pk_err(PINKY_INVALID, field, "%s: must be a JSON array", field);
    return st;
}

pinky_status pk_check_json_object(const char *field, const char *json)
{
    json_type t;
    pinky_status st = parse_json(field, json, &t);
    if (st == PINKY_OK && t != json_type_object)
        return pk_err(PINKY_INVALID, field, "%s: must be a JSON object", field);
    return st;
}

pinky_status pk_check_vector(const char *field, const float *v, uint32_t dim, int want)
{
    if (v == NULL)
        return pk_err(PINKY_INVALID, field, "%s: NULL with dimension %u", field, dim);
    if ((int64_t)dim != want)
        return pk_err(PINKY_INVALID, field, "%s: dimension %u, expected %d", field, dim, want);
    double sum = 0;
    for (uint32_t i = 0; i < dim; i++) {
        if (!isfinite(v[i]))
            return pk_err(PINKY_INVALID, field, "%s: element %u is %s; expected %d finite floats",
                          field, i, isnan(v[i]) ? "NaN" : "infinite", want);
        sum += (double)v[i] * v[i];
    }
    if (sum == 0)
        return pk_err(PINKY_INVALID, field,
                      "%s: a zero vector has no direction (its cosine distance is undefined)", field);
    if (sum > FLT_MAX)
        return pk_err(PINKY_INVALID, field,
                      "%s: its squared norm %.3g overflows single precision (distances would be NaN)",
                      field, sum);
    return PINKY_OK;
}
