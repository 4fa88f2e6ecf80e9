//! The value types: UUIDs and times.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::{check, Error, Result};
use crate::ffi;
use crate::sys;

/// A UUID (a row id), 16 bytes in network order.
///
/// `Display` writes the canonical lower-case form (`pinky_uuid_format`);
/// `FromStr` accepts what PostgreSQL accepts (`pinky_uuid_parse`): upper
/// case, braces, no hyphens, ...; anything else is `Invalid` naming "uuid".
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Uuid([u8; 16]);

impl Uuid {
    /// The all-zero UUID.
    pub const NIL: Uuid = Uuid([0; 16]);

    /// The UUID with these bytes.
    pub const fn from_bytes(bytes: [u8; 16]) -> Uuid {
        Uuid(bytes)
    }

    /// Its bytes.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// A random (version 4) UUID.
    pub fn generate() -> Uuid {
        let mut raw = sys::pinky_uuid { bytes: [0; 16] };
        // SAFETY: writes 16 bytes into raw.
        unsafe { sys::pinky_uuid_generate(&mut raw) };
        Uuid(raw.bytes)
    }

    /// True for the all-zero UUID.
    pub fn is_nil(&self) -> bool {
        self.0 == [0; 16]
    }

    pub(crate) fn raw(&self) -> sys::pinky_uuid {
        sys::pinky_uuid { bytes: self.0 }
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let raw = self.raw();
        let s = ffi::format_into::<{ sys::PINKY_UUID_STRLEN as usize }>(|buf| {
            // SAFETY: buf has PINKY_UUID_STRLEN bytes.
            unsafe { sys::pinky_uuid_format(&raw, buf) }
        });
        f.pad(&s)
    }
}

impl fmt::Debug for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uuid({})", self)
    }
}

impl FromStr for Uuid {
    type Err = Error;

    fn from_str(s: &str) -> Result<Uuid> {
        let text = ffi::c_string("uuid", s)?;
        let mut raw = sys::pinky_uuid { bytes: [0; 16] };
        // SAFETY: a valid C string and output struct.
        check(unsafe { sys::pinky_uuid_parse(text.as_ptr(), &mut raw) })?;
        Ok(Uuid(raw.bytes))
    }
}

impl From<[u8; 16]> for Uuid {
    fn from(bytes: [u8; 16]) -> Uuid {
        Uuid(bytes)
    }
}

/// A point in time: microseconds since 1970-01-01 00:00:00 UTC (the
/// library's `pinky_time`, TIMESTAMPTZ's resolution), independent of `TZ`.
///
/// `Display` writes ISO 8601 in UTC (`2024-02-29T13:45:00.123456Z`, the
/// fraction left out when zero) or `infinity` / `-infinity`; `FromStr`
/// reads that and `+HH:MM` offsets. Converts to and from
/// [`SystemTime`](std::time::SystemTime) (truncated to microseconds).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Time(i64);

impl Time {
    /// 1970-01-01T00:00:00Z.
    pub const EPOCH: Time = Time(0);
    /// PostgreSQL's `infinity` (`PINKY_TIME_INFINITY`).
    pub const INFINITY: Time = Time(i64::MAX);
    /// PostgreSQL's `-infinity` (`PINKY_TIME_NEG_INFINITY`).
    pub const NEG_INFINITY: Time = Time(i64::MIN);

    /// The time `micros` microseconds after (before, if negative) 1970.
    pub const fn from_micros(micros: i64) -> Time {
        Time(micros)
    }

    /// Microseconds since 1970.
    pub const fn as_micros(self) -> i64 {
        self.0
    }

    /// The current time.
    pub fn now() -> Time {
        // SAFETY: no arguments.
        Time(unsafe { sys::pinky_time_now() })
    }

    /// From calendar fields in UTC; `Invalid` for a date that does not exist.
    pub fn from_utc(
        year: i32,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
        microsecond: u32,
    ) -> Result<Time> {
        let c = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        let mut out = 0;
        // SAFETY: plain values and an output pointer.
        check(unsafe {
            sys::pinky_time_from_utc(
                year,
                c(month),
                c(day),
                c(hour),
                c(minute),
                c(second),
                c(microsecond),
                &mut out,
            )
        })?;
        Ok(Time(out))
    }

    /// False for the infinities.
    pub fn is_finite(self) -> bool {
        self != Time::INFINITY && self != Time::NEG_INFINITY
    }

    /// The same instant as a `SystemTime`; `None` for the infinities (and
    /// times the platform cannot represent).
    pub fn to_system_time(self) -> Option<SystemTime> {
        if !self.is_finite() {
            return None;
        }
        let d = Duration::from_micros(self.0.unsigned_abs());
        if self.0 >= 0 {
            UNIX_EPOCH.checked_add(d)
        } else {
            UNIX_EPOCH.checked_sub(d)
        }
    }

    /// The same instant, truncated to microseconds (saturating just short of
    /// the infinities).
    pub fn from_system_time(t: SystemTime) -> Time {
        let clamp = |us: u128| i64::try_from(us).unwrap_or(i64::MAX - 1).min(i64::MAX - 1);
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => Time(clamp(d.as_micros())),
            Err(e) => Time(-clamp(e.duration().as_micros())),
        }
    }
}

impl From<SystemTime> for Time {
    fn from(t: SystemTime) -> Time {
        Time::from_system_time(t)
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        let s = ffi::format_into::<{ sys::PINKY_TIME_STRLEN as usize }>(|buf| {
            // SAFETY: buf has PINKY_TIME_STRLEN bytes.
            unsafe { sys::pinky_time_format(t, buf) }
        });
        f.pad(&s)
    }
}

impl fmt::Debug for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Time({})", self)
    }
}

impl FromStr for Time {
    type Err = Error;

    fn from_str(s: &str) -> Result<Time> {
        let text = ffi::c_string("time", s)?;
        let mut out = 0;
        // SAFETY: a valid C string and output pointer.
        check(unsafe { sys::pinky_time_parse(text.as_ptr(), &mut out) })?;
        Ok(Time(out))
    }
}
