//! Parsing examples with the expected AST written out by hand.

use super::*;

fn p(text: &str) -> Query {
    match parse(text) {
        Ok(q) => q,
        Err(e) => panic!("{text:?}: {e}"),
    }
}

fn any(tokens: &[&str]) -> Query {
    Query::Match(Match::any(tokens.iter().copied()))
}

fn pre(tokens: &[&str]) -> Query {
    Query::Match(Match::any(tokens.iter().copied()).with_prefix())
}

fn field(name: &str, tokens: &[&str]) -> Query {
    Query::Match(Match::field(name, tokens.iter().copied()))
}

fn not(q: Query) -> Query {
    Query::Not(Box::new(q))
}

#[test]
fn reference_words() {
    assert_eq!(p("admin"), any(&["admin"]));
    assert_eq!(p("ADMIN$"), any(&["admin$"]));
    assert_eq!(p("10.1.2.3"), any(&["10.1.2.3"]));
    assert_eq!(p("tani@cookpad.com"), any(&["tani", "cookpad", "com"]));
    assert_eq!(p("/manager/html"), any(&["manager", "html"]));
    assert_eq!(
        p(r"C:\Windows\cmd.exe"),
        any(&["c", "windows", "cmd", "exe"])
    );
    assert_eq!(p(r"Z:\tools\x.exe"), any(&["z", "tools", "x", "exe"]));
    assert_eq!(p("stratus-red-team-role"), any(&["stratus-red-team-role"]));
    assert_eq!(p("東京"), any(&["東", "京"]));
    // Lowercase operators are words.
    assert_eq!(
        p("a or b"),
        Query::And(vec![any(&["a"]), any(&["or"]), any(&["b"])])
    );
}

#[test]
fn ipv6_times_urls_are_words_not_fields() {
    assert_eq!(p("2001:db8::1"), any(&["2001:db8::1"]));
    assert_eq!(p("2001:DB8::1"), any(&["2001:db8::1"]));
    // The tokenizer keeps the zone as a word of its own.
    assert_eq!(p("fe80::1%eth0"), any(&["fe80::1", "eth0"]));
    assert_eq!(p("::1"), any(&["::1"]));
    // The tokenizer also emits the embedded IPv4 address, so this is a two-token phrase.
    assert_eq!(p("::ffff:10.0.0.1"), any(&["::ffff:10.0.0.1", "10.0.0.1"]));
    assert_eq!(p("12:34:56"), any(&["12", "34", "56"]));
    assert_eq!(p("12345:6"), any(&["12345", "6"]));
    assert_eq!(p("10.1.2.3:22"), any(&["10.1.2.3", "22"]));
    assert_eq!(p("http://x/y"), any(&["http", "x", "y"]));
    assert_eq!(p("std::io"), any(&["std", "io"]));
    assert_eq!(p("root@host:22"), any(&["root", "host", "22"]));
    assert_eq!(
        p("00:1a:2b:3c:4d:5e"),
        any(&["00", "1a", "2b", "3c", "4d", "5e"])
    );
    // A trailing colon with nothing after it is not a field.
    assert_eq!(p("user:"), any(&["user"]));
}

#[test]
fn fields() {
    assert_eq!(p("user=alice"), field("user", &["alice"]));
    assert_eq!(p("user:alice"), field("user", &["alice"]));
    assert_eq!(
        p("userIdentity.userName=Alice"),
        field("userIdentity.userName", &["alice"])
    );
    assert_eq!(p("id.orig_h=10.1.2.3"), field("id.orig_h", &["10.1.2.3"]));
    assert_eq!(p("id.orig_h:10.1.2.3"), field("id.orig_h", &["10.1.2.3"]));
    assert_eq!(p("@timestamp:2024"), field("@timestamp", &["2024"]));
    assert_eq!(p("src=2001:db8::1"), field("src", &["2001:db8::1"]));
    assert_eq!(p("url:http://x/y"), field("url", &["http", "x", "y"]));
    assert_eq!(
        p("email=tani@cookpad.com"),
        field("email", &["tani", "cookpad", "com"])
    );
    assert_eq!(p("user=\"bob smith\""), field("user", &["bob", "smith"]));
    assert_eq!(p("user:\"bob smith\""), field("user", &["bob", "smith"]));
    assert_eq!(p("a==b"), field("a", &["b"]));
    assert_eq!(p("AND=x"), field("AND", &["x"]));
    assert_eq!(p("user=-5"), field("user", &["-5"]));
    assert_eq!(p("名前=太郎"), field("名前", &["太", "郎"]));
    // A name with characters a field name cannot have makes the word plain text.
    assert_eq!(p("/index.php?id=1"), any(&["index", "php", "id", "1"]));
}

#[test]
fn prefixes() {
    assert_eq!(p("adm*"), pre(&["adm"]));
    assert_eq!(p("Tani*"), pre(&["tani"]));
    assert_eq!(p("foo.bar*"), pre(&["foo", "bar"]));
    assert_eq!(
        p("user=adm*"),
        Query::Match(Match::field("user", ["adm"]).with_prefix())
    );
    assert_eq!(p("\"failed pass\"*"), pre(&["failed", "pass"]));
    assert_eq!(
        p("user=\"bob sm\"*"),
        Query::Match(Match::field("user", ["bob", "sm"]).with_prefix())
    );
    // A `*` inside quotes is text, not a wildcard.
    assert_eq!(p("\"adm*\""), any(&["adm"]));
    // IPv4 subnets: the partial address stays one prefix token.
    assert_eq!(p("10.*"), pre(&["10."]));
    assert_eq!(p("10.1*"), pre(&["10.1"]));
    assert_eq!(p("10.1.*"), pre(&["10.1."]));
    assert_eq!(p("10.1.2.*"), pre(&["10.1.2."]));
    assert_eq!(p("10.1.2.3*"), pre(&["10.1.2.3"]));
    assert_eq!(
        p("src=10.1.*"),
        Query::Match(Match::field("src", ["10.1."]).with_prefix())
    );
    assert_eq!(p("\"from 10.1.\"*"), pre(&["from", "10.1."]));
    assert_eq!(p("x10.1.*"), pre(&["x10", "1"]));
    assert_eq!(p("1.2.3.4.*"), pre(&["1.2.3.4"]));
    assert_eq!(p("300.1.*"), pre(&["300", "1"]));
    assert_eq!(p("fe80::*"), pre(&["fe80::"]));
}

#[test]
fn phrases_and_escapes() {
    assert_eq!(p("\"failed password\""), any(&["failed", "password"]));
    assert_eq!(p("\"GET /index.html\""), any(&["get", "index", "html"]));
    assert_eq!(p(r#""say \"hi\" \\ there""#), any(&["say", "hi", "there"]));
    assert_eq!(p(r#""C:\Windows""#), any(&["c", "windows"]));
    assert_eq!(p("\"AND\""), any(&["and"]));
    assert_eq!(p("\"-\""), any(&["-"]));
    assert_eq!(p("\"--help\""), any(&["--help"]));
    assert_eq!(
        p("foo\"bar\""),
        Query::And(vec![any(&["foo"]), any(&["bar"])])
    );
}

#[test]
fn boolean_structure() {
    assert_eq!(p("a b"), Query::And(vec![any(&["a"]), any(&["b"])]));
    assert_eq!(p("a AND b"), Query::And(vec![any(&["a"]), any(&["b"])]));
    assert_eq!(p("a OR b"), Query::Or(vec![any(&["a"]), any(&["b"])]));
    assert_eq!(
        p("user=alice OR user:bob -admin"),
        Query::Or(vec![
            field("user", &["alice"]),
            Query::And(vec![field("user", &["bob"]), not(any(&["admin"]))]),
        ])
    );
    assert_eq!(
        p("\"failed password\" AND (root OR admin)"),
        Query::And(vec![
            any(&["failed", "password"]),
            Query::Or(vec![any(&["root"]), any(&["admin"])]),
        ])
    );
    // NOT binds tighter than AND, AND tighter than OR.
    assert_eq!(
        p("a OR NOT b c"),
        Query::Or(vec![
            any(&["a"]),
            Query::And(vec![not(any(&["b"])), any(&["c"])])
        ])
    );
    assert_eq!(
        p("a -(b OR c)"),
        Query::And(vec![
            any(&["a"]),
            not(Query::Or(vec![any(&["b"]), any(&["c"])])),
        ])
    );
    assert_eq!(
        p("a -\"b c\""),
        Query::And(vec![any(&["a"]), not(any(&["b", "c"]))])
    );
    assert_eq!(
        p("a NOT(b)"),
        Query::And(vec![any(&["a"]), not(any(&["b"]))])
    );
    assert_eq!(
        p("a --help"),
        Query::And(vec![any(&["a"]), any(&["--help"])])
    );
    assert_eq!(p("a-b"), any(&["a-b"]));
}

#[test]
fn normalisation() {
    assert_eq!(p("((a))"), any(&["a"]));
    assert_eq!(p("NOT NOT a"), any(&["a"]));
    assert_eq!(p("a -NOT b"), Query::And(vec![any(&["a"]), any(&["b"])]));
    assert_eq!(
        p("a (b c) (d AND (e f))"),
        Query::And(
            ["a", "b", "c", "d", "e", "f"]
                .iter()
                .map(|t| any(&[t]))
                .collect()
        )
    );
    assert_eq!(
        p("a OR (b OR c) OR ((d))"),
        Query::Or(["a", "b", "c", "d"].iter().map(|t| any(&[t])).collect())
    );
    // Negative-only OR branches are fine inside an AND with a positive clause.
    assert_eq!(
        p("c (a OR -b)"),
        Query::And(vec![
            any(&["c"]),
            Query::Or(vec![any(&["a"]), not(any(&["b"]))])
        ])
    );
}

#[test]
fn long_tokens_are_capped_like_the_index() {
    let long = "a".repeat(300);
    assert_eq!(
        p(&long),
        any(&[&"a".repeat(crate::tokenizer::MAX_TOKEN_BYTES)])
    );
}

#[test]
fn helpers() {
    let q = p("a (b OR -c) user=d*");
    let leaves: Vec<&Match> = q.leaves().collect();
    assert_eq!(leaves.len(), 4);
    assert_eq!(leaves[2], &Match::any(["c"]));
    assert_eq!(leaves[3], &Match::field("user", ["d"]).with_prefix());
    assert!(!q.is_negative_only());
    assert!(not(any(&["a"])).is_negative_only());
    assert!(Query::And(vec![not(any(&["a"])), not(any(&["b"]))]).is_negative_only());
    assert!(Query::Or(vec![any(&["a"]), not(any(&["b"]))]).is_negative_only());
    assert!(Match::any(["a", "b"]).is_phrase());
    assert!(!Match::any(["a"]).is_phrase());
    assert_eq!(Query::and([any(&["a"])]), any(&["a"]));
    assert_eq!(Query::or(vec![]), Query::Or(vec![]));
    assert_eq!(not(any(&["a"])).negate(), any(&["a"]));
}

#[test]
fn display_examples() {
    let cases = [
        ("admin", "admin"),
        ("a b OR c", "a AND b OR c"),
        ("(a OR b) c", "(a OR b) AND c"),
        ("-a b", "NOT a AND b"),
        ("b -(a c)", "b AND NOT (a AND c)"),
        ("tani@cookpad.com", "\"tani cookpad com\""),
        ("user=\"bob smith\"", "user=\"bob smith\""),
        ("user:adm*", "user=adm*"),
        ("10.1.*", "10.1.*"),
        ("2001:db8::1", "2001:db8::1"),
        ("::ffff:10.0.0.1", "::ffff:10.0.0.1"),
        ("fe80::1%eth0", "\"fe80::1 eth0\""),
        ("\"--help\"", "\"--help\""),
        ("foo.bar*", "\"foo bar\"*"),
    ];
    for (input, canonical) in cases {
        let q = p(input);
        assert_eq!(q.to_string(), canonical, "{input}");
        assert_eq!(p(canonical), q, "{canonical}");
    }
}

#[test]
fn serde_shape() {
    let q = p("user=adm* -root");
    let json = serde_json::to_value(&q).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"and": [
            {"match": {"field": "user", "tokens": ["adm"], "prefix": true}},
            {"not": {"match": {"field": null, "tokens": ["root"], "prefix": false}}},
        ]})
    );
    assert_eq!(serde_json::from_value::<Query>(json).unwrap(), q);
    let err = parse(")").unwrap_err();
    let json = serde_json::to_value(&err).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"message": "unbalanced ')'", "position": 0})
    );
}

fn cidr(field: Option<&str>, block: &str) -> Query {
    let block = Cidr::parse_query_word(block).unwrap().unwrap();
    Query::Match(Match::cidr(field.map(str::to_owned), block))
}

#[test]
fn bare_cidr_blocks_are_address_ranges_and_quoted_ones_are_phrases() {
    assert_eq!(p("10.1.0.0/16"), cidr(None, "10.1.0.0/16"));
    assert_eq!(p("10.1.2.3/16"), cidr(None, "10.1.0.0/16"));
    assert_eq!(
        p("srcaddr=192.168.0.0/24"),
        cidr(Some("srcaddr"), "192.168.0.0/24")
    );
    assert_eq!(
        p("srcaddr:192.168.0.0/24"),
        cidr(Some("srcaddr"), "192.168.0.0/24")
    );
    assert_eq!(
        p("10.0.0.0/8 -10.1.0.0/16"),
        Query::And(vec![
            cidr(None, "10.0.0.0/8"),
            not(cidr(None, "10.1.0.0/16"))
        ])
    );
    assert_eq!(p("\"10.1.0.0/16\""), any(&["10.1.0.0", "16"]));
    assert_eq!(
        p("srcaddr=\"10.1.0.0/16\""),
        field("srcaddr", &["10.1.0.0", "16"])
    );
    // Not the shape a.b.c.d/n: ordinary words.
    assert_eq!(p("10.1.0/16"), any(&["10", "1", "0", "16"]));
    assert_eq!(p("/var/log/16"), any(&["var", "log", "16"]));
    // The shape with a bad address or length is an error, not a silent phrase.
    assert_eq!(
        parse("10.1.0.0/33").unwrap_err().to_string(),
        "an IPv4 prefix length is 0 to 32, not 33 at byte 0"
    );
    assert_eq!(parse("src=10.1.0.256/24").unwrap_err().position, 4);
    // Canonical text round-trips, with the host bits cleared.
    let q = p("src=10.9.8.7/20 OR 10.0.0.1/32");
    assert_eq!(q.to_string(), "src=10.9.0.0/20 OR 10.0.0.1/32");
    assert_eq!(parse(&q.to_string()).unwrap(), q);
    let json = serde_json::to_string(&q).unwrap();
    assert!(json.contains("\"cidr\":\"10.9.0.0/20\""), "{json}");
    assert_eq!(serde_json::from_str::<Query>(&json).unwrap(), q);
    let leaf = q.leaves().next().unwrap();
    assert!(!leaf.is_phrase());
    assert_eq!(leaf.tokens, ["10.9.0.0/20"]);
}
