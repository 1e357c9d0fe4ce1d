use proptest::prelude::*;

use super::*;

fn t(text: &str) -> Vec<String> {
    tokenize_to_vec(text)
}

#[test]
fn minerva_reference_sentence() {
    // Minerva's pinned case (teardown §6.1): the same words, delimiters dropped.
    assert_eq!(
        t("connect to 192.168.10.1:8000 from 192.168.10.2 by ssh"),
        [
            "connect",
            "to",
            "192.168.10.1",
            "8000",
            "from",
            "192.168.10.2",
            "by",
            "ssh"
        ]
    );
}

#[test]
fn email_splits_into_words() {
    assert_eq!(t("tani@cookpad.com"), ["tani", "cookpad", "com"]);
    assert_eq!(t("mizutani@cookpad.com"), ["mizutani", "cookpad", "com"]);
}

#[test]
fn ipv4_keeps_real_boundaries() {
    assert_eq!(t("10.1.2.3"), ["10.1.2.3"]);
    assert_eq!(t("110.1.2.3"), ["110.1.2.3"]);
    assert_eq!(t("10.1.2.30"), ["10.1.2.30"]);
    assert_eq!(
        t("src=10.1.2.3,dst=10.1.2.4"),
        ["src", "10.1.2.3", "dst", "10.1.2.4"]
    );
    assert_eq!(t("(10.1.2.3)"), ["10.1.2.3"]);
    assert_eq!(t("10.1.2.3/24"), ["10.1.2.3", "24"]);
    assert_eq!(t("reached 10.1.2.3."), ["reached", "10.1.2.3"]);
}

#[test]
fn numbers_that_are_not_addresses_are_split() {
    // Teardown §3.1: Minerva's regex found "234.5.6.789" inside this.
    assert_eq!(t("1234.5.6.78901"), ["1234", "5", "6", "78901"]);
    assert_eq!(t("192.168.1.1.5"), ["192", "168", "1", "1", "5"]);
    assert_eq!(t("1.3.6.1.4.1"), ["1", "3", "6", "1", "4", "1"]);
    assert_eq!(t("999.999.999.999"), ["999", "999", "999", "999"]);
    assert_eq!(t("v1.2.3.4-beta"), ["v1", "2", "3", "4-beta"]);
    assert_eq!(t("1.2.3"), ["1", "2", "3"]);
}

#[test]
fn ipv6_stays_whole() {
    assert_eq!(t("2001:db8::1"), ["2001:db8::1"]);
    assert_eq!(t("2001:DB8::A"), ["2001:db8::a"]);
    assert_eq!(t("[2001:db8::1]:443"), ["2001:db8::1", "443"]);
    assert_eq!(t("fe80::1%eth0"), ["fe80::1", "eth0"]);
    assert_eq!(t("::ffff:10.0.0.1"), ["::ffff:10.0.0.1", "10.0.0.1"]);
    // Times and MAC addresses are not IPv6 addresses.
    assert_eq!(t("12:34:56"), ["12", "34", "56"]);
    assert_eq!(t("00:1a:2b:3c:4d:5e"), ["00", "1a", "2b", "3c", "4d", "5e"]);
}

#[test]
fn non_delimiters_stay_inside_tokens() {
    assert_eq!(t("stratus-red-team-role"), ["stratus-red-team-role"]);
    assert_eq!(t("ADMIN$"), ["admin$"]);
    assert_eq!(t("user_name"), ["user_name"]);
    assert_eq!(t("a-b_c#d$e%f+g~h"), ["a-b_c#d$e%f+g~h"]);
}

#[test]
fn delimiters_split() {
    assert_eq!(
        t("GET /index.html?user=alice&id=5 HTTP/1.1"),
        [
            "get", "index", "html", "user", "alice", "id", "5", "http", "1", "1"
        ]
    );
    assert_eq!(t(r"C:\Windows\cmd.exe"), ["c", "windows", "cmd", "exe"]);
    assert_eq!(t("x' OR '1'='1"), ["x", "or", "1", "1"]);
    assert_eq!(t("foo\nbar\t baz\r\n"), ["foo", "bar", "baz"]);
    assert_eq!(
        t("Mozilla/5.0 (X11; Linux x86_64)"),
        ["mozilla", "5", "0", "x11", "linux", "x86_64"]
    );
}

#[test]
fn lowercases() {
    assert_eq!(
        t("AccessDenied AKIAIOSFODNN7EXAMPLE"),
        ["accessdenied", "akiaiosfodnn7example"]
    );
    assert_eq!(t("ÉCOLE Straße"), ["école", "straße"]);
    // Greek final sigma, as str::to_lowercase does it.
    assert_eq!(t("ΟΔΥΣΣΕΥΣ ΣΑΣ"), ["οδυσσευς", "σας"]);
}

#[test]
fn unicode_segmentation() {
    assert_eq!(t("日本語"), ["日", "本", "語"]);
    assert_eq!(
        t("ログイン失敗 user=alice"),
        ["ログイン", "失", "敗", "user", "alice"]
    );
    // UAX #29 joins Katakana (WB13) but not ideographs or Hiragana.
    assert_eq!(
        t("日本語テキスト。句読点、あり"),
        ["日", "本", "語", "テキスト", "句", "読", "点", "あ", "り"]
    );
}

#[test]
fn empty_and_blank_give_nothing() {
    assert!(t("").is_empty());
    assert!(t("   \t ").is_empty());
    assert!(t("...:::@@@").is_empty());
}

#[test]
fn long_tokens_are_capped_not_dropped() {
    let long = "A".repeat(1000);
    let tokens = t(&long);
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0], "a".repeat(MAX_TOKEN_BYTES));
    let sha512 = "f".repeat(128);
    assert_eq!(t(&sha512), std::slice::from_ref(&sha512));
    let multibyte = "é".repeat(100); // 200 bytes
    let tokens = t(&multibyte);
    assert!(tokens[0].len() <= MAX_TOKEN_BYTES);
    assert!(tokens[0].chars().all(|c| c == 'é'));
}

proptest! {
    #[test]
    fn never_panics_and_tokens_are_clean(text in "\\PC{0,200}") {
        for token in t(&text) {
            prop_assert!(!token.is_empty());
            prop_assert!(token.len() <= MAX_TOKEN_BYTES);
            prop_assert!(!token.bytes().any(is_hard_delimiter));
        }
    }

    #[test]
    fn tokenizing_is_idempotent(text in "[ -~]{0,120}") {
        // Every token, tokenized again as a query, is itself: queries match what was indexed.
        for token in t(&text) {
            if token.contains(':') && token.contains('.') {
                continue; // an IPv4-mapped IPv6 address also yields its IPv4 token
            }
            prop_assert_eq!(t(&token), vec![token.clone()]);
        }
    }

    #[test]
    fn ipv4_addresses_are_single_tokens(a in 0u8.., b in 0u8.., c in 0u8.., d in 0u8..) {
        let ip = format!("{a}.{b}.{c}.{d}");
        prop_assert_eq!(t(&format!("from {ip}:22 ok")), vec!["from".to_owned(), ip.clone(), "22".into(), "ok".into()]);
        // A longer dotted number around it is not that address.
        let after = format!("{ip}.7");
        let before = format!("7.{ip}");
        prop_assert!(!t(&after).contains(&ip));
        prop_assert!(!t(&before).contains(&ip));
    }
}

/// Every chunk between hard delimiters through the general path (`Tokenizer::chunk`), as
/// `tokenize` did before plain words took a shortcut.
fn through_general_path(text: &str) -> Vec<String> {
    let mut tokenizer = Tokenizer::new();
    let mut out = Vec::new();
    for chunk in text.split(is_hard_delimiter_char).filter(|c| !c.is_empty()) {
        tokenizer.chunk(chunk, &mut |token| out.push(token.to_owned()));
    }
    out
}

fn is_hard_delimiter_char(c: char) -> bool {
    c.is_ascii() && is_hard_delimiter(c as u8)
}

proptest! {
    #[test]
    fn plain_word_shortcut_agrees_with_the_general_path(
        text in "([a-zA-Z0-9_$-]{1,140}|[ .:@=,]|10\\.1\\.2\\.3|ÉTÉ|::1|\\PC{1,4}){0,30}"
    ) {
        prop_assert_eq!(t(&text), through_general_path(&text));
    }
}
