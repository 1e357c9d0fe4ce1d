//! Tests of `parse_text_timestamp` on real sample lines.

use proptest::prelude::*;

use super::{rfc, utc};
use crate::timestamp::{TEXT_SCAN_WINDOW, parse_text_timestamp};

/// An object time well after all the sample lines, for formats that carry their own year.
fn late() -> i64 {
    utc(2030, 6, 15, 12, 0, 0, 0)
}

#[test]
fn iso_lines() {
    let cases = [
        (
            "2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: \
             Created MRAppMaster for application appattempt_1445144423722_0020_000001",
            utc(2015, 10, 18, 18, 1, 47, 978_000),
        ),
        (
            "2016-09-28 04:30:30, Info                  CBS    Loaded Servicing Stack \
             v6.1.7601.23505 with Core: C:\\Windows\\winsxs\\amd64_microsoft-windows-servicingstack",
            utc(2016, 9, 28, 4, 30, 30, 0),
        ),
        (
            "nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.008 25746 INFO \
             nova.osapi_compute.wsgi.server [req-38101a0b-2096-447d-96ea-a692162415ae] \
             10.11.10.1 \"GET /v2/54fadb412c4e40cdbaed9335e4c35a9e/servers/detail HTTP/1.1\"",
            utc(2017, 5, 16, 0, 0, 0, 8_000),
        ),
        (
            "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:\
             FastLeaderElection@774] - Notification time out: 3200",
            utc(2015, 7, 29, 17, 41, 44, 747_000),
        ),
        (
            "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \
             BOM'su root' failed for lonvick on /dev/pts/8",
            rfc("2003-10-11T22:14:15.003Z"),
        ),
        (
            "2019/10/12 07:20:50 [error] 1234#0: *1 open() \"/usr/share/nginx/html/x\" failed",
            utc(2019, 10, 12, 7, 20, 50, 0),
        ),
        (
            "[2019-10-12T07:20:50+02:00] app started",
            rfc("2019-10-12T05:20:50Z"),
        ),
        (
            "  \u{feff}2019-10-12 07:20:50 indented",
            utc(2019, 10, 12, 7, 20, 50, 0),
        ),
        (
            "\u{feff}2019-10-12 07:20:50 after a BOM",
            utc(2019, 10, 12, 7, 20, 50, 0),
        ),
        (
            "héllo wörld — 2019-10-12 07:20:50 ünïcode",
            utc(2019, 10, 12, 7, 20, 50, 0),
        ),
        // Only the file-name style date-time: still accepted.
        (
            "app.log.2017-05-16_13:53:08 started",
            utc(2017, 5, 16, 13, 53, 8, 0),
        ),
        (
            "2020-02-29 23:59:59 leap day",
            utc(2020, 2, 29, 23, 59, 59, 0),
        ),
    ];
    for (line, expected) in cases {
        assert_eq!(
            parse_text_timestamp(line, late()),
            Some(expected),
            "{line:?}"
        );
    }
}

#[test]
fn bgl_prefers_the_explicit_date_time() {
    let line = "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 \
                R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected";
    assert_eq!(
        parse_text_timestamp(line, late()),
        Some(utc(2005, 6, 3, 15, 42, 50, 675_872))
    );
}

#[test]
fn syslog_without_year() {
    let line = "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= \
                uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4";
    let object = utc(2005, 7, 1, 0, 0, 0, 0);
    assert_eq!(
        parse_text_timestamp(line, object),
        Some(utc(2005, 6, 14, 15, 16, 1, 0))
    );

    let line = "Jul  1 09:00:55 calvisitor-10-105-160-95 kernel[0]: IOThunderboltSwitch<0>(0x0)::\
                listenerCallback - Thunderbolt HPD packet for route = 0x0 port = 11 unplug = 0";
    let object = utc(2017, 7, 5, 0, 0, 0, 0);
    assert_eq!(
        parse_text_timestamp(line, object),
        Some(utc(2017, 7, 1, 9, 0, 55, 0))
    );

    // A December log read in January belongs to the previous year.
    let line = "Dec 10 06:55:46 LabSZ sshd[24200]: reverse mapping checking getaddrinfo for \
                ns.marryaldkfaczcz.com [173.234.31.186] failed - POSSIBLE BREAK-IN ATTEMPT!";
    let object = utc(2018, 1, 5, 0, 0, 0, 0);
    assert_eq!(
        parse_text_timestamp(line, object),
        Some(utc(2017, 12, 10, 6, 55, 46, 0))
    );
    let object = utc(2017, 12, 10, 0, 0, 0, 0);
    assert_eq!(
        parse_text_timestamp(line, object),
        Some(utc(2017, 12, 10, 6, 55, 46, 0))
    );

    // Up to one day in the future (clock skew) stays in the object's year.
    let line = "Jan  1 00:30:00 host app: happy new year";
    let object = utc(2024, 12, 31, 23, 0, 0, 0);
    assert_eq!(
        parse_text_timestamp(line, object),
        Some(utc(2024, 1, 1, 0, 30, 0, 0))
    );
    let object = utc(2025, 1, 1, 0, 0, 0, 0);
    assert_eq!(
        parse_text_timestamp(line, object),
        Some(utc(2025, 1, 1, 0, 30, 0, 0))
    );

    // February 29 only exists in leap years.
    let line = "Feb 29 12:00:00 host app: leap";
    assert_eq!(
        parse_text_timestamp(line, utc(2024, 3, 1, 0, 0, 0, 0)),
        Some(utc(2024, 2, 29, 12, 0, 0, 0))
    );
    assert_eq!(
        parse_text_timestamp(line, utc(2025, 3, 1, 0, 0, 0, 0)),
        Some(utc(2024, 2, 29, 12, 0, 0, 0))
    );

    let line = "<13>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8";
    let object = utc(2003, 10, 12, 0, 0, 0, 0);
    assert_eq!(
        parse_text_timestamp(line, object),
        Some(utc(2003, 10, 11, 22, 14, 15, 0))
    );
}

#[test]
fn syslog_year_from_the_same_line() {
    let line = "- 1131566461 2005.11.09 dn228 Nov 9 12:01:01 dn228/dn228 crond(pam_unix)[2915]: \
                session closed for user root";
    assert_eq!(
        parse_text_timestamp(line, late()),
        Some(utc(2005, 11, 9, 12, 1, 1, 0))
    );
    // The leading date is a day later (local versus UTC) across a new year.
    let line = "- 1136073599 2006.01.01 host Dec 31 23:59:59 host app: x";
    assert_eq!(
        parse_text_timestamp(line, late()),
        Some(utc(2005, 12, 31, 23, 59, 59, 0))
    );
}

#[test]
fn month_name_formats_with_year() {
    let line = "[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok \
                /etc/httpd/conf/workers2.properties";
    assert_eq!(
        parse_text_timestamp(line, late()),
        Some(utc(2005, 12, 4, 4, 47, 44, 0))
    );
    let line = "<166>Mar 12 2019 10:00:00: %ASA-6-302013: Built outbound TCP connection";
    assert_eq!(
        parse_text_timestamp(line, late()),
        Some(utc(2019, 3, 12, 10, 0, 0, 0))
    );
}

#[test]
fn access_log_applies_offset() {
    let line =
        "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326";
    assert_eq!(
        parse_text_timestamp(line, late()),
        Some(rfc("2000-10-10T20:55:36Z"))
    );
}

#[test]
fn line_start_formats() {
    let line = "17/06/09 20:10:40 INFO executor.CoarseGrainedExecutorBackend: Registered signal \
                handlers for [TERM, HUP, INT]";
    assert_eq!(
        parse_text_timestamp(line, late()),
        Some(utc(2017, 6, 9, 20, 10, 40, 0))
    );

    let line = "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block \
                blk_38865049064139660 terminating";
    assert_eq!(
        parse_text_timestamp(line, late()),
        Some(utc(2008, 11, 9, 20, 36, 15, 0))
    );

    let line = "03-17 16:13:38.811  1702  2395 D WindowManager: printFreezingDisplayLogsopening \
                app wtoken = AppWindowToken{9f4ef63 token=Token{a64f992 ActivityRecord{de9231d}}}";
    let object = utc(2017, 4, 1, 0, 0, 0, 0);
    assert_eq!(
        parse_text_timestamp(line, object),
        Some(utc(2017, 3, 17, 16, 13, 38, 811_000))
    );

    let line = "20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579";
    assert_eq!(
        parse_text_timestamp(line, late()),
        Some(utc(2017, 12, 23, 22, 15, 29, 606_000))
    );
    let line = "20171224-0:0:0:232|Step_SPUtils|30002312|setDiffTotalSteps=8874";
    assert_eq!(
        parse_text_timestamp(line, late()),
        Some(utc(2017, 12, 24, 0, 0, 0, 232_000))
    );

    let line = "[10.30 16:49:06] chrome.exe - proxy.cse.cuhk.edu.hk:5070 open through proxy \
                proxy.cse.cuhk.edu.hk:5070 HTTPS";
    let object = utc(2024, 11, 5, 0, 0, 0, 0);
    assert_eq!(
        parse_text_timestamp(line, object),
        Some(utc(2024, 10, 30, 16, 49, 6, 0))
    );
}

#[test]
fn bare_epoch_tokens_are_the_last_resort() {
    let line = "134681 node-246 unix.hw state_change.unavailable 1077804742 1 Component State \
                Change: Component \\042alt0\\042 is in the unavailable state (HWID=1)";
    assert_eq!(
        parse_text_timestamp(line, late()),
        Some(rfc("2004-02-26T14:12:22Z"))
    );
    // Zeek TSV: epoch seconds with a fraction.
    let line = "1320279566.452687\tCWGtK431H9XuaTN4fi\t192.168.2.76\t52026\t132.235.215.119\t80";
    assert_eq!(
        parse_text_timestamp(line, late()),
        Some(utc(2011, 11, 3, 0, 19, 26, 452_687))
    );
    // Too far in: only the first six tokens count.
    assert_eq!(parse_text_timestamp("a b c d e f 1077804742", late()), None);
    // Before 2000, or not exactly ten digits.
    assert_eq!(parse_text_timestamp("job 0946684799 done", late()), None);
    assert_eq!(parse_text_timestamp("id 10778047420 done", late()), None);
    assert_eq!(parse_text_timestamp("id 1077804742x done", late()), None);
}

#[test]
fn lines_without_a_time() {
    for line in [
        "",
        "   ",
        "hello world",
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets",
        "error 404 not found",
        "Loaded Servicing Stack v6.1.7601.23505",
        "10.1.2.3 connected",
        "10.1.2.3:8080 -> 192.168.0.1:443 12:00",
        "日本語のテキスト 2019年10月12日",
        "2019-10-1",
        "2019-10-12",
        "2019-10-12 07:2",
        "2019-02-30 10:00:00 invalid date",
        "2019-10-12 25:00:00 invalid hour",
        "081332 203615 148 INFO invalid HDFS month",
        "081109 203675 148 INFO invalid HDFS second",
        "17/13/09 20:10:40 invalid Spark month",
        "13-17 16:13:38.811 invalid Android month",
        "[10.30 16:49:06 unclosed Proxifier",
        "Jun 14 25:16:01 invalid hour",
        "Jun 32 15:16:01 invalid day",
        "May the force be with you",
        "Decided at 10:00",
        "[",
        "<34>",
        "\u{feff}",
    ] {
        assert_eq!(parse_text_timestamp(line, late()), None, "{line:?}");
    }
}

#[test]
fn only_the_leading_window_is_searched() {
    let padding = "x".repeat(TEXT_SCAN_WINDOW);
    let line = format!("{padding} 2019-10-12 07:20:50");
    assert_eq!(parse_text_timestamp(&line, late()), None);
    // A time that starts inside the window may end past it.
    let padding = "x".repeat(TEXT_SCAN_WINDOW - 5);
    let line = format!("{padding} 2019-10-12 07:20:50");
    assert_eq!(
        parse_text_timestamp(&line, late()),
        Some(utc(2019, 10, 12, 7, 20, 50, 0))
    );
    // Multi-byte characters straddling the window edge.
    let line = format!("{}2019-10-12 07:20:50", "é".repeat(TEXT_SCAN_WINDOW));
    assert_eq!(parse_text_timestamp(&line, late()), None);
}

proptest! {
    #[test]
    fn text_parser_never_panics(line in any::<String>(), object in any::<i64>()) {
        let _ = parse_text_timestamp(&line, object);
    }

    #[test]
    fn text_parser_never_panics_on_timestamp_like_text(
        line in "[\\[<>0-9A-Za-z:./_|, +\u{e9}-]{0,200}",
        object in any::<i64>(),
    ) {
        let _ = parse_text_timestamp(&line, object);
    }

    #[test]
    fn yearless_time_is_never_more_than_a_day_after_the_object(
        month in 1u32..=12, day in 1u32..=28, hour in 0u32..24,
        object in 946_684_800_000_000i64..4_102_444_800_000_000,
    ) {
        const MONTHS: [&str; 12] =
            ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        let line = format!("{} {day:>2} {hour:02}:00:00 host app: x", MONTHS[month as usize - 1]);
        let us = parse_text_timestamp(&line, object);
        prop_assert!(us.is_some());
        let us = us.unwrap_or_default();
        prop_assert!(us <= object + 86_400_000_000);
        prop_assert!(us > object - 366 * 86_400_000_000);
    }
}
