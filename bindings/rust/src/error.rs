//! Status codes and errors.

use std::fmt;

use crate::ffi;
use crate::sys;

/// Why a call failed: `pinky_status` without `PINKY_OK`.
///
/// The C values are fixed and new ones are only appended; a code this crate
/// does not know yet is [`Status::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// No such row, or it belongs to another user.
    NotFound,
    /// Bad argument; nothing was sent or written.
    Invalid,
    /// Unique violation, or a stale expected `updated_at`.
    Conflict,
    /// Foreign key, check or not-null violation.
    Constraint,
    /// The connection failed or was lost.
    Connection,
    /// Statement timeout or cancelled.
    Timeout,
    /// No connection could be had in time.
    Busy,
    /// Allocation failed.
    NoMemory,
    /// Serialization failure or deadlock; retry the transaction.
    Serialization,
    /// Schema migrations disagree with this library.
    Migration,
    /// Any other error reported by the server.
    Server,
    /// Call not allowed in this state (e.g. a failed transaction).
    State,
    /// A bug in libpinky, or a protocol surprise.
    Internal,
    /// A code newer than this crate.
    Other(u32),
}

impl Status {
    /// The status for a C code; `None` for `PINKY_OK`.
    pub fn from_code(code: sys::pinky_status) -> Option<Status> {
        Some(match code {
            sys::PINKY_OK => return None,
            sys::PINKY_NOT_FOUND => Status::NotFound,
            sys::PINKY_INVALID => Status::Invalid,
            sys::PINKY_CONFLICT => Status::Conflict,
            sys::PINKY_CONSTRAINT => Status::Constraint,
            sys::PINKY_CONNECTION => Status::Connection,
            sys::PINKY_TIMEOUT => Status::Timeout,
            sys::PINKY_BUSY => Status::Busy,
            sys::PINKY_NO_MEMORY => Status::NoMemory,
            sys::PINKY_SERIALIZATION => Status::Serialization,
            sys::PINKY_MIGRATION => Status::Migration,
            sys::PINKY_SERVER => Status::Server,
            sys::PINKY_STATE => Status::State,
            sys::PINKY_INTERNAL => Status::Internal,
            #[allow(clippy::unnecessary_cast)] // c_uint here; C enums may be int elsewhere
            other => Status::Other(other as u32),
        })
    }

    /// The C code (`PINKY_NOT_FOUND`, ...).
    pub fn code(self) -> sys::pinky_status {
        match self {
            Status::NotFound => sys::PINKY_NOT_FOUND,
            Status::Invalid => sys::PINKY_INVALID,
            Status::Conflict => sys::PINKY_CONFLICT,
            Status::Constraint => sys::PINKY_CONSTRAINT,
            Status::Connection => sys::PINKY_CONNECTION,
            Status::Timeout => sys::PINKY_TIMEOUT,
            Status::Busy => sys::PINKY_BUSY,
            Status::NoMemory => sys::PINKY_NO_MEMORY,
            Status::Serialization => sys::PINKY_SERIALIZATION,
            Status::Migration => sys::PINKY_MIGRATION,
            Status::Server => sys::PINKY_SERVER,
            Status::State => sys::PINKY_STATE,
            Status::Internal => sys::PINKY_INTERNAL,
            #[allow(clippy::unnecessary_cast)]
            Status::Other(code) => code as sys::pinky_status,
        }
    }

    /// The library's name for it: "NOT_FOUND", "CONFLICT", ...
    pub fn name(self) -> String {
        // SAFETY: pinky_status_str returns a static, never-NULL string.
        unsafe { ffi::lossy(sys::pinky_status_str(self.code())) }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// A failed call: what `pinky_error_last()` said right after it.
///
/// Read it through its methods; the optional parts are `None` where the
/// library reports an empty string. One pointer wide, so `Result<T>` stays
/// small.
#[derive(Clone, PartialEq, Eq)]
pub struct Error(Box<Inner>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Inner {
    status: Status,
    message: String,
    field: Option<String>,
    sqlstate: Option<String>,
    constraint: Option<String>,
    detail: Option<String>,
    hint: Option<String>,
    table: Option<String>,
    column: Option<String>,
}

/// `std::result::Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error raised by this crate before calling C (same shape as the
    /// library's own: the message starts with the field).
    pub(crate) fn new(status: Status, field: &str, message: String) -> Error {
        Error(Box::new(Inner {
            status,
            message,
            field: if field.is_empty() {
                None
            } else {
                Some(field.to_string())
            },
            sqlstate: None,
            constraint: None,
            detail: None,
            hint: None,
            table: None,
            column: None,
        }))
    }

    /// The calling thread's last error, for a call that returned `code`.
    pub(crate) fn last(code: sys::pinky_status) -> Error {
        // SAFETY: pinky_error_last never returns NULL; its strings are never
        // NULL and stay valid until the next libpinky call on this thread,
        // and everything is copied before that.
        unsafe {
            let e = &*sys::pinky_error_last();
            let opt = |p| {
                let s = ffi::lossy(p);
                if s.is_empty() {
                    None
                } else {
                    Some(s)
                }
            };
            // The returned code is authoritative; the record should agree.
            let status = Status::from_code(code)
                .or_else(|| Status::from_code(e.status))
                .unwrap_or(Status::Internal);
            Error(Box::new(Inner {
                status,
                message: ffi::lossy(e.message),
                field: opt(e.field),
                sqlstate: opt(e.sqlstate),
                constraint: opt(e.constraint_name),
                detail: opt(e.detail),
                hint: opt(e.hint),
                table: opt(e.table_name),
                column: opt(e.column_name),
            }))
        }
    }

    /// An error of your own, e.g. to abort a [`Db::transact`](crate::Db::transact)
    /// closure for a reason of the application (the transaction rolls back
    /// and `transact` returns this error; `Status::Serialization` would
    /// retry).
    pub fn custom(status: Status, message: &str) -> Error {
        Error::new(status, "", message.to_string())
    }

    /// Why it failed.
    pub fn status(&self) -> Status {
        self.0.status
    }
    /// Readable; names the field or constraint at fault.
    pub fn message(&self) -> &str {
        &self.0.message
    }
    /// The argument or column at fault, as the library names it
    /// (`user.username`, `filter.limit`, `uuid`, ...).
    pub fn field(&self) -> Option<&str> {
        self.0.field.as_deref()
    }
    /// The SQLSTATE (five characters), for errors the server reported.
    pub fn sqlstate(&self) -> Option<&str> {
        self.0.sqlstate.as_deref()
    }
    /// The violated constraint, e.g. `users_username_key`.
    pub fn constraint(&self) -> Option<&str> {
        self.0.constraint.as_deref()
    }
    /// The server's detail line.
    pub fn detail(&self) -> Option<&str> {
        self.0.detail.as_deref()
    }
    /// The server's hint.
    pub fn hint(&self) -> Option<&str> {
        self.0.hint.as_deref()
    }
    /// The table the server named.
    pub fn table(&self) -> Option<&str> {
        self.0.table.as_deref()
    }
    /// The column the server named.
    pub fn column(&self) -> Option<&str> {
        self.0.column.as_deref()
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("status", &self.0.status)
            .field("message", &self.0.message);
        let parts = [
            ("field", &self.0.field),
            ("sqlstate", &self.0.sqlstate),
            ("constraint", &self.0.constraint),
            ("detail", &self.0.detail),
            ("hint", &self.0.hint),
            ("table", &self.0.table),
            ("column", &self.0.column),
        ];
        for (name, value) in parts {
            if let Some(v) = value {
                d.field(name, v);
            }
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.0.status, self.0.message)?;
        if let Some(c) = &self.0.constraint {
            if !self.0.message.contains(c.as_str()) {
                write!(f, " ({})", c)?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// `Ok(())` for `PINKY_OK`, else the thread's last error.
pub(crate) fn check(code: sys::pinky_status) -> Result<()> {
    if code == sys::PINKY_OK {
        Ok(())
    } else {
        Err(Error::last(code))
    }
}
