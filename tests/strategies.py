"""Hypothesis strategies shared by the property tests: well-typed rule text, records, mutations.

The expression generator builds text for one fixed entity `R` (below) and knows the
checker's typing rules, so everything it produces must load. Each kind of value has
its leaves (fields, params, literals) and its composite forms; every composite form is
written in parentheses, so precedence never changes what the generator meant.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from functools import cache

from hypothesis import strategies as st

Text = st.SearchStrategy[str]

HEADER = 'policy props "性质测试" { version "1" effective 2024-01-01 }\n'

ENTITY = """\
enum Color { red "红", green "绿", blue "蓝" }
entity R "记录" {
  id: text
  i1: int      i2: int?
  d1: decimal  d2: decimal?
  m1: money    m2: money?
  p1: percent  p2: percent?
  b1: bool     b2: bool?
  t1: text     t2: text?
  e1: Color    e2: Color?
  dt1: date    dt2: date?
}
param LIMIT: money = 1亿 "上限"
param RATE: percent = 12.5%
param SMALL: int = -3
list NUMS: int = [1, 5, 10, -3]
list NAMES: text = ["a", "中文", ""]
"""

KINDS = ("int", "dec", "money", "pct", "bool", "text", "enum", "date")
NUMERIC = ("int", "dec", "money", "pct")

FIELDS: dict[str, tuple[str, ...]] = {
    "int": ("i1", "i2", "SMALL"),
    "dec": ("d1", "d2"),
    "money": ("m1", "m2", "LIMIT"),
    "pct": ("p1", "p2", "RATE"),
    "bool": ("b1", "b2"),
    "text": ("t1", "t2"),
    "enum": ("e1", "e2"),
    "date": ("dt1", "dt2"),
}

LITERALS: dict[str, tuple[str, ...]] = {
    "int": ("0", "1", "7", "-2", "200", "1万", "100_000"),
    "dec": ("0.1", "0.5", "2.25", "-1.5", "0.333"),
    "money": ("100元", "5万元", "1.5亿元", "0.01元"),
    "pct": ("85%", "12.5%", "0%", "100%"),
    "bool": ("true", "false"),
    "text": ('"a"', '"b"', '"中文"', '""'),
    "enum": ("Color.red", "Color.green", "Color.blue"),
    "date": ("2024-01-01", "2023-12-31", "2024-02-29"),
}

MEMBERS = ("red", "green", "blue")

# Which numeric kinds compare with which, following `unify_numeric` in the checker.
COMPARABLE: dict[str, tuple[str, ...]] = {
    "int": ("int", "dec", "money"),
    "dec": ("int", "dec", "money", "pct"),
    "money": ("int", "dec", "money"),
    "pct": ("dec", "pct"),
}

# (result kind, left kind, operator, right kind) that the checker types as the result.
ARITHMETIC: tuple[tuple[str, str, str, str], ...] = (
    ("int", "int", "+", "int"),
    ("int", "int", "-", "int"),
    ("int", "int", "*", "int"),
    ("dec", "dec", "+", "dec"),
    ("dec", "dec", "-", "int"),
    ("dec", "int", "*", "dec"),
    ("dec", "int", "/", "int"),
    ("dec", "dec", "/", "dec"),
    ("dec", "money", "/", "money"),
    ("dec", "pct", "/", "pct"),
    ("dec", "pct", "*", "dec"),
    ("dec", "int", "*", "pct"),
    ("dec", "dec", "/", "pct"),
    ("money", "money", "+", "money"),
    ("money", "money", "-", "int"),
    ("money", "dec", "+", "money"),
    ("money", "money", "*", "int"),
    ("money", "dec", "*", "money"),
    ("money", "money", "*", "pct"),
    ("money", "pct", "*", "money"),
    ("money", "money", "/", "int"),
    ("money", "money", "/", "pct"),
    ("pct", "pct", "+", "pct"),
    ("pct", "pct", "-", "dec"),
    ("pct", "pct", "*", "pct"),
    ("pct", "pct", "/", "dec"),
    ("pct", "pct", "/", "int"),
)


def fmt(template: str, *parts: Text) -> Text:
    """Text from a `{}` template whose holes are filled by the given strategies."""
    return st.tuples(*parts).map(lambda values: template.format(*values))


def literal_list(kind: str) -> Text:
    items = MEMBERS if kind == "enum" else LITERALS[kind]
    return st.lists(st.sampled_from(items), min_size=1, max_size=3).map(
        lambda xs: "[" + ", ".join(xs) + "]"
    )


@cache
def expr(kind: str, depth: int, division: bool = True) -> Text:
    """A well-typed expression of `kind`, nested at most `depth` levels; `division=False`
    leaves `/` out (the SQL backend refuses it: see docs/sql.md)."""
    leaves = st.sampled_from(FIELDS[kind] + LITERALS[kind])
    if depth <= 0:
        return leaves
    options = [leaves, *_composites(kind, lambda k: expr(k, depth - 1, division), division)]
    return st.one_of(*options)


def _composites(kind: str, sub: Callable[[str], Text], division: bool = True) -> list[Text]:
    cond = sub("bool")
    options = [fmt("(if {} then {} else {})", cond, sub(kind), sub(kind))]
    if kind != "bool":
        options.append(fmt("(if {} then null else {})", cond, sub(kind)))
        options.append(fmt("(if {} then {} else null)", cond, sub(kind)))
    for result, left, op, right in ARITHMETIC:
        if result == kind and (division or op != "/"):
            options.append(fmt(f"({{}} {op} {{}})", sub(left), sub(right)))
    if kind in NUMERIC:
        options += [
            fmt("(-{})", sub(kind)),
            fmt("abs({})", sub(kind)),
            fmt("min({}, {})", sub(kind), sub(kind)),
            fmt("max({}, {}, {})", sub(kind), sub(kind), sub(kind)),
            fmt("round({})", sub(kind)),
            fmt("round({}, {})", sub(kind), st.sampled_from(["-2", "-1", "0", "1", "2", "3"])),
        ]
    if kind == "int":
        options.append(fmt("len({})", sub("text")))
    if kind == "date":
        options.append(fmt("min({}, {})", sub("date"), sub("date")))
    if kind == "bool":
        options += _conditions(sub)
    return options


def _conditions(sub: Callable[[str], Text]) -> list[Text]:
    b = sub("bool")
    ordered = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
    equality = st.sampled_from(["==", "!="])
    options = [
        fmt("({} and {})", b, b),
        fmt("({} or {})", b, b),
        fmt("({} and {} and {})", b, b, b),
        fmt("({} or {} or {})", b, b, b),
        fmt("(not {})", b),
        fmt("({} {} {})", b, equality, b),
        fmt("({} {} {})", sub("enum"), equality, sub("enum")),
        fmt("({} {} {})", sub("enum"), equality, st.sampled_from(MEMBERS)),
        fmt("({} {} {})", st.sampled_from(MEMBERS), equality, sub("enum")),
        fmt("({} {} [{}])", sub("enum"), st.sampled_from(["in", "not in"]), st.just("red, blue")),
        fmt("({} in {})", sub("enum"), literal_list("enum")),
        fmt("({} {} NUMS)", sub("int"), st.sampled_from(["in", "not in"])),
        fmt("({} {} NAMES)", sub("text"), st.sampled_from(["in", "not in"])),
    ]
    for kind in ("text", "date"):
        options.append(fmt("({} {} {})", sub(kind), ordered, sub(kind)))
        options.append(fmt("({} between {} and {})", sub(kind), sub(kind), sub(kind)))
    for kind in ("int", "dec", "money", "pct", "text", "date"):
        options.append(
            fmt("({} {} {})", sub(kind), st.sampled_from(["in", "not in"]), literal_list(kind))
        )
    for left, rights in COMPARABLE.items():
        right = st.sampled_from(rights).flatmap(sub)
        options.append(fmt("({} {} {})", sub(left), ordered, right))
        options.append(fmt("({} between {} and {})", sub(left), right, right))
    any_kind = st.sampled_from(KINDS).flatmap(sub)
    options.append(fmt("({} is {})", any_kind, st.sampled_from(["null", "not null"])))
    return options


def condition(depth: int = 3, division: bool = True) -> Text:
    return expr("bool", depth, division)


# ---- policies ----------------------------------------------------------------

OUTPUTS = ("x", "y", "z", "w")


@st.composite
def table(draw: st.DrawFn, name: str, hit: str, division: bool = True) -> str:
    rows = draw(
        st.lists(
            st.tuples(condition(2, division), st.sampled_from(OUTPUTS)), min_size=1, max_size=4
        )
    )
    lines = [f"  {c} => {o}" for c, o in rows]
    if draw(st.booleans()):
        lines.append(f"  otherwise => {draw(st.sampled_from(OUTPUTS))}")
    return f"table {name} for R hit {hit} {{\n" + "\n".join(lines) + "\n}\n"


@st.composite
def segment(draw: st.DrawFn, name: str, division: bool = True) -> str:
    rules = draw(st.lists(condition(3, division), min_size=1, max_size=5))
    scope = draw(st.none() | condition(1, division))
    where = f" where {scope}" if scope is not None else ""
    body = "\n".join(f"  rule r{i}: {c}" for i, c in enumerate(rules))
    return f"segment {name} for R{where} {{\n{body}\n}}\n"


@st.composite
def classifying_policy(draw: st.DrawFn, division: bool = True) -> str:
    """Rule text with two segments and a `first` and a `collect` table over `R`."""
    parts = [
        draw(segment("s1", division)),
        draw(segment("s2", division)),
        draw(table("first_t", "first", division)),
        draw(table("collect_t", "collect", division)),
    ]
    return HEADER + ENTITY + "".join(parts)


@st.composite
def unique_policy(draw: st.DrawFn, division: bool = True) -> str:
    return HEADER + ENTITY + draw(table("unique_t", "unique", division))


# ---- records -----------------------------------------------------------------

_DECIMALS = st.sampled_from(
    ["0", "0.1", "0.2", "0.5", "-1.5", "2.25", "0.333", "1E+3", "100", "0.85", "1.00"]
).map(Decimal) | st.decimals(
    min_value=-(10**6), max_value=10**6, places=2, allow_nan=False, allow_infinity=False
)

VALUES: dict[str, st.SearchStrategy[object]] = {
    "int": st.sampled_from([0, 1, -3, 5, 10, 200, 201, 10000, 100000]) | st.integers(-50, 300),
    "dec": _DECIMALS,
    "money": _DECIMALS
    | st.sampled_from([Decimal("50000"), Decimal("150000000"), 100000000, 0, 100]),
    "pct": st.sampled_from(["0.85", "0.125", "0", "1", "0.5", "1.5"]).map(Decimal) | _DECIMALS,
    "bool": st.booleans(),
    "text": st.sampled_from(["a", "b", "中文", "", "A", "ab"]) | st.text(max_size=4),
    "enum": st.sampled_from(["red", "green", "blue", "红", "蓝"]),
    "date": st.sampled_from([dt.date(2024, 1, 1), dt.date(2023, 12, 31), dt.date(2024, 2, 29)])
    | st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2025, 12, 31)),
}


@st.composite
def record(draw: st.DrawFn) -> dict[str, object]:
    """A valid record of `R`; optional fields are null about a third of the time."""
    out: dict[str, object] = {"id": draw(st.sampled_from(["r1", "r2", "客户3"]))}
    for kind in KINDS:
        required, optional = FIELDS[kind][:2]
        out[required] = draw(VALUES[kind])
        value = draw(st.none() | VALUES[kind] | VALUES[kind])
        if value is not None or draw(st.booleans()):
            out[optional] = value  # an omitted optional field is null as well
    return out


# Values of any Python type, for records that may be wrong.
ANY_VALUE: st.SearchStrategy[object] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10),
    st.floats(allow_nan=True),
    _DECIMALS,
    st.sampled_from([Decimal("NaN"), Decimal("Infinity"), dt.datetime(2024, 1, 1)]),
    st.text(max_size=4),
    st.sampled_from(["red", "红", "purple"]),
    st.dates(),
    st.lists(st.integers(), max_size=2),
)


# ---- text cells --------------------------------------------------------------

CELLS = st.sampled_from(
    [
        "1,000.50",
        "1.5亿",
        "5万元",
        "85%",
        "０.５",
        "是",
        "否",
        "true",
        "1",
        "0",
        "",
        " ",
        "null",
        "NA",
        "2024/1/1",
        "2024-02-30",
        "0000-01-01",
        "9999-12-31",
        "١٢٣",
        "1e5",
        "nan",
        "Infinity",
        "-0",
        "+5",
        ".5",
        "5.",
        "1,,0",
        "_1",
        "1_",
        "9" * 60,
        "%",
        "万",
        "元",
        "1.5万%",
        "--1",
        "red",
        "红",
        "purple",
        "１２３",
        "𝟏𝟐",
        "1\u00a0000",
    ]
)


def cell() -> st.SearchStrategy[str | None]:
    return st.none() | CELLS | st.text(max_size=12)


# ---- mutations of valid policy text ------------------------------------------

VALID_POLICY = (
    HEADER
    + """\
enum Dept { corporate "公司业务部", institutional "机构业务部" }
entity Org "企业" {
  id: text  rank: int? "省内利税排名"  dept: Dept "维护部门"  line: money  share: percent?
  size: enum(large, small)  opened: date?
}
param BIG: money = 1亿 "大额授信门槛"
list TOP: int = [1, 2, 3]
segment corp "公司业务部目标客户" for Org where dept == corporate {
  rule top "前200名": rank <= 200
  rule big "大额": size == large and line > BIG
  rule odd: rank in TOP or not rank between 10 and 20 or share >= 85%
  rule new: opened is not null and opened >= 2024-01-01 and len(id) > 0
}
table tier "等级" for Org hit first {
  line >= 5万 => wealth "财富"
  line >= 1万 => quality
  otherwise => potential
}
table tags for Org hit collect { rank <= 10 => a  (if share is null then 0% else share) > 50% => b }
record base for Org { id: "a", rank: 150, dept: corporate, line: 2亿, size: large }
example "例子" { given base with { rank: 99 } expect corp by top, big, odd expect tier == wealth }
example "其他" { given Org { id: "b", dept: institutional, line: 0, size: small } expect not corp }
"""
)

TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|\s+|\w+|.', re.DOTALL)
TOKENS = TOKEN.findall(VALID_POLICY)
EXTRA_TOKENS = (
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ":",
    ",",
    ".",
    "=",
    "==",
    "=>",
    "?",
    "-",
    "*",
    "/",
    "%",
    "#",
    '"',
    "\\",
    "\n",
    "if",
    "then",
    "else",
    "not",
    "and",
    "or",
    "in",
    "between",
    "is",
    "null",
    "rule",
    "segment",
    "table",
    "hit",
    "otherwise",
    "expect",
    "given",
    "with",
    "by",
    "record",
    "list",
    "param",
    "from",
    "column",
    "entity",
    "enum",
    "policy",
    "example",
    "true",
    "1亿",
    "85%",
    "2024-13-45",
    "（",
    "）",
    "，",
    "：",
    "“",
    "。",
    "\u3000",
    "＂",
    "１",
    "≤",
    "≠",
)
ODD_CHARACTERS = st.sampled_from(
    list('{}()[]:,.?=<>!+-*/%#"\\_ \n\t亿万元（），：“”。、\u3000＂１０≤≥≠\x00')
)


@st.composite
def mutated_policy(draw: st.DrawFn) -> str:
    """The valid policy above after one to four random edits of characters or tokens."""
    tokens = list(TOKENS)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(tokens) - 1))
        edit = draw(st.sampled_from(["delete", "duplicate", "insert", "swap", "char"]))
        if edit == "delete":
            del tokens[at]
        elif edit == "duplicate":
            tokens.insert(at, tokens[at])
        elif edit == "insert":
            tokens.insert(at, draw(st.sampled_from(EXTRA_TOKENS + tuple(TOKENS))))
        elif edit == "swap":
            other = draw(st.integers(0, len(tokens) - 1))
            tokens[at], tokens[other] = tokens[other], tokens[at]
        else:
            token = tokens[at]
            cut = draw(st.integers(0, len(token)))
            replacement = draw(st.sampled_from(["", "", draw(ODD_CHARACTERS)]))
            tokens[at] = token[:cut] + replacement + token[cut + 1 :]
        if not tokens:
            tokens = [""]
    return "".join(tokens)


RULE_ALPHABET = st.sampled_from(
    list('{}()[]:,.?=<>!+-*/%#"\\_ \n0123456789abcdexyz亿万元（），：“。\u3000')
    + list(EXTRA_TOKENS)
)


def rule_like_text() -> Text:
    """Text made of the language's own characters and keywords, in random order."""
    return st.lists(RULE_ALPHABET, max_size=60).map("".join)
