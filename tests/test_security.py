"""Escape attempts: user text stays inert data; a rule file can never run, import or reach Python.

Safety comes from a language with nothing dangerous in it, and from generated code that
holds user text only as `repr()` literals under generated names; these tests try to break
both promises.
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import HEADER

import linkage_rules as lr


def payloads(sentinel: Path) -> list[str]:
    """Texts that would do harm if any of them were ever evaluated or formatted as code."""
    path = sentinel.as_posix()
    return [
        f"__import__('os').system('touch {path}')",
        f'__import__("os").system("touch {path}")',
        f'"""; __import__(\'os\').system(\'touch {path}\'); """',
        f"'''+open('{path}','w').write('x')+'''",
        "{x}",
        "{0.__class__.__mro__}",
        "{__import__}",
        "%s%s%s",
        "f\"{__import__('os')}\"",
        "\\x00\\n\\'\\\"",
        "line one\nline two",
        "back\\slash",
        'quote " inside',
        "');exec('1",
        "__class__.__subclasses__()",
    ]


def rule_string(text: str) -> str:
    """`text` as a rule-file string literal (escape backslash, quote, newline)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def hostile_policy(texts: list[str], folder: Path) -> lr.Policy:
    """A policy whose labels, strings, list items, outputs and examples all carry `texts`."""
    (folder / "lists").mkdir(exist_ok=True)
    csv_lines = ["name"] + ['"' + t.replace('"', '""') + '"' for t in texts]
    (folder / "lists" / "evil.csv").write_text("\n".join(csv_lines) + "\n", encoding="utf-8")
    lits = [rule_string(t) for t in texts]
    label = lits[0]
    rules = "\n".join(f"  rule r{i} {lit}: name == {lit}" for i, lit in enumerate(lits))
    rows = "\n".join(f"  name == {lit} => {lit} {lit}" for lit in lits)
    examples = "\n".join(
        f"example {lit} {{ given Org {{ name: {lit} }} expect evil by r{i}, listed "
        f"expect outputs == {lit} }}"
        for i, lit in enumerate(lits)
    )
    text = (
        f"policy evil {label} {{ version {label} effective 2024-01-01 }}\n"
        f"enum Kind {label} {{ a {label}, b {lits[1]} }}\n"
        f"entity Org {label} {{ name: text {label}  kind: Kind? {lits[2]} }}\n"
        f"param P: text = {lits[3]} {label}\n"
        f"list INLINE: text = [{', '.join(lits)}] {label}\n"
        f'list FILED: text from "lists/evil.csv" column "name" {label}\n'
        f"segment evil {label} for Org where name in INLINE and name in FILED {{\n{rules}\n"
        f"  rule listed {label}: name != P or name == P\n}}\n"
        f"table outputs {label} for Org hit first {{\n{rows}\n}}\n"
        f"{examples}\n"
    )
    return lr.loads(text, name="evil.rules", base_dir=folder)


GENERATED_NAME = re.compile(r"^_[A-Za-z][A-Za-z_]*\d*$")
BACKEND_FUNCTION = re.compile(r"^[a-z]+(_[a-z]+)*$")


def assert_generated_code_is_tame(source: str) -> None:
    """Generated source: generated names only, no imports, no `_` attributes, no dunders."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        assert not isinstance(node, (ast.Import, ast.ImportFrom, ast.Lambda, ast.Global))
        assert not isinstance(node, ast.JoinedStr), "generated code must not hold f-strings"
        if isinstance(node, ast.Name):
            assert GENERATED_NAME.match(node.id), node.id
            assert not node.id.startswith("__"), node.id
        elif isinstance(node, ast.Attribute):
            assert not node.attr.startswith("_"), node.attr
        elif isinstance(node, ast.FunctionDef):
            assert BACKEND_FUNCTION.match(node.name), node.name
        elif isinstance(node, ast.arg):
            assert GENERATED_NAME.match(node.arg), node.arg


# ---- user text stays inert ---------------------------------------------------


def test_hostile_text_is_data_everywhere(tmp_path: Path) -> None:
    sentinel = tmp_path / "pwned"
    texts = payloads(sentinel)
    policy = hostile_policy(texts, tmp_path)
    for i, text in enumerate(texts):
        record = {"name": text}
        result = policy.classify(record)
        assert result == policy.interpret(record)
        assert result.matches["evil"] == (f"r{i}", "listed")
        assert result.tables["outputs"] == text
        explanation = policy.explain(record)
        rendered = str(explanation)
        assert texts[0] in rendered  # labels appear verbatim
        assert f"✓ rule r{i} {text}" in rendered
        data = explanation.to_dict()
        assert json.loads(json.dumps(data)) == data
        assert data["tables"][0]["output"] == text
    report = policy.run_examples()
    assert report.passed, [r.failures for r in report.failed]
    assert [r.title for r in report.results] == texts
    assert not sentinel.exists()


def test_hostile_text_keeps_its_exact_value_in_the_model(tmp_path: Path) -> None:
    texts = payloads(tmp_path / "pwned")
    policy = hostile_policy(texts, tmp_path)
    assert policy.label == texts[0] and policy.version == texts[0]
    inline, filed = policy.model.lists
    assert inline.items == tuple(texts) and filed.items == tuple(texts)
    assert [r.label for r in policy.model.segments[0].rules][: len(texts)] == texts
    assert policy.model.params[0].value == texts[3]


def test_generated_source_holds_user_text_only_as_literals(tmp_path: Path) -> None:
    sentinel = tmp_path / "pwned"
    policy = hostile_policy(payloads(sentinel), tmp_path)
    source = policy.generated_source()
    assert_generated_code_is_tame(source)
    strings = {
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    assert set(payloads(sentinel)) <= strings  # the payloads are there, as plain constants
    assert not sentinel.exists()


def test_generated_source_of_an_ordinary_policy_is_tame() -> None:
    policy = lr.loads(
        HEADER
        + "enum D { a, b }\n"
        + "entity E { id: text  x: int?  d: D  m: money  t: text? }\n"
        + "list L: int = [1, 2]\n"
        + "segment s for E where d == a { rule r: x in L or m / 2 > 1亿 or len(t) > 2 }\n"
        + "table u for E hit unique { x > 1 => p  otherwise => q }\n"
        + "table c for E hit collect { x > 1 => p  round(m, 2) > 0 => q }\n"
    )
    assert_generated_code_is_tame(policy.generated_source())


# ---- dangerous names are rejected or harmless --------------------------------


DANGEROUS_FIELDS = [
    "__class__",
    "__builtins__",
    "__import__",
    "_x",
    "exec",
    "eval",
    "classify",
    "_r",
    "_f0",
    "_f1",
    "_m",
    "_t",
    "_h",
    "_o",
    "_c0",
    "_tuple",
    "_compare",
    "_new",
    "_Classification",
    "__init__",
    "self",
    "None",
    "True",
    "import",
]


def test_python_names_as_field_rule_and_table_names_are_harmless(tmp_path: Path) -> None:
    sentinel = tmp_path / "pwned"
    fields = "  ".join(f"{name}: int?" for name in DANGEROUS_FIELDS)
    rules = "\n".join(f"  rule {name}: {name} > 0" for name in DANGEROUS_FIELDS)
    policy = lr.loads(
        HEADER
        + f"entity E {{ id: text  {fields} }}\n"
        + f"segment __class__ for E {{\n{rules}\n}}\n"
        + "table __import__ for E hit collect { _r > 0 => exec  __class__ > 0 => __builtins__ }\n"
    )
    record: dict[str, object] = {"id": "a", **dict.fromkeys(DANGEROUS_FIELDS, 0)}
    record["_r"] = record["__class__"] = record["exec"] = 1
    result = policy.classify(record)
    assert result == policy.interpret(record)
    assert result.matches == {"__class__": ("__class__", "exec", "_r")}
    assert result.tables == {"__import__": ("exec", "__builtins__")}
    assert_generated_code_is_tame(policy.generated_source())
    assert not sentinel.exists()


@pytest.mark.parametrize(
    "condition",
    [
        "x.__class__ == 1",
        "x.__class__.__mro__ == 1",
        't.upper() == "A"',
        '__import__("os") == 1',
        'exec("print(1)") == 1',
        'eval("1") == 1',
        'getattr(x, "__class__") == 1',
        "open(t) == 1",
        "x[0] == 1",
        "t[0:1] == t",
        "lambda: 1",
        '"".join(t) == t',
        'f"{x}" == t',
        "import os",
        "__builtins__ == 1",
        "x ** 2 > 1",
        "x if x else 1",
        "x; y",
        "(x := 1) == 1",
        "[c for c in t] == []",
        "{1: 2} == x",
        "`x` == 1",
        "x == 1 # comment\n } import os {",
    ],
)
def test_no_syntax_reaches_python(condition: str, tmp_path: Path) -> None:
    with pytest.raises(lr.PolicyError) as caught:
        lr.loads(
            HEADER + "entity E { x: int  t: text }\n" + f"segment s for E {{ rule r: {condition} }}"
        )
    assert all(d.line >= 1 for d in caught.value.errors)


@pytest.mark.parametrize(
    "declaration",
    [
        "import os",
        "from os import system",
        'exec "print(1)"',
        "def f(): pass",
        "class X: pass",
        "__import__('os')",
        "param P: text = __import__",
    ],
)
def test_no_declaration_reaches_python(declaration: str) -> None:
    with pytest.raises(lr.PolicyError):
        lr.loads(HEADER + declaration)


@pytest.mark.parametrize("where", ["absolute", "../secret.csv", "lists/../../secret.csv"])
def test_list_files_cannot_be_read_from_outside_the_policy_folder(
    where: str, tmp_path: Path
) -> None:
    folder = tmp_path / "policy"
    (folder / "lists").mkdir(parents=True)
    secret = tmp_path / "secret.csv"
    secret.write_text("name\nTOP-SECRET-VALUE\n", encoding="utf-8")
    path = secret.as_posix() if where == "absolute" else where
    with pytest.raises(lr.PolicyError) as caught:
        lr.loads(HEADER + f'list L: text from "{path}"', base_dir=folder)
    assert caught.value.errors[0].message == f"`{path}` is outside the policy folder"
    assert "TOP-SECRET-VALUE" not in caught.value.render("human")


def test_a_label_cannot_close_its_string(tmp_path: Path) -> None:
    sentinel = tmp_path / "pwned"
    label = rule_string(
        f'" }}\nsegment x for E {{ rule r: __import__("os").system("touch {sentinel}")'
    )
    policy = lr.loads(
        HEADER + f"entity E {label} {{ x: int }}\nsegment s for E {{ rule r: x > 1 }}"
    )
    assert [s.name for s in policy.model.segments] == ["s"]
    assert policy.model.entities[0].label is not None
    assert "__import__" in policy.model.entities[0].label
    assert policy.classify({"x": 2}).segments == {"s"}
    assert not sentinel.exists()


def test_records_with_hostile_keys_and_values_are_refused_or_inert(tmp_path: Path) -> None:
    sentinel = tmp_path / "pwned"
    policy = lr.loads(HEADER + 'entity E { t: text }\nsegment s for E { rule r: t == "a" }')
    with pytest.raises(lr.RecordError) as caught:
        policy.classify({"t": "a", "__class__": "x"}, validate=True)
    assert caught.value.field == "__class__"
    # the default checks the fields the rules read: a key that is no field is inert
    assert policy.classify({"t": "a", "__class__": "x"}).segments == {"s"}
    hostile = f"__import__('os').system('touch {sentinel}')"
    assert policy.classify({"t": hostile}).segments == frozenset()
    row = policy.schema().from_text({"t": hostile})
    assert row == {"t": hostile}
    assert not sentinel.exists()


def test_numbers_of_thousands_of_digits_are_handled_not_crashed() -> None:
    huge = "9" * 5000
    text = (
        'policy p { version "1" }\n'
        "entity E { x: int  m: money }\n"
        f"segment s for E {{ rule r: x > {huge} or m > {huge}元 }}\n"
    )
    policy = lr.loads(text, name="huge.rules")
    record = {"x": 10**5000, "m": Decimal(5)}
    assert policy.classify(record).segments == {"s"}
    explanation = policy.explain(record)
    assert huge in str(explanation)
    json.dumps(explanation.to_dict())


def test_the_core_library_needs_only_lark_and_attrs() -> None:
    """`rich` is for the command line; embedding the library must not import it."""
    import subprocess
    import sys

    code = (
        "import sys, linkage_rules as lr; lr.load('policies/cross_selling'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'click')))"
    )
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# ---- no code from outside the package: the parse tables ------------------------------------


_PLANTED_PICKLE_LOAD = r"""
import hashlib, os, pickle, sys, tempfile

import lark

sentinel = sys.argv[1]
seen = []


def audit(event, args):
    if event == "pickle.find_class":
        seen.append(f"pickle.find_class {args!r}")
    elif event == "open" and isinstance(args[0], str) and args[0].startswith(
        tempfile.gettempdir()
    ):
        seen.append(f"open {args[0]}")


class Payload:
    def __reduce__(self):
        return (os.system, (f"touch {sentinel}",))


# Where lark's `cache=True` looks: its name is predictable from the grammar and the options.
from importlib import resources

language = resources.files("linkage_rules.language")
grammar = language.joinpath("grammar.lark").read_text(encoding="utf-8")
options = "parserlalrlexercontextualkeep_all_tokensTruemaybe_placeholdersTruecacheTrue"
digest = hashlib.sha256(
    (grammar + options + lark.__version__ + str(sys.version_info[:2])).encode("utf8")
).hexdigest()
import getpass

path = tempfile.gettempdir() + "/.lark_cache_%s_%s_%s_%s.tmp" % (
    getpass.getuser(), digest, *sys.version_info[:2]
)
with open(path, "wb") as planted:
    planted.write(digest.encode("utf8") + b"\n")
    pickle.dump(Payload(), planted)
sys.addaudithook(audit)

import linkage_rules

policy = linkage_rules.loads(
    'policy p "p" { version "1" effective 2024-01-01 }\n'
    "entity E { x: int }\n"
    "segment s for E { rule r: x > 1 }\n"
)
assert policy.classify({"x": 2}).segments
print("\n".join(seen))
"""


def test_a_pickle_planted_in_the_temp_folder_is_never_loaded(tmp_path: Path) -> None:
    """Another local user can write the temp folder: nothing there may be unpickled.

    The parser once cached lark's tables as a pickle under a predictable name there; a
    pickle planted at that name ran `os.system` during `loads`.
    """
    import os
    import subprocess
    import sys

    sentinel = tmp_path / "ran"
    temp = tmp_path / "temp"
    temp.mkdir()
    script = tmp_path / "plant.py"
    script.write_text(_PLANTED_PICKLE_LOAD, encoding="utf-8")
    env = {**os.environ, "TMPDIR": str(temp), "TEMP": str(temp), "TMP": str(temp)}
    src = Path(lr.__file__).resolve().parent.parent
    env["PYTHONPATH"] = os.pathsep.join([str(src), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, str(script), str(sentinel)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert not sentinel.exists(), "the planted pickle ran"
    assert done.stdout.strip() == "", f"the load touched the temp folder: {done.stdout}"
    assert len(list(temp.iterdir())) == 1  # the planted file; nothing written there either


# ---- the edges of loading: a clear PolicyError, never a traceback --------------------------

_EDGE = HEADER + "entity E { x: int  t: text }\nsegment s for E { rule r: x > 1 }\n"


def _printable(error: lr.PolicyError) -> str:
    """The error as the CLI prints it: it must encode as UTF-8 (no lone surrogates)."""
    text = error.render("human") + "\n" + str(error)
    text.encode("utf-8")
    return text


@pytest.mark.skipif(os.name == "nt" or sys.platform == "darwin", reason="needs bytes file names")
def test_a_rule_file_whose_name_is_not_utf8_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "ok.rules").write_text(_EDGE, encoding="utf-8")
    with open(os.path.join(os.fsencode(tmp_path), b"\xff\xfe.rules"), "wb") as file:
        file.write(b"# a rule file with a Latin-1 name\n")
    with pytest.raises(lr.PolicyError) as caught:
        lr.load(tmp_path)
    (error,) = caught.value.errors
    assert error.code == "encoding"
    assert error.message == "the file name `\\xff\\xfe.rules` is not UTF-8"
    assert "\\xff\\xfe.rules" in _printable(caught.value)


@pytest.mark.parametrize("where", ["string", "label", "comment", "code"])
def test_a_lone_surrogate_in_loads_text_is_refused_at_its_place(where: str) -> None:
    bad = "\ud800"
    text = {
        "string": f'segment s for E {{ rule r: t == "a{bad}b" }}\n',
        "label": f'segment s "{bad}" for E {{ rule r: x > 1 }}\n',
        "comment": f"# {bad}\nsegment s for E {{ rule r: x > 1 }}\n",
        "code": f"segment s for E {{ rule r: t == {bad} }}\n",
    }[where]
    source = HEADER + "entity E { x: int  t: text }\n" + text
    with pytest.raises(lr.PolicyError) as caught:
        lr.loads(source, name="p.rules")
    (error,) = caught.value.errors
    assert error.code == "encoding"
    assert error.message == "`\\ud800` is not a character (a lone surrogate)"
    line = source.count("\n", 0, source.index(bad)) + 1
    assert (error.file, error.line) == ("p.rules", line)
    assert error.column == source.index(bad) - source.rfind("\n", 0, source.index(bad))
    _printable(caught.value)


def test_a_lone_surrogate_in_the_name_given_to_loads_is_refused() -> None:
    with pytest.raises(lr.PolicyError) as caught:
        lr.loads(_EDGE, name="p\udcff.rules")
    (error,) = caught.value.errors
    assert error.message == "the name `p\\udcff.rules` is not text (it holds a lone surrogate)"
    _printable(caught.value)


@pytest.mark.parametrize("path", ["a\x00b.csv", "lists/\x00", "\x00"])
def test_a_nul_in_a_list_path_is_refused(tmp_path: Path, path: str) -> None:
    text = _EDGE + f'list L: text from "{path}"\n'
    with pytest.raises(lr.PolicyError) as caught:
        lr.loads(text, name="p.rules", base_dir=tmp_path)
    (error,) = caught.value.errors
    assert error.code == "list-file" and error.line == 4
    _printable(caught.value)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_a_rule_file_linked_from_outside_the_policy_folder_is_refused_unread(
    tmp_path: Path,
) -> None:
    """Rule files get the confinement of list files: a link out of the folder is not read,
    and nothing of what it points at is echoed (it was `/etc/passwd` line 1)."""
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:do-not-echo\n", encoding="utf-8")
    folder = tmp_path / "policy"
    folder.mkdir()
    (folder / "main.rules").write_text(_EDGE, encoding="utf-8")
    (folder / "evil.rules").symlink_to(secret)
    with pytest.raises(lr.PolicyError) as caught:
        lr.load(folder)
    (error,) = caught.value.errors
    assert error.code == "io" and error.file.endswith("evil.rules")
    assert error.message == "this rule file is a link to a file outside the policy folder"
    assert "do-not-echo" not in _printable(caught.value)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_a_rule_file_linked_inside_the_policy_folder_is_read(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "main.txt").write_text(_EDGE, encoding="utf-8")
    (tmp_path / "main.rules").symlink_to(tmp_path / "rules" / "main.txt")
    assert lr.load(tmp_path).classify({"x": 2, "t": ""}).segments == {"s"}


def test_a_rules_entry_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "main.rules").write_text(_EDGE, encoding="utf-8")
    (tmp_path / "more.rules").mkdir()
    with pytest.raises(lr.PolicyError) as caught:
        lr.load(tmp_path)
    (error,) = caught.value.errors
    assert error.message == "this is not a regular file" and error.file.endswith("more.rules")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_rules_entry_that_is_a_named_pipe_is_refused_not_waited_on(tmp_path: Path) -> None:
    (tmp_path / "main.rules").write_text(_EDGE, encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.rules")
    with pytest.raises(lr.PolicyError) as caught:
        lr.load(tmp_path)
    (error,) = caught.value.errors
    assert error.message == "this is not a regular file" and error.file.endswith("pipe.rules")
    with pytest.raises(lr.PolicyError) as caught:
        lr.load(tmp_path / "pipe.rules")
    assert caught.value.errors[0].message == "this is not a regular file"


def test_an_unreadable_rule_file_is_a_policy_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "main.rules").write_text(_EDGE, encoding="utf-8")

    def denied(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(lr.PolicyError) as caught:
        lr.load(tmp_path)
    assert caught.value.errors[0].message == "cannot read the rule file: permission denied"


def test_a_huge_rule_file_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from linkage_rules.io import rule_files

    monkeypatch.setattr(rule_files, "MAX_RULE_FILE_BYTES", 1000)
    (tmp_path / "main.rules").write_text(_EDGE + "#" * 2000 + "\n", encoding="utf-8")
    with pytest.raises(lr.PolicyError) as caught:
        lr.load(tmp_path / "main.rules")
    assert caught.value.errors[0].message.startswith("the rule file is larger than")


@pytest.mark.parametrize("function", ["min", "max"])
@pytest.mark.parametrize("count", [2, 99, 100, 1000])
def test_min_and_max_take_any_number_of_arguments(function: str, count: int) -> None:
    args = ", ".join(f"x + {i}" for i in range(count))
    value = 5 + (count - 1 if function == "max" else 0)
    text = f"entity E {{ x: int }}\nsegment s for E {{ rule r: {function}({args}) == {value} }}\n"
    policy = lr.loads(HEADER + text)
    assert policy.classify({"x": 5}).segments == {"s"}
    assert policy.classify({"x": 6}).segments == frozenset()


def test_min_with_one_argument_says_how_many_it_takes() -> None:
    with pytest.raises(lr.PolicyError) as caught:
        lr.loads(HEADER + "entity E { x: int }\nsegment s for E { rule r: min(x) > 1 }\n")
    assert caught.value.errors[0].message == "`min` takes 2 or more arguments, got 1"
