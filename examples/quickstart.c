/* The README's example: open, migrate, store a user and a preference, read them back. */
#include <stdio.h>
#include <pinky/pinky.h>

static int fail(const char *what)
{
    const pinky_error *e = pinky_error_last();
    fprintf(stderr, "%s: %s: %s\n", what, pinky_status_str(e->status), e->message);
    return 1;
}

int main(void)
{
    pinky_db *db;
    if (pinky_db_open(NULL, &db) != PINKY_OK) /* NULL options: PINKY_DSN, defaults */
        return fail("open");
    if (pinky_migrate(db) != PINKY_OK)
        return fail("migrate");

    pinky_user u;
    pinky_user_init(&u);
    u.username = "quickstart";
    u.email = "quickstart@example.invalid";
    pinky_user *old = NULL;
    if (pinky_user_get_by_username(db, u.username, &old) == PINKY_OK) {
        pinky_user_delete(db, old->id); /* start over on every run */
        pinky_user_free(old);
    }
    pinky_user *me;
    if (pinky_user_create(db, &u, &me) != PINKY_OK)
        return fail("create user");
    if (pinky_user_preference_set(db, me->id, "theme", "{\"mode\": \"dark\"}", NULL) != PINKY_OK)
        return fail("set preference");

    pinky_user_preference *pref;
    if (pinky_user_preference_get(db, me->id, "theme", &pref) != PINKY_OK)
        return fail("get preference");
    char when[PINKY_TIME_STRLEN];
    pinky_time_format(me->created_at, when);
    printf("user %d %s created %s, theme = %s\n", me->id, me->username, when,
           pref->preference_value);

    pinky_user_preference_free(pref);
    pinky_user_free(me);
    pinky_db_close(db);
    return 0;
}
