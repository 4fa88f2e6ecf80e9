mod common;

use pinky::{NewComm, SimilarFilter, Status, Time, Uuid, VECTOR_DIM};

/// A unit vector pointing between axis `a` and axis `b` (weights wa, wb).
fn vector(a: usize, wa: f32, b: usize, wb: f32) -> Vec<f32> {
    let mut v = vec![0.0f32; VECTOR_DIM];
    let n = (wa * wa + wb * wb).sqrt();
    v[a] += wa / n;
    v[b] += wb / n;
    v
}

#[test]
fn comms_store_their_embedding_bit_exactly() {
    let db = common::db();
    let u = common::user(&db, "rs-comm");
    let date = Time::from_utc(2024, 5, 1, 9, 30, 0, 0).unwrap();
    let mut v = vector(3, 1.0, 7, 2.0);
    v[100] = 1.0e-30; // a subnormal-ish value survives
    let c = db
        .comms()
        .create(
            u.id,
            &NewComm::new("gmail", date)
                .subject("Hello")
                .sender("a@b")
                .content_vector(v.clone()),
        )
        .unwrap();
    assert_eq!(c.user_id, u.id);
    assert_eq!(c.source, "gmail");
    assert_eq!(c.communication_date, date);
    assert_eq!(c.subject.as_deref(), Some("Hello"));
    assert_eq!(c.sender.as_deref(), Some("a@b"));
    let back = db.comms().get(u.id, &c.id).unwrap();
    assert_eq!(back, c);
    let stored = back.content_vector.unwrap();
    assert_eq!(stored.len(), VECTOR_DIM);
    assert!(stored
        .iter()
        .zip(&v)
        .all(|(a, b)| a.to_bits() == b.to_bits()));

    let e = db
        .comms()
        .create(
            u.id,
            &NewComm::new("gmail", date).content_vector(vec![1.0; 3]),
        )
        .unwrap_err();
    assert_eq!(
        (e.status(), e.field()),
        (Status::Invalid, Some("comm.content_vector"))
    );
    let e = db.comms().get(u.id + 1_000_000, &c.id).unwrap_err();
    assert_eq!(e.status(), Status::NotFound);
    common::remove(&db, u.id);
}

#[test]
fn similar_finds_the_nearest_first_and_only_the_users_own() {
    let db = common::db();
    let u = common::user(&db, "rs-sim");
    let other = common::user(&db, "rs-sim-other");
    let date = Time::from_utc(2024, 1, 1, 0, 0, 0, 0).unwrap();
    let comms = db.comms();
    let make = |user: i32, source: &str, v: Option<Vec<f32>>| {
        let mut c = NewComm::new(source, date).subject(source);
        c.content_vector = v;
        comms.create(user, &c).unwrap()
    };
    let same = make(u.id, "slack", Some(vector(0, 1.0, 1, 0.0)));
    let near = make(u.id, "gmail", Some(vector(0, 1.0, 1, 1.0)));
    let far = make(u.id, "gmail", Some(vector(1, 1.0, 2, 0.0)));
    let _plain = make(u.id, "gmail", None); // no embedding: never a match
    let _theirs = make(other.id, "slack", Some(vector(0, 1.0, 1, 0.0)));
    comms.add_tag(u.id, &near.id, "work").unwrap();

    let query = vector(0, 1.0, 1, 0.0);
    for exact in [false, true] {
        let f = SimilarFilter {
            exact,
            ..Default::default()
        };
        let hits = comms.similar(u.id, &query, 10, &f).unwrap();
        let ids: Vec<Uuid> = hits.iter().map(|m| m.comm.id).collect();
        assert_eq!(ids, [same.id, near.id, far.id], "exact = {}", exact);
        assert!(hits[0].distance.abs() < 1e-6);
        assert!(
            (hits[1].distance - (1.0 - 0.5f64.sqrt())).abs() < 1e-6,
            "{}",
            hits[1].distance
        );
        assert!((hits[2].distance - 1.0).abs() < 1e-6);
        assert_eq!(hits[1].comm, near);
    }

    // k, and the filters.
    let top: Vec<Uuid> = comms
        .similar(u.id, &query, 1, &SimilarFilter::default())
        .unwrap()
        .iter()
        .map(|m| m.comm.id)
        .collect();
    assert_eq!(top, [same.id]);
    let gmail = SimilarFilter {
        source: Some("gmail".into()),
        ..Default::default()
    };
    let ids: Vec<Uuid> = comms
        .similar(u.id, &query, 10, &gmail)
        .unwrap()
        .iter()
        .map(|m| m.comm.id)
        .collect();
    assert_eq!(ids, [near.id, far.id]);
    let work = SimilarFilter {
        tag: Some("work".into()),
        ..Default::default()
    };
    let ids: Vec<Uuid> = comms
        .similar(u.id, &query, 10, &work)
        .unwrap()
        .iter()
        .map(|m| m.comm.id)
        .collect();
    assert_eq!(ids, [near.id]);
    let later = SimilarFilter {
        date_from: Some(Time::from_micros(date.as_micros() + 1)),
        ..Default::default()
    };
    assert!(comms.similar(u.id, &query, 10, &later).unwrap().is_empty());

    // Bad arguments.
    let e = comms
        .similar(u.id, &query, 0, &SimilarFilter::default())
        .unwrap_err();
    assert_eq!((e.status(), e.field()), (Status::Invalid, Some("k")));
    let e = comms
        .similar(u.id, &query[..10], 5, &SimilarFilter::default())
        .unwrap_err();
    assert_eq!((e.status(), e.field()), (Status::Invalid, Some("query")));
    let mut nan = query.clone();
    nan[5] = f32::NAN;
    let e = comms
        .similar(u.id, &nan, 5, &SimilarFilter::default())
        .unwrap_err();
    assert_eq!((e.status(), e.field()), (Status::Invalid, Some("query")));

    common::remove(&db, u.id);
    common::remove(&db, other.id);
}
