"""Reference tokenizer, written from the spec (DESIGN.md "Tokens and fields"), not from the Rust code.

A field value becomes a list of *slots* (token positions). A slot is a tuple of tokens: usually one,
two for an IPv6 address with an embedded IPv4 tail (`::ffff:10.0.0.1` -> the address and
`10.0.0.1`, both at the same position, like a synonym).

Known approximations (documented, not bugs of the indexer):
- lowercasing is Python's `str.lower()`; Rust's `to_lowercase` agrees on the data (both map 'İ' to
  'i' + U+0307 and both handle the Greek final sigma), but the Unicode versions may differ;
- UAX #29 word boundaries come from the `regex` module (`(?w)\\b`); its Unicode version may differ
  from the `unicode-segmentation` crate. Without `regex` a rougher fallback is used and
  `EXACT_UNICODE` is False (callers then treat non-ASCII values as approximate).
"""

from __future__ import annotations

import ipaddress
import re

try:  # `regex` is not a direct requirement (it comes with moto's cfn-lint): keep a fallback.
    import regex as _regex

    _WORD_BOUNDARY = _regex.compile(r"(?w)\b")
    EXACT_UNICODE = True
except ImportError:  # pragma: no cover - depends on the environment
    _regex = None
    EXACT_UNICODE = False

MAX_TOKEN_BYTES = 128
# Hard delimiters: whitespace (Unicode), ASCII control characters and the listed punctuation.
# `:` and `.` are handled per chunk (IPv6 / IPv4 addresses).
_HARD = re.compile(r"[\s\x00-\x1f\x7f!,;\[\]{}()<>=|\\*\"'/@?&]+")
# Fast path: an ASCII value without `:` nor a possible dotted address is split on `.` too.
_HARD_AND_DOT = re.compile(r"[\s\x00-\x1f\x7f!,;\[\]{}()<>=|\\*\"'/@?&.]+")
_IPV4_HINT = re.compile(r"[0-9]\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]")
_IPV6_CHARS = frozenset("0123456789abcdef:.")
_FALLBACK_WORDS = re.compile(
    r"[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff\u3040-\u309f]|[\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f]+"
    r"|[^\W\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f]+"
)


def cap(token: str) -> str:
    """The token cut to at most MAX_TOKEN_BYTES bytes of UTF-8, at a character boundary."""
    if len(token) * 4 <= MAX_TOKEN_BYTES:
        return token
    raw = token.encode("utf-8", "surrogatepass")
    if len(raw) <= MAX_TOKEN_BYTES:
        return token
    return raw[:MAX_TOKEN_BYTES].decode("utf-8", "ignore")


def _ipv6(chunk: str) -> bool:
    address = chunk.split("%", 1)[0]
    if address.count(":") < 2 or not _IPV6_CHARS.issuperset(address):
        return False
    try:
        ipaddress.IPv6Address(address)
    except ValueError:
        return False
    return True


def _is_octet(part: str) -> bool:
    return 1 <= len(part) <= 3 and part.isascii() and part.isdigit() and int(part) <= 255


def unicode_words(text: str) -> list[str]:
    """UAX #29 word segments of `text` having at least one alphanumeric character."""
    if _regex is not None:
        return [s for s in _WORD_BOUNDARY.split(text) if s and any(c.isalnum() for c in s)]
    return _FALLBACK_WORDS.findall(text)  # pragma: no cover


def _emit(part: str, out: list) -> None:
    if part.isascii():
        out.append((part if len(part) <= MAX_TOKEN_BYTES else cap(part),))
    else:
        out.extend((cap(w),) for w in unicode_words(part))


def _piece_slots(piece: str, out: list) -> None:
    """Slots of a piece (text between colons): dot parts, 4-octet runs joined into an IPv4."""
    parts = piece.split(".")
    if len(parts) < 4:  # no room for a dotted address: every non-empty part is a token
        for part in parts:
            if part:
                _emit(part, out)
        return
    i, n = 0, len(parts)
    while i < n:
        j = i
        while j < n and _is_octet(parts[j]):
            j += 1
        if j - i == 4:
            out.append((".".join(parts[i:j]),))
        else:
            for part in parts[i:j]:
                out.append((part,))
        if j == i:  # parts[i] is not an octet
            if parts[i]:
                _emit(parts[i], out)
            j += 1
        i = j


def slots(value: str) -> list[tuple[str, ...]]:
    """The token slots of one field value, in order (see the module docstring)."""
    value = value.lower()
    if value.isascii() and ":" not in value and not _IPV4_HINT.search(value):
        return [(t if len(t) <= MAX_TOKEN_BYTES else t[:MAX_TOKEN_BYTES],)
                for t in _HARD_AND_DOT.split(value) if t]
    out: list[tuple[str, ...]] = []
    for chunk in _HARD.split(value):
        if not chunk:
            continue
        if ":" in chunk:
            if _ipv6(chunk):
                # The address without its zone is one token; the zone (`eth0`) is a word.
                address, _, zone = chunk.partition("%")
                tail = address.rsplit(":", 1)[1]
                out.append((cap(address), tail) if "." in tail else (cap(address),))
                if zone:
                    _piece_slots(zone, out)
                continue
            for piece in chunk.split(":"):
                if piece:
                    _piece_slots(piece, out)
        else:
            _piece_slots(chunk, out)
    return out


def tokens(value: str) -> list[str]:
    """All tokens of a value, flattened (IPv4 tails of IPv6 addresses included)."""
    return [t for slot in slots(value) for t in slot]


def query_tokens(word: str) -> list[str]:
    """The tokens of a query word for a phrase `Term`: one per slot (IPv4 tails dropped)."""
    return [slot[0] for slot in slots(word)]
