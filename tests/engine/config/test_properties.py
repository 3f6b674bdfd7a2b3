"""Java `.properties` parsing: cases from `java.util.Properties.load`'s specification."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.config.properties import PropertiesError, dumps, load, loads


def test_separators_and_whitespace() -> None:
    text = "a=1\nb : 2\nc 3\n  d=  spaced value  \ne\n"
    assert loads(text) == {"a": "1", "b": "2", "c": "3", "d": "spaced value  ", "e": ""}


def test_comments_and_blank_lines() -> None:
    assert loads("# comment\n! also\n\n   \nkey=value # not a comment\n") == {"key": "value # not a comment"}


def test_line_continuations_drop_leading_whitespace() -> None:
    text = "fruits = apple, banana, \\\n         pear\nnext=1\n"
    assert loads(text) == {"fruits": "apple, banana, pear", "next": "1"}


def test_even_backslashes_do_not_continue() -> None:
    assert loads("path=C:\\\\\nnext=1") == {"path": "C:\\", "next": "1"}


def test_continuation_line_is_never_a_comment() -> None:
    assert loads("a=x\\\n#y\n") == {"a": "x#y"}


def test_escapes() -> None:
    assert loads(r"k\ ey\=x=tab\there\u0041\q") == {"k ey=x": "tab\thereAq"}


def test_crlf_and_cr_line_endings() -> None:
    assert loads("a=1\r\nb=2\rc=3") == {"a": "1", "b": "2", "c": "3"}


def test_later_keys_win() -> None:
    assert loads("a=1\na=2\n") == {"a": "2"}


def test_malformed_unicode_escape_is_an_error() -> None:
    with pytest.raises(PropertiesError, match="Malformed"):
        loads("a=\\u12")


def test_load_reads_utf8_and_latin1(tmp_path: Path) -> None:
    utf8 = tmp_path / "u.properties"
    utf8.write_bytes("name=café\n".encode())
    latin1 = tmp_path / "l.properties"
    latin1.write_bytes("name=caf\xe9\n".encode("iso-8859-1"))
    assert load(utf8) == {"name": "café"}
    assert load(latin1) == {"name": "café"}


@given(st.dictionaries(st.text(min_size=1), st.text()))
def test_dumps_round_trips(props: dict[str, str]) -> None:
    assert loads(dumps(props)) == props
