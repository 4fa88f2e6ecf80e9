/* UUIDs: PostgreSQL's input forms in, canonical form out. */
#include <string.h>
#include <uuid/uuid.h>
#include "core.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

PINKY_API pinky_status pinky_uuid_parse(const char *text, pinky_uuid *out)
{
    if (text == NULL || out == NULL)
        return pk_err(PINKY_INVALID, "uuid", "uuid: NULL argument");
    const char *p = text;
    bool braces = (*p == '{');
    if (braces)
        p++;
    pinky_uuid u;
    for (int i = 0; i < 16; i++) {
        int hi = hexval(p[0]), lo = hi < 0 ? -1 : hexval(p[1]);
        if (hi < 0 || lo < 0)
            goto bad;
        u.bytes[i] = (uint8_t)(hi << 4 | lo);
        p += 2;
        /* like PostgreSQL: a hyphen may follow any group of four digits */
        if (*p == '-' && (i % 2) == 1 && i < 15)
            p++;
    }
    if (braces) {
        if (*p != '}')
            goto bad;
        p++;
    }
    if (*p != '\0')
        goto bad;
    *out = u;
    return PINKY_OK;
bad:
    return pk_err(PINKY_INVALID, "uuid", "uuid: \"%.60s\" is not a valid UUID", text);
}

PINKY_API void pinky_uuid_format(const pinky_uuid *u, char *buf)
{
    static const char hex[] = "0123456789abcdef";
    char *p = buf;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *p++ = '-';
        *p++ = hex[u->bytes[i] >> 4];
        *p++ = hex[u->bytes[i] & 15];
    }
    *p = '\0';
}

PINKY_API bool pinky_uuid_is_nil(const pinky_uuid *u)
{
    static const pinky_uuid nil;
    return u == NULL || memcmp(u->bytes, nil.bytes, 16) == 0;
}

PINKY_API bool pinky_uuid_equal(const pinky_uuid *a, const pinky_uuid *b)
{
    return a && b && memcmp(a->bytes, b->bytes, 16) == 0;
}

PINKY_API void pinky_uuid_generate(pinky_uuid *out)
{
    uuid_t u;
    uuid_generate_random(u);
    memcpy(out->bytes, u, 16);
}

PINKY_API pinky_opt_uuid pinky_uuid_val(const pinky_uuid *v)
{
    pinky_opt_uuid o;
    memset(&o, 0, sizeof o);
    if (v) {
        o.value = *v;
        o.is_set = true;
    }
    return o;
}
