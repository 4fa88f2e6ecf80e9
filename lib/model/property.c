/* properties and property_transactions. */
#include <string.h>
#include "model/model.h"

/* ---- properties ---- */

static const pk_column property_cols[] = {
    {PK_COL(pinky_property, id, PK_UUID, PK_KEY | PK_SERVER | PK_NOTNULL)},
    {PK_COL(pinky_property, user_id, PK_I32, PK_OWNER | PK_NOTNULL)},
    {PK_COL(pinky_property, address, PK_JSON, PK_REQUIRED | PK_NOTNULL | PK_OBJECT),
     .mask = PINKY_PROPERTY_ADDRESS},
    {PK_COL(pinky_property, property_type, PK_TEXT, PK_REQUIRED | PK_NOTNULL), .limit = 50,
     .mask = PINKY_PROPERTY_PROPERTY_TYPE},
    {PK_COL(pinky_property, status, PK_TEXT, PK_REQUIRED | PK_NOTNULL), .limit = 50,
     .mask = PINKY_PROPERTY_STATUS},
    {PK_COL(pinky_property, listing_price, PK_DECIMAL, 0), .precision = 15,
     .scale = PINKY_PROPERTY_LISTING_PRICE_SCALE, .mask = PINKY_PROPERTY_LISTING_PRICE},
    {PK_COL(pinky_property, size_sqft, PK_DECIMAL, 0), .precision = 10,
     .scale = PINKY_PROPERTY_SIZE_SQFT_SCALE, .mask = PINKY_PROPERTY_SIZE_SQFT},
    {PK_COL(pinky_property, bedrooms, PK_OPT_I32, 0), .mask = PINKY_PROPERTY_BEDROOMS},
    {PK_COL(pinky_property, bathrooms, PK_DECIMAL, 0), .precision = 3,
     .scale = PINKY_PROPERTY_BATHROOMS_SCALE, .mask = PINKY_PROPERTY_BATHROOMS},
    {PK_COL(pinky_property, year_built, PK_OPT_I32, 0), .mask = PINKY_PROPERTY_YEAR_BUILT},
    {PK_COL(pinky_property, features, PK_JSON, 0), .mask = PINKY_PROPERTY_FEATURES},
    {PK_COL(pinky_property, documents, PK_JSON, 0), .mask = PINKY_PROPERTY_DOCUMENTS},
    {PK_COL(pinky_property, contacts, PK_JSON, 0), .mask = PINKY_PROPERTY_CONTACTS},
    {PK_COL(pinky_property, timeline, PK_JSON, 0), .mask = PINKY_PROPERTY_TIMELINE},
    {PK_COL(pinky_property, metadata, PK_JSON, 0), .mask = PINKY_PROPERTY_METADATA},
    {PK_COL(pinky_property, created_at, PK_TIME, PK_SERVER)},
    {PK_COL(pinky_property, updated_at, PK_TIME, PK_SERVER | PK_UPDATED)},
};

static const pk_filter_field property_filters[] = {
    PK_EQ_FILTER(pinky_property_filter, status),
    PK_EQ_FILTER(pinky_property_filter, property_type),
    PK_TIME_RANGE(pinky_property_filter, created, "created_at"),
};

static const pk_table properties = {
    .name = "properties",
    .entity = "property",
    .row_size = sizeof(pinky_property),
    .cols = property_cols,
    .ncols = PK_NCOLS(property_cols),
    /* index properties_user_idx (user_id, COALESCE(created_at, '-infinity'), id) */
    .order = {"created_at", "id"},
    .filters = property_filters,
    .nfilters = PK_NCOLS(property_filters),
    .filter_size = sizeof(pinky_property_filter),
};

PK_DEFINE_BASICS(property, properties)
PK_DEFINE_UUID_CRUD(property, properties)

PINKY_API pinky_status pinky_property_set_status(pinky_db *db, int32_t user_id,
                                                 const pinky_uuid *property_id,
                                                 const char *status, const char *note,
                                                 pinky_property **out)
{
    if (out)
        *out = NULL;
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK)
        return st;
    if (property_id == NULL)
        return pk_err(PINKY_INVALID, "property_id", "property_id: NULL pointer");
    if (status == NULL)
        return pk_err(PINKY_INVALID, "property.status", "property.status: is required and cannot be NULL");
    if (status[0] == '\0')
        return pk_err(PINKY_INVALID, "property.status", "property.status: must not be empty");
    if ((st = pk_check_text("property.status", status, 50)) != PINKY_OK)
        return st;
    if (note && (st = pk_check_text("note", note, 0)) != PINKY_OK)
        return st;

    /*
     * Status and timeline change in one UPDATE: concurrent callers queue on
     * the row lock and each one's SET is evaluated on the version the
     * previous one committed, so no timeline entry is lost.
     */
    const pk_table *t = &properties;
    pk_params ps;
    pk_params_init(&ps);
    pk_buf sql;
    pk_buf_init(&sql);
    int s = pk_p_text(&ps, status);
    int n = pk_p_text(&ps, note);
    int id = pk_p_uuid(&ps, property_id);
    pk_buf_printf(&sql,
                  "UPDATE properties AS t SET status = $%d::text, timeline = "
                  "(CASE WHEN t.timeline IS NULL OR jsonb_typeof(t.timeline) = 'null' THEN '[]'::jsonb "
                  "WHEN jsonb_typeof(t.timeline) = 'array' THEN t.timeline "
                  "ELSE jsonb_build_array(t.timeline) END) || "
                  "jsonb_build_array(jsonb_build_object('status', $%d::text, 'from', t.status, "
                  "'at', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
                  "'note', $%d::text)) "
                  "WHERE t.id = $%d::uuid",
                  s, s, n, id);
    pk_sql_owner_pred(&sql, t, &ps, user_id);
    pk_buf_put(&sql, " RETURNING ");
    pk_sql_select_list(&sql, t, 0);
    pk_res *r = NULL;
    st = pk_query_audited(db, t, user_id, "set_status", "{\"fields\": [\"status\", \"timeline\"]}",
                          pk_buf_take(&sql), &ps, &r);
    pk_params_free(&ps);
    if (st != PINKY_OK)
        return st;
    if (pk_res_rows(r) == 0)
        st = pk_err(PINKY_NOT_FOUND, NULL, "property not found");
    else if (out)
        st = pk_row_decode(t, r, 0, 0, (void **)out);
    pk_res_free(r);
    return st;
}

/* ---- property_transactions ---- */

static const pk_column transaction_cols[] = {
    {PK_COL(pinky_property_transaction, id, PK_UUID, PK_KEY | PK_SERVER | PK_NOTNULL)},
    {PK_COL(pinky_property_transaction, property_id, PK_UUID, PK_PARENT | PK_REQUIRED | PK_NOTNULL)},
    {PK_COL(pinky_property_transaction, transaction_type, PK_TEXT, PK_REQUIRED | PK_NOTNULL),
     .limit = 50, .mask = PINKY_PROPERTY_TRANSACTION_TRANSACTION_TYPE},
    {PK_COL(pinky_property_transaction, status, PK_TEXT, PK_REQUIRED | PK_NOTNULL), .limit = 50,
     .mask = PINKY_PROPERTY_TRANSACTION_STATUS},
    {PK_COL(pinky_property_transaction, amount, PK_DECIMAL, 0), .precision = 15,
     .scale = PINKY_PROPERTY_TRANSACTION_AMOUNT_SCALE, .mask = PINKY_PROPERTY_TRANSACTION_AMOUNT},
    {PK_COL(pinky_property_transaction, transaction_date, PK_OPT_TIME, 0),
     .mask = PINKY_PROPERTY_TRANSACTION_TRANSACTION_DATE},
    {PK_COL(pinky_property_transaction, parties, PK_JSON, 0), .mask = PINKY_PROPERTY_TRANSACTION_PARTIES},
    {PK_COL(pinky_property_transaction, documents, PK_JSON, 0),
     .mask = PINKY_PROPERTY_TRANSACTION_DOCUMENTS},
    {PK_COL(pinky_property_transaction, timeline, PK_JSON, 0), .mask = PINKY_PROPERTY_TRANSACTION_TIMELINE},
    {PK_COL(pinky_property_transaction, metadata, PK_JSON, 0), .mask = PINKY_PROPERTY_TRANSACTION_METADATA},
    {PK_COL(pinky_property_transaction, created_at, PK_TIME, PK_SERVER)},
    {PK_COL(pinky_property_transaction, updated_at, PK_TIME, PK_SERVER | PK_UPDATED)},
};

static const pk_filter_field transaction_filters[] = {
    PK_EQ_FILTER(pinky_property_transaction_filter, property_id),
    PK_EQ_FILTER(pinky_property_transaction_filter, status),
    {"transaction_type", offsetof(pinky_property_transaction_filter, transaction_type), PK_EQ,
     "transaction_type", NULL, NULL},
    PK_TIME_RANGE(pinky_property_transaction_filter, transaction_date, "transaction_date"),
};

static const pk_table property_transactions = {
    .name = "property_transactions",
    .entity = "property_transaction",
    .row_size = sizeof(pinky_property_transaction),
    .cols = transaction_cols,
    .ncols = PK_NCOLS(transaction_cols),
    .parent = &properties,
    /* index property_transactions_property_idx
       (property_id, COALESCE(transaction_date, 'infinity'), id): undated last */
    .order = {"property_id", "transaction_date", "id"},
    .order_nulls_last = true,
    .filters = transaction_filters,
    .nfilters = PK_NCOLS(transaction_filters),
    .filter_size = sizeof(pinky_property_transaction_filter),
};

PK_DEFINE_BASICS(property_transaction, property_transactions)
PK_DEFINE_UUID_CRUD(property_transaction, property_transactions)
