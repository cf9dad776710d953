"""The house: imports run one way through the stages, nothing imports in a circle, and no
module or class outgrows what a reader can hold.

Read from the source text (every `import`, including those under `TYPE_CHECKING` and
inside functions), so a back-up import fails here before it is a tangle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "linkage_rules"

STAGES = (
    "messages",
    "language",
    "io",
    "checking",
    "explain",
    "backends",
    "scoring",
    "measures",
    "batch",
    "examples",
    "api",
    "lifecycle",
    "reports",
)
"""From the bottom up: a module may import its own stage and those below it, never above.
`__init__` (the public names), `cli` and `spark` (the optional Spark runner) stand on top of
everything."""

TOP = ("cli", "spark")

MAX_FILE_LINES = 500
MAX_CLASS_LINES = 300

STILL_TOO_LONG: dict[str, int] = {}
"""Files not yet split, at the size they had when this list was made: each may only
shrink, and one that comes within the budget must leave the list (the test says so)."""

STILL_TOO_LONG_CLASSES: dict[str, int] = {}
"""Classes not yet split, on the same terms."""


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that `name` imports, resolved from relative imports."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            candidates = [target] + [f"{target}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            continue
        found.update(c for c in candidates if c in known and c != name)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _stage(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in TOP:
        return len(STAGES)  # the public names and the command line: the top floor
    return STAGES.index(parts[1])


def test_every_module_belongs_to_a_stage() -> None:
    for module in _modules():
        parts = module.split(".")
        assert len(parts) == 1 or parts[1] in (*STAGES, *TOP), f"{module} is in no stage"


def test_imports_never_run_back_up_the_stages() -> None:
    back_up = [
        f"{importer} ({STAGES[_stage(importer)] if _stage(importer) < len(STAGES) else 'top'})"
        f" imports {imported} ({STAGES[_stage(imported)]})"
        for importer, imports in _graph().items()
        for imported in imports
        if _stage(imported) > _stage(importer)
    ]
    assert back_up == []


def test_no_module_imports_itself_in_a_circle() -> None:
    graph = _graph()
    circles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for imported in sorted(graph[module]):
            if state.get(imported) == 1:
                circles.append([*path[path.index(imported) :], imported])
            elif imported not in state:
                visit(imported)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert circles == []


def test_the_test_sees_the_imports_it_checks() -> None:
    """A guard on the guard: the graph holds imports we know are there."""
    graph = _graph()
    assert "linkage_rules.language.model" in graph["linkage_rules.checking.checker"]
    assert "linkage_rules.backends.runtime" in graph["linkage_rules.backends.python.emitter"]
    assert "linkage_rules.api" in graph["linkage_rules"]


@pytest.mark.parametrize("module", sorted(_modules()))
def test_no_file_is_too_long_to_read(module: str) -> None:
    lines = _modules()[module].read_text(encoding="utf-8").count("\n")
    if module in STILL_TOO_LONG:
        assert lines > MAX_FILE_LINES, f"{module} is within budget: take it off STILL_TOO_LONG"
        assert lines <= STILL_TOO_LONG[module], f"{module} grew to {lines} lines"
    else:
        assert lines <= MAX_FILE_LINES, f"{module} has {lines} lines"


@pytest.mark.parametrize("module", sorted(_modules()))
def test_no_class_is_too_long_to_read(module: str) -> None:
    tree = ast.parse(_modules()[module].read_text(encoding="utf-8"))
    sizes = {
        node.name: node.end_lineno - node.lineno + 1
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and node.end_lineno is not None
    }
    long = [
        f"{name}: {lines} lines"
        for name, lines in sizes.items()
        if lines > STILL_TOO_LONG_CLASSES.get(name, MAX_CLASS_LINES)
    ]
    assert long == []
    within = [
        name for name in STILL_TOO_LONG_CLASSES if name in sizes and sizes[name] <= MAX_CLASS_LINES
    ]
    assert within == [], "within budget: take them off STILL_TOO_LONG_CLASSES"


def test_the_visitors_know_every_expression_class() -> None:
    """The visitor's lists of node classes are the model's and the syntax's unions."""
    import typing

    from linkage_rules.language import model as m
    from linkage_rules.language import syntax as n
    from linkage_rules.language import visitor

    assert set(visitor.EXPR_CLASSES) == set(typing.get_args(m.TExpr))
    assert set(visitor.SYNTAX_CLASSES) == set(typing.get_args(n.Expr))


def test_a_visitor_missing_a_class_is_refused_when_defined() -> None:
    from linkage_rules.language.visitor import ExprVisitor

    with pytest.raises(TypeError, match="visit_Const"):

        class Incomplete(ExprVisitor[int]):
            def visit_FieldRef(self, node: object) -> int:
                return 0


def test_the_two_backends_do_not_import_each_other() -> None:
    """The generated code and the tracer share what they must through `backends` modules
    beside them (the runtime, the scoring contract), never one through the other."""
    packages = ("linkage_rules.backends.python", "linkage_rules.backends.interpreter")
    crossing = [
        f"{importer} imports {imported}"
        for importer, imports in _graph().items()
        for imported in imports
        for own, other in (packages, packages[::-1])
        if importer.startswith(own) and imported.startswith(other)
    ]
    assert crossing == []
