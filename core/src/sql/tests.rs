use super::*;
use crate::query::Match;

fn term(field: Option<&str>, tokens: &[&str], prefix: bool) -> Query {
    Query::Match(Match {
        field: field.map(str::to_owned),
        tokens: tokens.iter().map(|t| (*t).to_owned()).collect(),
        prefix,
        cidr: None,
    })
}

/// 2024-01-01T00:00:00Z.
const JAN1: i64 = 1_704_067_200_000_000;
const HOUR: i64 = 3_600_000_000;

fn scope() -> SearchScope {
    SearchScope::new(JAN1, JAN1 + 6 * HOUR)
}

fn render(query: &Query) -> IndexSql {
    index_sql(
        query,
        &scope(),
        Window::default(),
        &Tables::default(),
        Dialect::DataFusion,
    )
    .unwrap()
}

const TIME: &str = "\"timestamp\" >= TIMESTAMP '2024-01-01 00:00:00.000000+00:00' AND \
                    \"timestamp\" < TIMESTAMP '2024-01-01 06:00:00.000000+00:00'";

const PARTITIONS: &str = "dt >= '2024-01-01-00' AND dt <= '2024-01-01-05'";

const LEAF: &str = "SELECT object_id, seq, dt, tag FROM \"indices\" \
                    WHERE dt >= '2024-01-01-00' AND dt <= '2024-01-01-05'";

#[test]
fn literals_double_quotes_and_refuse_control_characters() {
    assert_eq!(string_literal("abc").unwrap(), "'abc'");
    assert_eq!(string_literal("it's").unwrap(), "'it''s'");
    assert_eq!(
        string_literal("'; DROP TABLE x; --").unwrap(),
        "'''; DROP TABLE x; --'"
    );
    assert_eq!(string_literal(r"a\'b").unwrap(), r"'a\''b'");
    assert_eq!(string_literal("50%_x").unwrap(), "'50%_x'");
    assert_eq!(string_literal("日本").unwrap(), "'日本'");
    assert_eq!(string_literal("").unwrap(), "''");
    assert_eq!(string_literal("a\0b"), Err(SqlError::ControlCharacter(0)));
    assert_eq!(string_literal("a\nb"), Err(SqlError::ControlCharacter(10)));
}

#[test]
fn a_term_is_one_select() {
    let sql = render(&term(None, &["10.1.2.3"], false));
    assert!(sql.exact);
    assert_eq!(
        sql.sql,
        format!(
            "SELECT object_id, seq, \"timestamp\", dt, tag FROM (\
             SELECT DISTINCT hits.object_id, hits.seq, m.\"timestamp\", hits.dt, hits.tag \
             FROM ({LEAF} AND term = '10.1.2.3') AS hits \
             JOIN (SELECT object_id, seq, \"timestamp\", dt FROM \"messages\" \
             WHERE {PARTITIONS} AND {TIME}) AS m \
             ON m.dt = hits.dt AND m.object_id = hits.object_id AND m.seq = hits.seq) AS matched \
             ORDER BY \"timestamp\" DESC, object_id, seq"
        )
    );
}

#[test]
fn windows_and_exact_bounds_per_dialect() {
    let q = term(None, &["a"], false);
    let window = Window {
        offset: 100,
        limit: Some(50),
    };
    let mut s = scope();
    s.from_us += 1;
    let df = index_sql(&q, &s, window, &Tables::default(), Dialect::DataFusion).unwrap();
    assert!(
        df.sql
            .contains(">= TIMESTAMP '2024-01-01 00:00:00.000001+00:00'")
    );
    assert!(
        df.sql
            .ends_with("ORDER BY \"timestamp\" DESC, object_id, seq LIMIT 50 OFFSET 100")
    );
    let athena = index_sql(&q, &s, window, &Tables::default(), Dialect::Athena).unwrap();
    assert!(
        athena
            .sql
            .contains(">= TIMESTAMP '2024-01-01 00:00:00.000001'")
    );
    assert!(athena.sql.ends_with("seq OFFSET 100 LIMIT 50"));
    // The last hour is the one holding the last microsecond of the range.
    assert!(athena.sql.contains("dt <= '2024-01-01-05'"));
}

#[test]
fn summaries_count_exact_queries_only() {
    let q = term(None, &["a"], false);
    let df = summary_sql(&q, &scope(), &Tables::default(), Dialect::DataFusion)
        .unwrap()
        .unwrap();
    assert_eq!(
        summary_bin_width_us(JAN1, JAN1 + 6 * HOUR),
        6 * HOUR / 2520 + 1
    );
    assert!(df.starts_with(&format!(
        "SELECT tag, (CAST(\"timestamp\" AS BIGINT) - {JAN1}) / {} AS bin, COUNT(*) AS n",
        6 * HOUR / 2520 + 1
    )));
    assert!(df.ends_with("GROUP BY 1, 2"));
    let athena = summary_sql(&q, &scope(), &Tables::default(), Dialect::Athena)
        .unwrap()
        .unwrap();
    assert!(athena.contains("CAST(floor(CAST(round(to_unixtime(\"timestamp\") * 1000000) - "));
    let phrase = term(None, &["tani", "cookpad"], false);
    assert_eq!(
        summary_sql(&phrase, &scope(), &Tables::default(), Dialect::Athena).unwrap(),
        None
    );
}

#[test]
fn fields_tags_and_prefixes() {
    let mut s = scope();
    s.tags = vec!["aws.cloudtrail".into(), "o'brien".into()];
    let q = term(Some("userIdentity.userName"), &["adm"], true);
    let sql = index_sql(
        &q,
        &s,
        Window::default(),
        &Tables::default(),
        Dialect::Athena,
    )
    .unwrap();
    assert!(sql.sql.contains(
        "AND tag IN ('aws.cloudtrail', 'o''brien') AND field = 'userIdentity.userName' \
         AND term >= 'adm' AND term < 'adn' AND starts_with(term, 'adm')"
    ));
    // No usable upper bound after a non-ASCII character.
    let sql = render(&term(None, &["日"], true));
    assert!(
        sql.sql
            .contains("AND term >= '日' AND starts_with(term, '日')")
    );
    assert!(!sql.sql.contains("term <"));
}

#[test]
fn boolean_operators_become_set_operations() {
    let q = Query::And(vec![
        term(None, &["a"], false),
        Query::Or(vec![term(None, &["b"], false), term(None, &["c"], false)]),
        Query::Not(Box::new(term(None, &["d"], false))),
    ]);
    let sql = render(&q);
    assert!(sql.exact);
    let body = format!(
        "{LEAF} AND term = 'a' INTERSECT SELECT * FROM ({LEAF} AND term = 'b' UNION {LEAF} AND \
         term = 'c') AS q1 EXCEPT {LEAF} AND term = 'd'"
    );
    assert!(sql.sql.contains(&body), "{}", sql.sql);
}

#[test]
fn phrases_are_supersets_and_negated_phrases_are_left_to_the_verifier() {
    let phrase = term(None, &["tani", "cookpad", "com"], false);
    let sql = render(&phrase);
    assert!(!sql.exact);
    // Looked up by its two longest tokens; `com` would only add postings to read.
    assert!(
        sql.sql.contains(&format!(
            "({LEAF} AND term = 'tani' INTERSECT {LEAF} AND term = 'cookpad') AS hits"
        )),
        "{}",
        sql.sql
    );
    assert!(!sql.sql.contains("'com'"));

    let q = Query::And(vec![
        term(None, &["a"], false),
        Query::Not(Box::new(phrase)),
    ]);
    let sql = render(&q);
    assert!(!sql.exact);
    assert!(!sql.sql.contains("EXCEPT"));
}

#[test]
fn unanswerable_queries_are_errors() {
    let not_only = Query::Not(Box::new(term(None, &["a"], false)));
    assert!(matches!(
        index_sql(
            &not_only,
            &scope(),
            Window::default(),
            &Tables::default(),
            Dialect::DataFusion
        ),
        Err(SqlError::Unsupported(_))
    ));
    let not_in_or = Query::Or(vec![term(None, &["a"], false), not_only]);
    assert!(matches!(
        index_sql(
            &not_in_or,
            &scope(),
            Window::default(),
            &Tables::default(),
            Dialect::DataFusion
        ),
        Err(SqlError::Unsupported(_))
    ));
}

#[test]
fn table_names_are_validated() {
    assert!(Tables::new(Some("minerva_prod")).is_ok());
    assert_eq!(
        Tables::new(Some("x\"; DROP")),
        Err(SqlError::TableName("x\"; DROP".into()))
    );
    let tables = Tables::new(Some("db")).unwrap();
    let sql = index_sql(
        &term(None, &["a"], false),
        &scope(),
        Window::default(),
        &tables,
        Dialect::Athena,
    )
    .unwrap();
    assert!(sql.sql.contains("FROM \"db\".\"indices\""));
}

#[test]
fn message_fetch_groups_keys() {
    let key = |dt: &str, o: &str, seq| HitKey {
        dt: dt.into(),
        object_id: o.into(),
        seq,
    };
    let keys = [
        key("2024-01-01-01", "b", 7),
        key("2024-01-01-00", "a", 2),
        key("2024-01-01-00", "a", 1),
        key("2024-01-01-00", "a", 1),
    ];
    let sql = messages_sql(&keys, &Tables::default(), Dialect::DataFusion).unwrap();
    assert_eq!(
        sql,
        "SELECT tag, \"timestamp\", object_id, seq, source, message, raw, dt FROM \"messages\" \
         WHERE dt IN ('2024-01-01-00', '2024-01-01-01') AND \
         ((dt = '2024-01-01-00' AND object_id = 'a' AND seq IN (1, 2)) OR \
         (dt = '2024-01-01-01' AND object_id = 'b' AND seq IN (7)))"
    );
    let empty = messages_sql(&[], &Tables::default(), Dialect::DataFusion).unwrap();
    assert!(empty.contains("AND (FALSE)"));
}

#[test]
fn field_census_is_partition_pruned_and_bounded() {
    let s = scope();
    let sql = fields_sql(
        s.first_hour(),
        s.last_hour(),
        50,
        &Tables::default(),
        Dialect::Athena,
    )
    .unwrap();
    assert_eq!(
        sql,
        "SELECT field, COUNT(*) AS n FROM \"indices\" WHERE dt >= '2024-01-01-00' AND \
         dt <= '2024-01-01-05' AND field <> '' GROUP BY field ORDER BY n DESC, field LIMIT 50"
    );
}

#[test]
fn phrases_are_looked_up_by_their_longest_whole_tokens() {
    let lookup = |tokens: &[&str], prefix: bool| -> Vec<usize> {
        let Query::Match(m) = term(None, tokens, prefix) else {
            unreachable!()
        };
        set::phrase_lookup_tokens(&m)
    };
    assert_eq!(lookup(&["10.1.2.3"], false), [0]);
    assert_eq!(lookup(&["adm"], true), [0]);
    assert_eq!(lookup(&["tani", "cookpad", "com"], false), [0, 1]);
    // Ties go to the earlier token; the last token of a prefix phrase is never chosen alone.
    assert_eq!(lookup(&["aaaa", "bbbb", "cccc"], false), [0, 1]);
    assert_eq!(lookup(&["for", "root"], false), [1]);
    assert_eq!(lookup(&["abc", "defghij"], true), [0, 1]);
    // No token long enough: all of them.
    assert_eq!(lookup(&["a", "b", "c"], false), [0, 1, 2]);
}

#[test]
fn cidr_blocks_are_term_ranges_or_address_lists() {
    let q = crate::query::parse("src=10.1.0.0/16").unwrap();
    let sql = render(&q);
    assert!(sql.exact, "a block is answered from the index alone");
    assert!(
        sql.sql.contains(
            "AND field = 'src' AND term >= '10.1.' AND term < '10.1/' \
             AND starts_with(term, '10.1.')"
        ),
        "{}",
        sql.sql
    );
    let sql = render(&crate::query::parse("10.1.16.0/22").unwrap()).sql;
    assert!(
        sql.contains(
            "AND term >= '10.1.16.' AND term < '10.1.19/' \
             AND (substr(term, 1, 8) IN ('10.1.16.', '10.1.17.', '10.1.18.', '10.1.19.'))"
        ),
        "{sql}"
    );
    let sql = render(&crate::query::parse("10.0.0.0/9").unwrap()).sql;
    assert!(
        sql.contains("AND term >= '10.0.' AND term < '10.99/' AND (substr(term, 1, 5) IN ("),
        "{sql}"
    );
    assert!(
        sql.contains(" OR substr(term, 1, 7) IN ('10.100.', "),
        "{sql}"
    );
    let sql = render(&crate::query::parse("10.1.2.4/31").unwrap()).sql;
    assert!(
        sql.contains("AND term IN ('10.1.2.4', '10.1.2.5')"),
        "{sql}"
    );
    let sql = render(&crate::query::parse("10.1.2.4/32").unwrap()).sql;
    assert!(sql.contains("AND term = '10.1.2.4')"), "{sql}");
    // Negated, a block is exact too, so it is subtracted in SQL.
    let sql = render(&crate::query::parse("sshd -10.0.0.0/8").unwrap());
    assert!(sql.exact);
    assert!(sql.sql.contains("EXCEPT"), "{}", sql.sql);
}
