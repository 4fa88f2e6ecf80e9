//! Shared by the integration tests: every test opens its own pool on the
//! database named by PINKY_DSN (a throwaway one under scripts/with-db) and
//! works with names no other test or run uses.
#![allow(dead_code)]

use pinky::{Db, DocumentFilter, NewUser, Status, User, Uuid};

/// A pool on PINKY_DSN, migrated.
pub fn db() -> Db {
    let dsn = std::env::var("PINKY_DSN")
        .expect("PINKY_DSN must name a test database (run the tests under scripts/with-db)");
    let db = Db::open(Some(&dsn)).expect("open PINKY_DSN");
    db.migrate().expect("migrate");
    db
}

/// `prefix` plus a random suffix.
pub fn unique(prefix: &str) -> String {
    format!("{}-{}", prefix, Uuid::generate())
}

/// A new user with a unique name.
pub fn user(db: &Db, prefix: &str) -> User {
    db.users()
        .create(&NewUser::new(&unique(prefix)))
        .expect("create user")
}

/// Removes a user and what it owns (documents first: their version rows
/// name the user as created_by).
pub fn remove(db: &Db, user_id: i32) {
    let ids: Vec<Uuid> = db
        .documents()
        .list(user_id, &DocumentFilter::default())
        .map(|d| d.expect("list documents").id)
        .collect();
    for id in ids {
        db.documents()
            .delete(user_id, &id)
            .expect("delete document");
    }
    match db.users().delete(user_id) {
        Ok(()) => {}
        Err(e) if e.status() == Status::NotFound => {}
        Err(e) => panic!("delete user {}: {}", user_id, e),
    }
}
