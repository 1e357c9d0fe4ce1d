//! Tests of `TimestampFormat` overrides.

use proptest::prelude::*;

use super::{rfc, utc};
use crate::timestamp::{TimestampFormat, TimestampFormatError};

fn format(text: &str) -> TimestampFormat {
    text.parse().expect("valid format")
}

#[test]
fn keywords_parse_and_display() {
    let cases = [
        ("auto", TimestampFormat::Auto),
        ("rfc3339", TimestampFormat::Rfc3339),
        ("ISO8601", TimestampFormat::Rfc3339),
        ("epoch_s", TimestampFormat::EpochSeconds),
        (" EPOCH_MS ", TimestampFormat::EpochMillis),
        ("epoch_us", TimestampFormat::EpochMicros),
        ("epoch_ns", TimestampFormat::EpochNanos),
    ];
    for (text, expected) in cases {
        assert_eq!(format(text), expected, "{text:?}");
    }
    for text in [
        "auto",
        "rfc3339",
        "epoch_s",
        "epoch_ms",
        "epoch_us",
        "epoch_ns",
        "%y%m%d %H%M%S",
    ] {
        assert_eq!(format(text).to_string(), text);
    }
    assert_eq!(TimestampFormat::default(), TimestampFormat::Auto);
}

#[test]
fn bad_formats_are_errors() {
    assert_eq!(
        "".parse::<TimestampFormat>(),
        Err(TimestampFormatError::Empty)
    );
    assert_eq!(
        " ".parse::<TimestampFormat>(),
        Err(TimestampFormatError::Empty)
    );
    assert!(matches!(
        "epoch".parse::<TimestampFormat>(),
        Err(TimestampFormatError::Unknown(text)) if text == "epoch"
    ));
    assert!(matches!(
        "%Y-%m-%d %Q".parse::<TimestampFormat>(),
        Err(TimestampFormatError::InvalidPattern(_))
    ));
    assert!(matches!(
        "%".parse::<TimestampFormat>(),
        Err(TimestampFormatError::InvalidPattern(_))
    ));
    // The error is a std error with a readable message.
    let error: Box<dyn std::error::Error> = Box::new(TimestampFormatError::Empty);
    assert_eq!(error.to_string(), "empty timestamp format");
}

#[test]
fn serde_round_trip() {
    let parsed: TimestampFormat = serde_json::from_str("\"%d/%b/%Y:%H:%M:%S %z\"").expect("valid");
    assert_eq!(
        serde_json::to_string(&parsed).expect("serialise"),
        "\"%d/%b/%Y:%H:%M:%S %z\""
    );
    assert!(serde_json::from_str::<TimestampFormat>("\"nonsense\"").is_err());
    assert!(serde_json::from_str::<TimestampFormat>("3").is_err());
}

#[test]
fn values_in_fixed_formats() {
    let object = utc(2030, 1, 1, 0, 0, 0, 0);
    let second = rfc("2019-10-21T04:00:00Z");
    let cases = [
        ("epoch_s", "1571630400", second),
        ("epoch_s", "1571630400.25", second + 250_000),
        ("epoch_s", "5", 5_000_000),
        ("epoch_s", "-1", -1_000_000),
        ("epoch_ms", "1571630400123", second + 123_000),
        ("epoch_ms", "5", 5_000),
        ("epoch_us", "1571630400123456", second + 123_456),
        ("epoch_ns", "1571630400123456789", second + 123_456),
        (
            "rfc3339",
            "2019-10-12T07:20:50.52Z",
            rfc("2019-10-12T07:20:50.52Z"),
        ),
        ("rfc3339", "2019-10-12", utc(2019, 10, 12, 0, 0, 0, 0)),
        ("auto", "1571630400", second),
        (
            "%d/%b/%Y:%H:%M:%S %z",
            "10/Oct/2000:13:55:36 -0700",
            rfc("2000-10-10T20:55:36Z"),
        ),
        (
            "%y%m%d %H%M%S",
            "081109 203615",
            utc(2008, 11, 9, 20, 36, 15, 0),
        ),
        ("%Y-%m-%d", "2019-10-12", utc(2019, 10, 12, 0, 0, 0, 0)),
        (
            "%Y%m%d-%H:%M:%S%.f",
            "20171223-22:15:29.606",
            utc(2017, 12, 23, 22, 15, 29, 606_000),
        ),
        ("%s", "1571630400", second),
    ];
    for (fmt, text, expected) in cases {
        assert_eq!(
            format(fmt).parse_value(text, object),
            Some(expected),
            "{fmt} {text:?}"
        );
    }
    for (fmt, text) in [
        ("epoch_s", "abc"),
        ("epoch_s", ""),
        ("epoch_ms", "99999999999999999999999"),
        ("rfc3339", "1571630400"),
        ("rfc3339", "2019-02-30"),
        ("%Y-%m-%d", "2019-10-12 extra"),
        ("%Y-%m-%d", "2019-02-30"),
        ("auto", "5"),
    ] {
        assert_eq!(
            format(fmt).parse_value(text, object),
            None,
            "{fmt} {text:?}"
        );
    }
}

#[test]
fn strftime_without_year_uses_the_object_year() {
    let syslog = format("%b %e %H:%M:%S");
    let object = utc(2018, 1, 5, 0, 0, 0, 0);
    assert_eq!(
        syslog.parse_value("Dec 10 06:55:46", object),
        Some(utc(2017, 12, 10, 6, 55, 46, 0))
    );
    assert_eq!(
        syslog.parse_value("Jan  4 06:55:46", object),
        Some(utc(2018, 1, 4, 6, 55, 46, 0))
    );
    let line = "Jul  1 09:00:55 calvisitor-10-105-160-95 kernel[0]: ARPT: 620701.011328";
    let object = utc(2017, 7, 5, 0, 0, 0, 0);
    assert_eq!(
        syslog.parse_text_prefix(line, object),
        Some(utc(2017, 7, 1, 9, 0, 55, 0))
    );
    let leap = format("%m-%d %H:%M");
    let object = utc(2025, 3, 1, 0, 0, 0, 0);
    assert_eq!(
        leap.parse_value("02-29 12:00", object),
        Some(utc(2024, 2, 29, 12, 0, 0, 0))
    );
}

#[test]
fn text_prefixes() {
    let object = utc(2030, 1, 1, 0, 0, 0, 0);
    let cases = [
        (
            "%d/%b/%Y:%H:%M:%S %z",
            "[10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326",
            rfc("2000-10-10T20:55:36Z"),
        ),
        (
            "%y%m%d %H%M%S",
            "081109 203615 148 INFO dfs.DataNode",
            utc(2008, 11, 9, 20, 36, 15, 0),
        ),
        (
            "rfc3339",
            "  2019-10-12T07:20:50Z rest",
            rfc("2019-10-12T07:20:50Z"),
        ),
        (
            "rfc3339",
            "[2019-10-12 07:20:50] rest",
            utc(2019, 10, 12, 7, 20, 50, 0),
        ),
        (
            "epoch_s",
            "1320279566.452687\tCWGtK431H9XuaTN4fi",
            utc(2011, 11, 3, 0, 19, 26, 452_687),
        ),
        (
            "epoch_ms",
            "1571630400123 message",
            rfc("2019-10-21T04:00:00.123Z"),
        ),
        (
            "auto",
            "Dec 10 06:55:46 LabSZ sshd[24200]: x",
            utc(2029, 12, 10, 6, 55, 46, 0),
        ),
    ];
    for (fmt, line, expected) in cases {
        assert_eq!(
            format(fmt).parse_text_prefix(line, object),
            Some(expected),
            "{fmt} {line:?}"
        );
    }
    for (fmt, line) in [
        ("%y%m%d %H%M%S", "hello 081109 203615"),
        ("rfc3339", "x 2019-10-12T07:20:50Z"),
        ("epoch_s", "1571630400abc"),
        ("epoch_s", "abc"),
        ("epoch_s", ""),
        ("rfc3339", "[[["),
    ] {
        assert_eq!(
            format(fmt).parse_text_prefix(line, object),
            None,
            "{fmt} {line:?}"
        );
    }
}

proptest! {
    #[test]
    fn formats_never_panic(
        fmt in prop::sample::select(vec![
            "auto", "rfc3339", "epoch_s", "epoch_ms", "epoch_us", "epoch_ns",
            "%d/%b/%Y:%H:%M:%S %z", "%y%m%d %H%M%S", "%b %e %H:%M:%S", "%s", "%j %H",
        ]),
        text in any::<String>(),
        object in any::<i64>(),
    ) {
        let fmt = format(fmt);
        let _ = fmt.parse_value(&text, object);
        let _ = fmt.parse_text_prefix(&text, object);
    }

    #[test]
    fn any_text_either_parses_or_errors(text in any::<String>()) {
        let _ = text.parse::<TimestampFormat>();
    }
}
