/*
 * make demo: libpinky's main job, on real data found on every Debian machine.
 *
 *  1. migrate the database named by PINKY_DSN (make demo provides a
 *     throwaway PostgreSQL), create the demo user;
 *  2. sync /usr/share/doc as an UBUNTU platform connection: every file with
 *     its size, mtime, MIME type and SHA-256, stored with bulk upserts; a
 *     second scan reports zero changes; a changed file in a scratch copy of
 *     a subtree is reported as exactly that change;
 *  3. register the copyright files as LEGAL documents tagged with their
 *     package, and make a second version of one;
 *  4. ingest Debian changelog entries as communications with a stand-in
 *     embedding (examples/demo/embed.c), tagged with package and urgency;
 *  5. find the entries most similar to a security fix, record the run as a
 *     workflow execution, with the audit trail on;
 *  6. print rows per table and the rates.
 *
 * The personal details in the changelogs are read at run time and never
 * stored anywhere but the demo's database.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pinky/pinky.h>
#include "demo/demo.h"

static int g_tty;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fail(const char *what)
{
    const pinky_error *e = pinky_error_last();
    fprintf(stderr, "\ndemo: %s failed: %s: %s%s%s\n", what, pinky_status_str(e->status),
            e->message, e->sqlstate[0] ? " SQLSTATE " : "", e->sqlstate);
    return 1;
}

/* Progress on one line on a terminal; a line per step of 25% otherwise. */
static void progress(const char *what, size_t done, size_t total, double t0)
{
    double rate = done / (now_s() - t0 + 1e-9);
    if (g_tty) {
        printf("\r  %-10s %6zu / %-6zu  %8.0f/s", what, done, total, rate);
        if (done == total)
            printf("\n");
        fflush(stdout);
        return;
    }
    static size_t last_step = (size_t)-1;
    size_t step = total ? done * 4 / total : 4;
    if (step != last_step || done == total) {
        printf("  %-10s %6zu / %-6zu  %8.0f/s\n", what, done, total, rate);
        last_step = step;
    }
    if (done == total)
        last_step = (size_t)-1;
}

/* ---- 2. sync ------------------------------------------------------------ */

static pinky_sync_item *item_of(const demo_file *f, const pinky_uuid *conn)
{
    pinky_sync_item *it = calloc(1, sizeof *it);
    pinky_sync_item_init(it);
    it->connection_id = *conn;
    it->path = f->path;
    it->is_directory = f->is_directory;
    if (!f->is_directory) {
        it->size = pinky_i64(f->size);
        it->hash = (char *)f->hash;
    }
    it->mime_type = (char *)f->mime;
    it->local_modified = pinky_time_val(f->mtime);
    it->sync_status = PINKY_SYNC_ITEM_STATUS_SYNCED;
    it->last_synced = pinky_time_val(pinky_time_now());
    return it;
}

static void free_items(pinky_sync_item **items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(items[i]);
    free(items);
}

static int new_connection(pinky_db *db, int32_t uid, const char *name, const char *root,
                          pinky_uuid *out)
{
    pinky_platform_connection c;
    pinky_platform_connection_init(&c);
    c.name = (char *)name;
    c.platform = PINKY_PLATFORM_UBUNTU;
    c.root_path = (char *)root;
    c.credentials = "{\"kind\": \"local\"}";
    c.sync_direction = PINKY_SYNC_DIRECTION_UPLOAD;
    c.sync_on_startup = pinky_bool(true);
    pinky_platform_connection *pc;
    if (pinky_platform_connection_create(db, uid, &c, &pc) != PINKY_OK)
        return fail("registering the platform connection");
    *out = pc->id;
    pinky_platform_connection_free(pc);
    return 0;
}

/* Scans root and compares it with what is stored (APPLY stores it). */
static int scan_and_diff(pinky_db *db, int32_t uid, const pinky_uuid *conn, const char *root,
                         unsigned flags, pinky_sync_diff **diff, size_t *nfiles)
{
    demo_scan scan;
    if (demo_scan_tree(root, &scan) != 0) {
        fprintf(stderr, "demo: cannot scan %s: %s\n", root, strerror(errno));
        return 1;
    }
    pinky_sync_item **items = calloc(scan.count ? scan.count : 1, sizeof *items);
    for (size_t i = 0; i < scan.count; i++)
        items[i] = item_of(&scan.files[i], conn);
    pinky_status st = pinky_sync_detect_changes(db, uid, conn, (const pinky_sync_item *const *)items,
                                                scan.count, flags, diff);
    *nfiles = scan.count;
    free_items(items, scan.count);
    demo_scan_free(&scan);
    return st == PINKY_OK ? 0 : fail("detecting changes");
}

typedef struct sync_stats {
    size_t files;
    int64_t bytes;
    double seconds;
} sync_stats;

static int sync_tree(pinky_db *db, int32_t uid, const char *root, pinky_uuid *conn_out,
                     sync_stats *stats)
{
    printf("\n== 2. sync %s\n", root);
    if (new_connection(db, uid, "Debian documentation", root, conn_out))
        return 1;
    double t0 = now_s();
    demo_scan scan;
    if (demo_scan_tree(root, &scan) != 0) {
        fprintf(stderr, "demo: cannot scan %s: %s\n", root, strerror(errno));
        return 1;
    }
    printf("  scanned %zu files and directories, %.1f MB, in %.2f s\n", scan.count,
           scan.bytes / 1e6, now_s() - t0);

    pinky_sync_operation op;
    pinky_sync_operation_init(&op);
    op.connection_id = *conn_out;
    op.status = PINKY_SYNC_STATUS_PENDING;
    pinky_sync_operation *opr;
    if (pinky_sync_operation_create(db, uid, &op, &opr) != PINKY_OK)
        return fail("creating the sync operation");
    pinky_uuid opid = opr->id;
    pinky_sync_operation_free(opr);
    if (pinky_sync_operation_start(db, uid, &opid, (int32_t)scan.count, NULL) != PINKY_OK)
        return fail("starting the sync operation");

    double t1 = now_s();
    const size_t batch = 1000;
    int64_t bytes = 0;
    for (size_t off = 0; off < scan.count; off += batch) {
        size_t n = scan.count - off < batch ? scan.count - off : batch;
        pinky_sync_item **items = calloc(n, sizeof *items);
        for (size_t i = 0; i < n; i++) {
            items[i] = item_of(&scan.files[off + i], conn_out);
            bytes += scan.files[off + i].size;
        }
        pinky_status st = pinky_sync_item_upsert_many(db, uid, (const pinky_sync_item *const *)items,
                                                      n, NULL);
        free_items(items, n);
        if (st != PINKY_OK)
            return fail("storing sync items");
        if (pinky_sync_operation_progress(db, uid, &opid, (int32_t)(off + n), bytes, NULL) != PINKY_OK)
            return fail("recording progress");
        progress("items", off + n, scan.count, t1);
    }
    stats->files = scan.count;
    stats->bytes = scan.bytes;
    stats->seconds = now_s() - t1;
    demo_scan_free(&scan);
    pinky_sync_operation *done;
    if (pinky_sync_operation_finish(db, uid, &opid, PINKY_SYNC_STATUS_COMPLETED, NULL, NULL, &done) !=
        PINKY_OK)
        return fail("finishing the sync operation");
    printf("  operation %s: %d of %d items, %.1f MB\n", pinky_sync_status_str(done->status),
           done->items_processed.value, done->items_total.value,
           done->bytes_transferred.value / 1e6);
    pinky_sync_operation_free(done);

    /* a second scan of the same tree: nothing changed */
    pinky_sync_diff *diff;
    size_t n;
    if (scan_and_diff(db, uid, conn_out, root, 0, &diff, &n))
        return 1;
    printf("  second scan: %llu new, %llu changed, %llu gone, %llu unchanged\n",
           (unsigned long long)diff->new_count, (unsigned long long)diff->changed_count,
           (unsigned long long)diff->gone_count, (unsigned long long)diff->unchanged_count);
    int changes = diff->new_count + diff->changed_count + diff->gone_count != 0;
    pinky_sync_diff_free(diff);
    if (changes) {
        fprintf(stderr, "demo: the second scan of an unchanged tree reported changes\n");
        return 1;
    }
    return 0;
}

/* A scratch copy of a subtree: change one file, and only that is reported. */
static int sync_scratch_copy(pinky_db *db, int32_t uid, const char *root)
{
    const char *pkgs[] = {"libpq5", "postgresql-common", "bash", "coreutils", "dpkg", NULL};
    char src[512] = "";
    for (int i = 0; pkgs[i]; i++) {
        snprintf(src, sizeof src, "%s/%s", root, pkgs[i]);
        if (access(src, R_OK) == 0)
            break;
        src[0] = '\0';
    }
    if (src[0] == '\0') {
        printf("  (no known package directory to copy; scratch-copy step skipped)\n");
        return 0;
    }
    char dir[] = "/tmp/pinky-demo-XXXXXX";
    if (mkdtemp(dir) == NULL)
        return 1;
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "cp -R '%s' '%s/' && chmod -R u+w '%s'", src, dir, dir);
    int rc = system(cmd);
    int result = 1;
    pinky_uuid conn;
    pinky_sync_diff *diff = NULL;
    size_t n = 0;
    if (rc != 0 || new_connection(db, uid, "scratch copy", dir, &conn) ||
        scan_and_diff(db, uid, &conn, dir, PINKY_SYNC_DIFF_APPLY, &diff, &n))
        goto out;
    printf("  scratch copy of %s: %zu entries stored (%llu new)\n", src, n,
           (unsigned long long)diff->new_count);
    pinky_sync_diff_free(diff);
    diff = NULL;
    /* change one file */
    char find[1200], victim[1024] = "";
    snprintf(find, sizeof find, "find '%s' -type f | sort | head -n 1", dir);
    FILE *p = popen(find, "r");
    if (p && fgets(victim, sizeof victim, p))
        victim[strcspn(victim, "\n")] = '\0';
    if (p)
        pclose(p);
    FILE *f = victim[0] ? fopen(victim, "a") : NULL;
    if (f == NULL)
        goto out;
    fputs("\nchanged by the libpinky demo\n", f);
    fclose(f);
    if (scan_and_diff(db, uid, &conn, dir, PINKY_SYNC_DIFF_APPLY | PINKY_SYNC_DIFF_PATHS, &diff, &n))
        goto out;
    printf("  after changing %s: %llu new, %llu changed, %llu gone, %llu unchanged\n",
           victim + strlen(dir) + 1, (unsigned long long)diff->new_count,
           (unsigned long long)diff->changed_count, (unsigned long long)diff->gone_count,
           (unsigned long long)diff->unchanged_count);
    for (size_t i = 0; i < diff->npaths; i++)
        printf("    %s\n", diff->paths[i]);
    if (diff->changed_count != 1 || diff->new_count || diff->gone_count) {
        fprintf(stderr, "demo: expected exactly one changed file\n");
        goto out;
    }
    result = 0;
out:
    pinky_sync_diff_free(diff);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "demo: could not remove %s\n", dir);
    return result;
}

/* ---- 3. documents ------------------------------------------------------- */

static int register_copyrights(pinky_db *db, int32_t uid, const char *root,
                               const pinky_uuid *conn, size_t *ndocs)
{
    printf("\n== 3. copyright files as LEGAL documents\n");
    demo_scan scan;
    if (demo_scan_tree(root, &scan) != 0)
        return 1;
    size_t total = 0;
    for (size_t i = 0; i < scan.count; i++) {
        const char *p = scan.files[i].path, *slash = strchr(p, '/');
        if (slash && strcmp(slash, "/copyright") == 0)
            total++;
    }
    double t0 = now_s();
    pinky_uuid first_id;
    char first_pkg[128] = "";
    size_t done = 0;
    for (size_t i = 0; i < scan.count; i++) {
        demo_file *f = &scan.files[i];
        const char *slash = strchr(f->path, '/');
        if (slash == NULL || strcmp(slash, "/copyright") != 0)
            continue;
        char pkg[128], title[300], path[1024];
        snprintf(pkg, sizeof pkg, "%.*s", (int)(slash - f->path), f->path);
        snprintf(title, sizeof title, "%s copyright", pkg);
        snprintf(path, sizeof path, "%s/%s", root, f->path);
        pinky_document d;
        pinky_document_init(&d);
        d.title = title;
        d.category = PINKY_DOCUMENT_CATEGORY_LEGAL;
        d.path = path;
        d.platform = "UBUNTU";
        d.connection_id = pinky_uuid_val(conn);
        d.size = pinky_i64(f->size);
        d.mime_type = "text/plain";
        pinky_document *doc;
        if (pinky_document_create(db, uid, &d, &doc) != PINKY_OK)
            return fail("creating a document");
        if (pinky_document_tag_add(db, uid, &doc->id, pkg) != PINKY_OK)
            return fail("tagging a document");
        if (first_pkg[0] == '\0') {
            first_id = doc->id;
            snprintf(first_pkg, sizeof first_pkg, "%s", pkg);
        }
        pinky_document_free(doc);
        progress("documents", ++done, total, t0);
    }
    demo_scan_free(&scan);
    *ndocs = done;
    if (done == 0)
        return 0;
    pinky_document_version v;
    pinky_document_version_init(&v);
    char path[300];
    snprintf(path, sizeof path, "%s/%s/copyright", root, first_pkg);
    v.path = path;
    v.comment = "reviewed by the demo";
    pinky_document_version *nv;
    if (pinky_document_new_version(db, uid, &first_id, &v, &nv) != PINKY_OK)
        return fail("making a second version");
    printf("  %s copyright: now version %d (%s)\n", first_pkg, nv->version_number, nv->comment);
    pinky_document_version_free(nv);
    const char *tags[] = {first_pkg};
    pinky_document_page *pg;
    if (pinky_document_list_by_tags(db, uid, tags, 1, NULL, &pg) != PINKY_OK)
        return fail("listing documents by tag");
    printf("  documents tagged \"%s\": %zu\n", first_pkg, pg->count);
    pinky_document_page_free(pg);
    return 0;
}

/* ---- 4. communications -------------------------------------------------- */

typedef struct ingest {
    pinky_db *db;
    int32_t uid;
    size_t max, count, per_package, pkg_count;
    pinky_comm **batch;
    float (*vectors)[DEMO_DIM];
    char **tag_text; /* 2 per item */
    size_t *tag_counts;
    size_t n;
    double t0;
    double in_library; /* seconds spent in pinky_comm_ingest */
    int failed;
    /* the security fix to search with */
    char probe_subject[300];
    float probe[DEMO_DIM];
    int have_probe;
} ingest;

#define INGEST_BATCH 500

static int flush_batch(ingest *g)
{
    if (g->n == 0)
        return 0;
    double t0 = now_s();
    pinky_status st = pinky_comm_ingest(g->db, g->uid, (const pinky_comm *const *)g->batch, g->n,
                                        (const char *const *)g->tag_text, g->tag_counts, NULL);
    g->in_library += now_s() - t0;
    for (size_t i = 0; i < g->n; i++) {
        free(g->batch[i]->content);
        free(g->batch[i]->subject);
        free(g->batch[i]->sender);
        free(g->batch[i]);
        free(g->tag_text[2 * i]);
        free(g->tag_text[2 * i + 1]);
    }
    g->count += g->n;
    g->n = 0;
    if (st != PINKY_OK)
        return fail("ingesting communications");
    return 0;
}

/* Entries seen, by a 64-bit hash of their subject "source (version)":
   binary packages built from one source ship copies of one changelog. */
static uint64_t *g_seen;
static size_t g_seen_cap, g_seen_n;

static bool seen_before(const char *subject)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (const char *p = subject; *p; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
    h |= 1; /* 0 marks an empty slot */
    if (g_seen_n * 2 >= g_seen_cap) {
        size_t cap = g_seen_cap ? g_seen_cap * 2 : 4096;
        uint64_t *t = calloc(cap, sizeof *t);
        for (size_t i = 0; i < g_seen_cap; i++)
            if (g_seen[i]) {
                size_t j = g_seen[i] & (cap - 1);
                while (t[j])
                    j = (j + 1) & (cap - 1);
                t[j] = g_seen[i];
            }
        free(g_seen);
        g_seen = t;
        g_seen_cap = cap;
    }
    size_t j = h & (g_seen_cap - 1);
    for (; g_seen[j]; j = (j + 1) & (g_seen_cap - 1))
        if (g_seen[j] == h)
            return true;
    g_seen[j] = h;
    g_seen_n++;
    return false;
}

static int on_entry(const demo_entry *e, void *ctx)
{
    ingest *g = ctx;
    if (g->failed || (g->max && g->count + g->n >= g->max))
        return 1;
    if (g->per_package && g->pkg_count >= g->per_package)
        return 1;
    if (seen_before(e->subject))
        return g->pkg_count == 0; /* a copy of a changelog read before: skip the file */
    g->pkg_count++;
    pinky_comm *c = calloc(1, sizeof *c);
    pinky_comm_init(c);
    c->source = "debian-changelog";
    c->communication_date = pinky_time_val(e->date);
    c->sender = strdup(e->sender);
    c->subject = strdup(e->subject);
    c->content = strdup(e->content);
    char text[8192];
    snprintf(text, sizeof text, "%s %s", e->subject, e->content);
    demo_embed(text, g->vectors[g->n]);
    c->content_vector = g->vectors[g->n];
    c->content_vector_dim = DEMO_DIM;
    g->batch[g->n] = c;
    g->tag_text[2 * g->n] = strdup(e->package);
    char urg[64];
    snprintf(urg, sizeof urg, "urgency:%s", e->urgency);
    g->tag_text[2 * g->n + 1] = strdup(urg);
    g->tag_counts[g->n] = 2;
    if (!g->have_probe && strstr(e->content, "CVE-") != NULL) {
        snprintf(g->probe_subject, sizeof g->probe_subject, "%s", e->subject);
        memcpy(g->probe, g->vectors[g->n], sizeof g->probe);
        g->have_probe = 1;
    }
    g->n++;
    if (g->n == INGEST_BATCH && flush_batch(g) != 0) {
        g->failed = 1;
        return 1;
    }
    return 0;
}

static int ingest_changelogs(pinky_db *db, int32_t uid, const char *root, size_t max, ingest *g)
{
    printf("\n== 4. Debian changelog entries as communications (%s)\n",
           max ? "a few thousand; --all for every one" : "all of them");
    memset(g, 0, sizeof *g);
    g->db = db;
    g->uid = uid;
    g->max = max;
    g->per_package = max ? 10 : 0;
    g->batch = calloc(INGEST_BATCH, sizeof *g->batch);
    g->vectors = calloc(INGEST_BATCH, sizeof *g->vectors);
    g->tag_text = calloc(2 * INGEST_BATCH, sizeof *g->tag_text);
    g->tag_counts = calloc(INGEST_BATCH, sizeof *g->tag_counts);
    g->t0 = now_s();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls '%s'/*/changelog.Debian.gz 2>/dev/null", root);
    FILE *ls = popen(cmd, "r");
    char path[1024];
    size_t files = 0;
    /* binary packages of one source share a changelog (symlinks): read each once */
    char **seen = NULL;
    size_t nseen = 0;
    while (ls && !g->failed && fgets(path, sizeof path, ls)) {
        path[strcspn(path, "\n")] = '\0';
        char *real = realpath(path, NULL);
        bool dup = real == NULL;
        for (size_t i = 0; !dup && i < nseen; i++)
            dup = strcmp(seen[i], real) == 0;
        if (dup) {
            free(real);
            continue;
        }
        seen = realloc(seen, (nseen + 1) * sizeof *seen);
        seen[nseen++] = real;
        g->pkg_count = 0;
        demo_changelog_each(path, 0, on_entry, g);
        files++;
        if (g->max && g->count + g->n >= g->max)
            break;
        if (g->count % 100 == 0 || g->n == 0)
            progress("entries", g->count + g->n, g->max ? g->max : g->count + g->n, g->t0);
    }
    if (ls)
        pclose(ls);
    for (size_t i = 0; i < nseen; i++)
        free(seen[i]);
    free(seen);
    free(g_seen);
    if (g->failed || flush_batch(g) != 0)
        return 1;
    progress("entries", g->count, g->count, g->t0);
    printf("  %zu entries from %zu changelogs in %.2f s\n", g->count, files, now_s() - g->t0);
    free(g->batch);
    free(g->vectors);
    free(g->tag_text);
    free(g->tag_counts);
    return 0;
}

/* ---- 5. similarity and the workflow ------------------------------------- */

static int similar(pinky_db *db, int32_t uid, ingest *g, double *latency_ms)
{
    printf("\n== 5. entries most similar to a security fix\n");
    if (!g->have_probe) {
        printf("  (no changelog entry mentions a CVE; using the first entry)\n");
        demo_embed("security fix CVE", g->probe);
    } else {
        printf("  query: %s\n", g->probe_subject);
    }
    pinky_comm_similar_filter f;
    pinky_comm_similar_filter_init(&f);
    pinky_comm_matches *m;
    double best = 1e9;
    for (int i = 0; i < 5; i++) { /* the best of a few runs: a warm figure */
        double t0 = now_s();
        if (pinky_comm_similar(db, uid, g->probe, DEMO_DIM, 10, &f, &m) != PINKY_OK)
            return fail("searching similar communications");
        double ms = (now_s() - t0) * 1000;
        best = ms < best ? ms : best;
        if (i < 4)
            pinky_comm_matches_free(m);
    }
    *latency_ms = best;
    for (size_t i = 0, shown = 0; i < m->count && shown < 5; i++) {
        if (g->have_probe && strcmp(m->items[i]->subject, g->probe_subject) == 0)
            continue; /* the query itself */
        char when[PINKY_TIME_STRLEN];
        pinky_time_format(m->items[i]->communication_date.value, when);
        printf("  %.4f  %-40.40s %.10s\n", m->distances[i], m->items[i]->subject, when);
        shown++;
    }
    pinky_comm_matches_free(m);
    return 0;
}

/* Rows per table, counted through the list functions (pages of 1000). */
#define COUNT_ROWS(NAME, CALL_ARGS, OUT)                                                  \
    do {                                                                                  \
        pinky_##NAME##_filter f_;                                                         \
        pinky_##NAME##_filter_init(&f_);                                                  \
        f_.limit = 1000;                                                                  \
        char *cur_ = NULL;                                                                \
        OUT = 0;                                                                          \
        for (;;) {                                                                        \
            f_.cursor = cur_;                                                             \
            pinky_##NAME##_page *p_;                                                      \
            if (pinky_##NAME##_list CALL_ARGS != PINKY_OK)                                \
                return fail("counting " #NAME " rows");                                   \
            OUT += p_->count;                                                             \
            free(cur_);                                                                   \
            cur_ = p_->next_cursor ? strdup(p_->next_cursor) : NULL;                      \
            pinky_##NAME##_page_free(p_);                                                 \
            if (cur_ == NULL)                                                             \
                break;                                                                    \
        }                                                                                 \
    } while (0)

static int summary(pinky_db *db, int32_t uid)
{
    size_t n;
    printf("\n== 6. the demo user's rows per table (counted through the list functions)\n");
#define SHOW(label)  printf("  %-22s %8zu\n", label, n)
    COUNT_ROWS(user_preference, (db, uid, &f_, &p_), n); SHOW("user_preferences");
    COUNT_ROWS(platform_connection, (db, uid, &f_, &p_), n); SHOW("platform_connections");
    COUNT_ROWS(sync_operation, (db, uid, &f_, &p_), n); SHOW("sync_operations");
    COUNT_ROWS(sync_item, (db, uid, &f_, &p_), n); SHOW("sync_items");
    COUNT_ROWS(document, (db, uid, &f_, &p_), n); SHOW("documents");
    COUNT_ROWS(document_version, (db, uid, &f_, &p_), n); SHOW("document_versions");
    COUNT_ROWS(workflow, (db, uid, &f_, &p_), n); SHOW("workflows");
    COUNT_ROWS(workflow_execution, (db, uid, &f_, &p_), n); SHOW("workflow_executions");
    COUNT_ROWS(comm, (db, uid, &f_, &p_), n); SHOW("communications");
    COUNT_ROWS(audit_log, (db, &f_, &p_), n); SHOW("audit_logs");
#undef SHOW
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: demo [--all] [--max-entries N] [--root DIR] [--help]\n"
            "  The libpinky tour against the database in PINKY_DSN (a libpq connection\n"
            "  string); `make demo` starts a throwaway PostgreSQL when it is unset.\n"
            "  --all            ingest every changelog entry (default: about 3000)\n"
            "  --max-entries N  ingest at most N changelog entries\n"
            "  --root DIR       the tree to sync (default /usr/share/doc)\n"
            "  The embeddings are a deterministic bag-of-words hashing stand-in for a\n"
            "  real embedding model (examples/demo/embed.c); callers bring their own.\n");
}

int main(int argc, char **argv)
{
    const char *root = "/usr/share/doc";
    size_t max_entries = 3000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--all") == 0) {
            max_entries = 0;
        } else if (strcmp(argv[i], "--max-entries") == 0) {
            char *end = NULL;
            const char *arg = i + 1 < argc ? argv[++i] : "";
            unsigned long v = strtoul(arg, &end, 10);
            if (arg[0] < '1' || arg[0] > '9' || *end != '\0' || v > 10000000) {
                fprintf(stderr, "demo: --max-entries needs a number from 1 to 10000000\n");
                return 2;
            }
            max_entries = v;
        } else if (strcmp(argv[i], "--root") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "demo: --root needs a directory\n");
                return 2;
            }
            root = argv[++i];
        } else {
            fprintf(stderr, "demo: unknown option %s\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    g_tty = isatty(STDOUT_FILENO);
    double t_start = now_s();
    printf("libpinky %s demo\n", pinky_version());

    pinky_db_options opt;
    pinky_db_options_init(&opt);
    opt.application_name = "pinky-demo";
    opt.audit = true;
    pinky_db *db;
    if (pinky_db_open(&opt, &db) != PINKY_OK)
        return fail("connecting (set PINKY_DSN, or run `make demo`)");
    pinky_audit_set_context("127.0.0.1", "libpinky-demo/" PINKY_VERSION_STRING);

    /* 1. schema and user */
    printf("\n== 1. schema and user\n");
    int32_t before = 0, after = 0;
    if (pinky_schema_version(db, &before) != PINKY_OK || pinky_migrate(db) != PINKY_OK ||
        pinky_schema_version(db, &after) != PINKY_OK)
        return fail("migrating");
    printf("  schema version %d -> %d (%zu migrations embedded)\n", before, after,
           pinky_migration_count());
    pinky_user *old = NULL;
    if (pinky_user_get_by_username(db, "pinky-demo", &old) == PINKY_OK) {
        if (pinky_user_delete(db, old->id) != PINKY_OK) /* cascades to everything it owns */
            return fail("removing the previous demo user");
        pinky_user_free(old);
    }
    pinky_user u;
    pinky_user_init(&u);
    u.username = "pinky-demo";
    u.email = "demo@pinky.invalid";
    u.first_name = "Pinky";
    pinky_user *me;
    if (pinky_user_create(db, &u, &me) != PINKY_OK)
        return fail("creating the user");
    int32_t uid = me->id;
    printf("  user #%d %s\n", uid, me->username);
    pinky_user_free(me);
    if (pinky_user_preference_set(db, uid, "theme", "{\"mode\": \"dark\"}", NULL) != PINKY_OK ||
        pinky_user_preference_set(db, uid, "sync.roots", "[\"/usr/share/doc\"]", NULL) != PINKY_OK)
        return fail("setting preferences");

    /* the run is a workflow execution */
    pinky_workflow w;
    pinky_workflow_init(&w);
    w.name = "demo tour";
    w.steps = "[\"sync\", \"documents\", \"ingest\", \"similar\"]";
    pinky_workflow *wf;
    if (pinky_workflow_create(db, uid, &w, &wf) != PINKY_OK)
        return fail("creating the workflow");
    pinky_workflow_execution *run;
    if (pinky_workflow_execution_start(db, uid, &wf->id, NULL, &run) != PINKY_OK)
        return fail("starting the workflow execution");

    pinky_uuid conn;
    sync_stats ss = {0, 0, 0};
    size_t ndocs = 0;
    ingest g;
    double t_ingest, latency = 0;
    if (sync_tree(db, uid, root, &conn, &ss) || sync_scratch_copy(db, uid, root) ||
        register_copyrights(db, uid, root, &conn, &ndocs))
        return 1;
    t_ingest = now_s();
    if (ingest_changelogs(db, uid, root, max_entries, &g))
        return 1;
    t_ingest = now_s() - t_ingest;
    if (similar(db, uid, &g, &latency))
        return 1;

    char results[256];
    snprintf(results, sizeof results,
             "{\"files\": %zu, \"documents\": %zu, \"communications\": %zu}", ss.files, ndocs,
             g.count);
    pinky_workflow_execution *fin;
    if (pinky_workflow_execution_finish(db, uid, &run->id, PINKY_EXECUTION_STATUS_COMPLETED,
                                        results, NULL, &fin) != PINKY_OK)
        return fail("finishing the workflow execution");
    printf("  workflow \"%s\": execution %s, results %s\n", wf->name,
           pinky_execution_status_str(fin->status), fin->results);
    pinky_workflow_execution_free(fin);
    pinky_workflow_execution_free(run);
    pinky_workflow_free(wf);

    if (summary(db, uid))
        return 1;
    printf("\n== rates\n");
    printf("  sync:        %zu items in %.2f s = %.0f items/s (%.1f MB)\n", ss.files, ss.seconds,
           ss.files / ss.seconds, ss.bytes / 1e6);
    printf("  ingest:      %zu messages in %.2f s = %.0f messages/s in pinky_comm_ingest, with the\n"
           "               HNSW index maintained per row and the audit trail on "
           "(%.0f/s with reading and embedding)\n",
           g.count, g.in_library, g.count / g.in_library, g.count / t_ingest);
    printf("  similarity:  top-10 of %zu vectors in %.2f ms\n", g.count, latency);
    printf("  total:       %.1f s\n", now_s() - t_start);
    pinky_db_close(db);
    printf("demo: done\n");
    return 0;
}
