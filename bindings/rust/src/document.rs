//! documents and document_versions.

use std::fmt;
use std::marker::PhantomData;
use std::os::raw::c_char;
use std::ptr;
use std::str::FromStr;

use crate::error::{check, Error, Result, Status};
use crate::ffi::{self, c_opt, c_string, fetch, ptr_of, read_page};
use crate::rows::Rows;
use crate::sys;
use crate::types::{Time, Uuid};

/// `documents.category`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// PERSONAL
    Personal,
    /// LEGAL
    Legal,
    /// TAX
    Tax,
    /// INSURANCE
    Insurance,
    /// BUSINESS
    Business,
    /// OTHER
    Other,
}

impl Category {
    fn code(self) -> sys::pinky_document_category {
        match self {
            Category::Personal => sys::PINKY_DOCUMENT_CATEGORY_PERSONAL,
            Category::Legal => sys::PINKY_DOCUMENT_CATEGORY_LEGAL,
            Category::Tax => sys::PINKY_DOCUMENT_CATEGORY_TAX,
            Category::Insurance => sys::PINKY_DOCUMENT_CATEGORY_INSURANCE,
            Category::Business => sys::PINKY_DOCUMENT_CATEGORY_BUSINESS,
            Category::Other => sys::PINKY_DOCUMENT_CATEGORY_OTHER,
        }
    }

    fn from_code(code: sys::pinky_document_category) -> Result<Option<Category>> {
        Ok(Some(match code {
            0 => return Ok(None),
            sys::PINKY_DOCUMENT_CATEGORY_PERSONAL => Category::Personal,
            sys::PINKY_DOCUMENT_CATEGORY_LEGAL => Category::Legal,
            sys::PINKY_DOCUMENT_CATEGORY_TAX => Category::Tax,
            sys::PINKY_DOCUMENT_CATEGORY_INSURANCE => Category::Insurance,
            sys::PINKY_DOCUMENT_CATEGORY_BUSINESS => Category::Business,
            sys::PINKY_DOCUMENT_CATEGORY_OTHER => Category::Other,
            other => {
                return Err(Error::new(
                    Status::Internal,
                    "category",
                    format!("category: unknown value {}", other),
                ))
            }
        }))
    }

    fn opt_code(c: Option<Category>) -> sys::pinky_document_category {
        c.map_or(0, Category::code)
    }
}

impl fmt::Display for Category {
    /// The stored name: "PERSONAL", "LEGAL", ...
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // SAFETY: a static string for every valid category.
        let s = unsafe { ffi::lossy(sys::pinky_document_category_str(self.code())) };
        f.pad(&s)
    }
}

impl FromStr for Category {
    type Err = Error;

    /// Exact upper-case names; `Invalid` naming "document_category" otherwise.
    fn from_str(s: &str) -> Result<Category> {
        let text = c_string("document_category", s)?;
        let mut out = 0;
        // SAFETY: a C string and an output pointer.
        check(unsafe { sys::pinky_document_category_parse(text.as_ptr(), &mut out) })?;
        Category::from_code(out)?.ok_or_else(|| {
            Error::new(
                Status::Internal,
                "category",
                "category: parsed as unset".to_string(),
            )
        })
    }
}

/// A row of `documents`, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Server-assigned.
    pub id: Uuid,
    /// The owner.
    pub user_id: i32,
    /// Title.
    pub title: String,
    /// Category, if any.
    pub category: Option<Category>,
    /// Where the file is.
    pub path: String,
    /// Free text ("UBUNTU", "web").
    pub platform: String,
    /// A platform connection of the owner.
    pub connection_id: Option<Uuid>,
    /// Bytes.
    pub size: Option<i64>,
    /// MIME type.
    pub mime_type: Option<String>,
    /// The current version number (1 for a new document; advanced by
    /// [`Documents::new_version`]).
    pub version: Option<i32>,
    /// JSON text.
    pub metadata: Option<String>,
    /// Server-assigned.
    pub created_at: Time,
    /// Server-assigned, kept current on update.
    pub updated_at: Time,
}

impl Document {
    fn from_raw(r: &sys::pinky_document) -> Result<Document> {
        // SAFETY: a row from the library: NULL or valid strings.
        unsafe {
            Ok(Document {
                id: Uuid::from_bytes(r.id.bytes),
                user_id: r.user_id,
                title: ffi::text("title", r.title)?,
                category: Category::from_code(r.category)?,
                path: ffi::text("path", r.path)?,
                platform: ffi::text("platform", r.platform)?,
                connection_id: ffi::from_opt_uuid(&r.connection_id),
                size: ffi::from_opt_i64(r.size),
                mime_type: ffi::opt_text("mime_type", r.mime_type)?,
                version: ffi::from_opt_i32(r.version),
                metadata: ffi::opt_text("metadata", r.metadata)?,
                created_at: Time::from_micros(r.created_at),
                updated_at: Time::from_micros(r.updated_at),
            })
        }
    }
}

ffi::page!(sys::pinky_document_page, sys::pinky_document);

/// A document to create. `title`, `path` and `platform` are required;
/// its first version row (number `version`, default 1) is created with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewDocument {
    /// Required, at most 255 characters.
    pub title: String,
    /// Required, non-empty.
    pub path: String,
    /// Required, at most 50 characters.
    pub platform: String,
    /// Optional.
    pub category: Option<Category>,
    /// A platform connection of the owner (another user's is `NotFound`).
    pub connection_id: Option<Uuid>,
    /// Bytes.
    pub size: Option<i64>,
    /// Optional.
    pub mime_type: Option<String>,
    /// The first version's number (default 1).
    pub version: Option<i32>,
    /// JSON text, validated as JSONB would.
    pub metadata: Option<String>,
}

impl NewDocument {
    /// A document with its required fields.
    pub fn new(title: &str, path: &str, platform: &str) -> NewDocument {
        NewDocument {
            title: title.to_string(),
            path: path.to_string(),
            platform: platform.to_string(),
            ..NewDocument::default()
        }
    }
    /// Sets the category.
    pub fn category(mut self, c: Category) -> Self {
        self.category = Some(c);
        self
    }
    /// Sets the size in bytes.
    pub fn size(mut self, bytes: i64) -> Self {
        self.size = Some(bytes);
        self
    }
    /// Sets the MIME type.
    pub fn mime_type(mut self, m: &str) -> Self {
        self.mime_type = Some(m.to_string());
        self
    }
    /// Sets the metadata (JSON text).
    pub fn metadata(mut self, json: &str) -> Self {
        self.metadata = Some(json.to_string());
        self
    }
}

/// A row of `document_versions`, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentVersion {
    /// Server-assigned.
    pub id: Uuid,
    /// The document.
    pub document_id: Uuid,
    /// At least 1, unique per document.
    pub version_number: i32,
    /// Where this version's file is.
    pub path: String,
    /// Bytes.
    pub size: Option<i64>,
    /// Content hash.
    pub hash: Option<String>,
    /// Server-assigned.
    pub created_at: Time,
    /// A user id.
    pub created_by: Option<i32>,
    /// Free text.
    pub comment: Option<String>,
}

impl DocumentVersion {
    fn from_raw(r: &sys::pinky_document_version) -> Result<DocumentVersion> {
        // SAFETY: a row from the library: NULL or valid strings.
        unsafe {
            Ok(DocumentVersion {
                id: Uuid::from_bytes(r.id.bytes),
                document_id: Uuid::from_bytes(r.document_id.bytes),
                version_number: r.version_number,
                path: ffi::text("path", r.path)?,
                size: ffi::from_opt_i64(r.size),
                hash: ffi::opt_text("hash", r.hash)?,
                created_at: Time::from_micros(r.created_at),
                created_by: ffi::from_opt_i32(r.created_by),
                comment: ffi::opt_text("comment", r.comment)?,
            })
        }
    }
}

ffi::page!(
    sys::pinky_document_version_page,
    sys::pinky_document_version
);

/// A new version of a document for [`Documents::new_version`]: its number
/// is assigned (one past the highest) and `created_by` is the acting user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewVersion {
    /// Required, non-empty.
    pub path: String,
    /// Bytes.
    pub size: Option<i64>,
    /// Content hash, at most 255 characters.
    pub hash: Option<String>,
    /// Free text.
    pub comment: Option<String>,
}

impl NewVersion {
    /// A version at this path.
    pub fn new(path: &str) -> NewVersion {
        NewVersion {
            path: path.to_string(),
            ..NewVersion::default()
        }
    }
    /// Sets the size in bytes.
    pub fn size(mut self, bytes: i64) -> Self {
        self.size = Some(bytes);
        self
    }
    /// Sets the hash.
    pub fn hash(mut self, hash: &str) -> Self {
        self.hash = Some(hash.to_string());
        self
    }
    /// Sets the comment.
    pub fn comment(mut self, comment: &str) -> Self {
        self.comment = Some(comment.to_string());
        self
    }
}

/// Which documents to list; every condition is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentFilter {
    /// Rows per page fetched (0: the library's default, 100; at most 1000).
    pub page_size: u32,
    /// Only this category.
    pub category: Option<Category>,
    /// Only documents of this platform connection.
    pub connection_id: Option<Uuid>,
    /// Case-insensitive substring of the title.
    pub title_contains: Option<String>,
    /// Only documents carrying this tag.
    pub tag: Option<String>,
    /// created_at >= this.
    pub created_from: Option<Time>,
    /// created_at < this.
    pub created_before: Option<Time>,
    /// updated_at >= this.
    pub updated_from: Option<Time>,
    /// updated_at < this.
    pub updated_before: Option<Time>,
}

/// Which version rows to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionFilter {
    /// Rows per page fetched (0: the library's default, 100; at most 1000).
    pub page_size: u32,
    /// Only this document's versions (`None`: every document of the user).
    pub document_id: Option<Uuid>,
    /// Only versions created by this user.
    pub created_by: Option<i32>,
    /// created_at >= this.
    pub created_from: Option<Time>,
    /// created_at < this.
    pub created_before: Option<Time>,
}

/// The documents table and its versions through a [`Db`](crate::Db) or
/// [`Tx`](crate::Tx). Every call takes the acting user's id: another
/// user's documents (and their versions) are `NotFound`.
#[derive(Debug, Clone, Copy)]
pub struct Documents<'h> {
    db: *mut sys::pinky_db,
    _h: PhantomData<&'h ()>,
}

fn no_cursor(cursor: Option<&std::ffi::CStr>) -> *const c_char {
    cursor.map_or(ptr::null(), |c| c.as_ptr())
}

impl<'h> Documents<'h> {
    pub(crate) fn new(db: *mut sys::pinky_db) -> Documents<'h> {
        Documents {
            db,
            _h: PhantomData,
        }
    }

    /// Creates a document owned by `user_id` with its first version row
    /// (both or neither). `Invalid` naming the field; `NotFound` naming
    /// user_id / connection_id.
    pub fn create(&self, user_id: i32, doc: &NewDocument) -> Result<Document> {
        let title = c_string("document.title", &doc.title)?;
        let path = c_string("document.path", &doc.path)?;
        let platform = c_string("document.platform", &doc.platform)?;
        let mime = c_opt("document.mime_type", doc.mime_type.as_deref())?;
        let metadata = c_opt("document.metadata", doc.metadata.as_deref())?;
        let mut d = ffi::init(sys::pinky_document_init);
        d.title = title.as_ptr() as *mut c_char;
        d.path = path.as_ptr() as *mut c_char;
        d.platform = platform.as_ptr() as *mut c_char;
        d.category = Category::opt_code(doc.category);
        d.connection_id = ffi::opt_uuid(doc.connection_id.as_ref());
        d.size = ffi::opt_i64(doc.size);
        d.mime_type = ptr_of(&mime);
        d.version = ffi::opt_i32(doc.version);
        d.metadata = ptr_of(&metadata);
        fetch(
            sys::pinky_document_free,
            // SAFETY: a live handle; d's strings outlive the call.
            |out| unsafe { sys::pinky_document_create(self.db, user_id, &d, out) },
            Document::from_raw,
        )
    }

    /// A document of `user_id`; `NotFound` when absent or another user's.
    pub fn get(&self, user_id: i32, id: &Uuid) -> Result<Document> {
        let id = id.raw();
        fetch(
            sys::pinky_document_free,
            // SAFETY: a live handle, a uuid, an output pointer.
            |out| unsafe { sys::pinky_document_get(self.db, user_id, &id, out) },
            Document::from_raw,
        )
    }

    /// Deletes a document with its versions and tags; `NotFound` when absent.
    pub fn delete(&self, user_id: i32, id: &Uuid) -> Result<()> {
        let id = id.raw();
        // SAFETY: a live handle and a uuid.
        check(unsafe { sys::pinky_document_delete(self.db, user_id, &id) })
    }

    /// `user_id`'s documents matching `filter` in (created_at, id) order,
    /// fetched page by page.
    pub fn list(&self, user_id: i32, filter: &DocumentFilter) -> Rows<'h, Document> {
        let db = self.db;
        let filter = filter.clone();
        let strings = c_opt("filter.title_contains", filter.title_contains.as_deref())
            .and_then(|t| Ok((t, c_opt("filter.tag", filter.tag.as_deref())?)));
        Rows::new(move |cursor| {
            let (title, tag) = strings.clone()?;
            let mut f = ffi::init(sys::pinky_document_filter_init);
            f.limit = filter.page_size;
            f.cursor = no_cursor(cursor);
            f.category = Category::opt_code(filter.category);
            f.connection_id = ffi::opt_uuid(filter.connection_id.as_ref());
            f.title_contains = title.as_ref().map_or(ptr::null(), |c| c.as_ptr());
            f.tag = tag.as_ref().map_or(ptr::null(), |c| c.as_ptr());
            f.created_from = ffi::opt_time(filter.created_from);
            f.created_before = ffi::opt_time(filter.created_before);
            f.updated_from = ffi::opt_time(filter.updated_from);
            f.updated_before = ffi::opt_time(filter.updated_before);
            fetch(
                sys::pinky_document_page_free,
                // SAFETY: a live handle (borrowed for 'h); f's strings outlive the call.
                |out| unsafe { sys::pinky_document_list(db, user_id, &f, out) },
                |page| read_page(page, Document::from_raw),
            )
        })
    }

    /// Adds a tag (adding one the document has is fine). `NotFound` for
    /// another user's document; `Invalid` naming "document_tag.tag".
    pub fn add_tag(&self, user_id: i32, id: &Uuid, tag: &str) -> Result<()> {
        let id = id.raw();
        let tag = c_string("document_tag.tag", tag)?;
        // SAFETY: a live handle, a uuid, a C string.
        check(unsafe { sys::pinky_document_tag_add(self.db, user_id, &id, tag.as_ptr()) })
    }

    /// Records a new version: the document's version advances to one past
    /// the highest recorded, and the version row gets that number, created
    /// by `user_id` (one transaction; concurrent calls each get their own
    /// number). `NotFound` when the document is not `user_id`'s.
    pub fn new_version(
        &self,
        user_id: i32,
        document_id: &Uuid,
        version: &NewVersion,
    ) -> Result<DocumentVersion> {
        let doc = document_id.raw();
        let path = c_string("document_version.path", &version.path)?;
        let hash = c_opt("document_version.hash", version.hash.as_deref())?;
        let comment = c_opt("document_version.comment", version.comment.as_deref())?;
        let mut v = ffi::init(sys::pinky_document_version_init);
        v.document_id = doc;
        v.path = path.as_ptr() as *mut c_char;
        v.size = ffi::opt_i64(version.size);
        v.hash = ptr_of(&hash);
        v.comment = ptr_of(&comment);
        fetch(
            sys::pinky_document_version_free,
            // SAFETY: a live handle; v's strings outlive the call.
            |out| unsafe { sys::pinky_document_new_version(self.db, user_id, &doc, &v, out) },
            DocumentVersion::from_raw,
        )
    }

    /// One version row by its id; `NotFound` when absent or not `user_id`'s.
    pub fn version(&self, user_id: i32, id: &Uuid) -> Result<DocumentVersion> {
        let id = id.raw();
        fetch(
            sys::pinky_document_version_free,
            // SAFETY: a live handle, a uuid, an output pointer.
            |out| unsafe { sys::pinky_document_version_get(self.db, user_id, &id, out) },
            DocumentVersion::from_raw,
        )
    }

    /// `user_id`'s version rows matching `filter`, in (document,
    /// version_number) order, fetched page by page.
    pub fn versions(&self, user_id: i32, filter: &VersionFilter) -> Rows<'h, DocumentVersion> {
        let db = self.db;
        let filter = filter.clone();
        Rows::new(move |cursor| {
            let mut f = ffi::init(sys::pinky_document_version_filter_init);
            f.limit = filter.page_size;
            f.cursor = no_cursor(cursor);
            f.document_id = ffi::opt_uuid(filter.document_id.as_ref());
            f.created_by = ffi::opt_i32(filter.created_by);
            f.created_from = ffi::opt_time(filter.created_from);
            f.created_before = ffi::opt_time(filter.created_before);
            fetch(
                sys::pinky_document_version_page_free,
                // SAFETY: a live handle (borrowed for 'h); f outlives the call.
                |out| unsafe { sys::pinky_document_version_list(db, user_id, &f, out) },
                |page| read_page(page, DocumentVersion::from_raw),
            )
        })
    }

    /// Every version of one document, oldest first (a shorthand for
    /// [`versions`](Documents::versions) with `document_id` set).
    pub fn versions_of(&self, user_id: i32, document_id: &Uuid) -> Rows<'h, DocumentVersion> {
        self.versions(
            user_id,
            &VersionFilter {
                document_id: Some(*document_id),
                ..VersionFilter::default()
            },
        )
    }
}
