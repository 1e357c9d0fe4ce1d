//! Tests of JSON field values, W3C date/time columns and the field priority list.

use proptest::prelude::*;

use super::{rfc, utc};
use crate::timestamp::{
    JSON_TIMESTAMP_FIELDS, json_timestamp_priority, parse_date_and_time, parse_timestamp_value,
};

#[test]
fn rfc3339_variants() {
    let cases = [
        ("2019-10-12T07:20:50.52Z", rfc("2019-10-12T07:20:50.52Z")),
        ("2019-10-12T07:20:50Z", rfc("2019-10-12T07:20:50Z")),
        ("2019-10-12 07:20:50", utc(2019, 10, 12, 7, 20, 50, 0)),
        ("2019-10-12T07:20:50+09:00", rfc("2019-10-11T22:20:50Z")),
        ("2019-10-12T07:20:50+0900", rfc("2019-10-11T22:20:50Z")),
        ("2019-10-12T07:20:50-07:00", rfc("2019-10-12T14:20:50Z")),
        ("2019-10-12T07:20:50+09", rfc("2019-10-11T22:20:50Z")),
        ("2019-10-12t07:20:50z", rfc("2019-10-12T07:20:50Z")),
        (
            "2019-10-12T07:20:50,123Z",
            utc(2019, 10, 12, 7, 20, 50, 123_000),
        ),
        (
            "2019-10-12T07:20:50.1Z",
            utc(2019, 10, 12, 7, 20, 50, 100_000),
        ),
        (
            "2019-10-12T07:20:50.123456789Z",
            utc(2019, 10, 12, 7, 20, 50, 123_456),
        ),
        (
            "2019-10-12T07:20:50.123456789+01:00",
            utc(2019, 10, 12, 6, 20, 50, 123_456),
        ),
        ("2019-10-12T07:20Z", utc(2019, 10, 12, 7, 20, 0, 0)),
        ("2019-10-12 07:20:50 UTC", utc(2019, 10, 12, 7, 20, 50, 0)),
        ("2019-10-12 07:20:50 +0200", utc(2019, 10, 12, 5, 20, 50, 0)),
        ("  2019-10-12T07:20:50Z\n", rfc("2019-10-12T07:20:50Z")),
        // Windows event SystemTime: seven fraction digits.
        (
            "2019-03-19T23:30:58.1234567Z",
            utc(2019, 3, 19, 23, 30, 58, 123_456),
        ),
        ("2019-10-12", utc(2019, 10, 12, 0, 0, 0, 0)),
    ];
    for (text, expected) in cases {
        assert_eq!(parse_timestamp_value(text), Some(expected), "{text:?}");
    }
}

#[test]
fn epoch_numbers_pick_unit_by_magnitude() {
    let second = rfc("2019-10-21T04:00:00Z");
    let cases = [
        ("1571630400", second),
        ("1571630400.123", second + 123_000),
        ("1571630400.5", second + 500_000),
        ("1571630400123", second + 123_000),
        ("1571630400123.456", second + 123_456),
        ("1571630400123456", second + 123_456),
        ("1571630400123456789", second + 123_456),
        ("1.5716304E9", second),
        ("1.5716304e+12", second),
        (" 1571630400 ", second),
        // Zeek `ts`.
        ("1320279566.452687", utc(2011, 11, 3, 0, 19, 26, 452_687)),
        ("631152000", utc(1990, 1, 1, 0, 0, 0, 0)),
        ("4102444799", utc(2099, 12, 31, 23, 59, 59, 0)),
    ];
    for (text, expected) in cases {
        assert_eq!(parse_timestamp_value(text), Some(expected), "{text:?}");
    }
}

#[test]
fn implausible_numbers_are_not_times() {
    for text in [
        "5",
        "0",
        "-1571630400",
        "42.5",
        "631151999",
        "4102444800",
        "99999999999",
        "1e400",
        "18446744073709551616",
        "1571630400.",
        "1571630400.x",
        "1571630400abc",
        "+",
        "-",
        ".",
        "1e",
        "NaN",
        "inf",
    ] {
        assert_eq!(parse_timestamp_value(text), None, "{text:?}");
    }
}

#[test]
fn invalid_and_truncated_values() {
    for text in [
        "",
        "   ",
        "2019-02-30",
        "2019-02-29T00:00:00Z",
        "2019-13-01",
        "2019-00-10",
        "2019-10-1",
        "2019-10-12T",
        "2019-10-12T07",
        "2019-10-12T07:2",
        "2019-10-12T24:00:00Z",
        "2019-10-12T07:60:00Z",
        "2019-10-12T07:20:61Z",
        "2019-10-12T07:20:50.Z",
        "2019-10-12T07:20:50+25:00",
        "2019-10-12T07:20:50 garbage",
        "2019-10-12X",
        "20191012",
        "hello",
        "true",
        "null",
        "2019‐10‐12",
        "日本語のテキスト",
        "2019-10-12T07:20:50Z日本",
    ] {
        assert_eq!(parse_timestamp_value(text), None, "{text:?}");
    }
}

#[test]
fn leap_days() {
    assert_eq!(
        parse_timestamp_value("2020-02-29"),
        Some(utc(2020, 2, 29, 0, 0, 0, 0))
    );
    assert_eq!(
        parse_timestamp_value("2000-02-29T12:00:00Z"),
        Some(utc(2000, 2, 29, 12, 0, 0, 0))
    );
    assert_eq!(parse_timestamp_value("1900-02-29"), None);
    assert_eq!(parse_timestamp_value("2100-02-29"), None);
}

#[test]
fn other_value_forms() {
    assert_eq!(
        parse_timestamp_value("10/Oct/2000:13:55:36 -0700"),
        Some(rfc("2000-10-10T20:55:36Z"))
    );
    assert_eq!(
        parse_timestamp_value("Sun Dec 04 04:47:44 2005"),
        Some(utc(2005, 12, 4, 4, 47, 44, 0))
    );
    assert_eq!(
        parse_timestamp_value("Tue, 15 Nov 1994 08:12:31 GMT"),
        Some(rfc("1994-11-15T08:12:31Z"))
    );
    assert_eq!(
        parse_timestamp_value("/Date(1571630400123)/"),
        Some(rfc("2019-10-21T04:00:00.123Z"))
    );
    assert_eq!(
        parse_timestamp_value("/Date(1571630400123+0200)/"),
        Some(rfc("2019-10-21T04:00:00.123Z"))
    );
    assert_eq!(parse_timestamp_value("/Date(-1000)/"), Some(-1_000_000));
    for text in [
        "/Date()/",
        "/Date(12x)/",
        "/Date(1571630400123",
        "/Date(1+02)/",
        "/",
    ] {
        assert_eq!(parse_timestamp_value(text), None, "{text:?}");
    }
    // No year: not a timestamp value on its own.
    assert_eq!(parse_timestamp_value("Jun 14 15:16:01"), None);
}

#[test]
fn w3c_date_and_time_columns() {
    assert_eq!(
        parse_date_and_time("2019-10-12", "07:20:50"),
        Some(utc(2019, 10, 12, 7, 20, 50, 0))
    );
    assert_eq!(
        parse_date_and_time("2019-10-12", "07:20:50.123"),
        Some(utc(2019, 10, 12, 7, 20, 50, 123_000))
    );
    assert_eq!(
        parse_date_and_time(" 2019-10-12 ", " 07:20 "),
        Some(utc(2019, 10, 12, 7, 20, 0, 0))
    );
    assert_eq!(
        parse_date_and_time("2019-10-12", "07:20:50+02:00"),
        Some(utc(2019, 10, 12, 5, 20, 50, 0))
    );
    assert_eq!(
        parse_date_and_time("2020-02-29", "23:59:59"),
        Some(utc(2020, 2, 29, 23, 59, 59, 0))
    );
    for (date, time) in [
        ("2019-02-30", "07:20:50"),
        ("2019-10-12", "25:00:00"),
        ("2019-10-12", ""),
        ("", "07:20:50"),
        ("2019-10-12 07:20:50", "07:20:50"),
        ("2019-10-12", "07:20:50 x"),
        ("2019-10-1", "07:20:50"),
        ("date", "time"),
    ] {
        assert_eq!(parse_date_and_time(date, time), None, "{date:?} {time:?}");
    }
}

#[test]
fn field_priority() {
    assert_eq!(json_timestamp_priority("@timestamp"), Some(0));
    assert_eq!(json_timestamp_priority("timestamp"), Some(1));
    assert_eq!(json_timestamp_priority("eventTime"), Some(2));
    assert_eq!(json_timestamp_priority("ts"), Some(4));
    let evtx = json_timestamp_priority("Event.System.TimeCreated.#attributes.SystemTime");
    assert!(evtx.is_some());
    assert!(evtx < json_timestamp_priority("TimeCreated"));
    assert!(json_timestamp_priority("time") < json_timestamp_priority("start"));
    assert_eq!(
        json_timestamp_priority("eventTimestamp"),
        Some(JSON_TIMESTAMP_FIELDS.len() - 1)
    );
    for path in [
        "Timestamp",
        "@Timestamp",
        "timestamp.x",
        "",
        "x.timestamp",
        "TIME",
        "ts ",
    ] {
        assert_eq!(json_timestamp_priority(path), None, "{path:?}");
    }
    for (i, field) in JSON_TIMESTAMP_FIELDS.iter().enumerate() {
        assert_eq!(
            json_timestamp_priority(field),
            Some(i),
            "{field} listed twice?"
        );
    }
}

proptest! {
    #[test]
    fn value_parser_never_panics(text in any::<String>()) {
        let _ = parse_timestamp_value(&text);
    }

    #[test]
    fn value_parser_never_panics_on_timestamp_like_text(text in "[0-9TZ:+.,/ -]{0,40}") {
        let _ = parse_timestamp_value(&text);
    }

    #[test]
    fn date_and_time_never_panics(date in "[0-9/ -]{0,14}", time in "[0-9:.,Z+ -]{0,16}") {
        let _ = parse_date_and_time(&date, &time);
    }

    #[test]
    fn rfc3339_round_trips(secs in 631_152_000i64..4_102_444_800, micros in 0u32..1_000_000) {
        let t = chrono::DateTime::from_timestamp(secs, micros * 1000).expect("in range");
        let text = t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        prop_assert_eq!(parse_timestamp_value(&text), Some(t.timestamp_micros()));
        let text = t.format("%Y-%m-%d %H:%M:%S%.f%z").to_string();
        prop_assert_eq!(parse_timestamp_value(&text), Some(t.timestamp_micros()));
    }
}
