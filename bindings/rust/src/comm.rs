//! communications and similarity search over their embeddings.

use std::marker::PhantomData;
use std::os::raw::c_char;
use std::ptr;
use std::slice;

use crate::error::{check, Error, Result, Status};
use crate::ffi::{self, c_opt, c_string, fetch, ptr_of};
use crate::sys;
use crate::types::{Time, Uuid};

/// The dimension of an embedding (`PINKY_COMM_VECTOR_DIM`).
pub const VECTOR_DIM: usize = sys::PINKY_COMM_VECTOR_DIM as usize;

/// A row of `communications`, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Comm {
    /// Server-assigned.
    pub id: Uuid,
    /// The owner.
    pub user_id: i32,
    /// Free text ("gmail", "slack").
    pub source: String,
    /// The source's own id.
    pub source_id: Option<String>,
    /// When it was sent or received.
    pub communication_date: Time,
    /// Sender.
    pub sender: Option<String>,
    /// JSON text.
    pub recipients: Option<String>,
    /// Subject.
    pub subject: Option<String>,
    /// Body.
    pub content: Option<String>,
    /// The embedding ([`VECTOR_DIM`] floats), stored bit-exactly.
    pub content_vector: Option<Vec<f32>>,
    /// JSON text.
    pub attachments: Option<String>,
    /// JSON text.
    pub metadata: Option<String>,
    /// Server-assigned.
    pub created_at: Time,
    /// Server-assigned, kept current on update.
    pub updated_at: Time,
}

impl Comm {
    fn from_raw(r: &sys::pinky_comm) -> Result<Comm> {
        let date = if r.communication_date.is_set {
            Time::from_micros(r.communication_date.value)
        } else {
            return Err(Error::new(
                Status::Internal,
                "comm.communication_date",
                "comm.communication_date: unset in a stored row".to_string(),
            ));
        };
        let vector = if r.content_vector.is_null() {
            None
        } else {
            // SAFETY: the row holds content_vector_dim floats there.
            Some(
                unsafe { slice::from_raw_parts(r.content_vector, r.content_vector_dim as usize) }
                    .to_vec(),
            )
        };
        // SAFETY: a row from the library: NULL or valid strings.
        unsafe {
            Ok(Comm {
                id: Uuid::from_bytes(r.id.bytes),
                user_id: r.user_id,
                source: ffi::text("comm.source", r.source)?,
                source_id: ffi::opt_text("comm.source_id", r.source_id)?,
                communication_date: date,
                sender: ffi::opt_text("comm.sender", r.sender)?,
                recipients: ffi::opt_text("comm.recipients", r.recipients)?,
                subject: ffi::opt_text("comm.subject", r.subject)?,
                content: ffi::opt_text("comm.content", r.content)?,
                content_vector: vector,
                attachments: ffi::opt_text("comm.attachments", r.attachments)?,
                metadata: ffi::opt_text("comm.metadata", r.metadata)?,
                created_at: Time::from_micros(r.created_at),
                updated_at: Time::from_micros(r.updated_at),
            })
        }
    }
}

/// A communication to create: `source` and `communication_date` are required.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewComm {
    /// Required, at most 50 characters.
    pub source: String,
    /// Required.
    pub communication_date: Time,
    /// The source's own id.
    pub source_id: Option<String>,
    /// Sender.
    pub sender: Option<String>,
    /// JSON text.
    pub recipients: Option<String>,
    /// Subject.
    pub subject: Option<String>,
    /// Body.
    pub content: Option<String>,
    /// Exactly [`VECTOR_DIM`] finite floats (else `Invalid`).
    pub content_vector: Option<Vec<f32>>,
    /// JSON text.
    pub attachments: Option<String>,
    /// JSON text.
    pub metadata: Option<String>,
}

impl NewComm {
    /// A communication from `source` dated `date`.
    pub fn new(source: &str, date: Time) -> NewComm {
        NewComm {
            source: source.to_string(),
            communication_date: date,
            ..NewComm::default()
        }
    }
    /// Sets the subject.
    pub fn subject(mut self, s: &str) -> Self {
        self.subject = Some(s.to_string());
        self
    }
    /// Sets the body.
    pub fn content(mut self, s: &str) -> Self {
        self.content = Some(s.to_string());
        self
    }
    /// Sets the sender.
    pub fn sender(mut self, s: &str) -> Self {
        self.sender = Some(s.to_string());
        self
    }
    /// Sets the embedding.
    pub fn content_vector(mut self, v: Vec<f32>) -> Self {
        self.content_vector = Some(v);
        self
    }
}

/// Narrows [`Comms::similar`]; every condition is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimilarFilter {
    /// Only this source.
    pub source: Option<String>,
    /// communication_date >= this.
    pub date_from: Option<Time>,
    /// communication_date < this.
    pub date_before: Option<Time>,
    /// Only communications carrying this tag.
    pub tag: Option<String>,
    /// hnsw.ef_search for the query, 1..1000 (0: 100; raised to k).
    pub ef_search: u32,
    /// An exact scan instead of the vector index (for measuring recall).
    pub exact: bool,
}

/// One answer of [`Comms::similar`].
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// The communication.
    pub comm: Comm,
    /// Its cosine distance from the query (0: same direction).
    pub distance: f64,
}

/// The communications table through a [`Db`](crate::Db) or
/// [`Tx`](crate::Tx). Another user's communications are `NotFound`.
#[derive(Debug, Clone, Copy)]
pub struct Comms<'h> {
    db: *mut sys::pinky_db,
    _h: PhantomData<&'h ()>,
}

fn dim_of(field: &str, v: &[f32]) -> Result<u32> {
    u32::try_from(v.len()).map_err(|_| {
        Error::new(
            Status::Invalid,
            field,
            format!("{}: {} floats, expected {}", field, v.len(), VECTOR_DIM),
        )
    })
}

impl<'h> Comms<'h> {
    pub(crate) fn new(db: *mut sys::pinky_db) -> Comms<'h> {
        Comms {
            db,
            _h: PhantomData,
        }
    }

    /// Stores a communication of `user_id`. `Invalid` naming the field
    /// (a vector that is not [`VECTOR_DIM`] finite floats, bad JSON, ...);
    /// `NotFound` when the user does not exist.
    pub fn create(&self, user_id: i32, comm: &NewComm) -> Result<Comm> {
        let source = c_string("comm.source", &comm.source)?;
        let source_id = c_opt("comm.source_id", comm.source_id.as_deref())?;
        let sender = c_opt("comm.sender", comm.sender.as_deref())?;
        let recipients = c_opt("comm.recipients", comm.recipients.as_deref())?;
        let subject = c_opt("comm.subject", comm.subject.as_deref())?;
        let content = c_opt("comm.content", comm.content.as_deref())?;
        let attachments = c_opt("comm.attachments", comm.attachments.as_deref())?;
        let metadata = c_opt("comm.metadata", comm.metadata.as_deref())?;
        let mut c = ffi::init(sys::pinky_comm_init);
        c.source = source.as_ptr() as *mut c_char;
        c.source_id = ptr_of(&source_id);
        c.communication_date = ffi::opt_time(Some(comm.communication_date));
        c.sender = ptr_of(&sender);
        c.recipients = ptr_of(&recipients);
        c.subject = ptr_of(&subject);
        c.content = ptr_of(&content);
        if let Some(v) = &comm.content_vector {
            c.content_vector_dim = dim_of("comm.content_vector", v)?;
            // C only reads it (const row).
            c.content_vector = v.as_ptr() as *mut f32;
        }
        c.attachments = ptr_of(&attachments);
        c.metadata = ptr_of(&metadata);
        fetch(
            sys::pinky_comm_free,
            // SAFETY: a live handle; c's strings and vector outlive the call.
            |out| unsafe { sys::pinky_comm_create(self.db, user_id, &c, out) },
            Comm::from_raw,
        )
    }

    /// A communication of `user_id`; `NotFound` when absent or another user's.
    pub fn get(&self, user_id: i32, id: &Uuid) -> Result<Comm> {
        let id = id.raw();
        fetch(
            sys::pinky_comm_free,
            // SAFETY: a live handle, a uuid, an output pointer.
            |out| unsafe { sys::pinky_comm_get(self.db, user_id, &id, out) },
            Comm::from_raw,
        )
    }

    /// Deletes a communication and its tags.
    pub fn delete(&self, user_id: i32, id: &Uuid) -> Result<()> {
        let id = id.raw();
        // SAFETY: a live handle and a uuid.
        check(unsafe { sys::pinky_comm_delete(self.db, user_id, &id) })
    }

    /// Tags a communication (idempotent).
    pub fn add_tag(&self, user_id: i32, id: &Uuid, tag: &str) -> Result<()> {
        let id = id.raw();
        let tag = c_string("comm_tag.tag", tag)?;
        // SAFETY: a live handle, a uuid, a C string.
        check(unsafe { sys::pinky_comm_tag_add(self.db, user_id, &id, tag.as_ptr()) })
    }

    /// The `k` communications of `user_id` nearest to `query` by cosine
    /// distance, nearest first, among those with an embedding that pass
    /// `filter` (`pinky_comm_similar`). `query` must be [`VECTOR_DIM`]
    /// finite floats and `k` 1..=1000: else `Invalid` naming "query" / "k".
    pub fn similar(
        &self,
        user_id: i32,
        query: &[f32],
        k: u32,
        filter: &SimilarFilter,
    ) -> Result<Vec<Match>> {
        let dim = dim_of("query", query)?;
        let source = c_opt("filter.source", filter.source.as_deref())?;
        let tag = c_opt("filter.tag", filter.tag.as_deref())?;
        let mut f = ffi::init(sys::pinky_comm_similar_filter_init);
        f.source = source.as_ref().map_or(ptr::null(), |c| c.as_ptr());
        f.date_from = ffi::opt_time(filter.date_from);
        f.date_before = ffi::opt_time(filter.date_before);
        f.tag = tag.as_ref().map_or(ptr::null(), |c| c.as_ptr());
        f.ef_search = filter.ef_search;
        f.exact = filter.exact;
        fetch(
            sys::pinky_comm_matches_free,
            // SAFETY: a live handle; query and f's strings outlive the call.
            |out| unsafe {
                sys::pinky_comm_similar(self.db, user_id, query.as_ptr(), dim, k, &f, out)
            },
            |m| {
                let mut found = Vec::with_capacity(m.count);
                for i in 0..m.count {
                    // SAFETY: items and distances hold count entries.
                    let (row, distance) = unsafe { (*m.items.add(i), *m.distances.add(i)) };
                    if row.is_null() {
                        return Err(Error::new(
                            Status::Internal,
                            "",
                            "NULL row in matches".into(),
                        ));
                    }
                    found.push(Match {
                        comm: Comm::from_raw(unsafe { &*row })?,
                        distance,
                    });
                }
                Ok(found)
            },
        )
    }
}
