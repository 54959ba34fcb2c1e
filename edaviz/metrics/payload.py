"""Safe display of untrusted record bytes (keys, values, headers).

Everything here returns plain `str` with no terminal control codes left in it:
control characters, ANSI escape sequences, bidirectional overrides and other
invisible format characters are shown as visible escapes (`\\x1b`, `\\u202e`),
invalid UTF-8 bytes as `\\xNN`, and mostly-binary data as hex. Text that looks
like Rich markup (`[bold]`) is left as it is: callers wrap the result in
`rich.text.Text`, which never parses markup, so it shows literally.
"""

from __future__ import annotations

import json
import re

#: Characters shown by default for a value; longer values are cut with a note.
DEFAULT_LIMIT = 2048

#: JSON up to this many bytes is parsed and pretty-printed; larger is shown raw
#: (parsing a 5 MB document on every refresh would stall the display).
JSON_PRETTY_MAX = 64 * 1024

#: Share of control or undecodable bytes above which data is shown as hex.
BINARY_SHARE = 0.30

NULL_TEXT = "(null)"
EMPTY_TEXT = "(empty)"

# C0 and C1 controls, DEL, soft hyphen, zero-width and bidi controls, line and
# paragraph separators, BOM, interlinear annotations, tag characters, and lone
# surrogates (which `backslashreplace` never produces, but str input may hold).
_UNSAFE = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
    "\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff\U000e0000-\U000e007f"
)
_UNSAFE_LINE = re.compile(f"[{_UNSAFE}\t\n]")
_UNSAFE_BLOCK = re.compile(f"[{_UNSAFE}]")
_CONTROL_BYTES = frozenset(set(range(0x20)) - {0x09, 0x0A, 0x0D} | {0x7F})


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code == 0x09:
        return "\\t"
    if code == 0x0A:
        return "\\n"
    if code == 0x0D:
        return "\\r"
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def escape_text(text: str, *, multiline: bool = False) -> str:
    """Make `text` safe for a terminal: every control character becomes visible.

    With `multiline`, newlines and tabs are kept as they are.
    """
    pattern = _UNSAFE_BLOCK if multiline else _UNSAFE_LINE
    return pattern.sub(_escape_char, text)


def looks_binary(data: bytes) -> bool:
    """True when much of `data` is control bytes or not UTF-8."""
    if not data:
        return False
    controls = sum(1 for b in data if b in _CONTROL_BYTES)
    decoded = data.decode("utf-8", errors="replace")
    invalid = decoded.count("\ufffd")
    return (controls + invalid) / len(data) > BINARY_SHARE


def hex_dump(data: bytes, limit: int = DEFAULT_LIMIT) -> str:
    """`data` as space-separated hex pairs, at most `limit` characters long."""
    shown = data[: max(1, limit // 3)]
    text = shown.hex(" ")
    return f"hex: {text}"


def render_bytes(
    data: bytes | None,
    *,
    limit: int = DEFAULT_LIMIT,
    total_size: int | None = None,
    multiline: bool = False,
    pretty_json: bool = True,
) -> str:
    """Render untrusted bytes as safe, bounded, plain text.

    Args:
        data: The bytes, or None for a null key or value.
        limit: Most characters of content to show before the truncation note.
        total_size: The size of the original value when `data` is a prefix of
            it (the tail keeps only a prefix of large values).
        multiline: Keep newlines (and pretty-print JSON over several lines).
        pretty_json: Pretty-print valid JSON objects and arrays when multiline.
    """
    if data is None:
        return NULL_TEXT
    size = max(total_size or 0, len(data))
    if size == 0:
        return EMPTY_TEXT
    complete = len(data) >= size
    if multiline and pretty_json and complete and size <= JSON_PRETTY_MAX:
        pretty = _pretty_json(data)
        if pretty is not None:
            return _cut(escape_text(pretty, multiline=True), limit, size, size)
    head = data[: limit * 4]
    if looks_binary(head[:4096]):
        shown = min(len(head), max(1, limit // 3))
        return _note(hex_dump(head, limit), size - shown)
    text = head.decode("utf-8", errors="backslashreplace")
    text = escape_text(text, multiline=multiline)
    return _cut(text, limit, len(head), size)


def _pretty_json(data: bytes) -> str | None:
    stripped = data.lstrip()
    if not stripped or stripped[:1] not in (b"{", b"["):
        return None
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    # ensure_ascii=False keeps readable text; json still escapes controls.
    return json.dumps(parsed, indent=2, ensure_ascii=False)


def _cut(text: str, limit: int, used_bytes: int, size: int) -> str:
    if len(text) > limit:
        shown = text[:limit]
        # Estimate the bytes not shown from the share of characters cut.
        hidden = size - int(used_bytes * (limit / len(text)))
        return _note(shown, max(hidden, 1))
    return _note(text, size - used_bytes)


def _note(text: str, hidden_bytes: int) -> str:
    if hidden_bytes <= 0:
        return text
    return f"{text}… [+{hidden_bytes:,} bytes]"


def render_headers(headers: tuple[tuple[str, bytes], ...], limit: int = 80) -> str:
    """Record headers as `key=value` pairs, each part escaped and bounded."""
    parts = [
        f"{escape_text(key)[:limit]}={render_bytes(value, limit=limit)}"
        for key, value in headers
    ]
    return ", ".join(parts)
