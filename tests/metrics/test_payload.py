"""Untrusted bytes are rendered as safe, bounded plain text."""

import io
import json
import re

import pytest
from rich.console import Console
from rich.text import Text

from edaviz.metrics.payload import (
    EMPTY_TEXT,
    NULL_TEXT,
    escape_text,
    render_bytes,
    render_headers,
)

# Any raw control character left in the output would reach the terminal.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def assert_safe(text: str) -> None:
    assert isinstance(text, str)
    assert not RAW_CONTROL.search(text), repr(text)


def test_null_and_empty() -> None:
    assert render_bytes(None) == NULL_TEXT
    assert render_bytes(b"") == EMPTY_TEXT


def test_ansi_escapes_become_visible() -> None:
    out = render_bytes(b"\x1b[31mred\x1b[0m \x1b]0;title\x07 \x9b2J")
    assert_safe(out)
    assert "\\x1b[31mred" in out
    assert "\\x07" in out


def test_bidi_and_invisible_characters_are_escaped() -> None:
    out = render_bytes("abc\u202eevil\u200bx\ufeff".encode())
    assert_safe(out)
    assert "\\u202e" in out and "\\u200b" in out and "\\ufeff" in out


def test_newlines_single_line_vs_multiline() -> None:
    assert render_bytes(b"a\nb\tc\rd") == "a\\nb\\tc\\rd"
    assert render_bytes(b"a\nb\tc", multiline=True) == "a\nb\tc"


def test_rich_markup_stays_literal() -> None:
    text = "[bold red]alert[/] [link=http://x]click[/link]"
    out = render_bytes(text.encode())
    assert out == text
    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(Text(out))
    assert text in console.file.getvalue()


def test_invalid_utf8_is_escaped() -> None:
    out = render_bytes(b"caf\xc3\xa9 \xff\xfe ok")
    assert_safe(out)
    assert out.startswith("café ")
    assert "\\xff\\xfe" in out


def test_binary_is_hex() -> None:
    out = render_bytes(bytes(range(256)))
    assert out.startswith("hex: 00 01 02")
    assert_safe(out)


def test_large_value_is_truncated_with_size_note() -> None:
    big = b"x" * (5 * 1024 * 1024)
    out = render_bytes(big, limit=100)
    assert out.startswith("x" * 100)
    assert len(out) < 140
    assert "+5,242,780 bytes" in out


def test_prefix_of_large_value_reports_the_full_size() -> None:
    out = render_bytes(b"y" * 10, limit=100, total_size=1000)
    assert out == "y" * 10 + "… [+990 bytes]"


def test_json_pretty_print_when_multiline() -> None:
    doc = {"id": 1, "msg": "hi\x1b[2J", "nested": [1, 2]}
    out = render_bytes(json.dumps(doc).encode(), multiline=True)
    assert out.startswith('{\n  "id": 1,')
    assert_safe(out)
    assert "\\u001b[2J" in out
    # Single-line display shows the document as sent, escaped.
    assert render_bytes(b'{"a": 1}') == '{"a": 1}'


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2", b'{"a": "\xff"}'])
def test_broken_json_falls_back_to_text(raw: bytes) -> None:
    out = render_bytes(raw, multiline=True)
    assert_safe(out)
    assert out.startswith(raw[:2].decode())


def test_escape_text_and_headers() -> None:
    assert escape_text("a\x00b\U000e0041") == "a\\x00b\\U000e0041"
    out = render_headers((("trace\x1b", b"\x1b[1m"), ("k", b"v")))
    assert_safe(out)
    assert out == "trace\\x1b=\\x1b[1m, k=v"
