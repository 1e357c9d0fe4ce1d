//! Errors: exact message and byte position.

use super::*;

#[track_caller]
fn err(text: &str, message: &str, position: usize) {
    match parse(text) {
        Ok(q) => panic!("{text:?} parsed as {q:?}"),
        Err(e) => assert_eq!(e, QueryError::new(message, position), "{text:?} gave {e}"),
    }
}

#[test]
fn display_says_what_and_where() {
    let e = parse("(a OR b))").unwrap_err();
    assert_eq!(e.to_string(), "unbalanced ')' at byte 8");
    let e = parse("a AND b OR ").unwrap_err();
    assert_eq!(e.to_string(), "expected a clause after OR at byte 11");
    let e = parse("ab \"cd").unwrap_err();
    assert_eq!(e.to_string(), "unterminated quote starting at byte 3");
}

#[test]
fn empty() {
    err("", "empty query", 0);
    err("   \t\n", "empty query", 0);
}

#[test]
fn parentheses() {
    err("a)", "unbalanced ')'", 1);
    err(")", "unbalanced ')'", 0);
    err("a OR b) c", "unbalanced ')'", 6);
    err("(a", "unclosed '('", 0);
    err("x ((a) OR b", "unclosed '('", 2);
    err("()", "expected a clause after '('", 1);
    err("a ( ) b", "expected a clause after '('", 4);
}

#[test]
fn operators_without_operands() {
    err("a OR", "expected a clause after OR", 4);
    err("a OR )", "expected a clause after OR", 5);
    err("a OR OR b", "expected a clause after OR", 5);
    err("a AND", "expected a clause after AND", 5);
    err("a AND OR b", "expected a clause after AND", 6);
    err("OR a", "expected a clause before OR", 0);
    err("AND a", "expected a clause before AND", 0);
    err("(OR a)", "expected a clause after '('", 1);
    err("a NOT", "expected a clause after NOT", 5);
    err("NOT AND a", "expected a clause after NOT", 4);
    err("a -", "expected a clause after '-'", 3);
    err("a - b", "expected a clause after '-'", 3);
    err("(a -)", "expected a clause after '-'", 4);
    err("a -AND b", "expected a clause after '-'", 3);
}

#[test]
fn quotes() {
    err("\"abc", "unterminated quote starting", 0);
    err("a \"b\\\"", "unterminated quote starting", 2);
    err("user=\"bob", "unterminated quote starting", 5);
    err("\"\"", "phrase has no searchable characters", 0);
    err("x \"@@ !!\"", "phrase has no searchable characters", 2);
    err("user=\"@@\"", "value has no searchable characters", 5);
}

#[test]
fn words_and_fields() {
    err("@@@", "word has no searchable characters", 0);
    err("a ,,, b", "word has no searchable characters", 2);
    err("user=@@", "value has no searchable characters", 5);
    err("=alice", "expected a field name before '='", 0);
    err("a =", "expected a field name before '='", 2);
    err("user=", "expected a value after '='", 5);
    err("x user= y", "expected a value after '='", 7);
    err("user=(a OR b)", "expected a value after '='", 5);
}

#[test]
fn wildcards() {
    const STAR: &str = "'*' is only supported at the end of a word (prefix search)";
    err("*", "'*' needs text before it", 0);
    err("a * b", "'*' needs text before it", 2);
    err("user=*", "'*' needs text before it", 5);
    err("@*", "word has no searchable characters", 0);
    err("*admin", STAR, 0);
    err("a*b", STAR, 1);
    err("adm**", STAR, 3);
    err("x=a*b", STAR, 3);
}

#[test]
fn negative_only() {
    let message = "a query needs at least one positive clause";
    err("NOT a", message, 0);
    err("-a", message, 0);
    err("-a -b", message, 0);
    err("  NOT (a OR b)", message, 2);
    err("a OR -b", message, 5);
    err("a OR (b OR NOT c)", message, 5);
    err("(a OR -b)", message, 0);
}

#[test]
fn limits() {
    let long = "a ".repeat(MAX_QUERY_BYTES / 2) + "b";
    err(&long, "query is longer than 4096 bytes", MAX_QUERY_BYTES);
    assert!(parse(&"a".repeat(MAX_QUERY_BYTES)).is_ok());

    let clauses = vec!["w"; MAX_CLAUSES].join(" ");
    assert_eq!(parse(&clauses).unwrap().leaves().count(), MAX_CLAUSES);
    err(
        &format!("{clauses} x"),
        "more than 64 clauses",
        2 * MAX_CLAUSES,
    );

    let deep = format!("{}a{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert_eq!(parse(&deep).unwrap(), Query::Match(Match::any(["a"])));
    let deeper = format!(
        "{}a{}",
        "(".repeat(MAX_DEPTH + 1),
        ")".repeat(MAX_DEPTH + 1)
    );
    err(&deeper, "nesting deeper than 32 levels", MAX_DEPTH);
    let nots = format!("x {}a", "NOT ".repeat(MAX_DEPTH + 1));
    err(&nots, "nesting deeper than 32 levels", 2 + 4 * MAX_DEPTH);
    let mixed = format!("x {}a{}", "-(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH / 2));
    err(&mixed, "nesting deeper than 32 levels", 2 + MAX_DEPTH);
    // Far too deep: still an error, not a stack overflow.
    err(
        &"(".repeat(4000),
        "nesting deeper than 32 levels",
        MAX_DEPTH,
    );
}

#[test]
fn first_error_in_text_order_wins() {
    // The unbalanced parenthesis comes before the unterminated quote.
    err("a) \"b", "unbalanced ')'", 1);
    err("a OR \"b", "unterminated quote starting", 5);
}
