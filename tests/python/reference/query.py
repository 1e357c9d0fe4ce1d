"""Reference query model and evaluation over records (no parser: tests build the objects)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Union

from . import tokenizer
from .records import Record, read_records


@dataclass(frozen=True)
class Term:
    """Tokens in `field` (any field when None). One token: the record has it; several: they are
    adjacent and in order within one field value (a phrase). `prefix`: the last token only has to
    be a prefix of the token at its position."""

    field: str | None
    tokens: tuple
    prefix: bool = False

    def __init__(self, field: str | None, tokens: Iterable[str], prefix: bool = False):
        object.__setattr__(self, "field", field)
        object.__setattr__(self, "tokens", tuple(tokens))
        object.__setattr__(self, "prefix", prefix)

    @classmethod
    def of(cls, field: str | None, word: str, prefix: bool = False) -> "Term":
        """The term of a query word, tokenized by the reference tokenizer (IPv4 tails dropped)."""
        return cls(field, tokenizer.query_tokens(word), prefix)


@dataclass(frozen=True)
class Cidr:
    """IPv4 address tokens inside `block` (`10.1.0.0/16`), in `field` (any when None). Spec:
    a token is an address when it has four dot-separated parts of 1-3 digits, each <= 255; the
    octets the block's prefix reaches (the first ceil(n/8), at least 1; all four beyond /24)
    must be written without leading zeros."""

    field: str | None
    block: str

    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.ip_network(self.block, strict=False)

    def contains(self, token: str) -> bool:
        parts = token.split(".")
        if len(parts) != 4 or not all(1 <= len(p) <= 3 and p.isascii() and p.isdigit()
                                      for p in parts):
            return False
        if any(int(p) > 255 for p in parts):
            return False
        net = self.network()
        fixed = 4 if net.prefixlen > 24 else max(1, -(-net.prefixlen // 8))
        if any(len(p) > 1 and p[0] == "0" for p in parts[:fixed]):
            return False
        value = ipaddress.IPv4Address(".".join(str(int(p)) for p in parts))
        return value in net


@dataclass(frozen=True)
class And:
    """All sub-queries match."""

    items: tuple

    def __init__(self, *items):
        object.__setattr__(self, "items", tuple(items))


@dataclass(frozen=True)
class Or:
    """At least one sub-query matches."""

    items: tuple

    def __init__(self, *items):
        object.__setattr__(self, "items", tuple(items))


@dataclass(frozen=True)
class Not:
    """The sub-query does not match."""

    item: object


Query = Union[Term, Cidr, And, Or, Not]


def _slot_has(slot: tuple, token: str, prefix: bool) -> bool:
    if prefix:
        return any(t.startswith(token) for t in slot)
    return token in slot


def _value_matches(slots: tuple, term: Term) -> bool:
    toks, n = term.tokens, len(term.tokens)
    last = n - 1
    for start in range(len(slots) - n + 1):
        if all(_slot_has(slots[start + i], toks[i], term.prefix and i == last) for i in range(n)):
            return True
    return False


def matches(record: Record, query: Query) -> bool:
    """True when the record matches the query. A Term without tokens matches nothing."""
    if isinstance(query, Term):
        if not query.tokens:
            return False
        if len(query.tokens) == 1:  # no phrase: the per-field token sets are enough
            token, sets = query.tokens[0], record.token_sets
            chosen = sets.values() if query.field is None else \
                [sets.get(query.field, frozenset())]
            if query.prefix:
                return any(t.startswith(token) for tokens in chosen for t in tokens)
            return any(token in tokens for tokens in chosen)
        return any(_value_matches(slots, query) for field, slots in record.values
                   if query.field is None or field == query.field)
    if isinstance(query, Cidr):
        sets = record.token_sets
        chosen = sets.values() if query.field is None else [sets.get(query.field, frozenset())]
        return any(query.contains(t) for tokens in chosen for t in tokens)
    if isinstance(query, And):
        return all(matches(record, q) for q in query.items)
    if isinstance(query, Or):
        return any(matches(record, q) for q in query.items)
    if isinstance(query, Not):
        return not matches(record, query.item)
    raise TypeError(f"not a query: {query!r}")


def uses_fields(query: Query) -> bool:
    """True when some Term of the query names a field (invalid on header-driven records)."""
    if isinstance(query, (Term, Cidr)):
        return query.field is not None
    if isinstance(query, Not):
        return uses_fields(query.item)
    return any(uses_fields(q) for q in query.items)


def search(files: Iterable[Path | str], query: Query, *, skip_approximate: bool = False,
           skip_header_driven: bool | None = None) -> set[tuple[str, int]]:
    """{(source_path, seq)} of the records of `files` matching `query`; `source_path` is
    `str(path)` as given. Records of header-driven files are skipped when the query names a
    field (default), approximate ones when `skip_approximate`. JSON documents have no records."""
    if skip_header_driven is None:
        skip_header_driven = uses_fields(query)
    out = set()
    for path in files:
        for record in read_records(path):
            if (skip_approximate and record.approximate) or \
                    (skip_header_driven and record.header_driven):
                continue
            if matches(record, query):
                out.add((str(path), record.seq))
    return out
