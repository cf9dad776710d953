"""The manifest each run writes beside its outputs, and `linkage-rules verify`, which replays
it: what the manifest records (every hash equal to the file's), that a re-run gives the same
bytes, and what verify says after a one-byte change to an input, a policy file or an output.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import linkage_rules as lr
from linkage_rules.checking.checker import fingerprint
from linkage_rules.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "policies" / "cross_selling"
EXAMPLES = ROOT / "examples"
SAMPLE_INPUTS = ("sales.csv", "projects.csv", "targets.csv", "committee_splits.csv")
SCORE = (
    "score",
    "policy",
    "--sales",
    "examples/sales.csv",
    "--projects",
    "examples/projects.csv",
    "--targets",
    "examples/targets.csv",
    "--input",
    "committee_splits=examples/committee_splits.csv",
    "--pool",
    "1000000",
    "--month",
    "2026-11",
    "-o",
    "out/score",
)
CLASSIFY = ("classify", "policy", "examples/clients.csv", "-o", "out/clients_classified.csv")


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped policy and sample inputs, the working directory of the runs."""
    shutil.copytree(POLICY, tmp_path / "policy")
    (tmp_path / "examples").mkdir()
    for name in (*SAMPLE_INPUTS, "clients.csv", "payroll_clients.csv"):
        shutil.copyfile(EXAMPLES / name, tmp_path / "examples" / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest(path: Path) -> dict[str, object]:
    document = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes (links as what they point to)."""
    return {
        str(p.relative_to(folder)): (
            b"-> " + os.readlink(p).encode() if p.is_symlink() else p.read_bytes()
        )
        for p in sorted(folder.rglob("*"))
        if p.is_file() or p.is_symlink()
    }


def verify(capsys: pytest.CaptureFixture[str], path: str | Path) -> tuple[int, dict, str]:
    """verify PATH in JSON (parsed), and in human form (its text)."""
    code, out, err = run(capsys, "--format", "json", "verify", path)
    document = json.loads(out) if out.strip() else {}
    again, human, err2 = run(capsys, "verify", path)
    assert again == code
    return code, document, human + err + err2


def statuses(document: dict, key: str) -> dict[str, str]:
    return {
        c.get("name", c.get("path")): c["status"] for m in document["manifests"] for c in m[key]
    }


# ---- what the manifest records -----------------------------------------------------------


def test_the_score_manifest_records_the_run(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *SCORE)
    assert code == 0
    text = (work / "out/score/manifest.json").read_text(encoding="utf-8")
    document = json.loads(text)
    assert (
        text.endswith("}\n")
        and text == json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
    )
    assert not re.search(r"\d\d:\d\d:\d\d|20\d\d-\d\d-\d\dT", text)  # no timestamp anywhere
    assert document["manifest"] == 1
    assert document["engine"] == {"name": "linkage_rules", "version": lr.__version__}
    assert document["command"] == "score"
    assert document["working_directory"] == "../.."
    assert document["as_of"] is None
    arguments = document["arguments"]
    assert arguments["sales"] == "examples/sales.csv" and arguments["output"] == "out/score"
    assert arguments["input"] == ["committee_splits=examples/committee_splits.csv"]
    # the policy: its fingerprint, and each file it was built from, as on disk
    policy = document["policy"]
    assert policy["fingerprint"] == lr.load("policy").fingerprint
    assert policy["base"] is None and policy["name"] == "cross_selling"
    files = {f["path"]: f for f in policy["files"]}
    assert {p.name for p in (work / "policy").glob("*.rules")} <= set(files)
    assert {"lists/universities_211.csv", "lists/universities_211.meta", "products.csv"} <= set(
        files
    )
    for name, entry in files.items():
        assert entry["sha256"] == sha(work / "policy" / name)
        assert entry["size"] == (work / "policy" / name).stat().st_size
    parts = [
        (Path(n).name if n.endswith(".rules") else n, (work / "policy" / n).read_bytes())
        for n in files
    ]
    assert fingerprint(parts) == policy["fingerprint"]  # exactly the fingerprinted files
    # the inputs: hashes, and the rows the command printed
    inputs = {i["option"]: i for i in document["inputs"]}
    assert sorted(inputs) == ["committee_splits", "projects", "sales", "targets"]
    for entry in inputs.values():
        assert entry["sha256"] == sha(work / entry["path"])
    counted = re.search(r"rows of examples/sales.csv: (\d+) read = (\d+) written \+ (\d+)", out)
    assert counted is not None
    read, written, rejected = (int(n) for n in counted.groups())
    assert inputs["sales"]["rows"] == {"read": read, "written": written, "rejected": rejected}
    assert read == 3000
    assert inputs["targets"]["rows"] == {"read": 22, "written": None, "rejected": 0}
    # the outputs: every file of the folder, each hash the file's
    outputs = {o["name"]: o for o in document["outputs"]}
    written_files = {p.name for p in (work / "out/score").iterdir()} - {"manifest.json"}
    assert set(outputs) == written_files and "summary.json" in outputs
    for name, entry in outputs.items():
        assert entry["sha256"] == sha(work / "out/score" / name)


def test_the_classify_manifest_is_beside_its_output(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--format", "json", *CLASSIFY)
    assert code == 0
    summary = json.loads(out)
    document = manifest(work / "out/clients_classified.manifest.json")
    assert document["command"] == "classify" and document["working_directory"] == ".."
    (data,) = document["inputs"]
    assert data["option"] == "data" and data["sha256"] == sha(work / "examples/clients.csv")
    rows = data["rows"]
    assert rows["read"] == rows["written"] + rows["rejected"] == 3000
    assert json.dumps(summary).count(str(rows["written"])) >= 1
    names = [o["name"] for o in document["outputs"]]
    assert names == ["clients_classified.csv", "clients_classified.rejected.csv"]
    # a second run into the same folder keeps a manifest of its own
    code, _, _ = run(capsys, "classify", "policy", "examples/clients.csv", "-o", "out/other.csv")
    assert (work / "out/other.manifest.json").is_file()
    assert (work / "out/clients_classified.manifest.json").is_file()


def test_without_an_output_there_is_no_manifest(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = run(capsys, "classify", "policy", "examples/clients.csv")
    assert code == 0
    assert not list(work.rglob("*manifest.json"))


def test_a_rerun_writes_the_same_bytes(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, *SCORE)
    run(capsys, *CLASSIFY)
    run(capsys, "measure", "policy", "examples/payroll_clients.csv", "-o", "out/payroll.csv")
    first = snapshot(work / "out")
    assert "score/manifest.json" in first and "payroll.manifest.json" in first
    run(capsys, *SCORE)
    run(capsys, *CLASSIFY)
    run(capsys, "measure", "policy", "examples/payroll_clients.csv", "-o", "out/payroll.csv")
    assert snapshot(work / "out") == first


def test_the_outputs_do_not_depend_on_the_hash_seed(work: Path) -> None:
    """Sets and dicts of strings iterate in another order in another process."""
    seen = []
    for seed in ("1", "4242"):
        environment = {**os.environ, "PYTHONHASHSEED": seed}
        for argv in (SCORE, CLASSIFY):
            subprocess.run(
                [sys.executable, "-m", "linkage_rules.cli", *argv],
                cwd=work,
                env=environment,
                capture_output=True,
                check=False,
            )
        seen.append(snapshot(work / "out"))
    assert seen[0] == seen[1]
    assert "score/ledger.csv" in seen[0]


# ---- verify --------------------------------------------------------------------------------


def test_verify_an_untouched_folder(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, *SCORE)
    run(capsys, *CLASSIFY)
    before = snapshot(work)
    code, document, human = verify(capsys, "out")
    assert code == 0 and document["ok"] is True
    assert len(document["manifests"]) == 2
    assert set(statuses(document, "outputs").values()) == {"identical"}
    assert set(statuses(document, "inputs").values()) == {"unchanged"}
    assert "2 of 2 run(s) reproduced" in human
    assert snapshot(work) == before  # verify wrote nothing


def test_verify_from_another_working_directory(
    work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run(capsys, *SCORE)
    elsewhere = work / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)
    code, document, _ = verify(capsys, "../../out/score/manifest.json")
    assert code == 0 and document["ok"] is True


def test_verify_after_a_one_byte_change_to_an_input(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, *SCORE)
    sales = work / "examples/sales.csv"
    data = sales.read_bytes()
    line = data.split(b"\n")[1]  # the first sale: its income 33353.71
    assert b",33353.71," in line
    sales.write_bytes(data.replace(line, line.replace(b",33353.71,", b",33354.71,"), 1))
    code, document, human = verify(capsys, "out/score")
    assert code == 1 and document["ok"] is False
    assert statuses(document, "inputs") == {
        "examples/sales.csv": "changed",
        "examples/projects.csv": "unchanged",
        "examples/targets.csv": "unchanged",
        "examples/committee_splits.csv": "unchanged",
    }
    assert set(statuses(document, "policy_files").values()) == {"unchanged"}
    outputs = statuses(document, "outputs")
    differ = {name for name, status in outputs.items() if status == "differs"}
    assert differ and differ <= set(outputs)
    assert "input changed since the run: examples/sales.csv (--sales)" in human
    for name in differ:
        assert f"differs: {name}" in human


def test_verify_after_a_change_to_a_policy_list_file(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, *CLASSIFY)
    picks = work / "policy/lists/committee_picks/2024-01-01.csv"
    lines = picks.read_text(encoding="utf-8").splitlines(keepends=True)
    picks.write_text("".join(lines[:-1]), encoding="utf-8")  # one pick fewer
    code, document, human = verify(capsys, "out")
    assert code == 1
    policy_files = statuses(document, "policy_files")
    name = "lists/committee_picks/2024-01-01.csv"
    assert policy_files[name] == "changed"
    assert [n for n, s in policy_files.items() if s != "unchanged"] == [name]
    assert set(statuses(document, "inputs").values()) == {"unchanged"}
    assert f"policy file changed since the run: {name}" in human


def test_verify_names_a_rule_file_added_to_the_policy(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, *CLASSIFY)
    (work / "policy/zz_more.rules").write_text("param EXTRA: int = 1\n", encoding="utf-8")
    code, document, human = verify(capsys, "out")
    assert code == 1
    assert statuses(document, "policy_files")["zz_more.rules"] == "added"
    assert "policy file added since the run: zz_more.rules" in human


def test_verify_a_deleted_and_an_edited_output(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, *SCORE)
    (work / "out/score/gates.csv").unlink()
    with (work / "out/score/ledger.csv").open("ab") as stream:
        stream.write(b"x")
    code, document, human = verify(capsys, "out/score")
    assert code == 1
    outputs = statuses(document, "outputs")
    assert outputs["gates.csv"] == "missing" and outputs["ledger.csv"] == "differs"
    assert outputs["summary.json"] == "identical"
    assert set(statuses(document, "inputs").values()) == {"unchanged"}
    assert "missing: gates.csv" in human


def test_verify_when_the_replay_stops(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A stray quote makes the sales file unreadable: the replay writes nothing, says why."""
    run(capsys, *SCORE)
    sales = work / "examples/sales.csv"
    sales.write_bytes(sales.read_bytes().replace(b"33353.71", b'33353"71', 1))
    code, document, human = verify(capsys, "out/score")
    assert code == 1
    (verdict,) = document["manifests"]
    assert verdict["stopped"] and "sales.csv" in verdict["stopped"]
    assert set(statuses(document, "outputs").values()) == {"differs"}
    assert "the replay stopped:" in human and "Traceback" not in human


def test_verify_when_an_input_is_gone(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, *CLASSIFY)
    (work / "examples/clients.csv").unlink()
    code, document, human = verify(capsys, "out")
    assert code == 1
    assert statuses(document, "inputs") == {"examples/clients.csv": "missing"}
    assert "input missing since the run: examples/clients.csv (DATA)" in human


def test_verify_a_measure_run(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "measure", "policy", "examples/payroll_clients.csv", "-o", "out/payroll.csv")
    code, document, _ = verify(capsys, "out/payroll.manifest.json")
    assert code == 0
    assert statuses(document, "outputs") == {
        "payroll.csv": "identical",
        "payroll.rejected.csv": "identical",
    }


# ---- hostile manifests and folders -----------------------------------------------------------


def _edit(path: Path, change: object) -> None:
    document = manifest(path)
    change(document)  # type: ignore[operator]
    path.write_text(json.dumps(document), encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.pop("inputs"), "`inputs`"),
        (lambda d: d["outputs"][0].update(size="12"), "`outputs[0].size`"),
        (lambda d: d["outputs"][0].update(sha256="abc"), "`outputs[0].sha256`"),
        (lambda d: d["outputs"][0].update(name="../../victim.csv"), "`outputs[0].name`"),
        (lambda d: d["policy"]["files"][0].update(path="/etc/passwd"), "`policy.files[0].path`"),
        (lambda d: d.update(command="rm"), "`command`"),
        (lambda d: d.update(manifest=99), "`manifest`"),
        (lambda d: d.update(language="fr"), "`language`"),
        (lambda d: d.update(arguments=[]), "`arguments`"),
        (lambda d: d["arguments"].update(evil="x"), "`arguments.evil`"),
        (lambda d: d["arguments"].update(skip_invalid="yes"), "`arguments.skip_invalid`"),
        (lambda d: d["arguments"].update(pool=["1"]), "`arguments.pool`"),
        (lambda d: d["arguments"].update(output=None), "`arguments.output`"),
        (lambda d: d.update(working_directory="no/such/place"), "`working_directory`"),
        (lambda d: d["engine"].update(version=3), "`engine.version`"),
    ],
)
def test_a_malformed_manifest_stops_verify_naming_the_field(
    work: Path, capsys: pytest.CaptureFixture[str], change: object, field: str
) -> None:
    run(capsys, *SCORE)
    _edit(work / "out/score/manifest.json", change)
    before = snapshot(work)
    code, _, err = run(capsys, "verify", "out/score")
    assert code == 2
    assert field in err and "manifest.json" in err
    assert snapshot(work) == before


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"not json {", "not JSON"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"[1, 2]", "not an object"),
        (b"", "not JSON"),
    ],
)
def test_a_manifest_that_is_not_one(
    work: Path, capsys: pytest.CaptureFixture[str], content: bytes, said: str
) -> None:
    (work / "out").mkdir()
    (work / "out/manifest.json").write_bytes(content)
    code, _, err = run(capsys, "verify", "out")
    assert code == 2 and said in err and "out/manifest.json" in err


def test_arguments_the_command_refuses_stop_the_replay(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A value only the command can judge: the replay says what it said, verify exits 1."""
    run(capsys, *SCORE)
    _edit(work / "out/score/manifest.json", lambda d: d["arguments"].update(month="tomorrow"))
    code, document, human = verify(capsys, "out/score")
    assert code == 1
    assert "--month" in document["manifests"][0]["stopped"]
    assert "the replay stopped:" in human


def test_a_malformed_manifest_in_json_format(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (work / "out").mkdir()
    (work / "out/manifest.json").write_text("{}", encoding="utf-8")
    code, out, _ = run(capsys, "--format", "json", "verify", "out")
    assert code == 2
    document = json.loads(out)
    assert document["ok"] is False and "`manifest`" in document["diagnostics"][0]["message"]


def test_no_manifest_or_no_path(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (work / "empty").mkdir()
    code, _, err = run(capsys, "verify", "empty")
    assert code == 2 and "no manifest" in err
    code, _, err = run(capsys, "verify", "no_such_folder")
    assert code == 2 and "no_such_folder" in err


@pytest.mark.parametrize("elsewhere", ["victim", "../victim", "VICTIM_ABSOLUTE"])
def test_a_recorded_output_elsewhere_is_never_written(
    work: Path, capsys: pytest.CaptureFixture[str], elsewhere: str
) -> None:
    """The replay writes into its temporary folder, whatever the manifest says."""
    run(capsys, *SCORE)
    victim = work.parent / "victim" if elsewhere != "victim" else work / "victim"
    victim.mkdir(exist_ok=True)
    (victim / "ledger.csv").write_text("keep me", encoding="utf-8")
    target = str(victim) if elsewhere == "VICTIM_ABSOLUTE" else elsewhere
    _edit(work / "out/score/manifest.json", lambda d: d["arguments"].update(output=target))
    before = snapshot(work), snapshot(victim)
    code, out, _ = run(capsys, "--format", "json", "verify", "out/score")
    assert (snapshot(work), snapshot(victim)) == before
    # only summary.json, which names the folder it was written to, tells the edit
    assert code == 1
    differ = [
        o["name"] for o in json.loads(out)["manifests"][0]["outputs"] if o["status"] != "identical"
    ]
    assert differ == ["summary.json"]
    assert (victim / "ledger.csv").read_text(encoding="utf-8") == "keep me"


def test_a_planted_link_at_the_manifest_is_replaced_not_written_through(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = work / "precious.txt"
    outside.write_text("keep me", encoding="utf-8")
    (work / "out/score").mkdir(parents=True)
    (work / "out/score/manifest.json").symlink_to(outside)
    code, _, _ = run(capsys, *SCORE)
    assert code == 0
    assert outside.read_text(encoding="utf-8") == "keep me"
    assert not (work / "out/score/manifest.json").is_symlink()
    assert manifest(work / "out/score/manifest.json")["command"] == "score"


def test_an_input_named_as_the_manifest_is_not_overwritten(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = work / "out/results.manifest.json"
    data.parent.mkdir()
    data.write_text('[{"client_id": "C1"}]', encoding="utf-8")
    code, _, err = run(capsys, "classify", "policy", data, "-o", "out/results.csv")
    assert code == 2 and "overwrite" in err
    assert data.read_text(encoding="utf-8") == '[{"client_id": "C1"}]'


def test_names_with_quotes_markup_and_chinese_round_trip(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = "客户 \"'<script>alert(1).csv"
    shutil.copyfile(work / "examples/clients.csv", work / "examples" / name)
    code, _, _ = run(capsys, "classify", "policy", f"examples/{name}", "-o", "out/名单.csv")
    assert code == 0
    text = (work / "out/名单.manifest.json").read_text(encoding="utf-8")
    assert name.replace('"', '\\"') in text  # kept readable, JSON-escaped
    code, document, _ = verify(capsys, "out")
    assert code == 0 and document["manifests"][0]["inputs"][0]["path"] == f"examples/{name}"


# ---- any value in any field ----------------------------------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)
_FIELDS = (
    ("manifest",),
    ("command",),
    ("arguments",),
    ("arguments", "policy"),
    ("arguments", "data"),
    ("arguments", "encoding"),
    ("arguments", "no_progress"),
    ("language",),
    ("working_directory",),
    ("engine",),
    ("policy",),
    ("policy", "files"),
    ("policy", "fingerprint"),
    ("inputs",),
    ("outputs",),
)


@pytest.fixture(scope="module")
def classified(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A classify run's folder, made once; its manifest's path."""
    work = tmp_path_factory.mktemp("hostile")
    shutil.copytree(POLICY, work / "policy")
    (work / "examples").mkdir()
    shutil.copyfile(EXAMPLES / "clients.csv", work / "examples/clients.csv")
    here = Path.cwd()
    os.chdir(work)
    try:
        assert main(list(CLASSIFY)) == 0
    finally:
        os.chdir(here)
    return work / "out/clients_classified.manifest.json"


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(field=st.sampled_from(_FIELDS), value=_JSON)
def test_any_value_in_any_field_is_refused_or_replayed_never_a_traceback(
    classified: Path, capsys: pytest.CaptureFixture[str], field: tuple[str, ...], value: object
) -> None:
    original = classified.read_bytes()
    document = json.loads(original)
    place = document
    for key in field[:-1]:
        place = place[key]
    place[field[-1]] = value
    classified.write_text(json.dumps(document), encoding="utf-8")
    try:
        code, _, _ = run(capsys, "verify", classified)  # run() asserts no traceback
    finally:
        classified.write_bytes(original)
    assert code in (0, 1, 2)


# ---- what the CLI page shows --------------------------------------------------------------


def test_the_changed_input_shown_on_the_cli_page_is_what_verify_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page's `text` block after a one-byte change is not run by the docs tests: here
    it is, with the page's files."""
    import docs_pages

    page = (ROOT / "docs/cli.md").read_text(encoding="utf-8")
    shown = re.search(r"```text\n(out/manifest.json: .*?NOT reproduced\n.*?)```", page, re.S)
    assert shown is not None
    docs_pages.write_files(tmp_path, "en")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LINKAGE_RULES_LANG", "en")
    code, _, _ = run(
        capsys,
        "score",
        "branch_scoring",
        "--sales",
        "sales_2026_11.csv",
        "--targets",
        "targets_2026.csv",
        "--month",
        "2026-11",
        "--pool",
        "10000",
        "-o",
        "out",
    )
    assert code == 0
    sales = tmp_path / "sales_2026_11.csv"
    before = sales.read_bytes()
    after = before.replace(b"S2,2026-11-03,credit_card,3,", b"S2,2026-11-03,credit_card,4,")
    assert len(after) == len(before) and after != before  # one byte
    sales.write_bytes(after)
    code, out, _ = run(capsys, "verify", "out")
    assert code == 1
    assert out == shown.group(1)


def test_another_engine_version_is_said_but_does_not_fail(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, *CLASSIFY)
    _edit(
        work / "out/clients_classified.manifest.json",
        lambda d: d["engine"].update(version="0.0.9"),
    )
    code, document, human = verify(capsys, "out")
    assert code == 0
    assert document["manifests"][0]["engine"] == {"recorded": "0.0.9", "now": lr.__version__}
    assert "the run was made by version 0.0.9" in human


def test_a_run_with_rejected_rows_reproduces_with_them(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clients = work / "examples/clients.csv"
    lines = clients.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    clients.write_text("".join([*lines[:3], 'C9,"unclosed\n']), encoding="utf-8")
    code, _, _ = run(capsys, *CLASSIFY)
    assert code == 1
    rows = manifest(work / "out/clients_classified.manifest.json")["inputs"][0]["rows"]
    assert rows == {"read": 3, "written": 2, "rejected": 1}
    code, document, _ = verify(capsys, "out")
    assert code == 0 and document["manifests"][0]["exit_code"] == 1
