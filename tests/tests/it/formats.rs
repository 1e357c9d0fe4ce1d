//! JSON documents (CloudTrail, arrays, pretty-printed objects) and header-driven text formats
//! (VPC Flow Logs, W3C/IIS, CSV): records, field-qualified terms, timestamps and partitions.

use crate::support::{Single, assert_records, expected_lines, gzip, index_bytes, utc_us};

/// Asserts the time of each record and the `dt` folder of the file holding it.
fn assert_times(single: &Single, want: &[(i64, i64, &str)]) {
    for &(seq, ts, dt) in want {
        let m = single.message(seq);
        assert_eq!(m.timestamp, ts, "timestamp of record {seq}");
        let folder = format!("messages/dt={dt}/");
        assert!(
            m.file.starts_with(&folder),
            "record {seq} in {} not {folder}",
            m.file
        );
    }
}

/// The records of a document: `(index, exact element text)`.
fn elements(elements: &[&str]) -> Vec<(i64, Vec<u8>)> {
    elements
        .iter()
        .enumerate()
        .map(|(i, e)| (i as i64, e.as_bytes().to_vec()))
        .collect()
}

#[test]
fn cloudtrail_document_gives_one_record_per_element() {
    let records = [
        r#"{"eventVersion":"1.08","eventTime":"2024-02-03T04:05:06Z","eventSource":"s3.amazonaws.com","userIdentity":{"type":"IAMUser","userName":"alice"},"sourceIPAddress":"10.1.2.3"}"#,
        "{ \"eventTime\" : \"2024-02-03T05:00:01Z\",\r\n    \"eventSource\": \"iam.amazonaws.com\", \"eventName\": \"CreateUser\" }",
        r#"{"eventTime":"2024-02-03T05:59:59Z","eventSource":"sts.amazonaws.com","resources":[{"ARN":"arn:aws:iam::123456789012:role/x"}]}"#,
    ];
    let doc = format!("{{\"Records\":[\n  {}\n]}}\n", records.join(",\n  "));
    let single = index_bytes(
        "123456789012_CloudTrail_us-east-1_20240203T0405Z_abc.json",
        doc.as_bytes(),
    );
    assert_records(&single, &elements(&records));
    assert!(single.messages.iter().all(|m| m.tag == "aws.cloudtrail"));
    assert_eq!(
        (single.report.unparsed, single.report.error.as_deref()),
        (0, None)
    );
    assert_times(
        &single,
        &[
            (0, utc_us(2024, 2, 3, 4, 5, 6), "2024-02-03-04"),
            (1, utc_us(2024, 2, 3, 5, 0, 1), "2024-02-03-05"),
            (2, utc_us(2024, 2, 3, 5, 59, 59), "2024-02-03-05"),
        ],
    );
    assert!(single.has(0, "userIdentity.userName", "alice"));
    assert!(single.has(0, "sourceIPAddress", "10.1.2.3"));
    assert!(single.has(1, "eventName", "createuser"));
    assert!(single.has(2, "resources.ARN", "123456789012"));

    // The same document gzip-compressed and on one line.
    let one_line = format!("{{\"Records\":[{}]}}", records.join(","));
    let single = index_bytes("trail.json.gz", &gzip(one_line.as_bytes()));
    assert_records(&single, &elements(&records));
    assert!(single.messages.iter().all(|m| m.tag == "aws.cloudtrail"));
}

#[test]
fn cloudtrail_document_with_invalid_utf8_in_one_record() {
    let good_a = r#"{"eventTime":"2024-02-03T04:05:06Z","eventSource":"s3.amazonaws.com","eventName":"GetObject"}"#;
    let good_b = r#"{"eventTime":"2024-02-03T04:05:08Z","eventSource":"s3.amazonaws.com","eventName":"PutObject"}"#;
    let mut bad =
        br#"{"eventTime":"2024-02-03T04:05:07Z","eventSource":"s3.amazonaws.com","userAgent":"caf"#
            .to_vec();
    bad.extend_from_slice(b"\xe9\"}");
    let mut doc = b"{\"Records\":[".to_vec();
    for (i, record) in [good_a.as_bytes(), &bad, good_b.as_bytes()]
        .iter()
        .enumerate()
    {
        if i > 0 {
            doc.push(b',');
        }
        doc.extend_from_slice(record);
    }
    doc.extend_from_slice(b"]}");
    let single = index_bytes("trail.json", &doc);
    let expected = vec![
        (0, good_a.as_bytes().to_vec()),
        (1, bad),
        (2, good_b.as_bytes().to_vec()),
    ];
    assert_records(&single, &expected);
    assert!(single.has(0, "eventName", "getobject") && single.has(2, "eventName", "putobject"));
    assert_eq!(single.report.unparsed, 1);
}

#[test]
fn json_arrays_and_pretty_printed_objects() {
    let items = [
        r#"{"a":"one"}"#,
        "{ \"a\" : \"two\" }",
        r#"{"b":{"c":"three"}}"#,
        r#""scalar""#,
    ];
    let doc = format!("[{} , {},\n{}, {}]", items[0], items[1], items[2], items[3]);
    let single = index_bytes("items.json", doc.as_bytes());
    assert_records(&single, &elements(&items));
    assert!(single.messages.iter().all(|m| m.tag == "items"));
    assert!(
        single.has(0, "a", "one") && single.has(1, "a", "two") && single.has(2, "b.c", "three")
    );
    assert!(single.has(3, "", "scalar"));
    assert_eq!(single.report.unparsed, 0);

    // An element that is not valid JSON is stored and indexed as text.
    let items = [r#"{"a":"ok"}"#, r#"{"a":tru}"#];
    let single = index_bytes("bad.json", format!("[{}]", items.join(",")).as_bytes());
    assert_records(&single, &elements(&items));
    assert_eq!(single.report.unparsed, 1);
    assert!(single.report.warnings[0].starts_with(&single.uri));
    assert!(single.has(1, "", "tru") && single.has(0, "a", "ok"));

    let pretty = "{\n  \"user\": \"frank\",\n  \"nested\": {\n    \"k\": \"v\"\n  }\n}";
    let single = index_bytes("one.json", format!("\u{feff}{pretty}\n\n").as_bytes());
    assert_records(&single, &[(0, pretty.as_bytes().to_vec())]);
    assert!(single.has(0, "user", "frank") && single.has(0, "nested.k", "v"));

    // A pretty-printed object that does not parse is read as lines.
    let broken = "{\n  \"user\": \"gina\",\n  \"oops\"\n}\n";
    let single = index_bytes("broken.json", broken.as_bytes());
    assert_records(&single, &expected_lines(broken.as_bytes()));
    assert!(single.has(1, "", "gina"));
}

#[test]
fn vpc_flow_logs_use_header_fields_and_start_times() {
    let t1 = utc_us(2024, 1, 1, 10, 0, 0) / 1_000_000;
    let t2 = utc_us(2024, 1, 1, 11, 30, 0) / 1_000_000;
    let t3 = utc_us(2024, 1, 1, 11, 59, 0) / 1_000_000;
    let text = format!(
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n\
         2 123456789010 eni-0a1b2c3d 10.1.2.3 172.31.16.21 49761 3389 6 20 4249 {t1} {} ACCEPT OK\n\
         2 123456789010 eni-0a1b2c3d 172.31.16.21 10.1.2.3 3389 49761 6 20 4249 {t2} {} REJECT OK\n\
         2 123456789010 eni-0a1b2c3d - - - - - - - {t3} {} - NODATA\n",
        t1 + 60,
        t2 + 60,
        t3 + 60,
    );
    let single = index_bytes("flows.log", text.as_bytes());
    assert_records(&single, &expected_lines(text.as_bytes()));
    assert!(single.messages.iter().all(|m| m.tag == "aws.vpcflow"));
    assert_times(
        &single,
        &[
            (0, t1 * 1_000_000, "2024-01-01-10"),
            (1, t1 * 1_000_000, "2024-01-01-10"),
            (2, t2 * 1_000_000, "2024-01-01-11"),
            (3, t3 * 1_000_000, "2024-01-01-11"),
        ],
    );
    assert!(single.has(1, "srcaddr", "10.1.2.3") && single.has(1, "dstaddr", "172.31.16.21"));
    assert!(single.has(1, "action", "accept") && single.has(1, "interface-id", "eni-0a1b2c3d"));
    assert!(single.has(2, "dstaddr", "10.1.2.3") && single.has(2, "action", "reject"));
    assert!(single.has(3, "log-status", "nodata"));
    assert!(
        !single.terms(3).iter().any(|(f, _)| f == "srcaddr"),
        "'-' values add no terms"
    );
}

#[test]
fn w3c_logs_use_fields_and_date_time_columns() {
    let text = "#Software: Microsoft Internet Information Services 10.0\r\n\
                #Version: 1.0\r\n\
                #Fields: date time s-ip cs-method cs-uri-stem s-port c-ip sc-status\r\n\
                2019-10-12 07:20:50 10.0.0.5 GET /index.html 443 192.168.1.5 200\r\n\
                2019-10-12 08:01:02 10.0.0.5 POST /login 443 192.168.1.77 401\r\n\
                #Fields: date time c-ip cs-username\r\n\
                2019-10-12 09:00:00 192.168.1.99 mallory\r\n";
    let single = index_bytes("u_ex191012.log", text.as_bytes());
    assert_records(&single, &expected_lines(text.as_bytes()));
    assert!(single.messages.iter().all(|m| m.tag == "w3c"));
    let first = utc_us(2019, 10, 12, 7, 20, 50);
    assert_times(
        &single,
        &[
            (0, first, "2019-10-12-07"),
            (1, first, "2019-10-12-07"),
            (2, first, "2019-10-12-07"),
            (3, first, "2019-10-12-07"),
            (4, utc_us(2019, 10, 12, 8, 1, 2), "2019-10-12-08"),
            (5, utc_us(2019, 10, 12, 8, 1, 2), "2019-10-12-08"),
            (6, utc_us(2019, 10, 12, 9, 0, 0), "2019-10-12-09"),
        ],
    );
    assert!(single.has(3, "c-ip", "192.168.1.5") && single.has(3, "cs-method", "get"));
    assert!(single.has(3, "cs-uri-stem", "index") && single.has(4, "sc-status", "401"));
    assert!(single.has(4, "c-ip", "192.168.1.77"));
    // A later #Fields directive changes the columns.
    assert!(single.has(6, "c-ip", "192.168.1.99") && single.has(6, "cs-username", "mallory"));
}

#[test]
fn csv_uses_the_header_line() {
    let text = "time,user,src ip,action\n\
                2024-06-01T12:30:00Z,bob,10.1.2.3,login\n\
                2024-06-01T12:45:10Z,\"smith, jane\",10.9.8.7,logout\n\
                \"broken,quote,row\n\
                2024-06-01T13:00:00Z,carl,10.0.0.1,login\n";
    let single = index_bytes("auth.csv", text.as_bytes());
    assert_records(&single, &expected_lines(text.as_bytes()));
    assert!(single.messages.iter().all(|m| m.tag == "auth"));
    let (a, b) = (
        utc_us(2024, 6, 1, 12, 30, 0),
        utc_us(2024, 6, 1, 12, 45, 10),
    );
    assert_times(
        &single,
        &[
            (0, a, "2024-06-01-12"),
            (1, a, "2024-06-01-12"),
            (2, b, "2024-06-01-12"),
            (3, b, "2024-06-01-12"),
            (4, utc_us(2024, 6, 1, 13, 0, 0), "2024-06-01-13"),
        ],
    );
    assert!(single.has(1, "user", "bob") && single.has(1, "src ip", "10.1.2.3"));
    assert!(single.has(2, "user", "smith") && single.has(2, "user", "jane"));
    assert!(single.has(2, "action", "logout") && single.has(4, "user", "carl"));
    // The header and the row with broken quoting are indexed as text.
    assert!(single.has(0, "", "user") && single.has(3, "", "quote"));
    assert!(single.terms(3).iter().all(|(f, _)| f.is_empty()));

    let tsv = "time\tuser\tcmd\n2024-06-01T12:00:00Z\tdora\tls -la /tmp\n";
    let single = index_bytes("shell.tsv", tsv.as_bytes());
    assert_records(&single, &expected_lines(tsv.as_bytes()));
    assert!(single.has(1, "user", "dora") && single.has(1, "cmd", "tmp"));
    assert_eq!(single.message(1).timestamp, utc_us(2024, 6, 1, 12, 0, 0));
}
