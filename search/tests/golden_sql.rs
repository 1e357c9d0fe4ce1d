//! Golden files of every statement the backends send, in both dialects
//! (`tests/golden/sql/{case}.{dialect}.sql`), so a reviewer reads the SQL and any change to it
//! shows in review. `MINERVA_UPDATE_GOLDEN=1 cargo test -p minerva-search --test golden_sql`
//! rewrites them; review the diff before committing.

use async_trait::async_trait;
use minerva_core::layout::Hour;
use minerva_core::query::parse;
use minerva_core::sql::{Dialect, HitKey, Tables, Window, fields_sql, messages_sql};
use minerva_search::sql_engine::{Rows, SqlEngine};
use minerva_search::two_step::{candidates_statement, first_statements, lookup_sql};
use minerva_search::{SearchError, SearchRequest};

/// Renders statements only.
struct Dialected {
    dialect: Dialect,
    tables: Tables,
}

#[async_trait]
impl SqlEngine for Dialected {
    fn dialect(&self) -> Dialect {
        self.dialect
    }
    fn tables(&self) -> &Tables {
        &self.tables
    }
    fn fetch_batch(&self) -> usize {
        1000
    }
    async fn query(&self, _sql: &str) -> Result<Rows, SearchError> {
        unreachable!("statements are only rendered here")
    }
}

/// 2024-01-01T00:00:00Z and a day later.
const FROM: i64 = 1_704_067_200_000_000;
const TO: i64 = FROM + 86_400_000_000;

const CASES: &[(&str, &str, &[&str])] = &[
    ("needle", "10.1.2.3", &[]),
    ("field", "userIdentity.userName=alice", &[]),
    ("boolean", "sshd AND (root OR admin) -failed", &[]),
    ("phrase", "tani@cookpad.com", &[]),
    ("prefix", "mimi*", &[]),
    ("cidr", "srcaddr=10.1.16.0/20 OR 192.168.1.128/30", &[]),
    ("tags", "GetObject", &["aws.cloudtrail", "web"]),
    (
        "injection",
        "\"x' OR '1'='1\" \"'; DROP TABLE indices; --\"",
        &[],
    ),
];

/// A needle whose hour sketches left 2 hours of the day, and one they ruled out everywhere.
fn sketch_cases() -> [(&'static str, &'static str, Vec<Hour>); 2] {
    let first = Hour::of_micros(FROM);
    [
        (
            "sketch",
            "10.1.2.3 user=alice",
            vec![Hour(first.0 + 3), Hour(first.0 + 17)],
        ),
        ("sketch-nothing", "10.1.2.3", vec![]),
    ]
}

fn render(engine: &Dialected, query: &str, tags: &[&str], hours: Option<Vec<Hour>>) -> String {
    let request = SearchRequest {
        hours,
        query: parse(query).unwrap(),
        from_us: FROM,
        to_us: TO,
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
    };
    let first = first_statements(engine, &request).unwrap();
    let mut out = format!("-- query: {query}\n-- range: 2024-01-01T00:00:00Z/P1D\n");
    if let Some(hours) = &request.hours {
        let dts: Vec<String> = hours.iter().map(|h| h.dt()).collect();
        out.push_str(&format!(
            "-- hours the hour sketches kept: [{}]\n",
            dts.join(", ")
        ));
    }
    let mut add = |title: &str, sql: &str| {
        out.push_str(&format!("\n-- {title}\n{sql};\n"));
    };
    if first.len() == 2 {
        add(
            "summary: exact total, counts per tag and time bin",
            &first[0],
        );
        add(
            "lookup: every match, newest first (Athena pages its stored result)",
            &first[1],
        );
        let window = Window {
            offset: 50,
            limit: Some(50),
        };
        add(
            "page 2 of 50 (embedded engine: a window of the lookup)",
            &lookup_sql(engine, &request, window, None).unwrap().sql,
        );
        add(
            "lookup of one tag (Athena: for pages filtered by tag)",
            &lookup_sql(engine, &request, Window::default(), Some("web"))
                .unwrap()
                .sql,
        );
    } else {
        add(
            "candidates of a phrase (checked against their messages)",
            &candidates_statement(engine, &request).unwrap(),
        );
    }
    let keys = [
        HitKey {
            dt: "2024-01-01-05".into(),
            object_id: "0f3a".into(),
            seq: 17,
        },
        HitKey {
            dt: "2024-01-01-05".into(),
            object_id: "0f3a".into(),
            seq: 3,
        },
        HitKey {
            dt: "2024-01-01-07".into(),
            object_id: "77b0".into(),
            seq: 0,
        },
    ];
    add(
        "message fetch of a page (and of a phrase check batch)",
        &messages_sql(&keys, engine.tables(), engine.dialect()).unwrap(),
    );
    out
}

#[test]
fn every_statement_matches_its_golden_file() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/golden/sql");
    let update = std::env::var_os("MINERVA_UPDATE_GOLDEN").is_some();
    let engines = [
        (
            "datafusion",
            Dialected {
                dialect: Dialect::DataFusion,
                tables: Tables::default(),
            },
        ),
        (
            "athena",
            Dialected {
                dialect: Dialect::Athena,
                tables: Tables::new(Some("minerva")).unwrap(),
            },
        ),
    ];
    let mut mismatches = Vec::new();
    for (name, engine) in &engines {
        let mut files: Vec<(String, String)> = CASES
            .iter()
            .map(|(case, query, tags)| {
                let sql = render(engine, query, tags, None);
                (format!("{case}.{name}.sql"), sql)
            })
            .collect();
        for (case, query, hours) in sketch_cases() {
            let sql = render(engine, query, &[], Some(hours));
            files.push((format!("{case}.{name}.sql"), sql));
        }
        let scope_hours = minerva_core::sql::SearchScope::new(FROM, TO);
        files.push((
            format!("fields.{name}.sql"),
            format!(
                "-- field census of a day (autocomplete)\n{};\n",
                fields_sql(
                    scope_hours.first_hour(),
                    scope_hours.last_hour(),
                    200,
                    engine.tables(),
                    engine.dialect()
                )
                .unwrap()
            ),
        ));
        for (file, text) in files {
            let path = dir.join(&file);
            if update {
                std::fs::write(&path, &text).unwrap();
                continue;
            }
            match std::fs::read_to_string(&path) {
                Ok(golden) if golden == text => {}
                _ => mismatches.push(file),
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "statements differ from their golden files {mismatches:?}; if the change is meant, run \
         MINERVA_UPDATE_GOLDEN=1 cargo test -p minerva-search --test golden_sql and review the diff"
    );
}
