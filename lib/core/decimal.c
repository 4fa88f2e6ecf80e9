/* Exact decimals as scaled integers: DECIMAL(p,s) value v is v / 10^s. */
#include <stdio.h>
#include <string.h>
#include "core.h"

PINKY_API pinky_status pinky_decimal_parse(const char *text, int precision, int scale,
                                           int64_t *out)
{
    if (text == NULL || out == NULL)
        return pk_err(PINKY_INVALID, "decimal", "decimal: NULL argument");
    if (precision < 1 || precision > 18 || scale < 0 || scale > precision)
        return pk_err(PINKY_INVALID, "precision", "decimal: precision %d / scale %d not supported (1..18)",
                      precision, scale);
    const char *p = text;
    bool neg = false;
    if (*p == '-' || *p == '+')
        neg = (*p++ == '-');
    int64_t v = 0;
    int int_digits = 0, frac_digits = 0;
    bool any = false;
    while (*p >= '0' && *p <= '9') {
        if (v == 0 && *p == '0') {
            p++;
            any = true;
            continue; /* leading zeros do not count toward precision */
        }
        if (++int_digits > precision - scale)
            return pk_err(PINKY_INVALID, "decimal", "decimal: \"%.40s\" does not fit DECIMAL(%d,%d)",
                          text, precision, scale);
        v = v * 10 + (*p++ - '0');
        any = true;
    }
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') {
            if (++frac_digits > scale) {
                /* trailing zeros beyond the scale lose nothing */
                const char *q = p;
                while (*q == '0')
                    q++;
                if (*q >= '1' && *q <= '9')
                    return pk_err(PINKY_INVALID, "decimal",
                                  "decimal: \"%.40s\" has more than %d decimal places", text, scale);
                p = q;
                frac_digits--;
                break;
            }
            v = v * 10 + (*p++ - '0');
            any = true;
        }
    }
    if (!any || *p != '\0')
        return pk_err(PINKY_INVALID, "decimal", "decimal: \"%.40s\" is not a decimal number", text);
    for (; frac_digits < scale; frac_digits++)
        v *= 10;
    *out = neg ? -v : v;
    return PINKY_OK;
}

PINKY_API void pinky_decimal_format(int64_t scaled, int scale, char *buf)
{
    if (scale < 0 || scale > 18) { /* what pinky_decimal_parse supports; keeps buf in bounds */
        strcpy(buf, "NaN");
        return;
    }
    uint64_t mag = scaled < 0 ? (uint64_t)0 - (uint64_t)scaled : (uint64_t)scaled;
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)mag);
    char *p = buf;
    if (scaled < 0)
        *p++ = '-';
    if (scale <= 0) {
        memcpy(p, digits, (size_t)n + 1);
        return;
    }
    if (n <= scale) {
        *p++ = '0';
        *p++ = '.';
        for (int i = n; i < scale; i++)
            *p++ = '0';
        memcpy(p, digits, (size_t)n + 1);
        return;
    }
    memcpy(p, digits, (size_t)(n - scale));
    p += n - scale;
    *p++ = '.';
    memcpy(p, digits + n - scale, (size_t)scale + 1);
}
