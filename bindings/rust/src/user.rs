//! users.

use std::marker::PhantomData;
use std::os::raw::c_char;
use std::ptr;

use crate::error::{check, Result};
use crate::ffi::{self, c_opt, c_string, fetch, ptr_of, read_page};
use crate::rows::Rows;
use crate::sys;
use crate::types::Time;

/// A row of `users`, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Server-assigned.
    pub id: i32,
    /// Unique.
    pub username: String,
    /// Unique when set.
    pub email: Option<String>,
    /// A URL.
    pub profile_image_url: Option<String>,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Server-assigned.
    pub created_at: Time,
    /// Server-assigned, kept current on update.
    pub updated_at: Time,
}

impl User {
    fn from_raw(r: &sys::pinky_user) -> Result<User> {
        // SAFETY: a row from the library: NULL or valid strings.
        unsafe {
            Ok(User {
                id: r.id,
                username: ffi::text("username", r.username)?,
                email: ffi::opt_text("email", r.email)?,
                profile_image_url: ffi::opt_text("profile_image_url", r.profile_image_url)?,
                first_name: ffi::opt_text("first_name", r.first_name)?,
                last_name: ffi::opt_text("last_name", r.last_name)?,
                created_at: Time::from_micros(r.created_at),
                updated_at: Time::from_micros(r.updated_at),
            })
        }
    }
}

ffi::page!(sys::pinky_user_page, sys::pinky_user);

/// A user to create: `username` is required (at most 255 characters,
/// unique), the rest optional.
///
/// ```
/// let ada = pinky::NewUser::new("ada").email("ada@example.invalid").first_name("Ada");
/// # let _ = ada;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewUser {
    /// Required.
    pub username: String,
    /// Optional, unique.
    pub email: Option<String>,
    /// Optional.
    pub profile_image_url: Option<String>,
    /// Optional.
    pub first_name: Option<String>,
    /// Optional.
    pub last_name: Option<String>,
}

impl NewUser {
    /// A user with this username and nothing else.
    pub fn new(username: &str) -> NewUser {
        NewUser {
            username: username.to_string(),
            ..NewUser::default()
        }
    }
    /// Sets the email.
    pub fn email(mut self, email: &str) -> Self {
        self.email = Some(email.to_string());
        self
    }
    /// Sets the profile image URL.
    pub fn profile_image_url(mut self, url: &str) -> Self {
        self.profile_image_url = Some(url.to_string());
        self
    }
    /// Sets the first name.
    pub fn first_name(mut self, name: &str) -> Self {
        self.first_name = Some(name.to_string());
        self
    }
    /// Sets the last name.
    pub fn last_name(mut self, name: &str) -> Self {
        self.last_name = Some(name.to_string());
        self
    }
}

/// The C strings of a user row, kept alive while C reads the row.
struct UserStrings {
    username: Option<std::ffi::CString>,
    email: Option<std::ffi::CString>,
    profile_image_url: Option<std::ffi::CString>,
    first_name: Option<std::ffi::CString>,
    last_name: Option<std::ffi::CString>,
}

impl UserStrings {
    fn row(&self) -> sys::pinky_user {
        let mut u = ffi::init(sys::pinky_user_init);
        u.username = ptr_of(&self.username);
        u.email = ptr_of(&self.email);
        u.profile_image_url = ptr_of(&self.profile_image_url);
        u.first_name = ptr_of(&self.first_name);
        u.last_name = ptr_of(&self.last_name);
        u
    }
}

/// Changes to a user: only the fields set here are written (the C field
/// mask). `None` clears a nullable field. With
/// [`expect_updated_at`](UserUpdate::expect_updated_at), a row changed by
/// someone else since is `Conflict` and nothing is written.
///
/// ```
/// let change = pinky::UserUpdate::new().email(Some("new@example.invalid")).last_name(None);
/// # let _ = change;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserUpdate {
    username: Option<String>,
    email: Option<Option<String>>,
    profile_image_url: Option<Option<String>>,
    first_name: Option<Option<String>>,
    last_name: Option<Option<String>>,
    expected_updated_at: Option<Time>,
}

impl UserUpdate {
    /// No changes yet.
    pub fn new() -> UserUpdate {
        UserUpdate::default()
    }
    /// New username.
    pub fn username(mut self, v: &str) -> Self {
        self.username = Some(v.to_string());
        self
    }
    /// New email, or `None` to clear it.
    pub fn email(mut self, v: Option<&str>) -> Self {
        self.email = Some(v.map(str::to_string));
        self
    }
    /// New profile image URL, or `None` to clear it.
    pub fn profile_image_url(mut self, v: Option<&str>) -> Self {
        self.profile_image_url = Some(v.map(str::to_string));
        self
    }
    /// New first name, or `None` to clear it.
    pub fn first_name(mut self, v: Option<&str>) -> Self {
        self.first_name = Some(v.map(str::to_string));
        self
    }
    /// New last name, or `None` to clear it.
    pub fn last_name(mut self, v: Option<&str>) -> Self {
        self.last_name = Some(v.map(str::to_string));
        self
    }
    /// Write only if the row's `updated_at` is still this (what you read).
    pub fn expect_updated_at(mut self, t: Time) -> Self {
        self.expected_updated_at = Some(t);
        self
    }
}

/// Which users to list; every condition is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFilter {
    /// Rows per page fetched (0: the library's default, 100; at most 1000).
    pub page_size: u32,
    /// Case-insensitive substring of the username.
    pub username_contains: Option<String>,
    /// created_at >= this.
    pub created_from: Option<Time>,
    /// created_at < this.
    pub created_before: Option<Time>,
}

/// The users table through a [`Db`](crate::Db) or [`Tx`](crate::Tx):
/// `db.users().create(...)`.
#[derive(Debug, Clone, Copy)]
pub struct Users<'h> {
    db: *mut sys::pinky_db,
    _h: PhantomData<&'h ()>,
}

impl<'h> Users<'h> {
    pub(crate) fn new(db: *mut sys::pinky_db) -> Users<'h> {
        Users {
            db,
            _h: PhantomData,
        }
    }

    /// Inserts a user and returns the stored row. `Invalid` naming the
    /// field for bad values (empty or too long username, ...); `Conflict`
    /// naming `users_username_key` / `users_email_key` for a duplicate.
    pub fn create(&self, user: &NewUser) -> Result<User> {
        let s = UserStrings {
            username: Some(c_string("user.username", &user.username)?),
            email: c_opt("user.email", user.email.as_deref())?,
            profile_image_url: c_opt("user.profile_image_url", user.profile_image_url.as_deref())?,
            first_name: c_opt("user.first_name", user.first_name.as_deref())?,
            last_name: c_opt("user.last_name", user.last_name.as_deref())?,
        };
        let row = s.row();
        fetch(
            sys::pinky_user_free,
            // SAFETY: a live handle; row's strings live in s.
            |out| unsafe { sys::pinky_user_create(self.db, &row, out) },
            User::from_raw,
        )
    }

    /// The user with this id; `NotFound` when there is none.
    pub fn get(&self, id: i32) -> Result<User> {
        fetch(
            sys::pinky_user_free,
            // SAFETY: a live handle and an output pointer.
            |out| unsafe { sys::pinky_user_get(self.db, id, out) },
            User::from_raw,
        )
    }

    /// The user with this username; `NotFound` when there is none.
    pub fn get_by_username(&self, username: &str) -> Result<User> {
        let name = c_string("username", username)?;
        fetch(
            sys::pinky_user_free,
            // SAFETY: a live handle, a C string, an output pointer.
            |out| unsafe { sys::pinky_user_get_by_username(self.db, name.as_ptr(), out) },
            User::from_raw,
        )
    }

    /// Writes the fields set in `change` and returns the stored row.
    /// `NotFound`, `Invalid`, or `Conflict` (duplicate, or a stale
    /// `expect_updated_at`).
    pub fn update(&self, id: i32, change: &UserUpdate) -> Result<User> {
        let mut mask = 0u64;
        let mut opt = |bit: u64, field: &str, v: &Option<Option<String>>| {
            if v.is_some() {
                mask |= bit;
            }
            c_opt(field, v.as_ref().and_then(|v| v.as_deref()))
        };
        let s = UserStrings {
            email: opt(sys::PINKY_USER_EMAIL, "user.email", &change.email)?,
            profile_image_url: opt(
                sys::PINKY_USER_PROFILE_IMAGE_URL,
                "user.profile_image_url",
                &change.profile_image_url,
            )?,
            first_name: opt(
                sys::PINKY_USER_FIRST_NAME,
                "user.first_name",
                &change.first_name,
            )?,
            last_name: opt(
                sys::PINKY_USER_LAST_NAME,
                "user.last_name",
                &change.last_name,
            )?,
            username: c_opt("user.username", change.username.as_deref())?,
        };
        if change.username.is_some() {
            mask |= sys::PINKY_USER_USERNAME;
        }
        let row = s.row();
        let expected = change.expected_updated_at.map(Time::as_micros);
        let expected_ptr = expected.as_ref().map_or(ptr::null(), |t| t as *const i64);
        fetch(
            sys::pinky_user_free,
            // SAFETY: a live handle; row's strings live in s; expected outlives the call.
            |out| unsafe { sys::pinky_user_update(self.db, id, &row, mask, expected_ptr, out) },
            User::from_raw,
        )
    }

    /// Deletes a user and, by cascade, everything the user owns.
    /// `NotFound` when there is none.
    pub fn delete(&self, id: i32) -> Result<()> {
        // SAFETY: a live handle.
        check(unsafe { sys::pinky_user_delete(self.db, id) })
    }

    /// The users matching `filter`, in id order, fetched page by page.
    pub fn list(&self, filter: &UserFilter) -> Rows<'h, User> {
        let db = self.db;
        let filter = filter.clone();
        let contains = c_opt(
            "filter.username_contains",
            filter.username_contains.as_deref(),
        );
        Rows::new(move |cursor| {
            let contains = contains.clone()?;
            let mut f = ffi::init(sys::pinky_user_filter_init);
            f.limit = filter.page_size;
            f.cursor = cursor.map_or(ptr::null(), |c| c.as_ptr() as *const c_char);
            f.username_contains = contains.as_ref().map_or(ptr::null(), |c| c.as_ptr());
            f.created_from = ffi::opt_time(filter.created_from);
            f.created_before = ffi::opt_time(filter.created_before);
            fetch(
                sys::pinky_user_page_free,
                // SAFETY: a live handle (borrowed for 'h); f's strings outlive the call.
                |out| unsafe { sys::pinky_user_list(db, &f, out) },
                |page| read_page(page, User::from_raw),
            )
        })
    }
}
