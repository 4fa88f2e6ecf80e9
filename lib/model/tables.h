/*
 * lib/model -- table descriptions one table file shares with another
 * (a foreign key to a user-owned row of another family).
 */
#ifndef PK_TABLES_H
#define PK_TABLES_H

#include "model/model.h"

/* lib/model/sync.c: referenced by documents.connection_id */
extern const pk_table pk_platform_connections;
/* lib/model/sync.c: the bulk paths in lib/model/sync_bulk.c */
extern const pk_table pk_sync_items;

#endif
