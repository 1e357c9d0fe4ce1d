"""Independent reference implementation of minerva's records, fields, tokens and keyword search,
written from the spec (DESIGN.md "Tokens and fields" / "Query language"), never from the Rust
code, so that it does not share the engine's bugs.

    from reference import Term, And, Or, Not, search
    hits = search(paths, And(Term.of(None, "10.1.2.3"), Not(Term("event_type", ["alert"]))))
"""

from .query import And, Cidr, Not, Or, Query, Term, matches, search, uses_fields
from .records import (HEADER_DRIVEN_PATTERNS, Record, file_kind, flatten, is_json_document,
                      line_values, make_record, read_bytes, read_records, records_of_bytes)
from .tokenizer import EXACT_UNICODE, MAX_TOKEN_BYTES, query_tokens, slots, tokens

__all__ = [
    "And", "Cidr", "Not", "Or", "Query", "Term", "matches", "search", "uses_fields",
    "HEADER_DRIVEN_PATTERNS", "Record", "file_kind", "flatten", "is_json_document",
    "line_values", "make_record", "read_bytes", "read_records", "records_of_bytes",
    "EXACT_UNICODE", "MAX_TOKEN_BYTES", "query_tokens", "slots", "tokens",
]
