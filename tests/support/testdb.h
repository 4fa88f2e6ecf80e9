/*
 * Test support for integration tests: each test program works in scratch
 * databases of its own, created on the server PINKY_DSN names and dropped
 * at exit, and checks what the library wrote with plain libpq queries.
 */
#ifndef PT_TESTDB_H
#define PT_TESTDB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include "pinky/pinky.h"

/* A new empty database; returns its conninfo (static storage per call). */
const char *pt_new_database(void);
/* The shared, migrated scratch database of this program and a pool on it. */
const char *pt_conninfo(void);
pinky_db *pt_db(void);
/* A raw libpq connection to the shared scratch database. */
PGconn *pt_pg(void);
/* Runs SQL on the scratch database (fails the test on error). */
void pt_exec(const char *fmt, ...);
/* First column of the first row as a number / string (malloc'd). */
long long pt_num(const char *fmt, ...);
char *pt_str(const char *fmt, ...);
/* A name unique within this test run: "<prefix>-<pid>-<n>". */
const char *pt_unique(const char *prefix);
/* unit repeated n times (malloc'd): maximum-length values in multibyte text. */
char *pt_repeat(const char *unit, int n);
/* Canonical text of a UUID, in one of 8 rotating static buffers. */
const char *pt_uuid_str(const pinky_uuid *u);
/* Splits a comma-separated list in place into parts[0..cap); returns the count. */
int pt_split_csv(char *s, char **parts, int cap);
/* A user to own test data. */
int32_t pt_user(void);

/* Asserts a status, printing the thread's error when it differs. */
#define pt_ok(expr) pt_expect_status((expr), PINKY_OK, #expr, __FILE__, __LINE__)
#define pt_status(expr, want) pt_expect_status((expr), (want), #expr, __FILE__, __LINE__)
void pt_expect_status(pinky_status got, pinky_status want, const char *expr, const char *file,
                      int line);
/* Asserts the last error names `field` in its message and field. */
void pt_error_names(const char *field);

#endif
