"""Headers as a bank exports them: field names or the entity's labels, in any order, padded,
behind a BOM, in GB18030; and the header that is neither says what it resembles.

Hostile first: a name and its label both present, a label of another entity, empty header
cells, a label two fields share; then the same for catalogue and list files.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from cli_helpers import read_csv, run, write
from test_cli import POLICY, SECOND_ENTITY

import linkage_rules as lr
from linkage_rules.io import FieldNames, HeaderError

pytestmark = pytest.mark.usefixtures("in_tmp_path")

SHIPPED = Path(__file__).resolve().parent.parent / "policies" / "cross_selling"

# Org: client_id (no label), tax_rank 省内利税排名, dept 维护部门, credit 授信额度
ROWS = "c1,150,公司业务部,1000\nc2,,公司业务部,2亿\nc3,300,机构业务部,6亿\n"


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    return write(tmp_path / "demo.rules", POLICY + SECOND_ENTITY)


def classified(capsys: pytest.CaptureFixture[str], policy: Path, data: Path) -> list[list[str]]:
    code, _, err = run(capsys, "classify", policy, data, "-o", "out.csv", "--no-progress")
    assert code == 0, err
    return read_csv(Path("out.csv"))


def test_labels_names_any_order_spaces_and_a_bom_read_as_names(
    tmp_path: Path, policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = write(tmp_path / "plain.csv", "client_id,tax_rank,dept,credit\n" + ROWS)
    expected = classified(capsys, policy, plain)
    header = "\ufeff 授信额度 ,client_id,\u3000维护部门,省内利税排名 \n"
    moved = "".join(f"{d},{a},{c},{b}\n" for a, b, c, d in (r.split(",") for r in ROWS.split()))
    labelled = write(tmp_path / "labelled.csv", header + moved)
    assert classified(capsys, policy, labelled) == expected  # the entity inferred by labels


def test_a_gb18030_header_of_labels(
    tmp_path: Path, policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = write(tmp_path / "plain.csv", "client_id,tax_rank,dept,credit\n" + ROWS)
    expected = classified(capsys, policy, plain)
    gbk = write(
        tmp_path / "gbk.csv", "client_id,省内利税排名,维护部门,授信额度\r\n" + ROWS, "gb18030"
    )
    assert classified(capsys, policy, gbk) == expected


def test_a_field_named_by_its_name_and_its_label_is_refused(
    tmp_path: Path, policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write(tmp_path / "d.csv", "client_id,credit,dept,授信额度\nc1,1,公司业务部,1\n")
    code, out, err = run(capsys, "--format", "plain", "classify", policy, data, "--entity", "Org")
    assert code == 1 and out == ""
    assert "d.csv:1: error[csv-header]: the header names the field `credit` (授信额度) twice" in err
    assert "column 2 `credit` and column 4 `授信额度`" in err


def test_a_label_of_another_entity_says_whose_it_is(
    tmp_path: Path, policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write(tmp_path / "d.csv", "client_id,dept,credit,日均金融资产\nc1,公司业务部,1,1\n")
    code, _, err = run(capsys, "--format", "plain", "classify", policy, data, "--entity", "Org")
    assert code == 1
    assert "`Org` has no field named or labelled `日均金融资产` (column 4)" in err
    assert "it is `assets` (日均金融资产) of `Person`, another entity" in err
    code, _, err = run(capsys, "--format", "plain", "classify", policy, data)  # inferred
    assert code == 2
    assert "`Org` comes closest, but has no field for `日均金融资产`" in err


def test_a_header_that_is_neither_says_which_it_resembles(
    tmp_path: Path, policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write(tmp_path / "d.csv", "client_id,维护部分,credit\nc1,公司业务部,1\n")
    code, _, err = run(capsys, "classify", policy, data, "--entity", "Org")
    assert code == 1
    assert "did you mean `维护部门` (dept)?" in err
    assert "the fields of `Org` are: client_id, tax_rank 省内利税排名, dept 维护部门" in err
    data = write(tmp_path / "e.csv", "client_id,dept,credit_lime\nc1,公司业务部,1\n")
    _, _, err = run(capsys, "classify", policy, data, "--entity", "Org")
    assert "did you mean `credit`?" in err


def test_empty_header_cells_are_columns_without_a_field(
    tmp_path: Path, policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write(
        tmp_path / "d.csv", "client_id,, dept ,credit,\nc1,,公司业务部,1,\nc2,x,公司业务部,1,\n"
    )
    code, _, err = run(capsys, "--format", "plain", "classify", policy, data, "-o", "out.csv")
    assert code == 1
    assert (
        "d.csv:3:1: error[rejected-row]: the row has a value (`x`) in a column with no name" in err
    )
    assert "d.csv:2" not in err


def test_a_required_field_missing_is_named_with_its_label(
    tmp_path: Path, policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write(tmp_path / "d.csv", "client_id,维护部门\nc1,公司业务部\n")
    code, _, err = run(capsys, "--format", "plain", "classify", policy, data, "--entity", "Org")
    assert code == 1
    assert "no column for the required field `credit` (授信额度)" in err


def test_explain_and_score_read_labelled_headers(
    tmp_path: Path, policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write(tmp_path / "d.csv", "授信额度,client_id,维护部门\n3亿,c9,公司业务部\n")
    code, out, err = run(capsys, "explain", policy, data, "--id", "c9")
    assert code == 0, err
    assert "IN, by big_credit" in out


def test_from_text_takes_labels_and_refuses_a_field_twice() -> None:
    policy = lr.loads(POLICY)
    schema = policy.schema("Org")
    by_label = {"client_id": "c1", " 维护部门 ": "公司业务部", "授信额度": "3亿"}
    assert schema.from_text(by_label) == schema.from_text(
        {"client_id": "c1", "dept": "公司业务部", "credit": "3亿"}
    )
    with pytest.raises(lr.RecordError, match=r"names the field `credit` \(授信额度\) twice"):
        schema.from_text({"client_id": "c1", "dept": "公司业务部", "credit": "1", "授信额度": "1"})
    with pytest.raises(lr.RecordError, match="did you mean `授信额度` \\(credit\\)"):
        schema.from_text({"client_id": "c1", "dept": "公司业务部", "授信额": "1"})


def test_a_label_two_fields_share_names_neither() -> None:
    names = FieldNames("E", [("a", "金额"), ("b", "金额"), ("c", "b")])
    assert names.field_of("b") == "b"  # a name wins over another field's label
    with pytest.raises(HeaderError, match="is the label of two fields of `E`, `a` and `b`"):
        names.match(["金额"])
    assert names.match(["a", "", " b"]) == ("a", None, "b")


# ---- catalogue and list files ------------------------------------------------------------


def copy_shipped(tmp_path: Path) -> Path:
    target = tmp_path / "policy"
    shutil.copytree(SHIPPED, target)
    return target


def test_a_catalogue_headed_by_labels_loads_the_same(tmp_path: Path) -> None:
    folder = copy_shipped(tmp_path)
    before = lr.load(folder).model
    path = folder / "products.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[0] = "\ufeff产品代码 , 产品名称,line,产品主办部门,单位积分\n"
    path.write_text("".join(lines), encoding="utf-8")
    after = lr.load(folder).model
    assert after.catalogs[0].rows == before.catalogs[0].rows


def test_a_catalogue_header_that_is_neither_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = copy_shipped(tmp_path)
    path = folder / "products.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("unit_points", "单位积份", 1), encoding="utf-8")
    code, out, _ = run(capsys, "--format", "plain", "check", folder)
    assert code == 1
    assert "products.csv:1:1: error[list-file]: `Product` has no field named or labelled" in out
    assert "did you mean `单位积分` (unit_points)?" in out
    path.write_text(text.replace("unit_points", "code", 1), encoding="utf-8")
    _, out, _ = run(capsys, "--format", "plain", "check", folder)
    assert "the header names the field `code` (产品代码) twice" in out


def test_a_list_column_is_found_padded_and_misspelt_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = copy_shipped(tmp_path)
    path = folder / "lists" / "universities_211.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text("\ufeff name ,aliases,province" + text[text.index("\n") :], encoding="utf-8")
    code, _, _ = run(capsys, "check", folder)
    assert code == 0
    path.write_text("nmae,aliases,province" + text[text.index("\n") :], encoding="utf-8")
    code, out, _ = run(capsys, "--format", "plain", "check", folder)
    assert code == 1
    assert "the list file has no column `name`; did you mean `nmae`?" in out


def test_json_records_may_be_keyed_by_labels(
    tmp_path: Path, policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = lr.loads(POLICY).schema("Org")
    by_label = {
        "client_id": "c1",
        "维护部门": "公司业务部",
        "授信额度": "3亿",
        "省内利税排名": None,
    }
    by_name = {"client_id": "c1", "dept": "公司业务部", "credit": "3亿", "tax_rank": None}
    assert schema.from_json(by_label) == schema.from_json(by_name)
    with pytest.raises(lr.RecordError, match="has no field `credt`; did you mean `credit`"):
        schema.from_json({**by_name, "credt": 1})  # not all keys fit: the message as before
    lines = '{"client_id": "c1", "维护部门": "公司业务部", "授信额度": "3亿"}\n'
    data = write(tmp_path / "d.jsonl", lines)
    code, out, err = run(capsys, "classify", policy, data)
    assert code == 0, err
    assert '"matches": {"targets": ["big_credit"]}' in out


def test_a_label_matches_across_full_and_half_width_forms() -> None:
    names = FieldNames("Target", [("product", "产品代码"), ("goal", "零售条线年度目标（件）")])
    assert names.match(["产品代码", "零售条线年度目标(件)"]) == ("product", "goal")
    assert names.match(["\ufeffproduct\u3000", " 零售条线年度目标（件） "]) == ("product", "goal")


def test_a_gb18030_catalogue_headed_by_labels(tmp_path: Path) -> None:
    folder = copy_shipped(tmp_path)
    before = lr.load(folder).model
    path = folder / "products.csv"
    text = path.read_text(encoding="utf-8")
    header = "产品代码,产品名称,所属条线,产品主办部门,单位积分\n"
    path.write_bytes((header + text[text.index("\n") + 1 :]).encode("gb18030"))
    assert lr.load(folder).model.catalogs[0].rows == before.catalogs[0].rows


def test_a_catalogue_of_many_bad_rows_shows_20_and_the_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = copy_shipped(tmp_path)
    path = folder / "products.csv"
    rows = "".join(f"p{i},产品{i},retail,personal,many\n" for i in range(120))
    path.write_text("code,name,line,host_dept,unit_points\n" + rows, encoding="utf-8")
    code, out, _ = run(capsys, "--format", "plain", "check", folder)
    assert code == 1
    assert len(re.findall(r"products\.csv:\d+:1: error\[list-row\]", out)) == 20
    assert "products.csv: error[list-row]: … and 100 more bad rows in this file" in out
    assert "catalog `PRODUCTS` cannot be used" in out


def test_score_reads_sales_targets_and_projects_headed_by_labels_in_gb18030(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = lr.load(SHIPPED)
    examples = SHIPPED.parent.parent / "examples"
    argv: list[str | Path] = ["score", SHIPPED, "--pool", "1000000"]
    for entity, name in (("Sale", "sales"), ("Target", "targets"), ("Project", "projects")):
        labels = policy.schema(entity).columns.labels
        lines = (examples / f"{name}.csv").read_text(encoding="utf-8-sig").splitlines(True)
        header = ",".join(labels.get(h, h) for h in lines[0].rstrip("\n").split(",")) + "\n"
        path = tmp_path / f"{name}_labels.csv"
        path.write_bytes((header + "".join(lines[1:])).encode("gb18030"))
        argv += [f"--{name}", path]
    plain = ["score", SHIPPED, "--pool", "1000000", "--sales", examples / "sales.csv"]
    plain += ["--targets", examples / "targets.csv", "--projects", examples / "projects.csv"]
    assert run(capsys, *argv, "-o", tmp_path / "a")[0] == 0
    assert run(capsys, *plain, "-o", tmp_path / "b")[0] == 0
    allocation = [read_csv(tmp_path / d / "allocation.csv") for d in "ab"]
    assert allocation[0] == allocation[1]
