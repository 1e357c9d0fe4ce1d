//! Athena DDL for the `minerva` database and its two tables, generated from the Arrow schemas in
//! [`crate::schema`] and the object keys in [`crate::layout`], so the catalog cannot drift from
//! what the indexer writes. The golden file `tests/golden/athena/ddl.sql` shows the statements.
//!
//! Athena DDL is Hive DDL: identifiers are quoted with backticks and string literals are
//! single-quoted with *backslash* escapes (a doubled `'` is two adjacent literals there, not an
//! escaped quote). Nothing here escapes: every name must be a plain identifier and every
//! literal is refused when it holds a quote, a backslash or a control character.
//!
//! The statements use `IF NOT EXISTS`, so running them again changes nothing. When the schema
//! changes (and with it [`FORMAT_VERSION`]), the table must be dropped and created again;
//! dropping an external table leaves its data in place.

use std::fmt;
use std::str::FromStr;

use arrow_schema::{DataType, Field, TimeUnit};

use super::SqlError;
use crate::layout::{Hour, Table, join_key};
use crate::schema::{FORMAT_VERSION, FORMAT_VERSION_KEY, indices_schema, messages_schema};

/// First hour the tables' partition projection covers by default (`YYYY-MM-DD-HH`, UTC).
///
/// Athena answers nothing from an hour before it: a projected table has only the partitions
/// its range allows. A wide range costs nothing, because projection enumerates only the hours
/// a query's `dt` predicates allow (every minerva statement has them), so the default reaches
/// far back rather than risk hiding old logs. See [`create_table_sql_since`].
pub const PROJECTION_START: &str = "2000-01-01-00";

/// The partition column, encoded in the object key (`…/dt=YYYY-MM-DD-HH/…`), not in the files.
const DT: &str = "dt";

/// Where the two tables live: a validated `s3://bucket[/prefix]` URL, the same bucket and
/// prefix the indexer writes under (`{prefix}/{table}/dt=YYYY-MM-DD-HH/{file}.parquet`).
///
/// The prefix is kept without leading or trailing `/`. The URL ends up in SQL string literals
/// and in the projection's location template, so [`DataLocation::parse`] refuses anything
/// that one of them (or a URL parser) could read differently.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DataLocation {
    bucket: String,
    prefix: String,
}

impl DataLocation {
    /// Parses and validates `s3://bucket[/prefix][/]`.
    ///
    /// The bucket must be a valid S3 bucket name: 3–63 characters, lowercase letters, digits,
    /// `.` and `-`, starting and ending with a letter or digit, no `..`, not an IP address.
    /// The prefix may be empty; trailing `/` are dropped. Refused anywhere: quotes and
    /// backticks, `\`, control characters, whitespace, `${` (a template variable), `?`, `#`
    /// and `%` (meaningful in URLs), and empty, `.` or `..` path segments (which Hadoop-style
    /// paths would normalise away).
    pub fn parse(url: &str) -> Result<Self, SqlError> {
        let bad = |reason: String| {
            SqlError::Unsupported(format!("invalid data location {url:?}: {reason}"))
        };
        if let Some(c) = url.chars().find(|c| c.is_control()) {
            return Err(bad(format!(
                "it contains a control character (U+{:04X})",
                c as u32
            )));
        }
        if url.chars().any(char::is_whitespace) {
            return Err(bad("it contains whitespace".to_owned()));
        }
        if let Some(c) = url
            .chars()
            .find(|c| matches!(c, '\'' | '"' | '`' | '\\' | '?' | '#' | '%'))
        {
            return Err(bad(format!(
                "it contains {c:?}, which SQL text or a URL would read differently"
            )));
        }
        if url.contains("${") {
            return Err(bad(
                "it contains \"${\", which the location template would read as a variable"
                    .to_owned(),
            ));
        }
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| bad("it must start with \"s3://\"".to_owned()))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        check_bucket(bucket).map_err(|reason| bad(reason.to_owned()))?;
        let prefix = prefix.trim_end_matches('/');
        if !prefix.is_empty() {
            for segment in prefix.split('/') {
                match segment {
                    "" => return Err(bad("its prefix has an empty segment (\"//\")".to_owned())),
                    "." | ".." => {
                        return Err(bad(format!("its prefix has a {segment:?} segment")));
                    }
                    _ => {}
                }
            }
        }
        Ok(DataLocation {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        })
    }

    /// The bucket name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The key prefix, without leading or trailing `/`; empty for the bucket's root.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The table's `LOCATION`: `s3://bucket/{prefix}/{table}/`.
    pub fn table_location(&self, table: Table) -> String {
        format!(
            "s3://{}/{}/",
            self.bucket,
            join_key(&self.prefix, table.as_str())
        )
    }

    /// The projection's `storage.location.template`: `s3://bucket/{prefix}/{table}/dt=${dt}/`,
    /// which is [`crate::layout::partition_dir`] with `${dt}` for the hour.
    pub fn partition_template(&self, table: Table) -> String {
        format!(
            "s3://{}/{}/",
            self.bucket,
            join_key(&self.prefix, &format!("{table}/{DT}=${{{DT}}}"))
        )
    }
}

impl fmt::Display for DataLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prefix.is_empty() {
            write!(f, "s3://{}", self.bucket)
        } else {
            write!(f, "s3://{}/{}", self.bucket, self.prefix)
        }
    }
}

impl FromStr for DataLocation {
    type Err = SqlError;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        DataLocation::parse(url)
    }
}

/// Checks an S3 bucket name (general purpose bucket naming rules).
fn check_bucket(bucket: &str) -> Result<(), &'static str> {
    if bucket.is_empty() {
        return Err("it has no bucket name");
    }
    if !(3..=63).contains(&bucket.len()) {
        return Err("a bucket name has 3 to 63 characters");
    }
    if bucket.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err("a bucket name has no uppercase letters");
    }
    if !bucket
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        return Err("a bucket name has only lowercase letters, digits, '.' and '-'");
    }
    let alnum = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
    if !alnum(bucket.as_bytes().first()) || !alnum(bucket.as_bytes().last()) {
        return Err("a bucket name starts and ends with a letter or digit");
    }
    if bucket.contains("..") {
        return Err("a bucket name has no \"..\"");
    }
    let parts: Vec<&str> = bucket.split('.').collect();
    if parts.len() == 4 && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())) {
        return Err("a bucket name is not an IP address");
    }
    Ok(())
}

/// The Athena (Hive) type of a column: `Utf8` → `string`, `Int64` → `bigint`, `Int32` →
/// `int`, `Timestamp` in micro- or milliseconds → `timestamp`, `Binary` → `binary`,
/// `Boolean` → `boolean`, `Float64` → `double`. Any other type is refused rather than guessed.
pub fn athena_type(field: &Field) -> Result<&'static str, SqlError> {
    Ok(match field.data_type() {
        DataType::Utf8 => "string",
        DataType::Int64 => "bigint",
        DataType::Int32 => "int",
        DataType::Timestamp(TimeUnit::Microsecond | TimeUnit::Millisecond, _) => "timestamp",
        DataType::Binary => "binary",
        DataType::Boolean => "boolean",
        DataType::Float64 => "double",
        other => {
            return Err(SqlError::Unsupported(format!(
                "column {:?} has type {other}, which has no Athena type here",
                field.name()
            )));
        }
    })
}

/// A backtick-quoted DDL identifier: `name` must be plain (the rule of the query side:
/// letters, digits and `_`, at most 128 characters) and is lowercased, as Glue stores it.
fn ddl_identifier(kind: &str, name: &str) -> Result<String, SqlError> {
    super::identifier(name).map_err(|_| {
        SqlError::Unsupported(format!(
            "invalid {kind} name {name:?}: only ASCII letters, digits and '_', 1 to 128 \
             characters"
        ))
    })?;
    Ok(format!("`{}`", name.to_ascii_lowercase()))
}

/// A Hive string literal of text that needs no escaping; refused otherwise.
fn hive_literal(text: &str) -> Result<String, SqlError> {
    if let Some(c) = text
        .chars()
        .find(|&c| c == '\'' || c == '\\' || c.is_control())
    {
        return Err(SqlError::Unsupported(format!(
            "{text:?} cannot be a DDL string literal: it contains {c:?}"
        )));
    }
    Ok(format!("'{text}'"))
}

/// ``CREATE DATABASE IF NOT EXISTS `minerva` ``: `database` must be a plain identifier
/// (letters, digits, `_`, at most 128 characters) and is lowercased, as Glue stores it.
pub fn create_database_sql(database: &str) -> Result<String, SqlError> {
    Ok(format!(
        "CREATE DATABASE IF NOT EXISTS {}",
        ddl_identifier("database", database)?
    ))
}

/// `CREATE EXTERNAL TABLE IF NOT EXISTS` for `table` in `database`, over the files under
/// `location`, with the projection starting at [`PROJECTION_START`]. See
/// [`create_table_sql_since`].
pub fn create_table_sql(
    table: Table,
    database: &str,
    location: &DataLocation,
) -> Result<String, SqlError> {
    create_table_sql_since(table, database, location, default_projection_start())
}

/// [`PROJECTION_START`] as an hour.
fn default_projection_start() -> Hour {
    Hour::parse_dt(PROJECTION_START).expect("PROJECTION_START is a valid hour")
}

/// `CREATE EXTERNAL TABLE IF NOT EXISTS` for `table` in `database`, over the files under
/// `location`, searchable from the hour `projection_start` on.
///
/// The columns are the table's Arrow schema, in order, with [`athena_type`]; `dt` is the
/// partition column (a `string`, from the object key). The table properties:
///
/// - `projection.*`: partition projection. Athena computes the partitions from the `dt`
///   predicates of each query instead of reading them from the catalog, so nothing has to
///   register new hours: no partitioner, no crawler, no `ALTER TABLE ADD PARTITION`.
///   - `type` `date` with `format` `yyyy-MM-dd-HH`: the layout's `dt=YYYY-MM-DD-HH`.
///   - `range` `{projection_start},NOW`: the start is the earliest hour that can be searched;
///     queries outside the range return nothing (no error). Projection enumerates only the
///     hours a query's `dt` predicates allow, so a wide range costs nothing, though a query
///     with no `dt` predicate would list every hour of it (minerva's never lack one). `NOW`
///     is evaluated in UTC at query time, like `dt`; records stamped in the future (clock
///     skew) become visible when their hour arrives.
///   - `interval` `1` and `interval.unit` `HOURS`: required for a format finer than a day.
/// - `storage.location.template`: where an hour's files are,
///   [`DataLocation::partition_template`] (the layout's key, not Hive's default).
/// - `parquet.compression` `ZSTD`: the codec of our files; it only matters for files Athena
///   writes (`INSERT INTO`), which then match ours.
/// - `minerva.format_version`: [`FORMAT_VERSION`] of the files the table describes, so a
///   catalog made for another format can be recognised.
pub fn create_table_sql_since(
    table: Table,
    database: &str,
    location: &DataLocation,
    projection_start: Hour,
) -> Result<String, SqlError> {
    let schema = match table {
        Table::Indices => indices_schema(),
        Table::Messages => messages_schema(),
    };
    let mut columns = Vec::with_capacity(schema.fields().len());
    for field in schema.fields() {
        if field.name().eq_ignore_ascii_case(DT) {
            return Err(SqlError::Unsupported(format!(
                "column {:?} clashes with the partition column",
                field.name()
            )));
        }
        columns.push(format!(
            "  {} {}",
            ddl_identifier("column", field.name())?,
            athena_type(field)?
        ));
    }
    let start = projection_start_dt(projection_start)?;
    let dt = ddl_identifier("column", DT)?;
    let properties = [
        ("projection.enabled", "true".to_owned()),
        ("projection.dt.type", "date".to_owned()),
        ("projection.dt.format", "yyyy-MM-dd-HH".to_owned()),
        ("projection.dt.range", format!("{start},NOW")),
        ("projection.dt.interval", "1".to_owned()),
        ("projection.dt.interval.unit", "HOURS".to_owned()),
        (
            "storage.location.template",
            location.partition_template(table),
        ),
        ("parquet.compression", "ZSTD".to_owned()),
        (FORMAT_VERSION_KEY, FORMAT_VERSION.to_owned()),
    ]
    .into_iter()
    .map(|(key, value)| {
        Ok(format!(
            "  {} = {}",
            hive_literal(key)?,
            hive_literal(&value)?
        ))
    })
    .collect::<Result<Vec<_>, SqlError>>()?;
    Ok(format!(
        "CREATE EXTERNAL TABLE IF NOT EXISTS {}.{} (\n{}\n)\n\
         PARTITIONED BY ({dt} string)\n\
         STORED AS PARQUET\n\
         LOCATION {}\n\
         TBLPROPERTIES (\n{}\n)",
        ddl_identifier("database", database)?,
        ddl_identifier("table", table.as_str())?,
        columns.join(",\n"),
        hive_literal(&location.table_location(table))?,
        properties.join(",\n"),
    ))
}

/// The projection range start as `YYYY-MM-DD-HH`, refused when it is not a four-digit year.
fn projection_start_dt(hour: Hour) -> Result<String, SqlError> {
    let dt = hour.dt();
    let shaped = dt.len() == 13
        && dt.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 | 10 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if shaped && Hour::parse_dt(&dt) == Some(hour) {
        Ok(dt)
    } else {
        Err(SqlError::Unsupported(format!(
            "projection start hour {} is out of range (years 0000 to 9999)",
            hour.0
        )))
    }
}

/// The whole catalog, in the order to run it: the database, then `indices` and `messages`,
/// each statement without a trailing semicolon (Athena runs one statement per query).
pub fn athena_ddl(database: &str, location: &DataLocation) -> Result<Vec<String>, SqlError> {
    athena_ddl_since(database, location, default_projection_start())
}

/// [`athena_ddl`] with the projection starting at `projection_start` instead of
/// [`PROJECTION_START`].
pub fn athena_ddl_since(
    database: &str,
    location: &DataLocation,
    projection_start: Hour,
) -> Result<Vec<String>, SqlError> {
    let mut statements = vec![create_database_sql(database)?];
    for table in Table::ALL {
        statements.push(create_table_sql_since(
            table,
            database,
            location,
            projection_start,
        )?);
    }
    Ok(statements)
}

#[cfg(test)]
mod tests;
