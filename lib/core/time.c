/* pinky_time: microseconds since the Unix epoch in UTC, never the local zone. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "core.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

PINKY_API pinky_time pinky_time_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (pinky_time)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t pk_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

PINKY_API pinky_status pinky_time_from_utc(int year, int month, int day, int hour, int minute,
                                           int second, int microsecond, pinky_time *out)
{
    if (out == NULL)
        return pk_err(PINKY_INVALID, "out", "out: NULL pointer");
    /* TIMESTAMPTZ starts at 4714-11-24 BC (astronomical year -4713); pinky_time
       ends in 294247 (checked below) */
    bool before_start = year < -4713 || (year == -4713 && (month < 11 || (month == 11 && day < 24)));
    if (before_start || year > 294275 || month < 1 || month > 12 || day < 1 ||
        day > days_in_month(year, month) || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
        second < 0 || second > 59 || microsecond < 0 || microsecond > 999999)
        return pk_err(PINKY_INVALID, "time", "time: %d-%02d-%02d %02d:%02d:%02d.%06d is not a valid UTC time",
                      year, month, day, hour, minute, second, microsecond);
    int64_t days = days_from_civil(year, month, day);
    int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second;
    /* int64 microseconds end in year 294247, and INT64_MAX itself is infinity */
    if (secs > INT64_MAX / 1000000 ||
        (secs == INT64_MAX / 1000000 && microsecond >= INT64_MAX % 1000000))
        return pk_err(PINKY_INVALID, "time", "time: %d-%02d-%02d %02d:%02d:%02d.%06d is beyond the representable range",
                      year, month, day, hour, minute, second, microsecond);
    *out = secs * 1000000 + microsecond;
    return PINKY_OK;
}

PINKY_API void pinky_time_format(pinky_time t, char *buf)
{
    if (t == PINKY_TIME_INFINITY) {
        strcpy(buf, "infinity");
        return;
    }
    if (t == PINKY_TIME_NEG_INFINITY) {
        strcpy(buf, "-infinity");
        return;
    }
    int64_t us = t % 1000000, secs = t / 1000000;
    if (us < 0) {
        us += 1000000;
        secs -= 1;
    }
    int64_t days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days -= 1;
    }
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    /* the sign apart, so year -1 is "-0001", which pinky_time_parse reads back */
    int n = snprintf(buf, PINKY_TIME_STRLEN, "%s%04lld-%02d-%02dT%02d:%02d:%02d", y < 0 ? "-" : "",
                     (long long)(y < 0 ? -y : y), m, d, (int)(rem / 3600), (int)(rem / 60 % 60),
                     (int)(rem % 60));
    if (us)
        n += snprintf(buf + n, PINKY_TIME_STRLEN - (size_t)n, ".%06d", (int)us);
    snprintf(buf + n, PINKY_TIME_STRLEN - (size_t)n, "Z");
}

static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

PINKY_API pinky_status pinky_time_parse(const char *text, pinky_time *out)
{
    if (text == NULL || out == NULL)
        return pk_err(PINKY_INVALID, "time", "time: NULL argument");
    if (strcmp(text, "infinity") == 0) {
        *out = PINKY_TIME_INFINITY;
        return PINKY_OK;
    }
    if (strcmp(text, "-infinity") == 0) {
        *out = PINKY_TIME_NEG_INFINITY;
        return PINKY_OK;
    }
    const char *p = text;
    int y, mo, d, h = 0, mi = 0, s = 0, us = 0;
    bool neg = false;
    if (*p == '-') {
        neg = true;
        p++;
    }
    int yn = 0; /* four to six year digits: format writes years past 9999 too */
    while (p[yn] >= '0' && p[yn] <= '9')
        yn++;
    if (yn < 4 || yn > 6 || !digits(&p, yn, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
        !digits(&p, 2, &d))
        goto bad;
    if (neg)
        y = -y;
    if (*p == 'T' || *p == ' ') {
        p++;
        if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) || *p++ != ':' ||
            !digits(&p, 2, &s))
            goto bad;
        if (*p == '.') {
            p++;
            int n = 0;
            while (*p >= '0' && *p <= '9') {
                if (n >= 6)
                    goto bad; /* finer than a microsecond: refuse to round */
                us = us * 10 + (*p++ - '0');
                n++;
            }
            if (n == 0)
                goto bad;
            for (; n < 6; n++)
                us *= 10;
        }
    }
    int64_t offset = 0;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
        if (!digits(&p, 2, &oh))
            goto bad;
        if (*p == ':') {
            p++;
            if (!digits(&p, 2, &om))
                goto bad;
        } else if (*p && !digits(&p, 2, &om)) {
            goto bad;
        }
        if (oh > 15 || om > 59) /* PostgreSQL's limits */
            goto bad;
        offset = sign * ((int64_t)oh * 3600 + om * 60);
    } else if (*p != '\0') {
        goto bad;
    }
    if (*p != '\0')
        goto bad;
    pinky_time t;
    if (pinky_time_from_utc(y, mo, d, h, mi, s, us, &t) != PINKY_OK)
        goto bad;
    /* stay clear of overflow and of the infinities */
    if ((offset < 0 && t > INT64_MAX - 1 + offset * 1000000) ||
        (offset > 0 && t < INT64_MIN + 1 + offset * 1000000))
        goto bad;
    *out = t - offset * 1000000;
    return PINKY_OK;
bad:
    return pk_err(PINKY_INVALID, "time", "time: \"%.60s\" is not an ISO 8601 timestamp", text);
}

PINKY_API pinky_opt_i32 pinky_i32(int32_t v) { return (pinky_opt_i32){v, true}; }
PINKY_API pinky_opt_i64 pinky_i64(int64_t v) { return (pinky_opt_i64){v, true}; }
PINKY_API pinky_opt_bool pinky_bool(bool v) { return (pinky_opt_bool){v, true}; }
PINKY_API pinky_opt_time pinky_time_val(pinky_time v) { return (pinky_opt_time){v, true}; }
PINKY_API pinky_opt_decimal pinky_decimal(int64_t v) { return (pinky_opt_decimal){v, true}; }
