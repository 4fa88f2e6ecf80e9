mod common;

use pinky::{NewUser, Status, Time, UserFilter, UserUpdate};

#[test]
fn create_get_update_delete_read_back() {
    let db = common::db();
    let name = common::unique("rs-user");
    let email = format!("{}@example.invalid", name);
    let before = Time::now();
    let u = db
        .users()
        .create(
            &NewUser::new(&name)
                .email(&email)
                .first_name("Zoë")
                .last_name("Ångström")
                .profile_image_url("https://example.invalid/z.png"),
        )
        .unwrap();
    assert!(u.id > 0);
    assert_eq!(u.username, name);
    assert_eq!(u.email.as_deref(), Some(email.as_str()));
    assert_eq!(u.first_name.as_deref(), Some("Zoë"));
    assert_eq!(u.last_name.as_deref(), Some("Ångström"));
    assert_eq!(
        u.profile_image_url.as_deref(),
        Some("https://example.invalid/z.png")
    );
    assert!(u.created_at >= Time::from_micros(before.as_micros() - 5_000_000));
    assert_eq!(u.created_at, u.updated_at);

    // Read back by id and by name: the same row.
    assert_eq!(db.users().get(u.id).unwrap(), u);
    assert_eq!(db.users().get_by_username(&name).unwrap(), u);

    // Only the fields named change; None clears.
    let v = db
        .users()
        .update(u.id, &UserUpdate::new().first_name(Some("Zed")).email(None))
        .unwrap();
    assert_eq!(v.first_name.as_deref(), Some("Zed"));
    assert_eq!(v.email, None);
    assert_eq!(v.last_name.as_deref(), Some("Ångström"));
    assert_eq!(v.username, name);
    assert!(v.updated_at >= u.updated_at);
    assert_eq!(db.users().get(u.id).unwrap(), v);

    db.users().delete(u.id).unwrap();
    let e = db.users().get(u.id).unwrap_err();
    assert_eq!(e.status(), Status::NotFound);
    assert_eq!(
        db.users().delete(u.id).unwrap_err().status(),
        Status::NotFound
    );
    assert_eq!(
        db.users().get_by_username(&name).unwrap_err().status(),
        Status::NotFound
    );
}

#[test]
fn duplicate_username_is_conflict_naming_the_constraint() {
    let db = common::db();
    let u = common::user(&db, "rs-dup");
    let e = db.users().create(&NewUser::new(&u.username)).unwrap_err();
    assert_eq!(e.status(), Status::Conflict);
    assert_eq!(e.constraint(), Some("users_username_key"));
    assert_eq!(e.sqlstate(), Some("23505"));
    assert!(
        e.message().contains("users_username_key"),
        "{}",
        e.message()
    );
    assert!(e.to_string().starts_with("CONFLICT: "), "{}", e);

    // Duplicate email too.
    let email = format!("{}@example.invalid", common::unique("rs-mail"));
    let a = db
        .users()
        .create(&NewUser::new(&common::unique("rs-dup")).email(&email))
        .unwrap();
    let e = db
        .users()
        .create(&NewUser::new(&common::unique("rs-dup")).email(&email))
        .unwrap_err();
    assert_eq!(e.status(), Status::Conflict);
    assert_eq!(e.constraint(), Some("users_email_key"));

    // Renaming onto a taken name: same error, nothing changed.
    let e = db
        .users()
        .update(a.id, &UserUpdate::new().username(&u.username))
        .unwrap_err();
    assert_eq!(e.status(), Status::Conflict);
    assert_eq!(e.constraint(), Some("users_username_key"));
    assert_eq!(db.users().get(a.id).unwrap(), a);

    common::remove(&db, a.id);
    common::remove(&db, u.id);
}

#[test]
fn bad_usernames_are_invalid_naming_the_field_and_write_nothing() {
    let db = common::db();

    let e = db.users().create(&NewUser::new("")).unwrap_err();
    assert_eq!(e.status(), Status::Invalid);
    assert_eq!(e.field(), Some("user.username"));
    assert!(e.message().contains("username"), "{}", e.message());
    assert_eq!(e.sqlstate(), None); // refused before anything reached the server

    // Too long: 256 characters (the limit counts characters, not bytes).
    let long = "é".repeat(256);
    let e = db.users().create(&NewUser::new(&long)).unwrap_err();
    assert_eq!(e.status(), Status::Invalid);
    assert_eq!(e.field(), Some("user.username"));
    // 255 characters (510 bytes) are fine.
    let tag = common::unique("x");
    let ok = format!("{}{}", tag, "é".repeat(255 - tag.chars().count()));
    assert_eq!(ok.chars().count(), 255);
    let u = db.users().create(&NewUser::new(&ok)).unwrap();
    assert_eq!(db.users().get(u.id).unwrap().username, ok);
    common::remove(&db, u.id);

    // A NUL never reaches C.
    let name = common::unique("rs-nul");
    let e = db
        .users()
        .create(&NewUser::new(&format!("{}\0x", name)))
        .unwrap_err();
    assert_eq!(e.status(), Status::Invalid);
    assert_eq!(e.field(), Some("user.username"));
    assert_eq!(
        db.users().get_by_username(&name).unwrap_err().status(),
        Status::NotFound
    );

    // Nothing with an empty or over-long name was stored.
    let all: Vec<_> = db
        .users()
        .list(&UserFilter::default())
        .map(|u| u.unwrap())
        .collect();
    assert!(all
        .iter()
        .all(|u| !u.username.is_empty() && u.username != long));
}

#[test]
fn stale_update_is_conflict_and_writes_nothing() {
    let db = common::db();
    let u = common::user(&db, "rs-stale");
    let v = db
        .users()
        .update(
            u.id,
            &UserUpdate::new()
                .last_name(Some("First"))
                .expect_updated_at(u.updated_at),
        )
        .unwrap();
    assert_eq!(v.last_name.as_deref(), Some("First"));
    // Writing again with the old updated_at: someone changed it since.
    if v.updated_at != u.updated_at {
        let e = db
            .users()
            .update(
                u.id,
                &UserUpdate::new()
                    .last_name(Some("Second"))
                    .expect_updated_at(u.updated_at),
            )
            .unwrap_err();
        assert_eq!(e.status(), Status::Conflict);
        assert_eq!(
            db.users().get(u.id).unwrap().last_name.as_deref(),
            Some("First")
        );
    }
    let e = db
        .users()
        .update(
            u.id,
            &UserUpdate::new()
                .last_name(Some("Third"))
                .expect_updated_at(Time::from_micros(v.updated_at.as_micros() - 1)),
        )
        .unwrap_err();
    assert_eq!(e.status(), Status::Conflict);
    assert_eq!(db.users().get(u.id).unwrap(), v);
    common::remove(&db, u.id);
}

#[test]
fn list_follows_the_cursor_across_pages() {
    let db = common::db();
    let prefix = common::unique("rs-list");
    let mut made = Vec::new();
    for i in 0..5 {
        made.push(
            db.users()
                .create(&NewUser::new(&format!("{}-{}", prefix, i)))
                .unwrap(),
        );
    }
    let filter = UserFilter {
        page_size: 2,
        username_contains: Some(prefix.to_uppercase()), // case-insensitive
        ..UserFilter::default()
    };
    let mut rows = db.users().list(&filter);
    let got: Vec<_> = rows.by_ref().map(|u| u.unwrap()).collect();
    assert_eq!(got, made); // id order, every field as created
    assert_eq!(rows.pages_fetched(), 3); // 2 + 2 + 1
    assert!(rows.next().is_none());

    // One page when it fits.
    let mut rows = db.users().list(&UserFilter {
        page_size: 10,
        ..filter.clone()
    });
    assert_eq!(rows.by_ref().count(), 5);
    assert_eq!(rows.pages_fetched(), 1);

    // Time bounds.
    let from = made[2].created_at;
    let later: Vec<_> = db
        .users()
        .list(&UserFilter {
            created_from: Some(from),
            ..filter.clone()
        })
        .map(|u| u.unwrap().id)
        .collect();
    assert!(later
        .iter()
        .all(|id| made.iter().any(|m| m.id == *id && m.created_at >= from)));
    assert!(later.contains(&made[4].id));

    // A bad page size is the first (and only) item.
    let mut rows = db.users().list(&UserFilter {
        page_size: 100_000,
        ..filter.clone()
    });
    let e = rows.next().unwrap().unwrap_err();
    assert_eq!(e.status(), Status::Invalid);
    assert_eq!(e.field(), Some("filter.limit"));
    assert!(rows.next().is_none());

    for u in made {
        common::remove(&db, u.id);
    }
}
