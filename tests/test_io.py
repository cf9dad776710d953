"""The input layer alone: the decoder, the CSV reader's line accounting, the writer."""

from __future__ import annotations

import csv
import io
import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkage_rules.io import (
    MAX_CELL_CHARS,
    CsvTable,
    CsvWriter,
    TextDecodeError,
    decode_text,
    duplicate_key,
    neutralise,
    parse_json,
    read_csv_text,
    restore,
)

# ---- the decoder ----------------------------------------------------------------------------


def test_utf8_with_and_without_bom_and_ascii() -> None:
    assert decode_text("名称\n北京大学\n".encode()) == "名称\n北京大学\n"
    assert decode_text("\ufeff名称\n".encode()) == "名称\n"
    assert decode_text(b"a,b\n") == "a,b\n"


def test_gbk_bytes_that_are_valid_utf8_are_utf8() -> None:
    """`鍥藉ぇ` in GBK is, byte for byte, `国大` in UTF-8: a file valid as UTF-8 is UTF-8."""
    assert "鍥藉ぇ".encode("gbk") == "国大".encode()
    assert decode_text("name\n鍥藉ぇ\n".encode("gbk")) == "name\n国大\n"


def test_a_whole_gbk_file_is_gb18030() -> None:
    text = "名称\n北京大学\n华北电力大学（保定）\n"
    assert decode_text(text.encode("gbk")) == text


def test_a_file_that_mixes_utf8_and_gbk_is_refused_at_its_first_gbk_line() -> None:
    data = "名称\n北京大学\n".encode() + "清华大学\n".encode("gbk") + "复旦大学\n".encode()
    with pytest.raises(TextDecodeError) as caught:
        decode_text(data)
    assert caught.value.line == 3
    assert "mixes encodings" in caught.value.message
    assert caught.value.byte == len("名称\n北京大学\n".encode()) + 1


def test_short_utf8_names_and_one_gbk_cell_are_refused() -> None:
    data = "省份\n北京\n上海\n".encode() + "天津\n".encode("gbk")
    with pytest.raises(TextDecodeError, match="mixes encodings") as caught:
        decode_text(data)
    assert caught.value.line == 4


def test_gbk_names_that_happen_to_form_utf8_do_not_make_a_file_mixed() -> None:
    """Three GBK characters read as UTF-8 Chinese about once in 40,000 lines: not proof."""
    level_one = [chr(c) for c in range(0x4E00, 0x9FA6) if _in_gb2312(chr(c))]
    rng = random.Random(8)
    lines = [f"p{i}," + "".join(rng.choice(level_one) for _ in range(3)) for i in range(20_000)]
    text = "id,name\n" + "\n".join(lines) + "\n"
    assert decode_text(text.encode("gbk")) == text


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def test_one_gbk_line_that_reads_as_utf8_chinese_is_not_proof() -> None:
    text = "名称\n鍥藉ぇ\n北京大学\n"  # line 2 in GBK is `国大` in UTF-8
    assert decode_text(text.encode("gbk")) == text


def test_a_bom_then_gbk_is_refused() -> None:
    with pytest.raises(TextDecodeError, match="byte order mark") as caught:
        decode_text(b"\xef\xbb\xbf" + "a\n清华".encode("gbk"))
    assert caught.value.line == 2


def test_bytes_valid_in_neither_are_refused() -> None:
    with pytest.raises(TextDecodeError, match="neither UTF-8 nor GB18030") as caught:
        decode_text(b"a,b\n\xff\xff\n")
    assert caught.value.line == 2


def test_an_encoding_can_be_forced() -> None:
    gbk = "北京".encode("gbk")
    assert decode_text(gbk, "gb18030") == "北京"
    with pytest.raises(TextDecodeError, match="not valid UTF-8: line 1"):
        decode_text(gbk, "utf-8")


# ---- the reader -----------------------------------------------------------------------------


def test_quoted_cells_escapes_and_multi_line_cells() -> None:
    header, rows, count = read_csv_text('a,b\n"x,y","say ""hi"""\n"two\nlines",z\n\n')
    assert header == ("a", "b")
    assert [r.cells for r in rows] == [("x,y", 'say "hi"'), ("two\nlines", "z")]
    assert [(r.line, r.end_line) for r in rows] == [(2, 2), (3, 4)]
    assert count.to_dict() == {"lines": 5, "header_lines": 1, "blank_lines": 1, "row_lines": 3}


def test_a_quote_inside_an_unquoted_cell_is_a_character() -> None:
    _, rows, _ = read_csv_text('a,b\nab"c,d\n')
    assert rows[0].cells == ('ab"c', "d") and rows[0].problem is None


def test_text_after_a_closing_quote_is_the_rows_problem() -> None:
    _, rows, _ = read_csv_text('a,b\n"ab"c,d\ne,f\n')
    assert rows[0].problem == "cell 1 has text after its closing quote"
    assert rows[0].raw == '"ab"c,d' and rows[0].cells == ()
    assert rows[1].cells == ("e", "f")


def test_an_open_quote_is_its_first_lines_problem_and_reading_resumes() -> None:
    text = "a,b\n" + 'x,"open\n' + "".join(f"r{i},v\n" for i in range(100))
    _, rows, count = read_csv_text(text)
    assert rows[0].problem == "cell 2 opens a quote that is never closed"
    assert (rows[0].line, rows[0].end_line) == (2, 2)
    assert len(rows) == 101 and all(r.problem is None for r in rows[1:])
    assert count.reconciles


def test_an_open_quote_closed_by_a_later_cell_does_not_swallow_the_rows_between() -> None:
    text = 'a,b\nx,"open\nr1,v\nr2,v\nr3,"q"\n'
    _, rows, _ = read_csv_text(text)
    assert rows[0].problem is not None and rows[0].end_line == 2
    assert [r.cells for r in rows[1:]] == [("r1", "v"), ("r2", "v"), ("r3", "q")]


def test_a_cell_over_the_limit_is_one_rejected_row_and_its_lines_are_not_rows() -> None:
    big = "z" * (MAX_CELL_CHARS + 1)
    text = f'a,b\n"{big}\nfake,row\n",v\nreal,row\n'
    _, rows, count = read_csv_text(text)
    assert len(rows) == 2
    assert (rows[0].line, rows[0].end_line) == (2, 4)
    assert "longer than the limit" in (rows[0].problem or "")
    assert "fake,row" in rows[0].raw
    assert rows[1].cells == ("real", "row")
    assert count.reconciles and count.in_rows == 4


def test_crlf_line_ends() -> None:
    _, rows, count = read_csv_text('a,b\r\n"x\r\ny",2\r\n')
    assert rows[0].cells == ("x\ny", "2")
    assert count.total == 3


def test_the_header_is_line_one() -> None:
    table = CsvTable("")
    assert table.empty
    table = CsvTable('"a,b\n')
    assert table.header_problem == "cell 1 opens a quote that is never closed"


CSV_CHARS = st.sampled_from(['"', ",", "\n", "\r\n", "a", "", " ", "北"])


@settings(max_examples=300, deadline=None)
@given(st.lists(CSV_CHARS, max_size=60))
def test_every_line_is_accounted_for(parts: list[str]) -> None:
    text = "h1,h2\n" + "".join(parts)
    table = CsvTable(text)
    rows = list(table.rows())
    count = table.count
    assert count.reconciles
    spans = [(r.line, r.end_line) for r in rows]
    assert all(a <= b for a, b in spans)
    assert all(spans[i][1] < spans[i + 1][0] for i in range(len(spans) - 1))
    assert sum(r.lines for r in rows) == count.in_rows


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.text(max_size=8), min_size=2, max_size=2), max_size=8))
def test_what_the_stdlib_writes_reads_back(rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["a", "b"])
    writer.writerows(rows)
    expected = [r for r in rows if any(c.strip() for c in r) and "\r" not in "".join(r)]
    text = buffer.getvalue()
    if any("\r" in c for r in rows for c in r):
        return  # a CR inside a cell comes back as the reader's line end
    _, read, count = read_csv_text(text)
    assert count.reconciles
    got = [list(r.cells) for r in read if any(c.strip() for c in r.cells)]
    assert got == [[c.replace("\r\n", "\n") for c in r] for r in expected]


# ---- JSON -----------------------------------------------------------------------------------


def test_json_keys_given_twice_are_found() -> None:
    assert duplicate_key(parse_json('{"a": 1, "b": {"c": 1, "c": 2}}')) == "c"
    assert duplicate_key(parse_json('[{"a": 1}, {"a": 1, "a": 2}]')) == "a"
    assert duplicate_key(parse_json('{"a": 1.5}')) is None
    assert parse_json('{"a": 1.5}') == {"a": Decimal("1.5")}


# ---- the writer -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+1", "-5", "@SUM(A1)", "\t=1", "\r=1", "'=x", "''-y"])
def test_text_that_could_run_is_neutralised_and_restored(text: str) -> None:
    written = neutralise(text)
    assert written.startswith("'")
    assert restore(written) == text


@pytest.mark.parametrize("text", ["abc", "'abc", "", "北京", "1-2"])
def test_harmless_text_is_unchanged(text: str) -> None:
    assert neutralise(text) == text
    assert restore(text) == text


def test_numbers_stay_numbers_text_is_text() -> None:
    buffer = io.StringIO()
    CsvWriter(buffer).writerow(
        [Decimal("-5.00"), -3, "-5", None, True, ("-a", "b"), [Decimal("1"), Decimal("-2")]]
    )
    assert buffer.getvalue() == "-5.00,-3,'-5,,true,'-a|b,1|-2\r\n"


def test_a_long_unquoted_cell_is_its_rows_problem() -> None:
    big = "z" * (MAX_CELL_CHARS + 1)
    _, rows, count = read_csv_text(f"a,b\n{big},1\nx,y\n")
    assert rows[0].problem == f"cell 1 is longer than the limit of {MAX_CELL_CHARS:,} characters"
    assert rows[1].cells == ("x", "y") and count.reconciles
    _, rows, _ = read_csv_text(f'a,b\n"q",{big}\n')
    assert rows[0].problem is not None and "cell 2" in rows[0].problem


def test_a_multi_line_row_may_end_in_empty_cells() -> None:
    _, rows, _ = read_csv_text('a,b\n"x\ny",z,\n')
    assert rows[0].cells == ("x\ny", "z", "")


def test_many_open_quotes_are_read_in_linear_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each line is scanned for a closing quote once, not once per open quote above it."""
    from linkage_rules.io import csv_reader

    scans = 0
    original = csv_reader._close_in_line

    def counting(line: str, start: int) -> int | None:
        nonlocal scans
        scans += 1
        return original(line, start)

    monkeypatch.setattr(csv_reader, "_close_in_line", counting)
    text = "a,b\n" + 'x,"open\ny,""\n' * 2_000  # `""` never closes a cell left open
    _, rows, count = read_csv_text(text)
    assert len(rows) == 4_000 and count.reconciles
    assert sum(r.problem is not None for r in rows) == 2_000
    assert scans < 3 * 4_000


@pytest.mark.parametrize(
    ("encoding", "words"),
    [
        ("utf-16", "UTF-16"),  # with its byte order mark: what Excel's "Unicode Text" saves
        ("utf-16-le", "UTF-16 or UTF-32"),  # without one, every other byte is NUL
        ("utf-16-be", "UTF-16 or UTF-32"),
        ("utf-32", "UTF-32"),
    ],
)
def test_a_utf16_file_is_named_as_such(encoding: str, words: str) -> None:
    data = "client_id,name\nc1,清华大学\nc2,北京大学\n".encode(encoding)
    with pytest.raises(TextDecodeError) as caught:
        decode_text(data)
    assert words in caught.value.message and "UTF-8" in caught.value.message
    assert caught.value.line == 1


def test_one_nul_byte_in_a_cell_is_not_taken_for_utf16() -> None:
    assert decode_text(b"client_id,name\nc1,a\x00b\n") == "client_id,name\nc1,a\x00b\n"
