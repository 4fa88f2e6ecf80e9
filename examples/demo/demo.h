/* Helpers of examples/demo.c: a directory scanner, a Debian changelog
   reader, and a stand-in text embedding. */
#ifndef DEMO_H
#define DEMO_H

#include <stddef.h>
#include <stdint.h>
#include <pinky/pinky.h>

/* ---- scan.c: files under a root, with size, mtime, MIME type and SHA-256 ---- */
typedef struct demo_file {
    char *path;        /* relative to the root */
    bool is_directory;
    int64_t size;
    pinky_time mtime;
    const char *mime;  /* static string */
    char hash[65];     /* hex SHA-256 of the content ("" for directories) */
} demo_file;

typedef struct demo_scan {
    demo_file *files;
    size_t count, cap;
    int64_t bytes;
} demo_scan;

/* Walks root (not following symlinks); files that cannot be read are skipped. */
int demo_scan_tree(const char *root, demo_scan *out);
void demo_scan_free(demo_scan *s);
const char *demo_mime_type(const char *path);

/* ---- changelog.c: entries of /usr/share/doc/PKG/changelog.Debian.gz ---- */
typedef struct demo_entry {
    char package[128];
    char version[128];
    char urgency[32];
    char subject[300];   /* "package (version)" */
    char *content;       /* the bullet text */
    char sender[256];    /* the maintainer line: Name <address> */
    pinky_time date;
} demo_entry;

/* Calls fn for each entry of the file (read through `gzip -dc`), up to max
   entries (0: all).  Returns the number of entries or -1. */
int demo_changelog_each(const char *path, int max, int (*fn)(const demo_entry *e, void *ctx),
                        void *ctx);
/* RFC 2822 date as written in changelogs ("Fri, 13 Nov 2026 12:12:04 +0100"). */
int demo_parse_rfc2822(const char *s, pinky_time *out);

/* ---- embed.c: a deterministic bag-of-words hashing embedding ---- */
#define DEMO_DIM 1536
/*
 * A stand-in for a real embedding model: each word (lower-cased letters and
 * digits) is hashed to one of 1536 dimensions with a sign; counts are
 * dampened (1 + log tf) and the vector normalised to unit length.  Texts that
 * share words point the same way, which is all the demo needs; a caller
 * brings its own vectors from a real model.
 */
void demo_embed(const char *text, float out[DEMO_DIM]);

#endif
