use std::time::{Duration, UNIX_EPOCH};

use pinky::{Status, Time, Uuid};

#[test]
fn uuids_format_and_parse() {
    let text = "0f8fad5b-d9cb-469f-a165-70867728950e";
    let u: Uuid = text.parse().unwrap();
    assert_eq!(u.as_bytes()[0], 0x0f);
    assert_eq!(u.as_bytes()[15], 0x0e);
    assert_eq!(u.to_string(), text);
    assert_eq!(format!("{:?}", u), format!("Uuid({})", text));
    // PostgreSQL's other input forms.
    assert_eq!(
        "{0F8FAD5B-D9CB-469F-A165-70867728950E}"
            .parse::<Uuid>()
            .unwrap(),
        u
    );
    assert_eq!(
        "0f8fad5bd9cb469fa16570867728950e".parse::<Uuid>().unwrap(),
        u
    );
    for bad in [
        "",
        "0f8fad5b",
        "0f8fad5b-d9cb-469f-a165-70867728950",
        "zf8fad5b-d9cb-469f-a165-70867728950e",
        "a\0b",
    ] {
        let e = bad.parse::<Uuid>().unwrap_err();
        assert_eq!(
            (e.status(), e.field()),
            (Status::Invalid, Some("uuid")),
            "{:?}",
            bad
        );
    }
    let g = Uuid::generate();
    assert!(!g.is_nil());
    assert_ne!(g, Uuid::generate());
    assert_eq!(g.as_bytes()[6] >> 4, 4); // version 4
    assert_eq!(g.to_string().parse::<Uuid>().unwrap(), g);
    assert!(Uuid::NIL.is_nil());
    assert_eq!(
        Uuid::NIL.to_string(),
        "00000000-0000-0000-0000-000000000000"
    );
}

#[test]
fn times_format_parse_and_convert() {
    let t = Time::from_utc(2024, 2, 29, 13, 45, 0, 123_456).unwrap();
    assert_eq!(t.to_string(), "2024-02-29T13:45:00.123456Z");
    assert_eq!(t.as_micros(), 1_709_214_300_123_456);
    assert_eq!("2024-02-29T13:45:00.123456Z".parse::<Time>().unwrap(), t);
    assert_eq!(
        "2024-02-29 15:45:00.123456+02:00".parse::<Time>().unwrap(),
        t
    );
    assert_eq!(Time::EPOCH.to_string(), "1970-01-01T00:00:00Z");
    assert_eq!(Time::INFINITY.to_string(), "infinity");
    assert_eq!("-infinity".parse::<Time>().unwrap(), Time::NEG_INFINITY);
    assert_eq!(
        Time::from_micros(-1).to_string(),
        "1969-12-31T23:59:59.999999Z"
    );

    let e = Time::from_utc(2023, 2, 29, 0, 0, 0, 0).unwrap_err();
    assert_eq!((e.status(), e.field()), (Status::Invalid, Some("time")));
    let e = "yesterday".parse::<Time>().unwrap_err();
    assert_eq!((e.status(), e.field()), (Status::Invalid, Some("time")));

    let st = UNIX_EPOCH + Duration::from_micros(1_709_214_300_123_456);
    assert_eq!(Time::from(st), t);
    assert_eq!(t.to_system_time(), Some(st));
    let before = UNIX_EPOCH - Duration::from_micros(1_500_000);
    assert_eq!(Time::from(before).as_micros(), -1_500_000);
    assert_eq!(Time::from(before).to_system_time(), Some(before));
    assert_eq!(Time::INFINITY.to_system_time(), None);
    let now = Time::now();
    assert!(now > t && now.is_finite());
}

#[test]
fn statuses_mirror_the_c_codes() {
    let all = [
        (Status::NotFound, 1, "NOT_FOUND"),
        (Status::Invalid, 2, "INVALID"),
        (Status::Conflict, 3, "CONFLICT"),
        (Status::Constraint, 4, "CONSTRAINT"),
        (Status::Connection, 5, "CONNECTION"),
        (Status::Timeout, 6, "TIMEOUT"),
        (Status::Busy, 7, "BUSY"),
        (Status::NoMemory, 8, "NO_MEMORY"),
        (Status::Serialization, 9, "SERIALIZATION"),
        (Status::Migration, 10, "MIGRATION"),
        (Status::Server, 11, "SERVER"),
        (Status::State, 12, "STATE"),
        (Status::Internal, 13, "INTERNAL"),
    ];
    for (s, code, name) in all {
        assert_eq!(s.code(), code);
        assert_eq!(Status::from_code(code), Some(s));
        assert_eq!(s.to_string(), name);
    }
    assert_eq!(Status::from_code(pinky::sys::PINKY_OK), None);
    assert_eq!(Status::from_code(99), Some(Status::Other(99)));
    assert_eq!(Status::Other(99).code(), 99);
}

#[test]
fn versions_and_generated_constants() {
    assert_eq!(pinky::version(), pinky::header_version());
    assert_eq!(pinky::sys::PINKY_USER_USERNAME, 1);
    assert_eq!(pinky::sys::PINKY_USER_LAST_NAME, 1 << 4);
    assert_eq!(pinky::sys::PINKY_DOCUMENT_METADATA, 1 << 8);
    assert_eq!(pinky::sys::PINKY_LIST_MAX_LIMIT, 1000);
}
