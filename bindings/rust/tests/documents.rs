mod common;

use pinky::{Category, DocumentFilter, NewDocument, NewVersion, Status, Time, Uuid, VersionFilter};

#[test]
fn create_reads_back_every_field_with_its_first_version() {
    let db = common::db();
    let u = common::user(&db, "rs-doc");
    let title = common::unique("Lease");
    let d = db
        .documents()
        .create(
            u.id,
            &NewDocument::new(&title, "/home/u/lease.pdf", "UBUNTU")
                .category(Category::Legal)
                .size(12_345)
                .mime_type("application/pdf")
                .metadata(r#"{"pages": 3, "signed": false}"#),
        )
        .unwrap();
    assert!(!d.id.is_nil());
    assert_eq!(d.user_id, u.id);
    assert_eq!(d.title, title);
    assert_eq!(d.category, Some(Category::Legal));
    assert_eq!(d.path, "/home/u/lease.pdf");
    assert_eq!(d.platform, "UBUNTU");
    assert_eq!(d.connection_id, None);
    assert_eq!(d.size, Some(12_345));
    assert_eq!(d.mime_type.as_deref(), Some("application/pdf"));
    assert_eq!(d.version, Some(1));
    // JSONB's normal form.
    assert_eq!(
        d.metadata.as_deref(),
        Some(r#"{"pages": 3, "signed": false}"#)
    );
    assert_eq!(db.documents().get(u.id, &d.id).unwrap(), d);

    let versions: Vec<_> = db
        .documents()
        .versions_of(u.id, &d.id)
        .map(|v| v.unwrap())
        .collect();
    assert_eq!(versions.len(), 1);
    let v1 = &versions[0];
    assert_eq!(v1.document_id, d.id);
    assert_eq!(v1.version_number, 1);
    assert_eq!(v1.path, "/home/u/lease.pdf");
    assert_eq!(v1.size, Some(12_345));
    assert_eq!(v1.created_by, Some(u.id));
    assert_eq!(db.documents().version(u.id, &v1.id).unwrap(), *v1);

    // Listing by title finds it, with the same fields.
    let found: Vec<_> = db
        .documents()
        .list(
            u.id,
            &DocumentFilter {
                title_contains: Some(title.clone()),
                ..Default::default()
            },
        )
        .map(|d| d.unwrap())
        .collect();
    assert_eq!(found, vec![d.clone()]);

    common::remove(&db, u.id);
    assert_eq!(
        db.documents().get(u.id, &d.id).unwrap_err().status(),
        Status::NotFound
    );
}

#[test]
fn new_versions_are_numbered_and_listed_in_order() {
    let db = common::db();
    let u = common::user(&db, "rs-ver");
    let d = db
        .documents()
        .create(u.id, &NewDocument::new("Notes", "/n/v1.md", "web"))
        .unwrap();
    let before = Time::now();
    let v2 = db
        .documents()
        .new_version(
            u.id,
            &d.id,
            &NewVersion::new("/n/v2.md")
                .size(20)
                .hash("abc")
                .comment("second"),
        )
        .unwrap();
    let v3 = db
        .documents()
        .new_version(u.id, &d.id, &NewVersion::new("/n/v3.md"))
        .unwrap();
    assert_eq!((v2.version_number, v3.version_number), (2, 3));
    assert_eq!(v2.document_id, d.id);
    assert_eq!(v2.size, Some(20));
    assert_eq!(v2.hash.as_deref(), Some("abc"));
    assert_eq!(v2.comment.as_deref(), Some("second"));
    assert_eq!(v2.created_by, Some(u.id));
    assert_eq!(
        (v3.size, v3.hash.as_deref(), v3.comment.as_deref()),
        (None, None, None)
    );
    assert!(v2.created_at >= Time::from_micros(before.as_micros() - 5_000_000));

    // The document's own version advanced; nothing else of it changed.
    let now = db.documents().get(u.id, &d.id).unwrap();
    assert_eq!(now.version, Some(3));
    assert_eq!(
        (now.title.as_str(), now.path.as_str()),
        ("Notes", "/n/v1.md")
    );

    // One row per page: the iterator follows the cursor through all three.
    let mut rows = db.documents().versions(
        u.id,
        &VersionFilter {
            page_size: 1,
            document_id: Some(d.id),
            ..Default::default()
        },
    );
    let listed: Vec<_> = rows.by_ref().map(|v| v.unwrap()).collect();
    assert!(rows.pages_fetched() >= 3);
    let numbers: Vec<_> = listed.iter().map(|v| v.version_number).collect();
    let paths: Vec<_> = listed.iter().map(|v| v.path.as_str()).collect();
    assert_eq!(numbers, [1, 2, 3]);
    assert_eq!(paths, ["/n/v1.md", "/n/v2.md", "/n/v3.md"]);
    assert_eq!(listed[1], v2);
    assert_eq!(listed[2], v3);

    common::remove(&db, u.id);
}

#[test]
fn another_users_document_is_not_found() {
    let db = common::db();
    let owner = common::user(&db, "rs-owner");
    let other = common::user(&db, "rs-other");
    let d = db
        .documents()
        .create(owner.id, &NewDocument::new("Mine", "/m", "web"))
        .unwrap();

    let e = db.documents().get(other.id, &d.id).unwrap_err();
    assert_eq!(e.status(), Status::NotFound);
    assert!(!e.message().is_empty());
    let e = db
        .documents()
        .new_version(other.id, &d.id, &NewVersion::new("/x"))
        .unwrap_err();
    assert_eq!(e.status(), Status::NotFound);
    assert_eq!(
        db.documents().delete(other.id, &d.id).unwrap_err().status(),
        Status::NotFound
    );
    assert_eq!(db.documents().versions_of(other.id, &d.id).count(), 0);
    let v1 = db
        .documents()
        .versions_of(owner.id, &d.id)
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(
        db.documents()
            .version(other.id, &v1.id)
            .unwrap_err()
            .status(),
        Status::NotFound
    );
    assert_eq!(
        db.documents()
            .add_tag(other.id, &d.id, "x")
            .unwrap_err()
            .status(),
        Status::NotFound
    );

    // Untouched: still version 1, one version row, no tag.
    let still = db.documents().get(owner.id, &d.id).unwrap();
    assert_eq!(still, d);
    assert_eq!(db.documents().versions_of(owner.id, &d.id).count(), 1);
    let tagged = DocumentFilter {
        tag: Some("x".into()),
        ..Default::default()
    };
    assert_eq!(db.documents().list(owner.id, &tagged).count(), 0);

    // A document that does not exist at all: the same answer.
    let e = db.documents().get(owner.id, &Uuid::generate()).unwrap_err();
    assert_eq!(e.status(), Status::NotFound);

    common::remove(&db, owner.id);
    common::remove(&db, other.id);
}

#[test]
fn bad_documents_are_invalid_naming_the_field() {
    let db = common::db();
    let u = common::user(&db, "rs-baddoc");
    let title = common::unique("Bad");

    let e = db
        .documents()
        .create(u.id, &NewDocument::new("", "/p", "web"))
        .unwrap_err();
    assert_eq!(e.status(), Status::Invalid);
    assert_eq!(e.field(), Some("document.title"));

    let e = db
        .documents()
        .create(
            u.id,
            &NewDocument::new(&title, "/p", "web").metadata("{not json"),
        )
        .unwrap_err();
    assert_eq!(e.status(), Status::Invalid);
    assert_eq!(e.field(), Some("document.metadata"));

    let e = db
        .documents()
        .create(u.id, &NewDocument::new(&title, "/p\0q", "web"))
        .unwrap_err();
    assert_eq!(e.status(), Status::Invalid);
    assert_eq!(e.field(), Some("document.path"));

    // A user that does not exist.
    let e = db
        .documents()
        .create(-1, &NewDocument::new(&title, "/p", "web"))
        .unwrap_err();
    assert_eq!(e.status(), Status::NotFound);

    // Nothing was written.
    let f = DocumentFilter {
        title_contains: Some(title),
        ..Default::default()
    };
    assert_eq!(db.documents().list(u.id, &f).count(), 0);
    common::remove(&db, u.id);
}

#[test]
fn tags_and_categories_filter_the_list() {
    let db = common::db();
    let u = common::user(&db, "rs-tags");
    let docs = db.documents();
    let a = docs
        .create(
            u.id,
            &NewDocument::new("A", "/a", "web").category(Category::Tax),
        )
        .unwrap();
    let b = docs
        .create(u.id, &NewDocument::new("B", "/b", "web"))
        .unwrap();
    docs.add_tag(u.id, &a.id, "2024").unwrap();
    docs.add_tag(u.id, &b.id, "2024").unwrap();
    docs.add_tag(u.id, &a.id, "2024").unwrap(); // again: fine

    let ids =
        |f: DocumentFilter| -> Vec<Uuid> { docs.list(u.id, &f).map(|d| d.unwrap().id).collect() };
    assert_eq!(ids(DocumentFilter::default()), [a.id, b.id]);
    assert_eq!(
        ids(DocumentFilter {
            tag: Some("2024".into()),
            page_size: 1,
            ..Default::default()
        }),
        [a.id, b.id]
    );
    assert_eq!(
        ids(DocumentFilter {
            category: Some(Category::Tax),
            ..Default::default()
        }),
        [a.id]
    );
    assert!(ids(DocumentFilter {
        tag: Some("2025".into()),
        ..Default::default()
    })
    .is_empty());

    let e = docs.add_tag(u.id, &a.id, "").unwrap_err();
    assert_eq!(e.status(), Status::Invalid);
    assert_eq!(e.field(), Some("document_tag.tag"));
    let e = docs.add_tag(u.id, &a.id, "a\0b").unwrap_err();
    assert_eq!(
        (e.status(), e.field()),
        (Status::Invalid, Some("document_tag.tag"))
    );

    assert_eq!("TAX".parse::<Category>().unwrap(), Category::Tax);
    assert_eq!(Category::Insurance.to_string(), "INSURANCE");
    let e = "tax".parse::<Category>().unwrap_err();
    assert_eq!(
        (e.status(), e.field()),
        (Status::Invalid, Some("document_category"))
    );
    common::remove(&db, u.id);
}
