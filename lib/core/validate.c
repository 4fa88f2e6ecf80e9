/* UTF-8 and JSON validation, done before anything reaches the server. */
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

/* JSONB refuses \u0000 and unpaired surrogate escapes, which json-c accepts. */
static pinky_status check_escapes(const char *field, const char *s)
{
    bool in_str = false;
    for (const char *p = s; *p; p++) {
        if (!in_str) {
            if (*p == '"')
                in_str = true;
            continue;
        }
        if (*p == '"') {
            in_str = false;
        } else if (*p == '\\') {
            p++;
            if (*p == '\0')
                break;
            if (*p != 'u')
                continue;
            int v = hex4(p + 1);
            if (v < 0)
                break; /* the parser reports it */
            if (v == 0)
                return pk_err(PINKY_INVALID, field,
                              "%s: JSON escape \\u0000 is not allowed (JSONB refuses it)", field);
            if (v >= 0xDC00 && v <= 0xDFFF)
                return pk_err(PINKY_INVALID, field, "%s: JSON has an unpaired low surrogate \\u%04x",
                              field, v);
            if (v >= 0xD800 && v <= 0xDBFF) {
                int lo = (p[5] == '\\' && p[6] == 'u') ? hex4(p + 7) : -1;
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return pk_err(PINKY_INVALID, field,
                                  "%s: JSON has an unpaired high surrogate \\u%04x", field, v);
                p += 6;
            }
            p += 4;
        }
    }
    return PINKY_OK;
}

static pinky_status parse_json(const char *field, const char *json, json_type *type)
{
    if (json == NULL)
        return pk_err(PINKY_INVALID, field, "%s: JSON text is required", field);
    size_t len = strlen(json);
    if (pk_utf8_count(json, len) < 0)
        return pk_err(PINKY_INVALID, field, "%s: JSON is not valid UTF-8", field);
    json_tokener *tok = json_tokener_new_ex(1000);
    if (tok == NULL)
        return pk_err_nomem();
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    /* Include the terminating NUL so a bare number at the end is complete. */
    json_object *obj = json_tokener_parse_ex(tok, json, (int)len + 1);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (jerr != json_tokener_success) {
        json_object_put(obj);
        return pk_err(PINKY_INVALID, field, "%s: invalid JSON at offset %zu: %s", field,
                      end > 0 ? end - 1 : 0, json_tokener_error_desc(jerr));
    }
    *type = json_object_get_type(obj);
    json_object_put(obj);
    for (size_t i = end; i < len; i++) {
        if (!strchr(" \t\r\n", json[i]))
            return pk_err(PINKY_INVALID, field, "%s: invalid JSON: trailing data at offset %zu",
                          field, i);
    }
    return check_escapes(field, json);
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
