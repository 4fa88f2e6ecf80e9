/*
 * libpinky -- communications (messages, mails, chats) with their embedding
 * vectors, and communication_tags.
 *
 * Conventions as in user.h: call *_init before filling a struct, free what
 * the library returns with the matching *_free, and read pinky_error_last()
 * after a failure (nothing is written and *out stays NULL).
 */
#ifndef PINKY_COMM_H
#define PINKY_COMM_H

#include "user.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The dimension of communications.content_vector (vector(1536)). */
#define PINKY_COMM_VECTOR_DIM 1536

/* ---- communications ------------------------------------------------------ */
typedef struct pinky_comm {
    uint32_t struct_size;
    pinky_uuid id;                     /* server-assigned */
    int32_t user_id;                   /* the owner: set from the acting user */
    char *source;                      /* required, VARCHAR(50), free text ("gmail", "slack") */
    char *source_id;                   /* VARCHAR(255), the source's own id; nullable */
    /* Required (NOT NULL).  An option struct so that "not given" is INVALID
       rather than silently 1970-01-01; +/-infinity are accepted. */
    pinky_opt_time communication_date;
    char *sender;                      /* VARCHAR(255), nullable */
    char *recipients;                  /* JSON text, nullable */
    char *subject;                     /* nullable */
    char *content;                     /* nullable */
    /* The embedding: NULL, or exactly PINKY_COMM_VECTOR_DIM finite floats
       (anything else is INVALID).  Stored bit-exactly. */
    float *content_vector;
    uint32_t content_vector_dim;
    char *attachments;                 /* JSON text, nullable */
    char *metadata;                    /* JSON text, nullable */
    pinky_time created_at;             /* server-assigned */
    pinky_time updated_at;             /* server-assigned, kept current on update */
} pinky_comm;

/* Field mask bits for pinky_comm_update. */
#define PINKY_COMM_SOURCE             (UINT64_C(1) << 0)
#define PINKY_COMM_SOURCE_ID          (UINT64_C(1) << 1)
#define PINKY_COMM_COMMUNICATION_DATE (UINT64_C(1) << 2)
#define PINKY_COMM_SENDER             (UINT64_C(1) << 3)
#define PINKY_COMM_RECIPIENTS         (UINT64_C(1) << 4)
#define PINKY_COMM_SUBJECT            (UINT64_C(1) << 5)
#define PINKY_COMM_CONTENT            (UINT64_C(1) << 6)
#define PINKY_COMM_CONTENT_VECTOR     (UINT64_C(1) << 7) /* content_vector and its _dim */
#define PINKY_COMM_ATTACHMENTS        (UINT64_C(1) << 8)
#define PINKY_COMM_METADATA           (UINT64_C(1) << 9)

typedef struct pinky_comm_filter {
    uint32_t struct_size;
    uint32_t limit;                    /* 0: PINKY_LIST_DEFAULT_LIMIT; at most PINKY_LIST_MAX_LIMIT */
    const char *cursor;                /* NULL: first page */
    const char *source;                /* source equals this, NULL: any */
    pinky_opt_time communication_date_from;   /* communication_date >= */
    pinky_opt_time communication_date_before; /* communication_date < */
    const char *subject_contains;      /* case-insensitive substring of subject, NULL: any */
    const char *tag;                   /* has this tag, NULL: any */
} pinky_comm_filter;

typedef struct pinky_comm_page {
    pinky_comm **items;
    size_t count;
    char *next_cursor;                 /* NULL on the last page */
} pinky_comm_page;

/* Zeroes *comm and sets struct_size. */
PINKY_API void pinky_comm_init(pinky_comm *comm);
/* Zeroes the filter (no narrowing, default limit) and sets struct_size. */
PINKY_API void pinky_comm_filter_init(pinky_comm_filter *filter);
/*
 * Inserts a communication owned by user_id from *in (id, user_id and the
 * timestamps are ignored) and returns the stored row in *out (may be NULL).
 * INVALID naming the field for bad input (missing source or
 * communication_date, too long text, bad UTF-8 or JSON, a vector whose
 * dimension is not 1536 or that holds NaN/infinity); NOT_FOUND when the user
 * does not exist.
 */
PINKY_API pinky_status pinky_comm_create(pinky_db *db, int32_t user_id, const pinky_comm *in,
                                         pinky_comm **out);
/* Reads one of user_id's communications.  NOT_FOUND when absent or another user's. */
PINKY_API pinky_status pinky_comm_get(pinky_db *db, int32_t user_id, const pinky_uuid *id,
                                      pinky_comm **out);
/*
 * Changes the fields named in mask (PINKY_COMM_* bits) to their values in
 * *in (NULL clears a nullable field).  A non-NULL expected_updated_at that
 * differs from the row's is CONFLICT and writes nothing.  NOT_FOUND when the
 * row is absent or another user's.  *out (may be NULL) gets the stored row.
 */
PINKY_API pinky_status pinky_comm_update(pinky_db *db, int32_t user_id, const pinky_uuid *id,
                                         const pinky_comm *in, uint64_t mask,
                                         const pinky_time *expected_updated_at, pinky_comm **out);
/* Deletes a communication and (by cascade) its tags.  NOT_FOUND when absent or another user's. */
PINKY_API pinky_status pinky_comm_delete(pinky_db *db, int32_t user_id, const pinky_uuid *id);
/*
 * One page of user_id's communications, most recent first (communication_date
 * descending, then id descending).  filter may be NULL.  Free with
 * pinky_comm_page_free.
 */
PINKY_API pinky_status pinky_comm_list(pinky_db *db, int32_t user_id,
                                       const pinky_comm_filter *filter, pinky_comm_page **out);
PINKY_API void pinky_comm_free(pinky_comm *comm);
PINKY_API void pinky_comm_page_free(pinky_comm_page *page);

/* ---- communication_tags -------------------------------------------------- */
typedef struct pinky_comm_tag {
    uint32_t struct_size;
    pinky_uuid communication_id;
    char *tag;                         /* VARCHAR(255), non-empty */
    pinky_time created_at;             /* when the tag was first added */
} pinky_comm_tag;

typedef struct pinky_comm_tag_filter {
    uint32_t struct_size;
    uint32_t limit;
    const char *cursor;
    const char *tag_prefix;            /* tag starts with this, NULL: any */
} pinky_comm_tag_filter;

typedef struct pinky_comm_tag_page {
    pinky_comm_tag **items;
    size_t count;
    char *next_cursor;
} pinky_comm_tag_page;

/* Zeroes the filter (no narrowing, default limit) and sets struct_size. */
PINKY_API void pinky_comm_tag_filter_init(pinky_comm_tag_filter *filter);
/*
 * Tags communication comm_id of user_id with tag.  Idempotent: adding a tag
 * it already has succeeds and keeps the first created_at.  NOT_FOUND when the
 * communication is absent or another user's; INVALID for an empty, too long
 * or non-UTF-8 tag.
 */
PINKY_API pinky_status pinky_comm_tag_add(pinky_db *db, int32_t user_id, const pinky_uuid *comm_id,
                                          const char *tag);
/* Removes a tag.  NOT_FOUND when the communication does not have it (or is not user_id's). */
PINKY_API pinky_status pinky_comm_tag_remove(pinky_db *db, int32_t user_id,
                                             const pinky_uuid *comm_id, const char *tag);
/*
 * One page of a communication's tags in tag order.  filter may be NULL.
 * NOT_FOUND when the communication is absent or another user's.  Free with
 * pinky_comm_tag_page_free.
 */
PINKY_API pinky_status pinky_comm_tag_list(pinky_db *db, int32_t user_id,
                                           const pinky_uuid *comm_id,
                                           const pinky_comm_tag_filter *filter,
                                           pinky_comm_tag_page **out);
/*
 * Makes tags[0..n-1] exactly the communication's tags, atomically (n == 0
 * removes them all).  Every tag is validated first: INVALID naming
 * "tags[i]" writes nothing.  NOT_FOUND when the communication is not user_id's.
 */
PINKY_API pinky_status pinky_comm_tag_set(pinky_db *db, int32_t user_id, const pinky_uuid *comm_id,
                                          const char *const *tags, size_t n);
PINKY_API void pinky_comm_tag_free(pinky_comm_tag *tag);
PINKY_API void pinky_comm_tag_page_free(pinky_comm_tag_page *page);

/* ---- bulk ingest ---------------------------------------------------------- */
/*
 * Inserts n communications owned by user_id in one transaction, through
 * binary COPY (communications, then communication_tags).  items[i] is read
 * like pinky_comm_create's *in (id, user_id and the timestamps are ignored;
 * created_at and updated_at become the transaction's time).  items[i] gets
 * tag_counts[i] tags taken consecutively from tags (so tags holds the sum of
 * tag_counts); tags and tag_counts may both be NULL (no tags).  A tag given
 * twice for one item is stored once.  ids_out (may be NULL, else n entries)
 * receives the new ids in item order; it is written only on success.
 * Every item and tag is validated before anything is sent: INVALID naming
 * "items[i]: comm.<field>" or "tags[j]" (j indexes the flat tags array)
 * rejects the whole batch and writes nothing; so does any failure later
 * (NOT_FOUND naming user_id when the user does not exist).  n == 0 is OK
 * and does nothing.  Inside a transaction handle the rows join that
 * transaction.
 */
PINKY_API pinky_status pinky_comm_ingest(pinky_db *db, int32_t user_id,
                                         const pinky_comm *const *items, size_t n,
                                         const char *const *tags, const size_t *tag_counts,
                                         pinky_uuid *ids_out);

/* ---- similarity search ----------------------------------------------------- */
/* The largest k pinky_comm_similar accepts. */
#define PINKY_COMM_SIMILAR_MAX_K 1000

typedef struct pinky_comm_similar_filter {
    uint32_t struct_size;
    const char *source;            /* source equals this, NULL: any */
    pinky_opt_time date_from;      /* communication_date >= */
    pinky_opt_time date_before;    /* communication_date <  */
    const char *tag;               /* carries this tag, NULL: any */
    uint32_t ef_search;            /* hnsw.ef_search for this query, 1..1000; 0: 100.
                                      Raised to k when below it. */
    bool exact;                    /* exact scan without the vector index (for measuring recall) */
} pinky_comm_similar_filter;

/* Zeroes *filter and sets struct_size (any source/date/tag, ef_search 100, index scan). */
PINKY_API void pinky_comm_similar_filter_init(pinky_comm_similar_filter *filter);

typedef struct pinky_comm_matches {
    pinky_comm **items;            /* nearest first */
    double *distances;             /* cosine distance of items[i], same order */
    size_t count;
} pinky_comm_matches;

/*
 * The k communications of user_id nearest to query by cosine distance
 * (content_vector <=> query), nearest first, among those with a
 * content_vector that pass filter (NULL: no filter).  Fewer than k only
 * when fewer than k rows qualify.
 *
 * By default the HNSW index communications_content_vector_hnsw answers
 * (approximate) with pgvector's iterative index scan, so a selective filter
 * still fills k rows (for a very selective filter the planner may rather
 * sort the few qualifying rows exactly); should the index scan give up
 * early (it visits at most hnsw.max_scan_tuples entries) the exact scan
 * answers instead.  filter->exact forces the exact scan: every qualifying
 * row's distance, sorted.  The search settings last only for this call,
 * also inside a caller's transaction.  Rows come whole (vector included).
 *
 * query: exactly PINKY_COMM_VECTOR_DIM finite floats (dim says how many);
 * k: 1..PINKY_COMM_SIMILAR_MAX_K.  Anything else is INVALID naming "query",
 * "k" or the filter field.  Free *out with pinky_comm_matches_free.
 */
PINKY_API pinky_status pinky_comm_similar(pinky_db *db, int32_t user_id, const float *query,
                                          uint32_t dim, uint32_t k,
                                          const pinky_comm_similar_filter *filter,
                                          pinky_comm_matches **out);
/* Frees the matches, their rows and distances (NULL is fine). */
PINKY_API void pinky_comm_matches_free(pinky_comm_matches *matches);

#ifdef __cplusplus
}
#endif
#endif /* PINKY_COMM_H */
