//! Header-driven text formats whose lines become field/value pairs: CSV/TSV with a header
//! line, W3C extended logs (IIS) with `#Fields:` directives, and VPC Flow Logs.

/// Field names of the VPC Flow Logs version 2 default format.
pub const VPC_V2_FIELDS: [&str; 14] = [
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
];

/// Field names of the VPC Flow Logs version 5 "all fields" order (first 14 as in v2).
pub const VPC_V5_EXTRA_FIELDS: [&str; 15] = [
    "vpc-id",
    "subnet-id",
    "instance-id",
    "tcp-flags",
    "type",
    "pkt-srcaddr",
    "pkt-dstaddr",
    "region",
    "az-id",
    "sublocation-type",
    "sublocation-id",
    "pkt-src-aws-service",
    "pkt-dst-aws-service",
    "flow-direction",
    "traffic-path",
];

/// How the values of a line are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Separator {
    /// A byte, with `"` quoting (CSV/TSV).
    Quoted(u8),
    /// Runs of spaces (W3C, VPC Flow Logs).
    Spaces,
}

/// Splits `line` into values, appending them to `out` (cleared first). Returns false when the
/// line's quoting is broken, in which case the caller indexes the line as text.
pub fn split_values(line: &str, separator: Separator, out: &mut Vec<String>) -> bool {
    out.clear();
    match separator {
        Separator::Spaces => {
            out.extend(line.split_ascii_whitespace().map(str::to_owned));
            true
        }
        Separator::Quoted(sep) => split_quoted(line, sep as char, out),
    }
}

fn split_quoted(line: &str, sep: char, out: &mut Vec<String>) -> bool {
    let mut chars = line.chars().peekable();
    let mut value = String::new();
    loop {
        value.clear();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    None => return false,
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        value.push('"');
                    }
                    Some('"') => break,
                    Some(c) => value.push(c),
                }
            }
            match chars.next() {
                None => {
                    out.push(value.clone());
                    return true;
                }
                Some(c) if c == sep => out.push(value.clone()),
                Some(_) => return false,
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        out.push(value.clone());
                        return true;
                    }
                    Some(c) if c == sep => break,
                    Some(c) => value.push(c),
                }
            }
            out.push(value.clone());
        }
    }
}

/// True when `name` looks like a column name (used to recognise header lines).
fn is_column_name(name: &str) -> bool {
    let name = name.trim().trim_matches('"');
    !name.is_empty()
        && name.len() <= 64
        && name.as_bytes()[0].is_ascii_alphabetic()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b' ' | b'@'))
}

/// Detects a CSV/TSV header: the first line is all column names and the next line has as many
/// values. Returns the separator byte.
pub fn detect_csv(first: &str, second: Option<&str>) -> Option<u8> {
    let second = second?;
    for sep in [b'\t', b','] {
        let mut header = Vec::new();
        let mut values = Vec::new();
        if !split_values(first, Separator::Quoted(sep), &mut header) || header.len() < 2 {
            continue;
        }
        if !header.iter().all(|h| is_column_name(h)) {
            continue;
        }
        if split_values(second, Separator::Quoted(sep), &mut values) && values.len() == header.len()
        {
            return Some(sep);
        }
    }
    None
}

/// True when `line` is a VPC Flow Logs header line.
pub fn is_vpc_header(line: &str) -> bool {
    line.starts_with("version ") && line.contains("account-id") && line.contains("interface-id")
}

/// True when `line` looks like a VPC Flow Logs record in the default field order.
pub fn is_vpc_record(line: &str) -> bool {
    let mut parts = line.split_ascii_whitespace();
    let version_ok = parts
        .next()
        .is_some_and(|v| matches!(v, "2" | "3" | "4" | "5"));
    let account_ok = parts
        .next()
        .is_some_and(|a| a == "unknown" || (a.len() >= 6 && a.bytes().all(|b| b.is_ascii_digit())));
    let eni_ok = parts
        .next()
        .is_some_and(|i| i.starts_with("eni-") || i == "-");
    version_ok && account_ok && eni_ok && parts.count() >= 11
}

/// Default VPC field names for a header-less line with `n` values.
pub fn vpc_default_fields(n: usize) -> Vec<String> {
    VPC_V2_FIELDS
        .iter()
        .chain(VPC_V5_EXTRA_FIELDS.iter())
        .map(|s| (*s).to_owned())
        .chain(
            (VPC_V2_FIELDS.len() + VPC_V5_EXTRA_FIELDS.len()..n).map(|i| format!("field{}", i + 1)),
        )
        .take(n)
        .collect()
}

/// True when `line` starts a W3C extended log (a directive such as `#Software:`).
pub fn is_w3c_directive(line: &str) -> bool {
    [
        "#Software:",
        "#Version:",
        "#Fields:",
        "#Date:",
        "#Remark:",
        "#Start-Date:",
    ]
    .iter()
    .any(|d| line.starts_with(d))
}

/// The column names of a `#Fields:` directive, if `line` is one.
pub fn w3c_fields(line: &str) -> Option<Vec<String>> {
    let rest = line.strip_prefix("#Fields:")?;
    Some(rest.split_ascii_whitespace().map(str::to_owned).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &str, sep: Separator) -> Option<Vec<String>> {
        let mut out = Vec::new();
        split_values(line, sep, &mut out).then_some(out)
    }

    #[test]
    fn splits_quoted_values() {
        let csv = Separator::Quoted(b',');
        assert_eq!(split("a,b,,c", csv).unwrap(), ["a", "b", "", "c"]);
        assert_eq!(
            split(r#""x, y","say ""hi""",z"#, csv).unwrap(),
            ["x, y", r#"say "hi""#, "z"]
        );
        assert_eq!(split(r#""unterminated,b"#, csv), None);
        assert_eq!(split(r#""a"b,c"#, csv), None);
        assert_eq!(
            split("a  b\tc", Separator::Spaces).unwrap(),
            ["a", "b", "c"]
        );
    }

    #[test]
    fn detects_headers() {
        assert_eq!(
            detect_csv("time,user,src ip", Some("2024-01-01,bob,10.1.2.3")),
            Some(b',')
        );
        assert_eq!(
            detect_csv("file\tlines\tsha256", Some("a.log\t3\tabc")),
            Some(b'\t')
        );
        assert_eq!(detect_csv("time,user", Some("only one")), None);
        assert_eq!(detect_csv("Jun 14 15:16:01 combo, sshd", Some("x,y")), None);
        assert_eq!(detect_csv("a,b", None), None);
    }

    #[test]
    fn recognises_vpc_flow_lines() {
        assert!(is_vpc_header(
            "version account-id interface-id srcaddr dstaddr srcport"
        ));
        assert!(is_vpc_record(
            "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA"
        ));
        assert!(!is_vpc_record("2 apples and 3 oranges"));
        let fields = vpc_default_fields(31);
        assert_eq!(fields[13], "log-status");
        assert_eq!(fields[28], "traffic-path");
        assert_eq!(fields[30], "field31");
    }

    #[test]
    fn parses_w3c_directives() {
        assert!(is_w3c_directive(
            "#Software: Microsoft Internet Information Services 10.0"
        ));
        assert_eq!(
            w3c_fields("#Fields: date time c-ip").unwrap(),
            ["date", "time", "c-ip"]
        );
        assert_eq!(w3c_fields("#Date: x"), None);
    }
}
