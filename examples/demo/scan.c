/* Walks a directory tree and fingerprints every file. */
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "demo.h"

static const struct {
    const char *ext, *mime;
} mimes[] = {
    {".html", "text/html"}, {".htm", "text/html"}, {".css", "text/css"},
    {".js", "text/javascript"}, {".txt", "text/plain"}, {".md", "text/markdown"},
    {".gz", "application/gzip"}, {".xz", "application/x-xz"}, {".bz2", "application/x-bzip2"},
    {".pdf", "application/pdf"}, {".png", "image/png"}, {".jpg", "image/jpeg"},
    {".gif", "image/gif"}, {".svg", "image/svg+xml"}, {".json", "application/json"},
    {".xml", "application/xml"}, {".py", "text/x-python"}, {".c", "text/x-c"},
    {".h", "text/x-c"}, {".sh", "application/x-sh"}, {".pl", "text/x-perl"},
    {".sql", "application/sql"}, {".conf", "text/plain"}, {".ps", "application/postscript"},
};

const char *demo_mime_type(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    if (dot)
        for (size_t i = 0; i < sizeof mimes / sizeof mimes[0]; i++)
            if (strcmp(dot, mimes[i].ext) == 0)
                return mimes[i].mime;
    if (strcmp(base, "copyright") == 0 || strncmp(base, "README", 6) == 0 ||
        strncmp(base, "NEWS", 4) == 0 || strncmp(base, "changelog", 9) == 0)
        return "text/plain";
    return "application/octet-stream";
}

static demo_scan *g_scan;
static size_t g_root_len;

static int visit(const char *fpath, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)ftw;
    if (type != FTW_F && type != FTW_D)
        return 0; /* symlinks, unreadable directories */
    if (fpath[g_root_len] == '\0')
        return 0; /* the root itself */
    demo_scan *s = g_scan;
    if (s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        demo_file *n = realloc(s->files, cap * sizeof *n);
        if (n == NULL)
            return -1;
        s->files = n;
        s->cap = cap;
    }
    demo_file *f = &s->files[s->count];
    memset(f, 0, sizeof *f);
    f->is_directory = type == FTW_D;
    f->mtime = (pinky_time)sb->st_mtim.tv_sec * 1000000 + sb->st_mtim.tv_nsec / 1000;
    f->mime = f->is_directory ? "inode/directory" : demo_mime_type(fpath);
    if (!f->is_directory) {
        int fd = open(fpath, O_RDONLY);
        if (fd < 0)
            return 0;
        size_t len = (size_t)sb->st_size;
        char *buf = malloc(len ? len : 1);
        size_t got = 0;
        ssize_t r;
        while (buf && got < len && (r = read(fd, buf + got, len - got)) > 0)
            got += (size_t)r;
        close(fd);
        if (buf == NULL || got != len) {
            free(buf);
            return 0;
        }
        pinky_sha256_hex(buf, len, f->hash);
        free(buf);
        f->size = (int64_t)len;
        s->bytes += f->size;
    }
    f->path = strdup(fpath + g_root_len + 1);
    if (f->path == NULL)
        return -1;
    s->count++;
    return 0;
}

int demo_scan_tree(const char *root, demo_scan *out)
{
    memset(out, 0, sizeof *out);
    g_scan = out;
    g_root_len = strlen(root);
    while (g_root_len > 1 && root[g_root_len - 1] == '/')
        g_root_len--;
    return nftw(root, visit, 32, FTW_PHYS);
}

void demo_scan_free(demo_scan *s)
{
    for (size_t i = 0; i < s->count; i++)
        free(s->files[i].path);
    free(s->files);
    memset(s, 0, sizeof *s);
}
