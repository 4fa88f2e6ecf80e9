//! A tour of the Rust binding: open, migrate, users, a transaction,
//! documents with versions, similarity search, and what errors look like.
//!
//!     PINKY_DSN="host=... dbname=..." cargo run --example quickstart

use pinky::{
    Category, Db, NewComm, NewDocument, NewUser, NewVersion, SimilarFilter, Status, Time,
    UserFilter, UserUpdate,
};

fn main() {
    if let Err(e) = run() {
        eprintln!("quickstart: {}", e);
        std::process::exit(1);
    }
}

fn run() -> pinky::Result<()> {
    println!(
        "libpinky {} (headers {})",
        pinky::version(),
        pinky::header_version()
    );
    let db = Db::options()
        .application_name("pinky-rust-quickstart")
        .open()?; // PINKY_DSN
    db.migrate()?;
    println!("schema version {}", db.schema_version()?);

    // Start over on every run.
    let name = "rust-quickstart";
    match db.users().get_by_username(name) {
        Ok(old) => {
            for d in db.documents().list(old.id, &Default::default()) {
                db.documents().delete(old.id, &d?.id)?;
            }
            db.users().delete(old.id)?
        }
        Err(e) if e.status() == Status::NotFound => {}
        Err(e) => return Err(e),
    }

    let me = db
        .users()
        .create(&NewUser::new(name).email("rust-quickstart@example.invalid"))?;
    println!("user {} {:?} created {}", me.id, me.username, me.created_at);

    let me = db.users().update(
        me.id,
        &UserUpdate::new()
            .first_name(Some("Ferris"))
            .expect_updated_at(me.updated_at),
    )?;
    println!(
        "first name now {:?}",
        me.first_name.as_deref().unwrap_or("")
    );

    // A duplicate username: the error names the constraint.
    let dup = db.users().create(&NewUser::new(name)).unwrap_err();
    println!(
        "duplicate: {} (constraint {:?})",
        dup.status(),
        dup.constraint().unwrap_or("")
    );

    // A document and two more versions, all or nothing.
    let doc = db.transact(|tx| {
        let docs = tx.documents();
        let doc = docs.create(
            me.id,
            &NewDocument::new("Lease", "/docs/lease-v1.pdf", "UBUNTU")
                .category(Category::Legal)
                .size(1024)
                .mime_type("application/pdf"),
        )?;
        docs.new_version(
            me.id,
            &doc.id,
            &NewVersion::new("/docs/lease-v2.pdf").comment("signed"),
        )?;
        docs.new_version(
            me.id,
            &doc.id,
            &NewVersion::new("/docs/lease-v3.pdf").size(2048),
        )?;
        docs.get(me.id, &doc.id)
    })?;
    println!(
        "document {} {:?} ({}) at version {}",
        doc.id,
        doc.title,
        doc.category.map_or(String::new(), |c| c.to_string()),
        doc.version.unwrap_or(0)
    );
    for v in db.documents().versions_of(me.id, &doc.id) {
        let v = v?;
        println!(
            "  v{} {} {}",
            v.version_number,
            v.path,
            v.comment.as_deref().unwrap_or("-")
        );
    }

    // A transaction dropped without commit leaves nothing behind.
    {
        let tx = db.transaction()?;
        tx.users().create(&NewUser::new("rust-quickstart-ghost"))?;
    }
    let ghost = db
        .users()
        .get_by_username("rust-quickstart-ghost")
        .unwrap_err();
    println!("rolled back: {}", ghost.status());

    // Another user's document is simply not there.
    let err = db.documents().get(me.id + 1_000_000, &doc.id).unwrap_err();
    println!("someone else: {}", err);

    // Messages with embeddings, and the ones nearest to a query.
    let axis = |i: usize| {
        let mut v = vec![0.0f32; pinky::VECTOR_DIM];
        v[i] = 1.0;
        v
    };
    let when = Time::now();
    for (subject, v) in [("about cats", axis(0)), ("about dogs", axis(1))] {
        db.comms().create(
            me.id,
            &NewComm::new("gmail", when)
                .subject(subject)
                .content_vector(v),
        )?;
    }
    let mut query = axis(0);
    query[1] = 0.5;
    println!("nearest to the query:");
    for m in db
        .comms()
        .similar(me.id, &query, 2, &SimilarFilter::default())?
    {
        println!(
            "  {:.3} {}",
            m.distance,
            m.comm.subject.as_deref().unwrap_or("")
        );
    }

    let found = db
        .users()
        .list(&UserFilter {
            username_contains: Some(name.into()),
            ..UserFilter::default()
        })
        .count();
    println!("users named like {:?}: {}", name, found);

    // Version rows record their creator (created_by, without ON DELETE), so
    // the document goes first; deleting the user then removes the rest.
    db.documents().delete(me.id, &doc.id)?;
    db.users().delete(me.id)?;
    println!("done");
    Ok(())
}
