/*
 * libpinky -- properties and property_transactions (real estate).
 *
 * A property belongs to a user; its transactions (offers, sales, leases,
 * ...) belong to it.  Money and sizes are exact decimals: scaled integers
 * with the column's scale (listing_price 12.34 is 1234, bathrooms 2.5 is 25).
 * Conventions as in user.h: call *_init first, free returned rows with
 * *_free, lists return pages with a cursor, failures leave *out NULL and
 * name the field at fault in pinky_error_last().  Another user's properties
 * and transactions are NOT_FOUND.
 */
#ifndef PINKY_PROPERTY_H
#define PINKY_PROPERTY_H

#include "user.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- properties ---------------------------------------------------------- */
typedef struct pinky_property {
    uint32_t struct_size;
    pinky_uuid id;                   /* server-assigned */
    int32_t user_id;                 /* the owner: set from the acting user */
    char *address;                   /* required, JSON object */
    char *property_type;             /* required, VARCHAR(50) */
    char *status;                    /* required, VARCHAR(50), free text */
    pinky_opt_decimal listing_price; /* DECIMAL(15,2): cents */
    pinky_opt_decimal size_sqft;     /* DECIMAL(10,2): hundredths */
    pinky_opt_i32 bedrooms;
    pinky_opt_decimal bathrooms;     /* DECIMAL(3,1): tenths, 2.5 is 25 */
    pinky_opt_i32 year_built;
    char *features;                  /* JSON, nullable */
    char *documents;                 /* JSON, nullable */
    char *contacts;                  /* JSON, nullable */
    char *timeline;                  /* JSON, nullable; pinky_property_set_status appends to it */
    char *metadata;                  /* JSON, nullable */
    pinky_time created_at;           /* server-assigned */
    pinky_time updated_at;           /* server-assigned, kept current on update */
} pinky_property;

/* Decimal scales of the columns (value = scaled / 10^scale). */
#define PINKY_PROPERTY_LISTING_PRICE_SCALE 2
#define PINKY_PROPERTY_SIZE_SQFT_SCALE     2
#define PINKY_PROPERTY_BATHROOMS_SCALE     1

/* Field mask bits for pinky_property_update. */
#define PINKY_PROPERTY_ADDRESS       (UINT64_C(1) << 0)
#define PINKY_PROPERTY_PROPERTY_TYPE (UINT64_C(1) << 1)
#define PINKY_PROPERTY_STATUS        (UINT64_C(1) << 2)
#define PINKY_PROPERTY_LISTING_PRICE (UINT64_C(1) << 3)
#define PINKY_PROPERTY_SIZE_SQFT     (UINT64_C(1) << 4)
#define PINKY_PROPERTY_BEDROOMS      (UINT64_C(1) << 5)
#define PINKY_PROPERTY_BATHROOMS     (UINT64_C(1) << 6)
#define PINKY_PROPERTY_YEAR_BUILT    (UINT64_C(1) << 7)
#define PINKY_PROPERTY_FEATURES      (UINT64_C(1) << 8)
#define PINKY_PROPERTY_DOCUMENTS     (UINT64_C(1) << 9)
#define PINKY_PROPERTY_CONTACTS      (UINT64_C(1) << 10)
#define PINKY_PROPERTY_TIMELINE      (UINT64_C(1) << 11)
#define PINKY_PROPERTY_METADATA      (UINT64_C(1) << 12)

typedef struct pinky_property_filter {
    uint32_t struct_size;
    uint32_t limit;                /* 0: PINKY_LIST_DEFAULT_LIMIT; at most PINKY_LIST_MAX_LIMIT */
    const char *cursor;            /* NULL: first page */
    const char *status;            /* exact status, NULL: any */
    const char *property_type;     /* exact property_type, NULL: any */
    pinky_opt_time created_from;   /* created_at >= */
    pinky_opt_time created_before; /* created_at < */
} pinky_property_filter;

typedef struct pinky_property_page {
    pinky_property **items;
    size_t count;
    char *next_cursor;             /* NULL on the last page */
} pinky_property_page;

/* Zeroes *property and sets struct_size. */
PINKY_API void pinky_property_init(pinky_property *property);
/* Zeroes the filter (no narrowing, default limit) and sets struct_size. */
PINKY_API void pinky_property_filter_init(pinky_property_filter *filter);
/*
 * Inserts a property owned by user_id from *in (id, user_id and timestamps
 * are ignored); the stored row goes to *out (may be NULL).  INVALID for bad
 * fields, including a decimal that does not fit its column; NOT_FOUND when
 * the user does not exist.
 */
PINKY_API pinky_status pinky_property_create(pinky_db *db, int32_t user_id,
                                             const pinky_property *in, pinky_property **out);
/* Reads one of user_id's properties.  NOT_FOUND when there is none. */
PINKY_API pinky_status pinky_property_get(pinky_db *db, int32_t user_id, const pinky_uuid *id,
                                          pinky_property **out);
/*
 * Changes the fields named in mask (PINKY_PROPERTY_* bits).  When
 * expected_updated_at is not NULL and differs from the row's, nothing is
 * written: CONFLICT.  *out (may be NULL) gets the stored row.
 */
PINKY_API pinky_status pinky_property_update(pinky_db *db, int32_t user_id, const pinky_uuid *id,
                                             const pinky_property *in, uint64_t mask,
                                             const pinky_time *expected_updated_at,
                                             pinky_property **out);
/* Deletes a property and, by cascade, its transactions. */
PINKY_API pinky_status pinky_property_delete(pinky_db *db, int32_t user_id, const pinky_uuid *id);
/* One page of user_id's properties in (created_at, id) order; filter may be NULL. */
PINKY_API pinky_status pinky_property_list(pinky_db *db, int32_t user_id,
                                           const pinky_property_filter *filter,
                                           pinky_property_page **out);
PINKY_API void pinky_property_free(pinky_property *property);
PINKY_API void pinky_property_page_free(pinky_property_page *page);

/*
 * Sets the property's status and appends {"status": new, "from": old,
 * "at": server time as ISO 8601 UTC, "note": note or null} to its timeline
 * (a NULL timeline becomes a one-entry array; a non-array timeline is
 * wrapped into an array first).  One statement, so concurrent changes never
 * lose entries.  INVALID for an empty, too long (over 50 characters) or
 * non-UTF-8 status or note; NOT_FOUND when the property is not user_id's.
 * *out (may be NULL) gets the stored row.
 */
PINKY_API pinky_status pinky_property_set_status(pinky_db *db, int32_t user_id,
                                                 const pinky_uuid *property_id,
                                                 const char *status, const char *note,
                                                 pinky_property **out);

/* ---- property_transactions ----------------------------------------------- */
typedef struct pinky_property_transaction {
    uint32_t struct_size;
    pinky_uuid id;                    /* server-assigned */
    pinky_uuid property_id;           /* required: a property of the acting user */
    char *transaction_type;           /* required, VARCHAR(50) */
    char *status;                     /* required, VARCHAR(50), free text */
    pinky_opt_decimal amount;         /* DECIMAL(15,2): cents */
    pinky_opt_time transaction_date;  /* nullable */
    char *parties;                    /* JSON, nullable */
    char *documents;                  /* JSON, nullable */
    char *timeline;                   /* JSON, nullable */
    char *metadata;                   /* JSON, nullable */
    pinky_time created_at;            /* server-assigned */
    pinky_time updated_at;            /* server-assigned, kept current on update */
} pinky_property_transaction;

#define PINKY_PROPERTY_TRANSACTION_AMOUNT_SCALE 2

/* Field mask bits for pinky_property_transaction_update. */
#define PINKY_PROPERTY_TRANSACTION_TRANSACTION_TYPE (UINT64_C(1) << 0)
#define PINKY_PROPERTY_TRANSACTION_STATUS           (UINT64_C(1) << 1)
#define PINKY_PROPERTY_TRANSACTION_AMOUNT           (UINT64_C(1) << 2)
#define PINKY_PROPERTY_TRANSACTION_TRANSACTION_DATE (UINT64_C(1) << 3)
#define PINKY_PROPERTY_TRANSACTION_PARTIES          (UINT64_C(1) << 4)
#define PINKY_PROPERTY_TRANSACTION_DOCUMENTS        (UINT64_C(1) << 5)
#define PINKY_PROPERTY_TRANSACTION_TIMELINE         (UINT64_C(1) << 6)
#define PINKY_PROPERTY_TRANSACTION_METADATA         (UINT64_C(1) << 7)

typedef struct pinky_property_transaction_filter {
    uint32_t struct_size;
    uint32_t limit;
    const char *cursor;
    pinky_opt_uuid property_id;              /* unset: all the user's properties */
    const char *status;                      /* exact status, NULL: any */
    const char *transaction_type;            /* exact type, NULL: any */
    pinky_opt_time transaction_date_from;    /* transaction_date >= */
    pinky_opt_time transaction_date_before;  /* transaction_date < */
} pinky_property_transaction_filter;

typedef struct pinky_property_transaction_page {
    pinky_property_transaction **items;
    size_t count;
    char *next_cursor;
} pinky_property_transaction_page;

/* Zeroes the struct and sets struct_size: call before filling it in. */
PINKY_API void pinky_property_transaction_init(pinky_property_transaction *transaction);
/* Zeroes the filter (no narrowing, default limit) and sets struct_size. */
PINKY_API void pinky_property_transaction_filter_init(pinky_property_transaction_filter *filter);
/*
 * Inserts a transaction of in->property_id.  NOT_FOUND when that property
 * does not exist or belongs to another user; INVALID for bad fields.
 * *out (may be NULL) gets the stored row.
 */
PINKY_API pinky_status pinky_property_transaction_create(pinky_db *db, int32_t user_id,
                                                         const pinky_property_transaction *in,
                                                         pinky_property_transaction **out);
PINKY_API pinky_status pinky_property_transaction_get(pinky_db *db, int32_t user_id,
                                                      const pinky_uuid *id,
                                                      pinky_property_transaction **out);
/* Changes the fields named in mask (PINKY_PROPERTY_TRANSACTION_* bits); a
   stale expected_updated_at is CONFLICT with nothing written. */
PINKY_API pinky_status pinky_property_transaction_update(pinky_db *db, int32_t user_id,
                                                         const pinky_uuid *id,
                                                         const pinky_property_transaction *in,
                                                         uint64_t mask,
                                                         const pinky_time *expected_updated_at,
                                                         pinky_property_transaction **out);
PINKY_API pinky_status pinky_property_transaction_delete(pinky_db *db, int32_t user_id,
                                                         const pinky_uuid *id);
/*
 * One page of the user's transactions ordered by (property_id,
 * transaction_date, id): each property's transactions in date order,
 * undated ones last.  Set filter->property_id for one property's.
 */
PINKY_API pinky_status pinky_property_transaction_list(pinky_db *db, int32_t user_id,
                                                       const pinky_property_transaction_filter *filter,
                                                       pinky_property_transaction_page **out);
PINKY_API void pinky_property_transaction_free(pinky_property_transaction *transaction);
PINKY_API void pinky_property_transaction_page_free(pinky_property_transaction_page *page);

#ifdef __cplusplus
}
#endif
#endif /* PINKY_PROPERTY_H */
