"""What the fuzz tests share: the shipped files, ways to break them, and the promises to check.

The fuzz tests start from the files a bank really runs — the shipped policy
(`policies/cross_selling/`), its lists and catalogue, and the sample inputs in
`examples/` — and break them the way files from other systems arrive broken:
unclosed and stray quotes, a GBK cell in a UTF-8 file, special and enormous
decimals, very long cells, newlines inside cells, formula prefixes, NUL bytes,
lone surrogates. A CSV file is kept as a list of rows, each row its physical
lines, so that a test always knows which line every row starts on, which rows
were left alone, and which ids were hidden inside a cell: that is what lets it
say "no row was lost or smuggled" against the output files themselves, whatever
the wording of the summary.
"""

from __future__ import annotations

import contextlib
import csv
import decimal
import io
import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
from hypothesis import settings
from hypothesis import strategies as st

from linkage_rules.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "policies" / "cross_selling"
EXAMPLES = ROOT / "examples"

EXIT_CODES = frozenset({0, 1, 2})
"""The exit codes `docs/cli.md` documents (130, for Ctrl-C, cannot happen here)."""

SMUGGLED = "SMUGGLED"
"""The id prefix of rows written inside another row's cell: they must never be scored."""

SMUGGLE = b"<the rest of the row>"
"""Where a smuggling cell takes the rest of its own row's line, so that the row it hides is
as valid as the row it is hidden in."""


def fuzz_settings(examples: int) -> settings:
    """`examples` examples (no shrinking) in a normal run; the `fuzz` profile's under it.

    A normal run only has to show that the harness works and to catch regressions
    cheaply; `python3 scripts/dev.py fuzz` loads the `fuzz` profile, which keeps
    going for thousands of examples (`LINKAGE_FUZZ_EXAMPLES` per test, which the
    fuzz job raises round after round) and shrinks what it finds.
    """
    if settings.get_current_profile_name() == "fuzz":
        many = int(os.environ.get("LINKAGE_FUZZ_EXAMPLES", settings.default.max_examples))
        return settings(max_examples=many, deadline=None)
    return settings(
        max_examples=examples,
        deadline=None,
        phases=[p for p in settings.default.phases if p.name != "shrink"],
    )


# ---- a CSV file as rows of physical lines ------------------------------------------------


@attrs.frozen(slots=True)
class Row:
    """One record of a CSV file: its physical lines (more than one when a cell holds a
    newline), whether a mutation touched it, and whether it is blank (not a record)."""

    lines: tuple[bytes, ...]
    touched: bool = False
    blank: bool = False
    hidden_ids: tuple[str, ...] = ()
    """Ids written inside one of its cells, that a reader must not take for rows."""
    exact: bool = True
    """False when how many rows a reader makes of it is a matter of policy (an
    over-long quoted cell holding newlines): only the untouched rows are then counted."""

    @property
    def foreign(self) -> bool:
        """It holds bytes that are not UTF-8: read from the bytes, not tracked through
        the mutations (a GBK cell later emptied is UTF-8 again; one kept by a later
        mutation of the same row is still foreign)."""
        try:
            for line in self.lines:
                line.decode("utf-8")
        except UnicodeDecodeError:
            return True
        return False


@attrs.frozen(slots=True, repr=False)
class CsvFile:
    """A CSV file as the fuzz tests build it: a header line and rows, with one line ending."""

    header: bytes
    rows: tuple[Row, ...]
    bom: bool = False
    ending: bytes = b"\n"
    final_newline: bool = True
    encoding: str | None = None
    """None: the bytes as they are (UTF-8 with whatever was spliced in); else the whole
    text re-encoded (`gb18030`), which a reader must take exactly as the UTF-8 file."""

    def __repr__(self) -> str:
        """The changes only: the rows the fuzzer touched, by the line they start on."""
        touched = {
            start: b"\n".join(row.lines)[:300]
            for start, row in zip(self.starts(), self.rows, strict=True)
            if row.touched
        }
        return (
            f"CsvFile(header={self.header[:60]!r}..., {len(self.rows)} rows, bom={self.bom}, "
            f"ending={self.ending!r}, final_newline={self.final_newline}, "
            f"encoding={self.encoding}, touched={touched})"
        )

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Hypothesis prints examples with its own pretty printer: show the changes there too."""
        printer.text(repr(self))

    def to_bytes(self) -> bytes:
        lines = [self.header, *(line for row in self.rows for line in row.lines)]
        data = self.ending.join(lines) + (self.ending if self.final_newline else b"")
        if self.encoding is not None:
            data = data.decode("utf-8").encode(self.encoding)
        return (b"\xef\xbb\xbf" if self.bom else b"") + data

    def starts(self) -> list[int]:
        """The line each row starts on (the header is line 1)."""
        line = 2
        out = []
        for row in self.rows:
            out.append(line)
            line += len(row.lines)
        return out

    def record_starts(self) -> set[int]:
        return {s for s, row in zip(self.starts(), self.rows, strict=True) if not row.blank}

    def untouched_starts(self) -> set[int]:
        return {
            s
            for s, row in zip(self.starts(), self.rows, strict=True)
            if not row.touched and not row.blank
        }

    @property
    def exact(self) -> bool:
        return all(row.exact for row in self.rows)

    def hidden_ids(self) -> set[str]:
        return {i for row in self.rows for i in row.hidden_ids}

    @property
    def mixed_encoding(self) -> bool:
        """Valid multi-byte UTF-8 (a BOM, Chinese text) and bytes invalid in UTF-8 in one
        file: the reader must refuse it, not guess it into mojibake."""
        if self.encoding is not None or not any(row.foreign for row in self.rows):
            return False
        clean = [self.header, *(ln for row in self.rows if not row.foreign for ln in row.lines)]
        return self.bom or any(b >= 0x80 for line in clean for b in line)

    @property
    def readable(self) -> bool:
        """A whole-file encoding the docs accept: UTF-8 (BOM or not), or GB18030 without a
        BOM; a reader must then read every row (and refuse only row by row)."""
        if self.mixed_encoding or any(row.foreign for row in self.rows):
            return False
        return not (self.bom and self.encoding is not None)


def sample_file(path: Path, rows: int) -> CsvFile:
    """The header and the first `rows` data rows of a shipped CSV file (BOM kept)."""
    data = path.read_bytes()
    bom = data.startswith(b"\xef\xbb\xbf")
    lines = data.removeprefix(b"\xef\xbb\xbf").split(b"\n")
    body = [line for line in lines[1:] if line][:rows]
    return CsvFile(lines[0], tuple(Row((line,)) for line in body), bom=bom)


def cells(line: bytes) -> list[bytes]:
    return line.split(b",")


# ---- what goes into a cell -----------------------------------------------------------------

SPECIAL_NUMBERS = [
    "NaN", "nan", "-NaN", "sNaN", "-sNaN", "NaN123", "Infinity", "-Infinity", "inf", "-inf",
    "Inf亿", "1E+34", "1e34", "-1E+34", "1E+35", "9E+999999", "1E-40", "1e-999999", "-0",
    "-0.00", "+0", "0E-1000", "1E+28", "100000000000000000000000000000.01",
    "99999999999999999999999999999999999999", "0." + "0" * 60 + "1", "9" * 4000,
    "0." + "9" * 3000, "1" + "0" * 40 + "亿", "1亿亿", "1.5万亿", "12.5%", "1e2%", "NaN%",
    "1,2,3", "1,,000", "１２３", "٣٤", "1_000", "0x10", "1e", ".", "-", "+", "1.2.3", "--1",
    "1 000", "\u00a0100", "100\u3000", "¥100", "100元", "1.005", "0.001", "-1", "2147483648",
    "9223372036854775808", "-9223372036854775809", "1" * 5000,
]  # fmt: skip
"""Numbers that parse in surprising ways, or overflow, or are not numbers at all."""

SPECIAL_TEXTS = [
    "清华大学", "中国石油大学(北京)", "中国石油大学（北京）", "北京大学\u3000", " 北京大学 ",
    "=HYPERLINK(\"http://evil.example/x\",\"点击\")", "=1+cmd|'/C calc'!A0", "+1+2", "-1-2",
    "@SUM(A1:A2)", "\t=1+1", "\r=1+1", "\x00", "a\x00b", "true", "否", "是", "null", "None",
    "\u202e" + "tluser", "\ufeff", "\u2028", "\u0085", "🏦" * 10, "x" * 3000, "｜",
    "corporate|card", "corporate:0.5|card:0.5", "corporate:NaN", "corporate:1E+34|card:-1E+34",
    "card:0|corporate:1",
    "corporate:0.3333333333333333333333333333333333|card:0.6666666666666666666666666666666667",
    "2026-02-30", "2026-11-31", "9999-12-31", "0001-01-01", "2026/11/1", "2026-13-01",
    "20261101", "2026-11-01T00:00", "十一月",
]  # fmt: skip
"""Text a real file from another system may hold."""


@attrs.frozen(slots=True)
class Cell:
    """A replacement cell: its bytes, and how it changes the row it lands in."""

    data: bytes
    kind: str
    newlines: int = 0
    """Physical line breaks inside the (well-formed, quoted) cell."""
    unbalanced: bool = False
    """An opening quote that does not close on its line."""
    hidden_ids: tuple[str, ...] = ()
    exact: bool = True


def _quoted(text: str) -> bytes:
    return b'"' + text.replace('"', '""').encode("utf-8") + b'"'


def _plain(kind: str, text: str) -> Cell:
    """`text` as a cell: quoted when it holds a comma, a quote or a line break."""
    if any(c in text for c in ',"\r\n'):
        return Cell(_quoted(text), kind, newlines=text.count("\n"))
    return Cell(text.encode("utf-8"), kind)


CELL_KINDS = [
    "number", "number", "text", "text", "unclosed-quote", "stray-quote", "doubled-quote",
    "gbk-cell", "invalid-bytes", "long-cell", "newline-in-cell", "smuggling-cell", "nul", "empty",
    "padded",
]  # fmt: skip
"""The ways `hostile_cell` breaks a cell (listed twice: drawn twice as often)."""


@st.composite
def hostile_cell(draw: st.DrawFn, original: bytes) -> Cell:
    """A cell to put where `original` was: one of the ways a cell arrives broken."""
    kind = draw(st.sampled_from(CELL_KINDS))
    if kind == "number":
        return _plain(kind, draw(st.sampled_from(SPECIAL_NUMBERS)))
    if kind == "text":
        return _plain(kind, draw(st.sampled_from(SPECIAL_TEXTS)))
    if kind == "unclosed-quote":
        return Cell(b'"' + original, kind, unbalanced=True)
    if kind == "stray-quote":
        if not original:
            return Cell(b'x"', kind)
        at = draw(st.integers(1, len(original)))
        return Cell(original[:at] + b'"' + original[at:], kind)
    if kind == "doubled-quote":
        return Cell(b'""' + original, kind)
    if kind == "gbk-cell":
        text = draw(st.sampled_from(["清华大学", "青岛市北支行", "北京"]))
        return Cell(text.encode("gbk"), kind)
    if kind == "invalid-bytes":
        junk = draw(st.sampled_from([b"\xff", b"\xfe\xff", b"\x80", b"\xed\xa0\x80", b"\xc0\xaf"]))
        return Cell(original + junk, kind)
    if kind == "long-cell":
        size = draw(st.sampled_from([5_000, 131_073, 200_000]))
        return Cell(original + b"9" * size, kind)
    if kind == "newline-in-cell":
        breaks = draw(st.integers(1, 3))
        ending = draw(st.sampled_from(["\n", "\r\n"]))
        text = original.decode("utf-8", "replace") + (ending + "续") * breaks
        return Cell(_quoted(text), kind, newlines=breaks)
    if kind == "smuggling-cell":
        # A quoted cell past the csv module's field limit with a whole row inside it: the
        # row's own line under another id (`mutated_file` puts that line in for SMUGGLE).
        ident = f"{SMUGGLED}{draw(st.integers(1, 99))}"
        inner = b"x" * 140_000 + b"\n" + ident.encode() + SMUGGLE + b"\n"
        return Cell(b'"' + inner + b'"', kind, newlines=2, hidden_ids=(ident,), exact=False)
    if kind == "nul":
        return Cell(original + b"\x00", kind)
    if kind == "empty":
        return Cell(b"", kind)
    return Cell(b" " + original + "\u3000".encode(), kind)  # padded with white space


@st.composite
def mutated_file(draw: st.DrawFn, base: CsvFile, *, max_mutations: int = 3) -> CsvFile:
    """`base` with a few rows broken (a cell replaced, a line doubled, dropped, blanked...),
    and sometimes its encoding or line endings changed as a whole."""
    rows = list(base.rows)
    quote_opened = False
    for _ in range(draw(st.integers(1, max_mutations))):
        if not rows:
            break
        index = draw(st.integers(0, len(rows) - 1))
        row = rows[index]
        action = draw(
            st.sampled_from(["cell", "cell", "cell", "cell", "blank", "extra-cell", "drop-cell",
                             "duplicate", "commas"])
        )  # fmt: skip
        if len(row.lines) != 1 or row.blank:
            continue  # already blank, or holds a multi-line cell: leave it as it is
        line = row.lines[0]
        parts = cells(line)
        if action == "blank":
            blank_line = draw(st.sampled_from([b"", b" ", b",,,", b"\t"]))
            if blank_line == b",,,":
                blank_line = b"," * (len(parts) - 1)
            rows[index] = Row((blank_line,), touched=True, blank=True)
            continue
        if action == "extra-cell":
            rows[index] = Row((line + b",extra",), touched=True)
            continue
        if action == "drop-cell":
            rows[index] = Row((b",".join(parts[:-1]),), touched=True)
            continue
        if action == "duplicate":
            rows[index] = attrs.evolve(row, touched=True)
            rows.insert(index, attrs.evolve(row, touched=True))
            continue
        if action == "commas":
            rows[index] = Row((line.replace(b",", b"\xef\xbc\x8c", 1),), touched=True)
            continue
        column = draw(st.integers(0, len(parts) - 1))
        cell = draw(hostile_cell(parts[column]))
        if quote_opened and b'"' in cell.data:
            continue  # one unbalanced quote per file: what follows it must stay quote-free
        if cell.unbalanced and any(b'"' in ln for r in rows[index:] for ln in r.lines):
            continue
        quote_opened = quote_opened or cell.unbalanced
        parts[column] = cell.data.replace(SMUGGLE, line[line.find(b",") :] if b"," in line else b"")
        joined = b",".join(parts)
        # A multi-line cell in a row of the wrong width (an extra or a dropped cell) is,
        # by the reader's rule, a bad first line and a next line read on its own: how many
        # rows that makes is the reader's policy, so only the untouched rows are counted.
        widened = cell.newlines and len(parts) != len(cells(base.header))
        rows[index] = Row(
            tuple(joined.split(b"\n")) if cell.newlines else (joined,),
            touched=True,
            hidden_ids=cell.hidden_ids,
            exact=cell.exact and not widened,
        )
        if cell.newlines and len(rows[index].lines) != cell.newlines + 1:
            rows[index] = attrs.evolve(rows[index], exact=False)
    whole = draw(st.sampled_from(["as-is"] * 6 + ["gb18030", "bom-gb18030", "crlf", "no-eol"]))
    file = attrs.evolve(base, rows=tuple(rows))
    if whole == "gb18030" and _utf8(file):
        file = attrs.evolve(file, bom=False, encoding="gb18030")
    elif whole == "bom-gb18030" and _utf8(file):
        # a BOM in front of GBK bytes: neither a UTF-8 nor a GB18030 file
        file = attrs.evolve(file, bom=True, encoding="gb18030")
    elif whole == "crlf":
        file = attrs.evolve(file, ending=b"\r\n")
    elif whole == "no-eol":
        file = attrs.evolve(file, final_newline=False)
    return file


def _utf8(file: CsvFile) -> bool:
    try:
        attrs.evolve(file, encoding=None).to_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# ---- special values for records passed through the API ----------------------------------

SPECIAL_DECIMALS = [
    Decimal("NaN"), Decimal("-NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity"),
    Decimal("1E+34"), Decimal("-1E+34"), Decimal("9E+999999"), Decimal("1E-40"),
    Decimal("1E-999999"), Decimal("-0"), Decimal("-0.00"), Decimal("0E-1000"), Decimal("0E+1000"),
    Decimal("1" * 60), Decimal("0." + "3" * 60), Decimal("1E+28"), Decimal("-1"),
    Decimal("100000000000000000000000000000.01"), Decimal("1.5"),
]  # fmt: skip

SPECIAL_INTS: list[object] = [
    0,
    -1,
    2**31,
    2**63,
    -(2**63) - 1,
    10**40,
    10**4000,
    True,
    False,
]

SPECIAL_STRINGS = [
    *SPECIAL_TEXTS,
    "\ud800",
    "a\udcff",
    "\udfff\ud800",
    "x" * 200_000,
    "\x00" * 3,
    "",
    " ",
    "\u3000",
    "corporate\x00",
    "\ud83c\udfe6",
]

special_value = st.one_of(
    st.sampled_from(SPECIAL_DECIMALS),
    st.sampled_from(SPECIAL_INTS),
    st.sampled_from(SPECIAL_STRINGS),
    st.none(),
    st.sampled_from([1.5, float("nan"), float("inf"), [], {}, b"bytes", (1, 2)]),
)
"""Anything a caller may hand the API in one field of a record."""

ALL_SIGNALS = [
    decimal.Clamped, decimal.DivisionByZero, decimal.Inexact, decimal.InvalidOperation,
    decimal.Overflow, decimal.Rounded, decimal.Subnormal, decimal.Underflow,
    decimal.FloatOperation,
]  # fmt: skip


ROUNDINGS = [
    decimal.ROUND_HALF_EVEN, decimal.ROUND_HALF_UP, decimal.ROUND_DOWN, decimal.ROUND_UP,
    decimal.ROUND_CEILING, decimal.ROUND_FLOOR, decimal.ROUND_05UP, decimal.ROUND_HALF_DOWN,
]  # fmt: skip


@st.composite
def caller_context(draw: st.DrawFn) -> decimal.Context:
    """A decimal context a caller may be running under when it calls the engine."""
    traps = draw(st.lists(st.sampled_from(ALL_SIGNALS), unique=True, max_size=4))
    return decimal.Context(
        prec=draw(st.sampled_from([1, 2, 3, 6, 9, 12, 16, 28, 40, 100])),
        rounding=draw(st.sampled_from(ROUNDINGS)),
        Emax=draw(st.sampled_from([999_999, 99, 40])),
        Emin=draw(st.sampled_from([-999_999, -99, -40])),
        traps=traps,
        clamp=draw(st.sampled_from([0, 1])),
    )


# ---- running the command line in-process -------------------------------------------------


@attrs.frozen(slots=True)
class CliRun:
    argv: tuple[str, ...]
    code: int
    out: str
    err: str


class Escape(AssertionError):
    """Something got out that the documentation says cannot: an exception, a traceback."""


def run_cli(*argv: str | Path) -> CliRun:
    """Run `linkage-rules argv` in this process; an exception out of `main` is an escape."""
    args = tuple(str(a) for a in argv)
    # streams that encode as a terminal's do, so that text no terminal can show fails here too
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    except Exception as error:  # what the fuzz tests look for
        raise Escape(
            f"`linkage-rules {' '.join(args)}` raised {type(error).__name__}: "
            f"{_short(str(error))}\n{_short(traceback.format_exc(), 3000)}"
        ) from error
    run = CliRun(args, code, _written(out), _written(err))
    if code not in EXIT_CODES:
        raise Escape(f"exit code {code}, not one of {sorted(EXIT_CODES)}: {_tail(run)}")
    for stream in (run.out, run.err):
        if "Traceback (most recent call last)" in stream:
            raise Escape(f"a traceback was printed: {_tail(run)}")
    return run


def _written(stream: io.TextIOWrapper) -> str:
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8")


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


def _tail(run: CliRun) -> str:
    return f"`linkage-rules {' '.join(_short(a, 80) for a in run.argv)}` -> {run.code}\n" + _short(
        run.err + run.out, 1500
    )


@contextlib.contextmanager
def _field_limit(limit: int) -> Iterator[None]:
    """Let the test read the tool's output with no field limit, then put the limit back
    (the tool under test reads its input with the module's default)."""
    old = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def read_output_csv(path: Path) -> list[dict[str, str]]:
    """A CSV file the tool wrote (UTF-8 with a BOM), as rows of cells by column."""
    with _field_limit(sys.maxsize):
        text = path.read_bytes().decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(text, newline="")))


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_cells(path: Path) -> list[str]:
    """Cells of an output CSV that a spreadsheet would run as a formula (item 6)."""
    found = []
    with _field_limit(sys.maxsize):
        text = path.read_bytes().decode("utf-8-sig")
        for row in csv.reader(io.StringIO(text, newline="")):
            for cell in row:
                if cell.startswith(FORMULA_START) and not _is_number(cell):
                    found.append(cell)
    return found


def _is_number(cell: str) -> bool:
    try:
        return Decimal(cell).is_finite() and cell.strip() == cell
    except decimal.InvalidOperation:
        return False


def row_numbers(rows: Sequence[dict[str, str]]) -> list[int]:
    return [int(r["row"]) for r in rows]


def exact_sum(values: Sequence[Decimal]) -> Decimal:
    """A sum that no context can round: the test's own arithmetic."""
    with decimal.localcontext(decimal.Context(prec=100_000, Emax=10**6, Emin=-(10**6))):
        return sum(values, Decimal(0))
