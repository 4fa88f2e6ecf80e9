//! Crossing the border: C strings both ways, optional scalars, and the drop
//! guard that frees what the library allocated.

use std::ffi::{CStr, CString};
use std::mem::MaybeUninit;
use std::os::raw::c_char;
use std::ptr;

use crate::error::{check, Error, Result, Status};
use crate::sys;
use crate::types::{Time, Uuid};

/// A C string for an input field; a NUL inside is INVALID naming the field.
pub(crate) fn c_string(field: &str, s: &str) -> Result<CString> {
    CString::new(s).map_err(|e| {
        Error::new(
            Status::Invalid,
            field,
            format!(
                "{}: contains a NUL character at byte {}",
                field,
                e.nul_position()
            ),
        )
    })
}

pub(crate) fn c_opt(field: &str, s: Option<&str>) -> Result<Option<CString>> {
    s.map(|s| c_string(field, s)).transpose()
}

/// The pointer C gets for an optional string (NULL for `None`). C never
/// writes through input rows' `char *` fields.
pub(crate) fn ptr_of(s: &Option<CString>) -> *mut c_char {
    s.as_ref()
        .map_or(ptr::null_mut(), |s| s.as_ptr() as *mut c_char)
}

/// Copies a C string, replacing invalid UTF-8 (only for error texts).
///
/// # Safety
/// `p` is NULL or a valid NUL-terminated string.
pub(crate) unsafe fn lossy(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

/// Copies a nullable text column; non-UTF-8 text is INTERNAL (the library
/// validates UTF-8 on the way in, so it would be a bug).
///
/// # Safety
/// `p` is NULL or a valid NUL-terminated string.
pub(crate) unsafe fn opt_text(field: &str, p: *const c_char) -> Result<Option<String>> {
    if p.is_null() {
        return Ok(None);
    }
    match CStr::from_ptr(p).to_str() {
        Ok(s) => Ok(Some(s.to_string())),
        Err(e) => Err(Error::new(
            Status::Internal,
            field,
            format!("{}: the library returned invalid UTF-8 ({})", field, e),
        )),
    }
}

/// Copies a required text column (NULL is INTERNAL).
///
/// # Safety
/// `p` is NULL or a valid NUL-terminated string.
pub(crate) unsafe fn text(field: &str, p: *const c_char) -> Result<String> {
    opt_text(field, p)?.ok_or_else(|| {
        Error::new(
            Status::Internal,
            field,
            format!("{}: NULL for a required column", field),
        )
    })
}

/// A struct filled by its C `*_init` function (which sets struct_size).
pub(crate) fn init<T>(f: unsafe extern "C" fn(*mut T)) -> T {
    let mut v = MaybeUninit::<T>::zeroed();
    // SAFETY: the *_init functions fill the whole struct; zeroed first anyway.
    unsafe {
        f(v.as_mut_ptr());
        v.assume_init()
    }
}

pub(crate) fn opt_i32(v: Option<i32>) -> sys::pinky_opt_i32 {
    sys::pinky_opt_i32 {
        value: v.unwrap_or(0),
        is_set: v.is_some(),
    }
}
pub(crate) fn opt_i64(v: Option<i64>) -> sys::pinky_opt_i64 {
    sys::pinky_opt_i64 {
        value: v.unwrap_or(0),
        is_set: v.is_some(),
    }
}
pub(crate) fn opt_time(v: Option<Time>) -> sys::pinky_opt_time {
    sys::pinky_opt_time {
        value: v.map_or(0, Time::as_micros),
        is_set: v.is_some(),
    }
}
pub(crate) fn opt_uuid(v: Option<&Uuid>) -> sys::pinky_opt_uuid {
    sys::pinky_opt_uuid {
        value: sys::pinky_uuid {
            bytes: v.map_or([0; 16], |u| *u.as_bytes()),
        },
        is_set: v.is_some(),
    }
}
pub(crate) fn from_opt_i32(v: sys::pinky_opt_i32) -> Option<i32> {
    if v.is_set {
        Some(v.value)
    } else {
        None
    }
}
pub(crate) fn from_opt_i64(v: sys::pinky_opt_i64) -> Option<i64> {
    if v.is_set {
        Some(v.value)
    } else {
        None
    }
}
pub(crate) fn from_opt_uuid(v: &sys::pinky_opt_uuid) -> Option<Uuid> {
    if v.is_set {
        Some(Uuid::from_bytes(v.value.bytes))
    } else {
        None
    }
}

/// Owns one allocation of the library and frees it with its `*_free`
/// function when dropped (NULL is fine).
pub(crate) struct Owned<T> {
    ptr: *mut T,
    free: unsafe extern "C" fn(*mut T),
}

impl<T> Drop for Owned<T> {
    fn drop(&mut self) {
        if !self.ptr.is_null() {
            // SAFETY: ptr came from the library and is freed exactly once.
            unsafe { (self.free)(self.ptr) }
        }
    }
}

/// Runs a C call that returns a row or page in `*out`, and converts it. The
/// allocation is freed whatever happens (error, conversion failure, panic);
/// the error is copied before that.
pub(crate) fn fetch<T, R>(
    free: unsafe extern "C" fn(*mut T),
    call: impl FnOnce(*mut *mut T) -> sys::pinky_status,
    convert: impl FnOnce(&T) -> Result<R>,
) -> Result<R> {
    let mut out: *mut T = ptr::null_mut();
    let code = call(&mut out);
    let guard = Owned { ptr: out, free };
    check(code)?;
    if guard.ptr.is_null() {
        return Err(Error::new(
            Status::Internal,
            "",
            "the library returned NULL".to_string(),
        ));
    }
    // SAFETY: a valid row/page owned by the guard until the end of this call.
    convert(unsafe { &*guard.ptr })
}

/// The parts every page struct has.
pub(crate) trait Page {
    type Item;
    fn parts(&self) -> (*mut *mut Self::Item, usize, *mut c_char);
}

macro_rules! page {
    ($page:ty, $item:ty) => {
        impl crate::ffi::Page for $page {
            type Item = $item;
            fn parts(&self) -> (*mut *mut $item, usize, *mut std::os::raw::c_char) {
                (self.items, self.count, self.next_cursor)
            }
        }
    };
}
pub(crate) use page;

/// Converts a page's rows and copies its cursor (None on the last page).
pub(crate) fn read_page<P: Page, R>(
    page: &P,
    convert: impl Fn(&P::Item) -> Result<R>,
) -> Result<(Vec<R>, Option<CString>)> {
    let (items, count, cursor) = page.parts();
    let mut rows = Vec::with_capacity(count);
    for i in 0..count {
        // SAFETY: items holds count valid rows.
        let row = unsafe { *items.add(i) };
        if row.is_null() {
            return Err(Error::new(
                Status::Internal,
                "",
                "NULL row in a page".to_string(),
            ));
        }
        rows.push(convert(unsafe { &*row })?);
    }
    let cursor = if cursor.is_null() {
        None
    } else {
        // SAFETY: a valid NUL-terminated string owned by the page.
        Some(unsafe { CStr::from_ptr(cursor) }.to_owned())
    };
    Ok((rows, cursor))
}

/// Formats with a C function that writes a NUL-terminated string into buf.
pub(crate) fn format_into<const N: usize>(write: impl FnOnce(*mut c_char)) -> String {
    let mut buf = [0 as c_char; N];
    write(buf.as_mut_ptr());
    // SAFETY: the library NUL-terminates within the buffer.
    unsafe { lossy(buf.as_ptr()) }
}
