/*
 * examples/install-check/consumer.c -- a program built against an installed
 * libpinky using nothing but pkg-config (or meson's dependency('pinky')).
 * Used by scripts/check-install.  Calls only functions that need no
 * database, checks their results and prints them:
 *
 *   version 0.1.0
 *   uuid 6ba7b810-9dad-11d1-80b4-00c04fd430c8
 *   decimal -1234.56 0.05 42 1234
 *   status CONFLICT
 *   migration 1 0001_seed.sql
 *   ...
 *   migrations N
 *   consumer: OK
 *
 * Exit status 0 only when every value is right.
 */
#include <pinky/pinky.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

static void expect_str(const char *what, const char *got, const char *want)
{
    if (got == NULL || strcmp(got, want) != 0) {
        fprintf(stderr, "consumer: %s: got \"%s\", want \"%s\"\n", what,
                got ? got : "(null)", want);
        failures++;
    }
}

static void expect(const char *what, int ok)
{
    if (!ok) {
        fprintf(stderr, "consumer: %s: failed\n", what);
        failures++;
    }
}

static int is_migration_name(const char *name)
{
    size_t n = strlen(name);
    return strspn(name, "0123456789") == 4 && name[4] == '_' && n > 9 &&
           strcmp(name + n - 4, ".sql") == 0;
}

int main(void)
{
    /* The library's version, and the header's. */
    expect_str("pinky_version()", pinky_version(), PINKY_VERSION_STRING);
    printf("version %s\n", pinky_version());

    /* UUIDs: PostgreSQL's input forms in, the canonical form out. */
    const char *canonical = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
    const char *forms[] = {
        "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
        "{6BA7B810-9DAD-11D1-80B4-00C04FD430C8}",
        "6ba7b8109dad11d180b400c04fd430c8",
    };
    char text[PINKY_UUID_STRLEN];
    pinky_uuid first = {{0}};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        pinky_uuid u;
        pinky_status st = pinky_uuid_parse(forms[i], &u);
        expect_str("pinky_uuid_parse status", pinky_status_str(st), "OK");
        if (st != PINKY_OK)
            continue;
        pinky_uuid_format(&u, text);
        expect_str("pinky_uuid_format", text, canonical);
        if (i == 0)
            first = u;
        else
            expect("pinky_uuid_equal", pinky_uuid_equal(&first, &u));
    }
    printf("uuid %s\n", canonical);
    pinky_uuid bad;
    expect("pinky_uuid_parse rejects \"not-a-uuid\"",
           pinky_uuid_parse("not-a-uuid", &bad) == PINKY_INVALID);
    expect("pinky_error_last after INVALID", pinky_error_last()->status == PINKY_INVALID);

    /* Decimals are scaled integers. */
    char dec[4][PINKY_DECIMAL_STRLEN];
    pinky_decimal_format(-123456, 2, dec[0]);
    pinky_decimal_format(5, 2, dec[1]);
    pinky_decimal_format(42, 0, dec[2]);
    expect_str("pinky_decimal_format(-123456, 2)", dec[0], "-1234.56");
    expect_str("pinky_decimal_format(5, 2)", dec[1], "0.05");
    expect_str("pinky_decimal_format(42, 0)", dec[2], "42");
    int64_t cents = 0;
    expect("pinky_decimal_parse(\"12.34\", 15, 2)",
           pinky_decimal_parse("12.34", 15, 2, &cents) == PINKY_OK && cents == 1234);
    snprintf(dec[3], sizeof dec[3], "%lld", (long long)cents);
    printf("decimal %s %s %s %s\n", dec[0], dec[1], dec[2], dec[3]);

    /* Status names. */
    expect_str("pinky_status_str(PINKY_CONFLICT)", pinky_status_str(PINKY_CONFLICT), "CONFLICT");
    printf("status %s\n", pinky_status_str(PINKY_CONFLICT));

    /* The migrations embedded in the library, ascending. */
    size_t count = pinky_migration_count();
    expect("pinky_migration_count() > 0", count > 0);
    int32_t last_version = 0;
    for (size_t i = 0; i < count; i++) {
        const pinky_migration *m = pinky_migration_at(i);
        if (m == NULL || m->name == NULL || m->sql == NULL || m->checksum == NULL) {
            expect("pinky_migration_at(i) complete", 0);
            continue;
        }
        expect("migration file name NNNN_name.sql", is_migration_name(m->name));
        expect("migration version from its name", m->version == atoi(m->name));
        expect("migration versions ascend", m->version > last_version);
        expect("migration has SQL", m->sql[0] != '\0');
        expect("migration checksum is hex SHA-256",
               strlen(m->checksum) == 64 && strspn(m->checksum, "0123456789abcdef") == 64);
        last_version = m->version;
        printf("migration %d %s\n", (int)m->version, m->name);
    }
    expect("pinky_migration_at(count) == NULL", pinky_migration_at(count) == NULL);
    printf("migrations %zu\n", count);

    if (failures) {
        printf("consumer: %d check(s) failed\n", failures);
        return 1;
    }
    printf("consumer: OK\n");
    return 0;
}
