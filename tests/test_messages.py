"""The message catalogue: every message the code makes has its Chinese, with the same
arguments; the compiled catalogue is the one the `.po` makes; and a module in the
catalogue builds no message outside it."""

from __future__ import annotations

import ast
import re
import string
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import linkage_rules as lr
from linkage_rules.messages import Message, language_of, message, render, user_language

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import build_messages  # noqa: E402 - the script that makes the catalogue

PACKAGE = ROOT / "src" / "linkage_rules"


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_in_the_code_has_its_chinese_with_the_same_arguments() -> None:
    catalog = build_messages.read()
    assert catalog is not None
    translated = {(m.context, m.id): m for m in catalog if m.id}
    made = [m for m in build_messages.extracted() if m.id]
    assert len(made) > 30
    codes: dict[str, str] = {}
    for each in made:
        assert each.context, f"{each.id!r} has no code"
        assert codes.setdefault(each.context, each.id) == each.id, f"{each.context}: two texts"
        entry = translated.get((each.context, each.id))
        assert entry is not None and entry.string, f"{each.context} has no Chinese"
        assert not entry.fuzzy, f"{each.context}: the Chinese is marked fuzzy"
        # A `-labelled` message is given the label too, which the Chinese shows and the
        # English leaves out (it is in Chinese): every other message, the same arguments.
        extra = {"label"} if each.context.endswith("-labelled") else set()
        assert _fields(entry.string) - extra == _fields(each.id), each.context
    stale = set(translated) - {(m.context, m.id) for m in made}
    assert not stale, f"in the catalogue, not in the code: {sorted(stale)}"


def test_the_compiled_catalogue_is_the_one_the_po_file_makes() -> None:
    catalog = build_messages.read()
    assert catalog is not None
    shipped = build_messages.PO.with_suffix(".mo").read_bytes()
    assert build_messages.compiled(catalog) == shipped, "run python3 scripts/dev.py messages"


# Modules whose messages are in the catalogue: no diagnostic, error, help, note or line
# for a person in them is built from a literal or an f-string.
IN_THE_CATALOGUE = (
    "measures/judge.py",
    "measures/sheet.py",
    "measures/explain.py",
    "measures/population.py",
    "measures/examples.py",
    "measures/runner.py",
    "measures/policy_methods.py",
    "measures/sql_totals.py",
    "backends/interpreter/measures.py",
    "language/parser.py",
    "language/input_method.py",
    "language/diagnostics.py",
    "language/suggest.py",
    "language/type_names.py",
    "language/dtypes.py",
    "language/value_messages.py",
    "language/builtins.py",
    "language/errors.py",
    *(f"checking/{path.name}" for path in sorted((PACKAGE / "checking").glob("*.py"))),
    *(f"io/{path.name}" for path in sorted((PACKAGE / "io").glob("*.py"))),
    "backends/records.py",
    "backends/entity.py",
    "backends/runtime.py",
    "backends/interpreter/classify.py",
    "backends/interpreter/scoring.py",
    *(f"backends/sql/{path.name}" for path in sorted((PACKAGE / "backends" / "sql").glob("*.py"))),
    *(f"explain/{path.name}" for path in sorted((PACKAGE / "explain").glob("*.py"))),
    *(f"scoring/{path.name}" for path in sorted((PACKAGE / "scoring").glob("*.py"))),
    *(f"batch/{path.name}" for path in sorted((PACKAGE / "batch").glob("*.py"))),
    "examples.py",
    *(f"api/{path.name}" for path in sorted((PACKAGE / "api").glob("*.py"))),
    *(f"spark/{path.name}" for path in sorted((PACKAGE / "spark").glob("*.py"))),
    *(f"cli/{path.name}" for path in sorted((PACKAGE / "cli").glob("*.py"))),
    *(f"lifecycle/{path.name}" for path in sorted((PACKAGE / "lifecycle").glob("*.py"))),
    *(f"reports/{path.name}" for path in sorted((PACKAGE / "reports").glob("*.py"))),
)
NOT_YET = (
    "backends/python/",
    "backends/interpreter/reads.py",
    "language/lowering",
    "language/syntax",
)
"""What is left: the code generator (whose text is Python, not prose) and modules whose
only texts are internal."""

_MESSAGE_TAKERS = frozenset(
    {
        # diagnostics and the checker's ways to report
        "Diagnostic",
        "Note",
        "error",
        "warning",
        "_fail",
        # errors a caller or a person reads
        "RecordError",
        "HeaderError",
        "TextDecodeError",
        "ReferenceFileError",
        "ReferenceFileMissing",
        "NoPolicyFolder",
        "ScoringError",
        "Unsupported",
        "Refusal",
        "ValueError",
        "TypeError",
        "_error",
        # the command line's errors and lines
        "usage_error",
        "data_error",
        "io_error",
        "CliError",
        "line",
        "print",
        "InputRow",
        "CsvRow",
        "BadRow",
        # rich's tables and columns
        "Table",
        "TextColumn",
        "add_column",
        "add_row",
    }
)
"""The calls a message is given to: ctx.error(code, message, span, help), the scoring
checker's self.error(message, span, help), the expression checker's _fail(message, ...),
an error raised with its message, `Output.line(...)`, a rich table's title or header.
(argparse's --help texts are not among them: they stay English, as argparse's own
words do.)"""
_WORD = re.compile(r"[A-Za-z]{2,}")


def _prose(argument: ast.expr | None) -> bool:
    """An f-string with a word in its text, or a literal with a space and a word in it:
    text for a person, where only a code (`unknown-name`, no space) or punctuation
    around values (`{file}:{line}`) may be written so."""
    if isinstance(argument, ast.JoinedStr):
        text = "".join(
            part.value
            for part in argument.values
            if isinstance(part, ast.Constant) and isinstance(part.value, str)
        )
        return bool(_WORD.search(text))
    return (
        isinstance(argument, ast.Constant)
        and isinstance(argument.value, str)
        and " " in argument.value
        and bool(_WORD.search(argument.value))
    )


def _literal_messages(source: str, name: str) -> list[str]:
    """Where a message is given, or returned, as a literal or an f-string instead of
    `message(...)` (`__repr__` is for programmers, and exempt)."""
    found = []
    tree = ast.parse(source)
    reprs = {
        id(node)
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef) and function.name == "__repr__"
        for node in ast.walk(function)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Return) and id(node) not in reprs and _prose(node.value):
            found.append(f"{name}:{node.lineno}: returned")
        if not isinstance(node, ast.Call):
            continue
        callee = node.func
        called = callee.attr if isinstance(callee, ast.Attribute) else getattr(callee, "id", "")
        arguments = [*node.args, *(k.value for k in node.keywords)]
        if called in _MESSAGE_TAKERS and any(_prose(a) for a in arguments):
            found.append(f"{name}:{node.lineno}")
        literal = all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args)
        if called == "message" and (len(node.args) != 2 or not literal):
            found.append(f"{name}:{node.lineno}: code and template must be literals")
        if called == "message" and any(
            isinstance(inner, ast.Call) and _called(inner) == "message"
            for a in arguments
            for inner in ast.walk(a)
        ):
            found.append(f"{name}:{node.lineno}: a message in a message's arguments")
    return found


def _called(call: ast.Call) -> str:
    callee = call.func
    return callee.attr if isinstance(callee, ast.Attribute) else getattr(callee, "id", "")


def _codes_in(source: str) -> set[str]:
    """The code of every `message(...)` call in a module's source, found by its syntax."""
    return {
        node.args[0].value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and _called(node) == "message"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    }


def test_the_catalogue_has_every_message_the_code_makes() -> None:
    """Babel's extractor skips a message made inside another's arguments (in brackets,
    or in a comprehension): each code the source holds must be in what it extracts."""
    made = set()
    for path in PACKAGE.rglob("*.py"):
        made |= _codes_in(path.read_text(encoding="utf-8"))
    extracted = {m.context for m in build_messages.extracted() if m.id}
    assert sorted(made - extracted) == []


def test_the_check_finds_a_message_built_outside_the_catalogue() -> None:
    planted = (
        'ctx.error("type", f"`{x}` is wrong", span)\n'
        'self.error("a share is a percent", span)\n'
        'raise self._fail(message("c", "fine"), span, "but this help is not")\n'
        'message("code", template)\n'
        'ctx.error("type", message("check.x", "fine {a}", a=1), span, hint)\n'
        'raise RecordError(f"row {n} is bad", record=r)\n'
        'out.line(f"{path}: {count} rows")\n'
        'def f():\n    return f"cell {cell} is too long"\n'
        'out.line(f"{file}:{line}: {said}")\n'
        'p.add_argument("--x", help="an English --help text")\n'
        'raise usage_error(said, help="choose another name")\n'
        'message("a.b", "{x}", x=(message("c.d", "lost") if y else ""))\n'
    )
    assert _literal_messages(planted, "planted.py") == [
        "planted.py:1",
        "planted.py:2",
        "planted.py:3",
        "planted.py:4: code and template must be literals",
        "planted.py:6",
        "planted.py:7",
        "planted.py:9: returned",
        "planted.py:12",
        "planted.py:13: a message in a message's arguments",
    ]


@pytest.mark.parametrize("module", IN_THE_CATALOGUE)
def test_a_module_in_the_catalogue_builds_no_message_outside_it(module: str) -> None:
    path = PACKAGE / module
    assert _literal_messages(path.read_text(encoding="utf-8"), path.name) == []


def test_every_module_is_in_the_catalogue_or_said_not_to_be() -> None:
    """A new module is checked unless it is said to hold no message for a person."""
    modules = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.name != "__init__.py"
    }
    left = sorted(m for m in modules - set(IN_THE_CATALOGUE) if not m.startswith(NOT_YET))
    assert left == [
        "backends/classification.py",
        "backends/contract.py",
        "backends/questions.py",
        "backends/read_set.py",
        "language/frozen.py",
        "language/lalr.py",
        "language/lineage.py",
        "language/measure_model.py",
        "language/model.py",
        "language/names.py",
        "language/parse_memo.py",
        "language/source.py",
        "language/tables.py",
        "language/tokens.py",
        "language/type_rules.py",
        "language/typed_expressions.py",
        "language/values.py",
        "language/visitor.py",
        "language/walk.py",
    ]


def test_a_message_is_english_as_text_and_chinese_when_rendered() -> None:
    said = message("syntax.unclosed.help", "close it with `{closer}`", closer=")")
    assert said == "close it with `)`" and isinstance(said, str)
    assert said.render("en") == "close it with `)`"
    assert said.render("zh") == "用 `)` 把它闭合"
    assert render("plain text", "zh") == "plain text"
    import pickle

    again = pickle.loads(pickle.dumps(said))
    assert isinstance(again, Message) and again.render("zh") == said.render("zh")


def test_the_users_language_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("LINKAGE_RULES_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    assert user_language() == "en"
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert user_language() == "zh"
    monkeypatch.setenv("LINKAGE_RULES_LANG", "en")
    assert user_language() == "en"
    assert [language_of(s) for s in ("zh", "中文", "en_US", "C", "fr_FR", "")] == [
        "zh",
        "zh",
        "en",
        "en",
        None,
        None,
    ]


def test_a_syntax_error_in_chinese_names_where_the_block_began() -> None:
    text = "segment s for E {\n  rule r: x > 1\ntable t for E {\n  x > 1 => 1\n}\n"
    with pytest.raises(lr.PolicyError) as caught:
        lr.loads(text, name="t.rules")
    chinese = caught.value.render("human", "zh").splitlines()
    assert (
        chinese[0]
        == "t.rules:1:17: 错误[unclosed]: `segment s` 在第 1 行第 17 列开始的 `{` 没有闭合"
    )
    assert "= 提示: 用 `}` 把它闭合" in chinese[-2]
    assert chinese[-1].startswith("  = 说明: t.rules:3:1: 解析在此处无法继续：此处不应出现 `table`")
    assert str(caught.value).startswith("t.rules:1:17: error[unclosed]")  # logs: English
    document = caught.value.diagnostics[0].to_dict("zh")
    assert document["message_code"] == "syntax.unclosed-block"
    assert document["message"].startswith("`segment s` 在第 1 行")


GOLDEN = ROOT / "tests" / "golden"


def test_the_command_line_speaks_the_language_asked_for(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from cli_helpers import run

    case = GOLDEN / "cause_misspelt_field.rules"
    code, out, err = run(capsys, "--lang", "zh", "check", case)
    shown = out + err
    assert code == 1
    assert "错误[unknown-name]: 客户群“目标客户”（`targets`）中有未知的名称 `credit_lime`" in shown
    assert "= 提示: 是不是要写 `credit_line`？" in shown
    code, out, err = run(capsys, "check", "--lang", "en", case)
    assert "error[unknown-name]: unknown name `credit_lime` in segment `targets`" in out + err
    monkeypatch.setenv("LINKAGE_RULES_LANG", "zh")  # no option: the environment decides
    code, out, err = run(capsys, "check", "--format", "plain", case)
    assert ": 错误[unknown-name]: " in out + err and ": 说明: " in out + err


def test_every_golden_case_renders_in_chinese_with_the_same_places() -> None:
    """Each golden diagnostic, rendered in Chinese, points at the same file, line and
    column and keeps its code: only the words change."""
    for case in sorted(GOLDEN.glob("*.rules")):
        with pytest.raises(lr.PolicyError) as caught:
            lr.loads(case.read_text(encoding="utf-8"), name=case.name, base_dir=GOLDEN)
        english = caught.value.render("plain", "en").splitlines()
        chinese = caught.value.render("plain", "zh").splitlines()
        assert len(english) == len(chinese), case.name
        for en, zh in zip(english, chinese, strict=True):
            assert en.split(": ")[0] == zh.split(": ")[0], (case.name, en, zh)


ORG = """\
entity Org "对公客户" {
  client_id: text "客户号"
  tax_rank: int "省内利税排名"
  credit: money "银行授信额度"
}
segment top "利税前200" for Org { rule r "排名前200": tax_rank <= 200 }
"""


def test_a_record_error_is_data_and_renders_with_the_fields_label(
    load_policy: Callable[..., lr.Policy],
) -> None:
    policy = load_policy(ORG)
    with pytest.raises(lr.RecordError) as caught:
        policy.schema("Org").from_text({"client_id": "c1", "tax_rank": "x", "credit": "1"})
    error = caught.value
    assert (error.field, error.label, error.value) == ("tax_rank", "省内利税排名", "x")
    assert str(error) == "a `Org` record, field `tax_rank`: `x` is not a number"  # logs: English
    assert error.render("zh") == "一条 `Org` 记录，字段“省内利税排名”（`tax_rank`）：`x` 不是数字"
    assert error.with_record("#3").render("zh") == (
        "记录 #3，字段“省内利税排名”（`tax_rank`）：`x` 不是数字"
    )


def test_the_api_edge_hint_for_text_given_for_a_typed_field_in_chinese(
    load_policy: Callable[..., lr.Policy],
) -> None:
    policy = load_policy(ORG)
    with pytest.raises(lr.RecordError) as caught:
        policy.classify({"client_id": "c1", "tax_rank": "150", "credit": 1}, validate=True)
    assert "`150` is a `str`, and text is not an int" in str(caught.value)
    assert caught.value.render("zh") == (
        "记录 c1，字段“省内利税排名”（`tax_rank`）：`150` 是 `str`，而文本不是整数：记录中应放有"
        "类型的值；文本单元格请用 `policy.schema(...).from_text(row)` 转换，或直接传入整数"
    )


def test_a_value_refused_in_a_list_file_says_why_in_chinese(
    policy_error: Callable[..., lr.PolicyError],
) -> None:
    error = policy_error(
        'list R: int from "r.csv" column "rank"\n' + ORG.replace("tax_rank <= 200", "1 in R"),
        files={"r.csv": "rank\n1\nabc\n"},
    )
    (found,) = [d for d in error.errors if d.file == "r.csv"]
    assert found.message == "row 3: `abc` is not a number"
    assert render(found.message, "zh") == "第 3 行：`abc` 不是数字"


def test_an_explanation_is_english_as_text_and_chinese_when_rendered(
    load_policy: Callable[..., lr.Policy],
) -> None:
    policy = load_policy(ORG)
    explanation = policy.explain({"client_id": "c1", "tax_rank": 150, "credit": 1})
    assert str(explanation) == explanation.render("en")
    assert "segment top 利税前200: IN, by r" in str(explanation)
    chinese = explanation.render("zh").splitlines()
    assert "客户群 top 利税前200：属于，依据 r" in chinese
    assert "  ✓ 规则 r 排名前200" in chinese
    assert explanation.short("zh").splitlines()[1:] == [
        "客户群 top 利税前200：属于，依据 r",
        "  ✓ r 排名前200：✓ 省内利税排名 150 <= 200",
    ]
