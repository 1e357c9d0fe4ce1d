//! Tests of the Athena DDL: columns and types from the schema, refused locations and names,
//! the golden file.
use super::*;
use crate::layout::{data_file_key, partition_dir};

fn location() -> DataLocation {
    DataLocation::parse("s3://minerva-index/prod").unwrap()
}

/// The column lines of a `CREATE EXTERNAL TABLE`, as (name, type).
fn columns(sql: &str) -> Vec<(String, String)> {
    let start = sql.find("(\n").unwrap() + 2;
    let end = sql.find("\n)\n").unwrap();
    sql[start..end]
        .lines()
        .map(|line| {
            let line = line.trim().trim_end_matches(',');
            let (name, ty) = line.split_once(' ').unwrap();
            (name.trim_matches('`').to_owned(), ty.to_owned())
        })
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
        .collect()
}

#[test]
fn every_column_with_its_type() {
    let indices = create_table_sql(Table::Indices, "minerva", &location()).unwrap();
    assert_eq!(
        columns(&indices),
        pairs(&[
            ("tag", "string"),
            ("field", "string"),
            ("term", "string"),
            ("object_id", "string"),
            ("seq", "bigint"),
        ])
    );
    let messages = create_table_sql(Table::Messages, "minerva", &location()).unwrap();
    assert_eq!(
        columns(&messages),
        pairs(&[
            ("tag", "string"),
            ("timestamp", "timestamp"),
            ("object_id", "string"),
            ("seq", "bigint"),
            ("source", "string"),
            ("message", "string"),
            ("raw", "binary"),
        ])
    );
    // And exactly the schemas' fields, in order, whatever they become.
    for (sql, schema) in [(indices, indices_schema()), (messages, messages_schema())] {
        let expected: Vec<(String, String)> = schema
            .fields()
            .iter()
            .map(|f| (f.name().clone(), athena_type(f).unwrap().to_owned()))
            .collect();
        assert_eq!(columns(&sql), expected);
        assert!(sql.contains("\nPARTITIONED BY (`dt` string)\n"), "{sql}");
    }
}

#[test]
fn athena_types() {
    let ty = |dt: DataType| athena_type(&Field::new("c", dt, true));
    assert_eq!(ty(DataType::Utf8), Ok("string"));
    assert_eq!(ty(DataType::Int64), Ok("bigint"));
    assert_eq!(ty(DataType::Int32), Ok("int"));
    assert_eq!(
        ty(DataType::Timestamp(
            TimeUnit::Microsecond,
            Some("UTC".into())
        )),
        Ok("timestamp")
    );
    assert_eq!(
        ty(DataType::Timestamp(TimeUnit::Millisecond, None)),
        Ok("timestamp")
    );
    assert_eq!(ty(DataType::Binary), Ok("binary"));
    assert_eq!(ty(DataType::Boolean), Ok("boolean"));
    assert_eq!(ty(DataType::Float64), Ok("double"));
    for other in [
        DataType::LargeUtf8,
        DataType::Utf8View,
        DataType::UInt64,
        DataType::Timestamp(TimeUnit::Nanosecond, None),
        DataType::Float32,
    ] {
        assert!(ty(other.clone()).is_err(), "{other}");
    }
}

#[test]
fn locations() {
    let l = location();
    assert_eq!((l.bucket(), l.prefix()), ("minerva-index", "prod"));
    assert_eq!(l.to_string(), "s3://minerva-index/prod");
    assert_eq!(
        l.table_location(Table::Indices),
        "s3://minerva-index/prod/indices/"
    );
    assert_eq!(
        l.partition_template(Table::Messages),
        "s3://minerva-index/prod/messages/dt=${dt}/"
    );

    let l: DataLocation = "s3://a.b-c/x/y/z//".parse().unwrap();
    assert_eq!((l.bucket(), l.prefix()), ("a.b-c", "x/y/z"));
    assert_eq!(l.to_string(), "s3://a.b-c/x/y/z");

    for root in ["s3://bucket", "s3://bucket/", "s3://bucket//"] {
        let l = DataLocation::parse(root).unwrap();
        assert_eq!(l.prefix(), "", "{root}");
        assert_eq!(l.to_string(), "s3://bucket");
        assert_eq!(l.table_location(Table::Indices), "s3://bucket/indices/");
        assert_eq!(
            l.partition_template(Table::Indices),
            "s3://bucket/indices/dt=${dt}/"
        );
    }
    // Mixed case, '=' and non-ASCII are fine in keys.
    assert!(DataLocation::parse("s3://bucket/Env=Prod/journaux-été").is_ok());
}

#[test]
fn invalid_locations_are_refused() {
    let long = format!("s3://{}/p", "a".repeat(64));
    for url in [
        "s3://bucket/it's",
        "s3://bucket/\"x\"",
        "s3://bucket/a`b",
        "s3://bucket/a\\b",
        "s3://bucket/a${dt}",
        "s3://bucket/${x",
        "s3://bucket/a b",
        "s3://bucket/a\tb",
        "s3://bucket/a\n",
        "s3://bucket/a\u{7f}",
        " s3://bucket/a",
        "s3://Bucket/a",
        "s3://BUCKET",
        "s3://ab/a",
        "s3://ab",
        long.as_str(),
        "s3://bucket/a/../b",
        "s3://bucket/..",
        "s3://bucket/./a",
        "s3://bucket//a",
        "s3://bucket/a//b",
        "s3://bucket/a?b",
        "s3://bucket/a#b",
        "s3://bucket/a%2Fb",
        "s3://my_bucket/a",
        "s3://-bucket/a",
        "s3://bucket-/a",
        "s3://a..b/c",
        "s3://192.168.1.1/a",
        "s3://",
        "s3:///a",
        "s3:/bucket/a",
        "S3://bucket/a",
        "s3a://bucket/a",
        "https://bucket.s3.amazonaws.com/a",
        "bucket/a",
        "",
    ] {
        let err = DataLocation::parse(url).expect_err(url);
        assert!(
            err.to_string().starts_with("invalid data location"),
            "{url}: {err}"
        );
    }
}

#[test]
fn database_names() {
    assert_eq!(
        create_database_sql("minerva").unwrap(),
        "CREATE DATABASE IF NOT EXISTS `minerva`"
    );
    assert_eq!(
        create_database_sql("Logs_2").unwrap(),
        "CREATE DATABASE IF NOT EXISTS `logs_2`"
    );
    let long = "d".repeat(129);
    for name in [
        "",
        "min-erva",
        "min erva",
        "a`b",
        "a'b",
        "a\"b",
        "a.b",
        "a\\b",
        "a${b}",
        "été",
        "a\n",
        long.as_str(),
    ] {
        let err = create_database_sql(name).expect_err(name);
        assert!(err.to_string().contains("database name"), "{err}");
        assert!(create_table_sql(Table::Indices, name, &location()).is_err());
        assert!(athena_ddl(name, &location()).is_err());
    }
    assert!(create_database_sql(&"d".repeat(128)).is_ok());
}

#[test]
fn locations_follow_the_layout() {
    let hour = Hour::parse_dt("2024-02-29-23").unwrap();
    for url in [
        "s3://minerva-index/prod",
        "s3://minerva-index/a/b/",
        "s3://bucket",
    ] {
        let l = DataLocation::parse(url).unwrap();
        for table in Table::ALL {
            let sql = create_table_sql(table, "minerva", &l).unwrap();
            let location = l.table_location(table);
            let template = l.partition_template(table);
            assert!(sql.contains(&format!("\nLOCATION '{location}'\n")), "{sql}");
            assert!(
                sql.contains(&format!("'storage.location.template' = '{template}'")),
                "{sql}"
            );
            // The template names the layout's partition folder.
            assert_eq!(
                template.replace("${dt}", &hour.dt()),
                format!(
                    "s3://{}/{}/",
                    l.bucket(),
                    partition_dir(l.prefix(), table, hour)
                )
            );
            // Every data file is under the table's location.
            let key = data_file_key(l.prefix(), table, hour, "x-0000.parquet");
            assert!(
                format!("s3://{}/{key}", l.bucket()).starts_with(&location),
                "{key}"
            );
        }
    }
}

#[test]
fn projection_range() {
    assert_eq!(default_projection_start().dt(), PROJECTION_START);
    let sql = create_table_sql(Table::Indices, "minerva", &location()).unwrap();
    assert!(
        sql.contains("'projection.dt.range' = '2000-01-01-00,NOW'"),
        "{sql}"
    );
    let since = Hour::parse_dt("2024-01-02-03").unwrap();
    for sql in athena_ddl_since("minerva", &location(), since).unwrap()[1..].iter() {
        assert!(
            sql.contains("'projection.dt.range' = '2024-01-02-03,NOW'"),
            "{sql}"
        );
    }
    for hour in [
        Hour(i64::MAX),
        Hour(i64::MIN),
        // Years 11096 and -312.
        Hour(80_000_000),
        Hour(-20_000_000),
    ] {
        assert!(
            create_table_sql_since(Table::Messages, "minerva", &location(), hour).is_err(),
            "{}",
            hour.dt()
        );
    }
}

#[test]
fn format_version_property() {
    for sql in &athena_ddl("minerva", &location()).unwrap()[1..] {
        assert!(
            sql.contains(&format!("'{FORMAT_VERSION_KEY}' = '{FORMAT_VERSION}'\n)")),
            "{sql}"
        );
    }
}

#[test]
fn statements_in_order_without_semicolons() {
    let statements = athena_ddl("minerva", &location()).unwrap();
    assert_eq!(statements.len(), 3);
    assert!(statements[0].starts_with("CREATE DATABASE IF NOT EXISTS `minerva`"));
    assert!(statements[1].starts_with("CREATE EXTERNAL TABLE IF NOT EXISTS `minerva`.`indices` ("));
    assert!(
        statements[2].starts_with("CREATE EXTERNAL TABLE IF NOT EXISTS `minerva`.`messages` (")
    );
    for sql in &statements {
        assert!(!sql.trim_end().ends_with(';'), "{sql}");
    }
}

/// `tests/golden/athena/ddl.sql`: the statements for database `minerva` over
/// `s3://minerva-index/prod`, each followed by `;`, separated by a blank line. Set
/// `MINERVA_UPDATE_GOLDEN=1` to rewrite it.
#[test]
fn golden_ddl() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/golden/athena/ddl.sql"
    );
    let statements = athena_ddl("minerva", &location()).unwrap();
    let actual = format!("{};\n", statements.join(";\n\n"));
    if std::env::var("MINERVA_UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        let dir = std::path::Path::new(path).parent().unwrap();
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(path, &actual).unwrap();
        eprintln!("note: rewrote {path} (MINERVA_UPDATE_GOLDEN=1); review the diff");
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!("cannot read {path}: {e} (run with MINERVA_UPDATE_GOLDEN=1 to write it)")
    });
    assert!(
        actual == expected,
        "the Athena DDL differs from {path}; if the change is intended, run with \
         MINERVA_UPDATE_GOLDEN=1 and review the diff\n--- expected\n{expected}\n--- \
         actual\n{actual}"
    );
}
