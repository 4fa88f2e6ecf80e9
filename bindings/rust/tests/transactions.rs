mod common;

use std::panic::{self, AssertUnwindSafe};

use pinky::{Db, Error, Isolation, NewDocument, NewUser, NewVersion, Status, TxOptions};

fn exists(db: &Db, name: &str) -> bool {
    match db.users().get_by_username(name) {
        Ok(_) => true,
        Err(e) if e.status() == Status::NotFound => false,
        Err(e) => panic!("{}", e),
    }
}

#[test]
fn commit_keeps_and_rollback_or_drop_discards() {
    let db = common::db();
    let (kept, undone, dropped) = (
        common::unique("rs-tx-kept"),
        common::unique("rs-tx-undone"),
        common::unique("rs-tx-dropped"),
    );

    let tx = db.transaction().unwrap();
    let u = tx.users().create(&NewUser::new(&kept)).unwrap();
    assert_eq!(tx.users().get(u.id).unwrap(), u); // visible inside
    assert!(!exists(&db, &kept)); // not outside yet
    tx.commit().unwrap();
    assert_eq!(db.users().get_by_username(&kept).unwrap(), u);

    let tx = db.transaction().unwrap();
    tx.users().create(&NewUser::new(&undone)).unwrap();
    tx.rollback().unwrap();
    assert!(!exists(&db, &undone));

    {
        let tx = db.transaction().unwrap();
        tx.users().create(&NewUser::new(&dropped)).unwrap();
    } // dropped: rolled back
    assert!(!exists(&db, &dropped));

    common::remove(&db, u.id);
}

#[test]
fn a_failed_statement_fails_the_transaction() {
    let db = common::db();
    let taken = common::user(&db, "rs-tx-taken");
    let fresh = common::unique("rs-tx-fresh");
    let tx = db.transaction().unwrap();
    tx.users().create(&NewUser::new(&fresh)).unwrap();
    let e = tx
        .users()
        .create(&NewUser::new(&taken.username))
        .unwrap_err();
    assert_eq!(e.status(), Status::Conflict);
    assert_eq!(e.constraint(), Some("users_username_key"));
    assert_eq!(
        tx.users().get(taken.id).unwrap_err().status(),
        Status::State
    );
    assert_eq!(tx.commit().unwrap_err().status(), Status::State);
    assert!(!exists(&db, &fresh));

    // Even a status that reads as OK in C must not commit.
    let e = db
        .transact(|tx| -> pinky::Result<()> {
            tx.users().create(&NewUser::new(&fresh))?;
            Err(Error::custom(Status::Other(0), "zero"))
        })
        .unwrap_err();
    assert_eq!(e.message(), "zero");
    assert!(!exists(&db, &fresh));
    common::remove(&db, taken.id);
}

#[test]
fn transact_commits_the_closures_work_and_returns_its_value() {
    let db = common::db();
    let name = common::unique("rs-transact");
    let (u, d, v) = db
        .transact(|tx| {
            let u = tx.users().create(&NewUser::new(&name))?;
            let d = tx
                .documents()
                .create(u.id, &NewDocument::new("T", "/t1", "web"))?;
            let v = tx
                .documents()
                .new_version(u.id, &d.id, &NewVersion::new("/t2"))?;
            Ok((u, d, v))
        })
        .unwrap();
    assert_eq!(db.users().get_by_username(&name).unwrap(), u);
    assert_eq!(db.documents().get(u.id, &d.id).unwrap().version, Some(2));
    assert_eq!(db.documents().version(u.id, &v.id).unwrap(), v);
    common::remove(&db, u.id);
}

#[test]
fn transact_rolls_back_on_error_and_returns_it() {
    let db = common::db();
    let taken = common::user(&db, "rs-transact-taken");
    let fresh = common::unique("rs-transact-fresh");
    let mut runs = 0;
    let e = db
        .transact(|tx| {
            runs += 1;
            tx.users().create(&NewUser::new(&fresh))?;
            tx.users().create(&NewUser::new(&taken.username))?;
            Ok(())
        })
        .unwrap_err();
    assert_eq!(runs, 1);
    assert_eq!(e.status(), Status::Conflict);
    assert_eq!(e.constraint(), Some("users_username_key"));
    assert!(!exists(&db, &fresh));

    // An error of the application's own: rolled back, returned as is.
    let e = db
        .transact(|tx| -> pinky::Result<()> {
            tx.users().create(&NewUser::new(&fresh))?;
            Err(Error::custom(Status::Invalid, "changed my mind"))
        })
        .unwrap_err();
    assert_eq!(
        (e.status(), e.message()),
        (Status::Invalid, "changed my mind")
    );
    assert!(!exists(&db, &fresh));

    // Even a status that reads as OK in C must not commit.
    let e = db
        .transact(|tx| -> pinky::Result<()> {
            tx.users().create(&NewUser::new(&fresh))?;
            Err(Error::custom(Status::Other(0), "zero"))
        })
        .unwrap_err();
    assert_eq!(e.message(), "zero");
    assert!(!exists(&db, &fresh));
    common::remove(&db, taken.id);
}

#[test]
fn transact_retries_serialization_failures() {
    let db = common::db();
    let name = common::unique("rs-retry");
    let mut runs = 0;
    let opts = TxOptions::new()
        .isolation(Isolation::Serializable)
        .max_attempts(3);
    let u = db
        .transact_with(&opts, |tx| {
            runs += 1;
            let u = tx
                .users()
                .create(&NewUser::new(&format!("{}-{}", name, runs)))?;
            if runs < 3 {
                return Err(Error::custom(Status::Serialization, "try again"));
            }
            Ok(u)
        })
        .unwrap();
    assert_eq!(runs, 3);
    assert_eq!(u.username, format!("{}-3", name));
    assert!(!exists(&db, &format!("{}-1", name)));
    assert!(!exists(&db, &format!("{}-2", name)));
    assert!(exists(&db, &u.username));

    // Out of attempts: the last error.
    let mut runs = 0;
    let e = db
        .transact_with(&opts, |_| -> pinky::Result<()> {
            runs += 1;
            Err(Error::custom(Status::Serialization, "never"))
        })
        .unwrap_err();
    assert_eq!((runs, e.status()), (3, Status::Serialization));
    common::remove(&db, u.id);
}

#[test]
fn transact_rolls_back_on_panic_and_lets_it_continue() {
    let db = common::db();
    let name = common::unique("rs-panic");
    let caught = panic::catch_unwind(AssertUnwindSafe(|| {
        let _: pinky::Result<()> = db.transact(|tx| {
            tx.users().create(&NewUser::new(&name))?;
            panic!("boom");
        });
    }));
    let payload = caught.unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
    assert!(!exists(&db, &name));
    // The pool is fine afterwards.
    let u = common::user(&db, "rs-after-panic");
    common::remove(&db, u.id);
}

#[test]
fn read_only_transactions_refuse_writes() {
    let db = common::db();
    let name = common::unique("rs-ro");
    let tx = db
        .transaction_with(&TxOptions::new().read_only(true))
        .unwrap();
    let e = tx.users().create(&NewUser::new(&name)).unwrap_err();
    assert_eq!(e.sqlstate(), Some("25006")); // read_only_sql_transaction
    drop(tx);
    assert!(!exists(&db, &name));
}

#[test]
fn a_pool_is_shared_between_threads() {
    let db = std::sync::Arc::new(common::db());
    let prefix = common::unique("rs-thread");
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let db = db.clone();
            let name = format!("{}-{}", prefix, i);
            std::thread::spawn(move || db.users().create(&NewUser::new(&name)).unwrap().id)
        })
        .collect();
    let ids: Vec<i32> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let listed: Vec<i32> = db
        .users()
        .list(&pinky::UserFilter {
            username_contains: Some(prefix),
            ..Default::default()
        })
        .map(|u| u.unwrap().id)
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(listed, sorted);
    for id in ids {
        common::remove(&db, id);
    }
}

#[test]
fn bad_connection_strings_fail_cleanly() {
    let e = Db::open(Some("host=/nonexistent-pinky-dir port=1 connect_timeout=2")).unwrap_err();
    assert_eq!(e.status(), Status::Connection);
    assert!(!e.message().is_empty());
    let e = Db::options().max_connections(0).open().unwrap_err();
    assert_eq!(
        (e.status(), e.field()),
        (Status::Invalid, Some("options.max_connections"))
    );
    let e = Db::open(Some("dbname=x\0y")).unwrap_err();
    assert_eq!(
        (e.status(), e.field()),
        (Status::Invalid, Some("options.conninfo"))
    );
}
