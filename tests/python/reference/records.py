"""Reference reading of raw files into records and fields, written from the spec.

A file is one of three kinds:
- "lines": JSON lines and plain text, a record per non-blank line (the checked kind);
- "header_driven": CSV/TSV with a header and VPC flow logs (by file name, HEADER_DRIVEN_PATTERNS).
  minerva maps their values to column names; here the whole line is indexed under field "" and
  the records are flagged `header_driven`, so field-qualified checks must skip them. Their
  header line is a record too (README: header and `#` directive lines are stored as text);
- "json_document": a whole-file JSON value (array, `{"Records": [...]}`, one pretty-printed
  object); out of scope, no records.
"""

from __future__ import annotations

import fnmatch
import gc
import gzip
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from . import tokenizer

BOM = b"\xef\xbb\xbf"
ASCII_WHITESPACE = b" \t\n\x0c\r"  # Rust's u8::is_ascii_whitespace (no vertical tab)
HEADER_DRIVEN_PATTERNS = ("*.tsv", "*.csv", "vpcflow_*")

Slot = tuple  # tuple[str, ...]: the tokens at one position


@dataclass(frozen=True)
class Record:
    """One record: `values` holds (field, slots) per field value, in document order."""

    seq: int
    message: str
    values: tuple  # tuple[tuple[str, tuple[Slot, ...]], ...]
    approximate: bool = False  # non-ASCII text segmented without the `regex` module
    header_driven: bool = False  # fields are not those of minerva (whole line under "")
    # field -> the set of its tokens over all its values (fast path of one-token terms)
    token_sets: dict = field(default_factory=dict, compare=False, repr=False)

    def pairs(self) -> set[tuple[str, str]]:
        """The set of (field, token) pairs of the record, as the `indices` table should hold."""
        return {(f, t) for f, tokens in self.token_sets.items() for t in tokens}

    def terms(self) -> set[str]:
        """The set of tokens of the record, whatever the field."""
        return {t for tokens in self.token_sets.values() for t in tokens}


def read_bytes(path: Path | str) -> bytes:
    """The file's bytes, gunzipped when they start with the gzip magic number."""
    data = Path(path).read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def split_lines(data: bytes) -> list[bytes]:
    """Lines without terminator (`\\n`, `\\r\\n`, a final `\\r`), the first line's BOM removed."""
    if data.startswith(BOM):
        data = data[len(BOM):]
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return [line[:-1] if line.endswith(b"\r") else line for line in lines]


def _reject_constant(name: str):
    raise ValueError(f"non-standard JSON constant {name}")


class _Obj(list):
    """A decoded JSON object: its ordered (key, value) pairs, duplicate keys all kept."""


def _loads(text: str | bytes):
    """json.loads keeping numbers' source text, rejecting NaN/Infinity, objects as _Obj."""
    return json.loads(text, parse_int=str, parse_float=str, parse_constant=_reject_constant,
                      object_pairs_hook=_Obj)


def _has_records(value) -> bool:
    return isinstance(value, _Obj) and any(
        k == "Records" and isinstance(v, list) and not isinstance(v, _Obj) for k, v in value)


def is_json_document(data: bytes) -> bool:
    """True when the file is one JSON value rather than lines: a JSON array (first byte `[`
    *and* the body parses: loghub's Apache/Proxifier lines also start with `[`), a first line
    that is a complete object with a top-level "Records" array, or one multi-line object."""
    body = data.removeprefix(BOM).strip(ASCII_WHITESPACE)
    if body[:1] == b"[":
        try:
            value = _loads(body)
        except (ValueError, RecursionError):
            return False
        return isinstance(value, list) and not isinstance(value, _Obj)
    if body[:1] != b"{":
        return False
    first = body.split(b"\n", 1)[0]
    try:
        if _has_records(_loads(first)):
            return True
    except (ValueError, RecursionError):
        pass
    if b"\n" not in body:
        return False
    try:
        return isinstance(_loads(body), _Obj)
    except (ValueError, RecursionError):
        return False


def file_kind(path: Path | str, data: bytes | None = None) -> str:
    """"lines", "header_driven" or "json_document" (see the module docstring)."""
    if any(fnmatch.fnmatch(Path(path).name, p) for p in HEADER_DRIVEN_PATTERNS):
        return "header_driven"
    return "json_document" if is_json_document(read_bytes(path) if data is None else data) else "lines"


def _parse_object(line: str):
    """The JSON object of a line (an _Obj), or None when the line is not one."""
    if not line.lstrip().startswith("{"):
        return None
    try:
        value = _loads(line)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, _Obj) else None


def flatten(obj, prefix: str = ""):
    """(dotted path, text) of every non-empty scalar of a JSON object, numbers as written."""
    for key, value in obj:
        path = f"{prefix}.{key}" if prefix else key
        yield from _leaves(path, value)


def _leaves(path: str, value):
    if isinstance(value, _Obj):
        yield from flatten(value, path)
    elif isinstance(value, list):
        for child in value:
            yield from _leaves(path, child)
    elif value is True or value is False:
        yield path, "true" if value else "false"
    elif value is None or value == "":
        return
    else:
        yield path, value


def line_values(line: str) -> list[tuple[str, str]]:
    """(field, text) values of a line: JSON leaves of an object line, else ("", line)."""
    obj = _parse_object(line)
    # A lone surrogate escape (`"\\ud800"`) is accepted, as by Python's json: it is not
    # alphanumeric, so it never makes a token (it could only appear in a field name).
    return [("", line)] if obj is None else list(flatten(obj))


def make_record(seq: int, line: str, header_driven: bool = False) -> Record:
    """The record of one decoded line."""
    values = [("", line)] if header_driven else line_values(line)
    approximate = not tokenizer.EXACT_UNICODE and not line.isascii()
    fields = tuple((f, tuple(tokenizer.slots(v))) for f, v in values)
    sets: dict[str, set] = {}
    for f, slots in fields:
        sets.setdefault(f, set()).update(t for slot in slots for t in slot)
    return Record(seq, line, fields, approximate, header_driven,
                  {f: frozenset(tokens) for f, tokens in sets.items()})


def records_of_bytes(path: Path | str, data: bytes) -> list[Record]:
    """Records of a file given its (uncompressed) bytes; [] for a JSON document."""
    kind = file_kind(path, data)
    if kind == "json_document":
        return []
    out = []
    for seq, raw in enumerate(split_lines(data)):
        if not raw.strip(ASCII_WHITESPACE):
            continue
        out.append(make_record(seq, raw.decode("utf-8", "replace"), kind == "header_driven"))
    return out


@lru_cache(maxsize=256)
def _cached_records(path: str, mtime_ns: int, size: int) -> tuple:
    enabled = gc.isenabled()
    gc.disable()  # millions of small tuples: the cyclic GC would cost more than the parsing
    try:
        return tuple(records_of_bytes(path, read_bytes(path)))
    finally:
        if enabled:
            gc.enable()


def read_records(path: Path | str) -> tuple[Record, ...]:
    """Records of a raw file (gzip read transparently), cached per (path, mtime, size)."""
    st = Path(path).stat()
    return _cached_records(str(path), st.st_mtime_ns, st.st_size)
