/*
 * libpinky -- documents, their version history (document_versions) and tags
 * (document_tags).
 *
 * Conventions as in user.h: call *_init before filling a struct, free what
 * the library returns with the matching *_free, and read pinky_error_last()
 * after a failure (nothing is written and *out stays NULL).  Every function
 * takes the acting user's id: another user's documents, and their versions
 * and tags, are NOT_FOUND.
 */
#ifndef PINKY_DOCUMENT_H
#define PINKY_DOCUMENT_H

#include "user.h"

#ifdef __cplusplus
extern "C" {
#endif

/* documents.category (0: unset / NULL). */
typedef enum pinky_document_category {
    PINKY_DOCUMENT_CATEGORY_PERSONAL = 1,
    PINKY_DOCUMENT_CATEGORY_LEGAL = 2,
    PINKY_DOCUMENT_CATEGORY_TAX = 3,
    PINKY_DOCUMENT_CATEGORY_INSURANCE = 4,
    PINKY_DOCUMENT_CATEGORY_BUSINESS = 5,
    PINKY_DOCUMENT_CATEGORY_OTHER = 6
} pinky_document_category;

/* "PERSONAL", ...; NULL for a value that is not a category (0 included). */
PINKY_API const char *pinky_document_category_str(pinky_document_category category);
/* The category named by text (exact, upper case).  INVALID naming "category" otherwise. */
PINKY_API pinky_status pinky_document_category_parse(const char *text,
                                                     pinky_document_category *out);

/* ---- documents ----------------------------------------------------------- */
typedef struct pinky_document {
    uint32_t struct_size;
    pinky_uuid id;                     /* server-assigned */
    int32_t user_id;                   /* the owner: set from the acting user */
    char *title;                       /* required, VARCHAR(255) */
    pinky_document_category category;  /* 0: NULL */
    char *path;                        /* required, non-empty */
    char *platform;                    /* required, VARCHAR(50), free text ("UBUNTU", "web") */
    /* A platform connection of the acting user (another user's is NOT_FOUND). */
    pinky_opt_uuid connection_id;
    pinky_opt_i64 size;                /* bytes, nullable */
    char *mime_type;                   /* VARCHAR(255), nullable */
    /* The current version number, at least 1; unset on create: 1.  Advanced
       by pinky_document_new_version. */
    pinky_opt_i32 version;
    char *metadata;                    /* JSON text, nullable */
    pinky_time created_at;             /* server-assigned */
    pinky_time updated_at;             /* server-assigned, kept current on update */
} pinky_document;

/* Field mask bits for pinky_document_update. */
#define PINKY_DOCUMENT_TITLE         (UINT64_C(1) << 0)
#define PINKY_DOCUMENT_CATEGORY      (UINT64_C(1) << 1)
#define PINKY_DOCUMENT_PATH          (UINT64_C(1) << 2)
#define PINKY_DOCUMENT_PLATFORM      (UINT64_C(1) << 3)
#define PINKY_DOCUMENT_CONNECTION_ID (UINT64_C(1) << 4)
#define PINKY_DOCUMENT_SIZE          (UINT64_C(1) << 5)
#define PINKY_DOCUMENT_MIME_TYPE     (UINT64_C(1) << 6)
#define PINKY_DOCUMENT_VERSION       (UINT64_C(1) << 7)
#define PINKY_DOCUMENT_METADATA      (UINT64_C(1) << 8)

typedef struct pinky_document_filter {
    uint32_t struct_size;
    uint32_t limit;                    /* 0: PINKY_LIST_DEFAULT_LIMIT; at most PINKY_LIST_MAX_LIMIT */
    const char *cursor;                /* NULL: first page */
    pinky_document_category category;  /* 0: any */
    pinky_opt_uuid connection_id;      /* unset: any */
    const char *title_contains;        /* case-insensitive substring, NULL: any */
    const char *tag;                   /* carries this tag, NULL: any */
    pinky_opt_time created_from;       /* created_at >= */
    pinky_opt_time created_before;     /* created_at < */
    pinky_opt_time updated_from;       /* updated_at >= */
    pinky_opt_time updated_before;     /* updated_at < */
} pinky_document_filter;

typedef struct pinky_document_page {
    pinky_document **items;
    size_t count;
    char *next_cursor;                 /* NULL on the last page */
} pinky_document_page;

/* The most tags pinky_document_list_by_tags accepts in one call. */
#define PINKY_DOCUMENT_LIST_TAGS_MAX 32

/* Zeroes *document and sets struct_size. */
PINKY_API void pinky_document_init(pinky_document *document);
/* Zeroes the filter (no narrowing, default limit) and sets struct_size. */
PINKY_API void pinky_document_filter_init(pinky_document_filter *filter);
/*
 * Inserts a document owned by user_id from *in (id, user_id and timestamps
 * are ignored) together with its first document_versions row -- numbered
 * with the document's version (1 unless in->version says otherwise), with
 * the document's path and size, created_by user_id -- in one transaction:
 * both rows or neither.  Returns the stored document in *out (may be NULL).
 * INVALID for bad fields; NOT_FOUND naming user_id / connection_id when the
 * user or the user's platform connection does not exist.
 */
PINKY_API pinky_status pinky_document_create(pinky_db *db, int32_t user_id,
                                             const pinky_document *in, pinky_document **out);
/* Reads a document of user_id.  NOT_FOUND when there is none. */
PINKY_API pinky_status pinky_document_get(pinky_db *db, int32_t user_id, const pinky_uuid *id,
                                          pinky_document **out);
/*
 * Changes the fields named in mask (PINKY_DOCUMENT_* bits) to their values
 * in *in (NULL strings / unset options / category 0 clear nullable fields).
 * When expected_updated_at is not NULL and differs from the row's, nothing
 * is written: CONFLICT.  NOT_FOUND for another user's document or platform
 * connection.  Returns the stored row in *out (may be NULL).
 */
PINKY_API pinky_status pinky_document_update(pinky_db *db, int32_t user_id, const pinky_uuid *id,
                                             const pinky_document *in, uint64_t mask,
                                             const pinky_time *expected_updated_at,
                                             pinky_document **out);
/* Deletes a document and, by cascade, its versions and tags.  NOT_FOUND when absent. */
PINKY_API pinky_status pinky_document_delete(pinky_db *db, int32_t user_id, const pinky_uuid *id);
/*
 * One page of user_id's documents in (created_at, id) order (a NULL
 * created_at first), narrowed by *filter (may be NULL).  Free with
 * pinky_document_page_free.
 */
PINKY_API pinky_status pinky_document_list(pinky_db *db, int32_t user_id,
                                           const pinky_document_filter *filter,
                                           pinky_document_page **out);
/*
 * Like pinky_document_list, restricted to documents that carry ALL of the
 * n tags (n == 0: no restriction; at most PINKY_DOCUMENT_LIST_TAGS_MAX).
 * Cursors are those of pinky_document_list.  INVALID for a NULL, empty,
 * too long or non-UTF-8 tag.
 */
PINKY_API pinky_status pinky_document_list_by_tags(pinky_db *db, int32_t user_id,
                                                   const char *const *tags, size_t n,
                                                   const pinky_document_filter *filter,
                                                   pinky_document_page **out);
PINKY_API void pinky_document_free(pinky_document *document);
PINKY_API void pinky_document_page_free(pinky_document_page *page);

/* ---- document_versions --------------------------------------------------- */
typedef struct pinky_document_version {
    uint32_t struct_size;
    pinky_uuid id;                     /* server-assigned */
    pinky_uuid document_id;            /* the document (of the acting user) */
    int32_t version_number;            /* required, at least 1, unique per document */
    char *path;                        /* required, non-empty */
    pinky_opt_i64 size;                /* bytes, nullable */
    char *hash;                        /* VARCHAR(255), nullable */
    pinky_time created_at;             /* server-assigned */
    pinky_opt_i32 created_by;          /* a users.id, nullable */
    char *comment;                     /* nullable */
} pinky_document_version;

/* Field mask bits for pinky_document_version_update. */
#define PINKY_DOCUMENT_VERSION_VERSION_NUMBER (UINT64_C(1) << 0)
#define PINKY_DOCUMENT_VERSION_PATH           (UINT64_C(1) << 1)
#define PINKY_DOCUMENT_VERSION_SIZE           (UINT64_C(1) << 2)
#define PINKY_DOCUMENT_VERSION_HASH           (UINT64_C(1) << 3)
#define PINKY_DOCUMENT_VERSION_CREATED_BY     (UINT64_C(1) << 4)
#define PINKY_DOCUMENT_VERSION_COMMENT        (UINT64_C(1) << 5)

typedef struct pinky_document_version_filter {
    uint32_t struct_size;
    uint32_t limit;                    /* 0: PINKY_LIST_DEFAULT_LIMIT; at most PINKY_LIST_MAX_LIMIT */
    const char *cursor;                /* NULL: first page */
    pinky_opt_uuid document_id;        /* unset: every document of the user */
    pinky_opt_i32 created_by;          /* unset: any */
    pinky_opt_time created_from;       /* created_at >= */
    pinky_opt_time created_before;     /* created_at < */
} pinky_document_version_filter;

typedef struct pinky_document_version_page {
    pinky_document_version **items;
    size_t count;
    char *next_cursor;                 /* NULL on the last page */
} pinky_document_version_page;

/* Zeroes the struct and sets struct_size: call before filling it in. */
PINKY_API void pinky_document_version_init(pinky_document_version *version);
/* Zeroes the filter (no narrowing, default limit) and sets struct_size. */
PINKY_API void pinky_document_version_filter_init(pinky_document_version_filter *filter);
/*
 * Inserts a version row from *in with its explicit version_number (the
 * document's own version is not changed: see pinky_document_new_version).
 * NOT_FOUND naming document_id when the document is not user_id's;
 * CONFLICT naming document_versions_document_id_version_number_key for a
 * number the document already has; CONSTRAINT for a created_by that is not
 * a user.  *out may be NULL.
 */
PINKY_API pinky_status pinky_document_version_create(pinky_db *db, int32_t user_id,
                                                     const pinky_document_version *in,
                                                     pinky_document_version **out);
/* Reads a version row by id.  NOT_FOUND when absent or not user_id's. */
PINKY_API pinky_status pinky_document_version_get(pinky_db *db, int32_t user_id,
                                                  const pinky_uuid *id,
                                                  pinky_document_version **out);
/*
 * Changes the fields named in mask (PINKY_DOCUMENT_VERSION_* bits).  The
 * table has no updated_at: expected_updated_at must be NULL (else INVALID).
 * Errors as for create.  *out may be NULL.
 */
PINKY_API pinky_status pinky_document_version_update(pinky_db *db, int32_t user_id,
                                                     const pinky_uuid *id,
                                                     const pinky_document_version *in,
                                                     uint64_t mask,
                                                     const pinky_time *expected_updated_at,
                                                     pinky_document_version **out);
PINKY_API pinky_status pinky_document_version_delete(pinky_db *db, int32_t user_id,
                                                     const pinky_uuid *id);
/* One page of user_id's version rows in (document_id, version_number) order. */
PINKY_API pinky_status pinky_document_version_list(pinky_db *db, int32_t user_id,
                                                   const pinky_document_version_filter *filter,
                                                   pinky_document_version_page **out);
/*
 * Records a new version of a document: in one transaction, advances
 * documents.version to one past the larger of its current value and the
 * highest version_number recorded, and inserts the version row with that
 * number, in->path / size / hash / comment and created_by user_id
 * (in->document_id, version_number and created_by are ignored).  Concurrent
 * calls on one document queue on the document's row lock: each gets its own
 * number, none is lost, none fails.  Only version (and updated_at) of the
 * document change.  NOT_FOUND when the document is not user_id's; INVALID
 * for bad fields or when the number would exceed INT32_MAX.  *out may be NULL.
 */
PINKY_API pinky_status pinky_document_new_version(pinky_db *db, int32_t user_id,
                                                  const pinky_uuid *document_id,
                                                  const pinky_document_version *in,
                                                  pinky_document_version **out);
PINKY_API void pinky_document_version_free(pinky_document_version *version);
PINKY_API void pinky_document_version_page_free(pinky_document_version_page *page);

/* ---- document_tags ------------------------------------------------------- */
/* A tag on a document.  Tags are VARCHAR(255), non-empty, case-sensitive. */
typedef struct pinky_document_tag {
    uint32_t struct_size;
    pinky_uuid document_id;
    char *tag;
    pinky_time created_at;             /* when the tag was first added */
} pinky_document_tag;

typedef struct pinky_document_tag_filter {
    uint32_t struct_size;
    uint32_t limit;                    /* 0: PINKY_LIST_DEFAULT_LIMIT; at most PINKY_LIST_MAX_LIMIT */
    const char *cursor;                /* NULL: first page */
    const char *tag_prefix;            /* tag starts with this, NULL: any */
} pinky_document_tag_filter;

typedef struct pinky_document_tag_page {
    pinky_document_tag **items;
    size_t count;
    char *next_cursor;                 /* NULL on the last page */
} pinky_document_tag_page;

/* Zeroes the filter (no narrowing, default limit) and sets struct_size. */
PINKY_API void pinky_document_tag_filter_init(pinky_document_tag_filter *filter);
/*
 * Adds a tag to a document of user_id.  Adding a tag the document already
 * has is OK and keeps its created_at.  NOT_FOUND (nothing written) when the
 * document is not user_id's; INVALID naming "tag" for a NULL, empty,
 * non-UTF-8 or longer than 255 characters tag.
 */
PINKY_API pinky_status pinky_document_tag_add(pinky_db *db, int32_t user_id,
                                              const pinky_uuid *document_id, const char *tag);
/* Removes a tag.  NOT_FOUND when the document does not carry it or is not user_id's. */
PINKY_API pinky_status pinky_document_tag_remove(pinky_db *db, int32_t user_id,
                                                 const pinky_uuid *document_id, const char *tag);
/*
 * One page of a document's tags in tag order (the database's collation),
 * narrowed by *filter (may be NULL).  NOT_FOUND when the
 * document is not user_id's.  Free with pinky_document_tag_page_free.
 */
PINKY_API pinky_status pinky_document_tag_list(pinky_db *db, int32_t user_id,
                                               const pinky_uuid *document_id,
                                               const pinky_document_tag_filter *filter,
                                               pinky_document_tag_page **out);
/*
 * Makes tags[0..n-1] exactly the document's tags, atomically: tags not in
 * the list are removed, new ones added, kept ones keep their created_at
 * (duplicates in the list are fine; n == 0 removes every tag).  Every tag
 * is validated first: INVALID naming "tags[i]" writes nothing.  NOT_FOUND
 * when the document is not user_id's.
 */
PINKY_API pinky_status pinky_document_tag_set(pinky_db *db, int32_t user_id,
                                              const pinky_uuid *document_id,
                                              const char *const *tags, size_t n);
PINKY_API void pinky_document_tag_free(pinky_document_tag *tag);
PINKY_API void pinky_document_tag_page_free(pinky_document_tag_page *page);

#ifdef __cplusplus
}
#endif
#endif /* PINKY_DOCUMENT_H */
