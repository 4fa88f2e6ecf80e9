/* Private to lib/db: the migrations embedded by tools/embed_sql. */
#ifndef PK_MIGRATIONS_H
#define PK_MIGRATIONS_H

#include <stddef.h>

typedef struct pk_embedded_sql {
    int version;
    const char *name;
    const char *sql;
} pk_embedded_sql;

extern const pk_embedded_sql pk_embedded_migrations[];
extern const size_t pk_embedded_migration_count;

#endif
