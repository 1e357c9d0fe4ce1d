//! Splitting a JSON document that holds an array of records into its records.

use std::ops::Range;

use super::Cursor;

/// Finds the records of a JSON document that holds an array of records: a top-level array, or
/// an object with a `Records` array (as CloudTrail delivers to S3).
///
/// Returns the byte range of each element, or `None` when `input` is not such a document.
/// Elements are not validated here; each is flattened (and validated) on its own.
pub fn document_records(input: &[u8]) -> Option<Vec<Range<usize>>> {
    let mut cur = Cursor { input, pos: 0 };
    cur.skip_ws();
    let records = match cur.peek()? {
        b'[' => array_elements(&mut cur)?,
        b'{' => {
            cur.pos += 1;
            let mut found = None;
            let mut scratch = String::new();
            loop {
                cur.skip_ws();
                if cur.peek()? != b'"' {
                    return None;
                }
                let is_records = match cur.string(&mut scratch).ok()? {
                    Some(range) => &input[range] == b"Records",
                    None => scratch == "Records",
                };
                cur.skip_ws();
                if cur.peek()? != b':' {
                    return None;
                }
                cur.pos += 1;
                cur.skip_ws();
                if is_records && cur.peek()? == b'[' {
                    found = Some(array_elements(&mut cur)?);
                } else {
                    skip_value(&mut cur)?;
                }
                cur.skip_ws();
                match cur.peek()? {
                    b',' => cur.pos += 1,
                    b'}' => {
                        cur.pos += 1;
                        break;
                    }
                    _ => return None,
                }
            }
            found?
        }
        _ => return None,
    };
    cur.skip_ws();
    (cur.pos == input.len()).then_some(records)
}

fn array_elements(cur: &mut Cursor<'_>) -> Option<Vec<Range<usize>>> {
    cur.pos += 1; // '['
    let mut out = Vec::new();
    cur.skip_ws();
    if cur.peek()? == b']' {
        cur.pos += 1;
        return Some(out);
    }
    loop {
        cur.skip_ws();
        let start = cur.pos;
        skip_value(cur)?;
        out.push(start..cur.pos);
        cur.skip_ws();
        match cur.peek()? {
            b',' => cur.pos += 1,
            b']' => {
                cur.pos += 1;
                return Some(out);
            }
            _ => return None,
        }
    }
}

/// Skips a string whose opening quote is at `pos`, honouring escapes but not checking the
/// content (so one record with invalid UTF-8 does not hide its neighbours).
fn skip_string(cur: &mut Cursor<'_>) -> Option<()> {
    cur.pos += 1;
    loop {
        let rest = cur.input.get(cur.pos..)?;
        let i = memchr::memchr2(b'"', b'\\', rest)?;
        cur.pos += i + 1;
        if rest[i] == b'"' {
            return Some(());
        }
        cur.pos += 1; // the escaped byte
    }
}

/// Skips one value (brackets balanced, strings honoured) without validating its content.
fn skip_value(cur: &mut Cursor<'_>) -> Option<()> {
    let mut depth = 0usize;
    loop {
        match cur.peek()? {
            b'"' => skip_string(cur)?,
            b'{' | b'[' => {
                depth += 1;
                cur.pos += 1;
            }
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                cur.pos += 1;
            }
            b',' | b':' if depth > 0 => cur.pos += 1,
            b' ' | b'\t' | b'\n' | b'\r' if depth > 0 => cur.pos += 1,
            b',' | b' ' | b'\t' | b'\n' | b'\r' => return Some(()),
            _ => cur.pos += 1,
        }
        if depth == 0 {
            // A scalar continues until a delimiter; a container ends at its closing bracket.
            match cur.peek() {
                None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') => return Some(()),
                _ if matches!(cur.input[cur.pos - 1], b'}' | b']' | b'"') => return Some(()),
                _ => {}
            }
        }
    }
}
