/* Reads Debian changelog entries (deb-changelog(5)) through gzip -dc. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "demo.h"

int demo_parse_rfc2822(const char *s, pinky_time *out)
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char wd[8], mon[8], zone[8];
    int d, y, h, mi, sec;
    const char *comma = strchr(s, ',');
    if (comma)
        s = comma + 1;
    (void)wd;
    if (sscanf(s, " %d %3s %d %d:%d:%d %7s", &d, mon, &y, &h, &mi, &sec, zone) != 7)
        return -1;
    int m = 0;
    while (m < 12 && strcmp(months[m], mon) != 0)
        m++;
    if (m == 12)
        return -1;
    pinky_time t;
    if (pinky_time_from_utc(y, m + 1, d, h, mi, sec, 0, &t) != PINKY_OK)
        return -1;
    int off = 0;
    if ((zone[0] == '+' || zone[0] == '-') && strlen(zone) == 5) {
        int hh = (zone[1] - '0') * 10 + (zone[2] - '0'), mm = (zone[3] - '0') * 10 + (zone[4] - '0');
        off = (zone[0] == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
    }
    *out = t - (pinky_time)off * 1000000;
    return 0;
}

static void rtrim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
        s[--n] = '\0';
}

/* Copies at most cap-1 bytes without cutting a UTF-8 sequence. */
static void copy_utf8(char *dst, size_t cap, const char *src, size_t n)
{
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

int demo_changelog_each(const char *path, int max, int (*fn)(const demo_entry *e, void *ctx),
                        void *ctx)
{
    char cmd[4200];
    if (strchr(path, '\'') != NULL)
        return -1;
    snprintf(cmd, sizeof cmd, "gzip -dc '%s' 2>/dev/null", path);
    FILE *f = popen(cmd, "r");
    if (f == NULL)
        return -1;
    char line[4096];
    demo_entry e;
    memset(&e, 0, sizeof e);
    size_t clen = 0, ccap = 0;
    int in_entry = 0, count = 0, stop = 0;
    while (!stop && fgets(line, sizeof line, f)) {
        rtrim(line);
        if (!in_entry) {
            /* header: package (version) distributions; urgency=u */
            char *open = strchr(line, '('), *close = open ? strchr(open, ')') : NULL;
            if (line[0] == ' ' || line[0] == '\0' || open == NULL || close == NULL)
                continue;
            memset(e.package, 0, sizeof e.package);
            copy_utf8(e.package, sizeof e.package, line, (size_t)(open - line));
            rtrim(e.package);
            copy_utf8(e.version, sizeof e.version, open + 1, (size_t)(close - open - 1));
            char *u = strstr(close, "urgency=");
            copy_utf8(e.urgency, sizeof e.urgency, u ? u + 8 : "low", strcspn(u ? u + 8 : "low", " ,;"));
            snprintf(e.subject, sizeof e.subject, "%s (%s)", e.package, e.version);
            clen = 0;
            if (e.content)
                e.content[0] = '\0';
            in_entry = 1;
            continue;
        }
        if (strncmp(line, " -- ", 4) == 0) {
            /* trailer: " -- Name <address>  date" */
            char *sep = strstr(line + 4, ">  ");
            if (sep) {
                copy_utf8(e.sender, sizeof e.sender, line + 4, (size_t)(sep + 1 - (line + 4)));
                if (demo_parse_rfc2822(sep + 3, &e.date) == 0 && e.content && clen > 0) {
                    count++;
                    if (fn(&e, ctx) != 0 || (max && count >= max))
                        stop = 1;
                }
            }
            in_entry = 0;
            continue;
        }
        const char *text = line;
        while (*text == ' ')
            text++;
        if (*text == '\0')
            continue;
        size_t n = strlen(text);
        if (clen + n + 2 > ccap) {
            ccap = (clen + n + 2) * 2;
            char *nc = realloc(e.content, ccap);
            if (nc == NULL)
                break;
            e.content = nc;
        }
        if (clen && (text[0] == '*' || text[0] == '-' || text[0] == '['))
            e.content[clen++] = '\n';
        else if (clen)
            e.content[clen++] = ' ';
        memcpy(e.content + clen, text, n);
        clen += n;
        e.content[clen] = '\0';
    }
    free(e.content);
    pclose(f);
    return count;
}
