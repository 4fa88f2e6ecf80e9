//! Iterating over a list page after page.

use std::ffi::{CStr, CString};
use std::fmt;

use crate::error::Result;

type FetchFn<'h, T> = dyn FnMut(Option<&CStr>) -> Result<(Vec<T>, Option<CString>)> + 'h;

/// The rows of a list, fetched one page at a time as the iterator is
/// consumed: the first page with no cursor, then each page with the
/// `next_cursor` of the one before, until a page has none.
///
/// Yields `Err` once if fetching a page fails, then ends. Borrows the
/// [`Db`](crate::Db) or [`Tx`](crate::Tx) it came from.
pub struct Rows<'h, T> {
    fetch: Box<FetchFn<'h, T>>,
    page: std::vec::IntoIter<T>,
    cursor: Option<CString>,
    pages: usize,
    done: bool,
}

impl<'h, T> Rows<'h, T> {
    pub(crate) fn new(
        fetch: impl FnMut(Option<&CStr>) -> Result<(Vec<T>, Option<CString>)> + 'h,
    ) -> Self {
        Rows {
            fetch: Box::new(fetch),
            page: Vec::new().into_iter(),
            cursor: None,
            pages: 0,
            done: false,
        }
    }

    /// How many pages were fetched so far.
    pub fn pages_fetched(&self) -> usize {
        self.pages
    }
}

impl<T> Iterator for Rows<'_, T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        loop {
            if let Some(row) = self.page.next() {
                return Some(Ok(row));
            }
            if self.done {
                return None;
            }
            let fetched = (self.fetch)(self.cursor.as_deref());
            self.pages += 1;
            match fetched {
                Ok((rows, cursor)) => {
                    self.page = rows.into_iter();
                    self.done = cursor.is_none();
                    self.cursor = cursor;
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

impl<T> fmt::Debug for Rows<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rows")
            .field("pages_fetched", &self.pages)
            .field("buffered", &self.page.len())
            .field("done", &self.done)
            .finish()
    }
}
