/*
 * make demo: the main job of libpinky, on real data.
 *
 * Migrates the database named by PINKY_DSN (make demo starts a throwaway
 * PostgreSQL when it is unset), then stores a user with preferences and
 * reads everything back from the database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pinky/pinky.h>

static int fail(const char *what)
{
    const pinky_error *e = pinky_error_last();
    fprintf(stderr, "demo: %s failed: %s: %s%s%s\n", what, pinky_status_str(e->status), e->message,
            e->sqlstate[0] ? " SQLSTATE " : "", e->sqlstate);
    return 1;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: demo [--help]\n"
               "  Runs libpinky's tour against the database in PINKY_DSN (a libpq\n"
               "  connection string); `make demo` provides a throwaway PostgreSQL.\n");
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
        fprintf(stderr, "demo: unknown option %s\n", argv[i]);
        usage(stderr);
        return 2;
    }
    printf("libpinky %s\n", pinky_version());

    pinky_db_options opt;
    pinky_db_options_init(&opt);
    opt.application_name = "pinky-demo";
    pinky_db *db;
    if (pinky_db_open(&opt, &db) != PINKY_OK)
        return fail("connecting (set PINKY_DSN, or run `make demo`)");

    /* 1. the schema */
    int32_t before = 0, after = 0;
    if (pinky_schema_version(db, &before) != PINKY_OK || pinky_migrate(db) != PINKY_OK ||
        pinky_schema_version(db, &after) != PINKY_OK)
        return fail("migrating");
    printf("schema: version %d -> %d\n", before, after);
    for (size_t i = 0; i < pinky_migration_count(); i++) {
        const pinky_migration *m = pinky_migration_at(i);
        printf("  %-22s sha256 %.16s...\n", m->name, m->checksum);
    }

    /* 2. a user (the same name on every run: replace the previous one) */
    char host[64] = "localhost";
    gethostname(host, sizeof host - 1);
    pinky_user *old = NULL;
    if (pinky_user_get_by_username(db, "pinky-demo", &old) == PINKY_OK) {
        if (pinky_user_delete(db, old->id) != PINKY_OK)
            return fail("removing the previous demo user");
        pinky_user_free(old);
    }
    pinky_user u;
    pinky_user_init(&u);
    u.username = "pinky-demo";
    u.email = "demo@pinky.invalid";
    u.first_name = "Pinky";
    u.last_name = host;
    pinky_user *me;
    if (pinky_user_create(db, &u, &me) != PINKY_OK)
        return fail("creating the user");

    /* 3. preferences, stored as JSONB */
    const char *prefs[][2] = {
        {"theme", "{\"mode\": \"dark\", \"accent\": \"#ff69b4\"}"},
        {"language", "\"en\""},
        {"notifications", "{\"email\": true, \"push\": false, \"quiet_hours\": [22, 7]}"},
        {"sync.roots", "[\"/home\", \"/usr/share/doc\"]"},
    };
    for (size_t i = 0; i < sizeof prefs / sizeof prefs[0]; i++)
        if (pinky_user_preference_set(db, me->id, prefs[i][0], prefs[i][1], NULL) != PINKY_OK)
            return fail("setting a preference");

    /* 4. read it all back from the database */
    pinky_user *back;
    if (pinky_user_get(db, me->id, &back) != PINKY_OK)
        return fail("reading the user");
    char created[PINKY_TIME_STRLEN];
    pinky_time_format(back->created_at, created);
    printf("user #%d %s <%s> %s %s, created %s\n", back->id, back->username, back->email,
           back->first_name, back->last_name, created);
    pinky_user_preference_page *page;
    if (pinky_user_preference_list(db, me->id, NULL, &page) != PINKY_OK)
        return fail("listing preferences");
    printf("preferences (%zu):\n", page->count);
    for (size_t i = 0; i < page->count; i++)
        printf("  %-14s = %s\n", page->items[i]->preference_key, page->items[i]->preference_value);
    if (page->count != sizeof prefs / sizeof prefs[0]) {
        fprintf(stderr, "demo: expected %zu preferences, read %zu\n", sizeof prefs / sizeof prefs[0],
                page->count);
        return 1;
    }
    pinky_user_preference_page_free(page);

    pinky_db_stats st;
    pinky_db_stats_init(&st);
    if (pinky_db_get_stats(db, &st) == PINKY_OK)
        printf("pool: %u connection(s), %llu acquires, avg wait %llu us\n", st.total,
               (unsigned long long)st.acquires, (unsigned long long)st.acquire_wait_avg_us);
    pinky_user_free(back);
    pinky_user_free(me);
    pinky_db_close(db);
    printf("demo: done\n");
    return 0;
}
