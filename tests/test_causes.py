"""The cause first: what only follows from a mistake (a rule left out, an example that
then names it) is a note of that mistake, never an error of its own."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import linkage_rules as lr
from linkage_rules.language.diagnostics import render_plain

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "policies" / "cross_selling"


def _broken_copy(tmp_path: Path, file: str, old: str, new: str) -> Path:
    folder = tmp_path / "policy"
    shutil.copytree(SHIPPED, folder)
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def _errors(folder: Path) -> list[lr.Diagnostic]:
    with pytest.raises(lr.PolicyError) as caught:
        lr.load(folder)
    return [d for d in caught.value.diagnostics if d.is_error]


def test_a_misspelt_field_in_the_shipped_policy_is_one_error_with_its_consequences(
    tmp_path: Path,
) -> None:
    folder = _broken_copy(
        tmp_path, "target_clients.rules", "and credit_line > LARGE", "and credit_lime > LARGE"
    )
    errors = _errors(folder)
    assert len(errors) == 1
    cause = errors[0]
    assert "credit_lime" in cause.message and cause.file.endswith("target_clients.rules")
    assert cause.help == "did you mean `credit_line`?"
    notes = [note.message for note in cause.notes]
    assert notes[0].startswith("because of this, rule `large_credit`")
    assert all("has no rule `large_credit`" in note for note in notes[1:]) and len(notes) >= 3
    assert all(note.span is not None for note in cause.notes)
    assert {Path(note.span.source.name).name for note in cause.notes[1:]} == {  # type: ignore[union-attr]
        "target_client_examples.rules"
    }


def test_the_notes_in_every_rendering(tmp_path: Path) -> None:
    folder = _broken_copy(
        tmp_path, "target_clients.rules", "and credit_line > LARGE", "and credit_lime > LARGE"
    )
    cause = _errors(folder)[0]
    plain = render_plain(cause).splitlines()
    assert plain[0].endswith("unknown name `credit_lime` in segment `corporate_targets`")
    assert all(": note: " in line for line in plain[1:]) and len(plain) == 1 + len(cause.notes)
    document = json.loads(json.dumps(cause.to_dict()))
    assert [n["message"] for n in document["notes"]] == [n.message for n in cause.notes]
    assert all(n["line"] >= 1 and n["file"] for n in document["notes"])


def test_an_unknown_enum_value_in_a_rule(tmp_path: Path) -> None:
    folder = _broken_copy(tmp_path, "target_clients.rules", "size == large and", "size == larg and")
    errors = _errors(folder)
    assert len(errors) == 1 and errors[0].help == "did you mean `large`?"
    assert any("has no rule" in note.message for note in errors[0].notes)


def test_a_misspelt_param_where_it_is_declared_names_each_use_once(tmp_path: Path) -> None:
    """A param declared under a wrong name is not a broken declaration: every use is an
    error of its own, each with the did-you-mean, and nothing that follows from them."""
    folder = _broken_copy(
        tmp_path, "target_clients.rules", "param LARGE_AMOUNT:", "param LARGE_AMOUNTS:"
    )
    errors = _errors(folder)
    assert errors and all("LARGE_AMOUNT" in e.message for e in errors)
    assert all(e.help == "did you mean `LARGE_AMOUNTS`?" for e in errors)


def test_a_consequence_that_has_no_cause_stays_an_error() -> None:
    text = (
        'policy p { version "1" effective 2024-01-01 }\n'
        "entity C { amount: money }\n"
        "segment s for C { rule r: amount > 1 }\n"
        'example "e" {\n  given C { amount: 2 }\n  expect s by q\n}\n'
    )
    with pytest.raises(lr.PolicyError) as caught:
        lr.loads(text)
    (error,) = caught.value.diagnostics
    assert error.message == "segment `s` has no rule `q`" and error.notes == ()


def test_an_enum_renamed_folds_the_field_its_rules_and_its_examples() -> None:
    text = (ROOT / "tests" / "golden" / "cause_unknown_type.rules").read_text(encoding="utf-8")
    with pytest.raises(lr.PolicyError) as caught:
        lr.loads(text)
    (error,) = caught.value.diagnostics
    assert error.code == "unknown-type" and error.help == "did you mean `Sise`?"
    assert [note.span.line for note in error.notes if note.span] == [5, 12, 19, 20]


def test_a_table_left_out_for_its_entity_names_the_entity_not_an_earlier_mistake() -> None:
    """Two mistakes in one table header: the unknown hit policy stands alone, and the
    example that expects the table is a note of the unknown entity, which left it out."""
    text = (
        'policy p { version "1" effective 2024-01-01 }\n'
        "entity C { amount: money }\n"
        "table t for Cx hit firts {\n  amount > 1 => 1\n}\n"
        'example "e" {\n  given C { amount: 2 }\n  expect t == 1\n}\n'
    )
    with pytest.raises(lr.PolicyError) as caught:
        lr.loads(text)
    hit, entity = caught.value.diagnostics
    assert "hit policy" in hit.message and hit.notes == ()
    assert entity.message == "unknown entity `Cx`"
    assert [note.span.line for note in entity.notes if note.span] == [3, 8]


def test_a_broken_field_of_one_entity_does_not_hide_another_entitys_field_of_that_name() -> None:
    """`size` is broken on `A` (unknown type); `B` has a good `size`, and its rule's own
    mistake must still be reported, not folded into A's error."""
    text = (
        'policy p { version "1" effective 2024-01-01 }\n'
        "enum Size { large, small }\n"
        "entity A { size: Sise }\n"
        "entity B { size: Size  amount: money }\n"
        "segment s for B { rule r: size == large and amount > x }\n"
    )
    with pytest.raises(lr.PolicyError) as caught:
        lr.loads(text)
    messages = [d.message for d in caught.value.errors]
    assert messages == ["unknown type `Sise`", "unknown name `x` in segment `s`"]


def test_a_record_lacking_a_field_another_entity_broke_is_an_error_of_its_own() -> None:
    """`size` is broken on `A`; a record of `B`, which never had a `size`, that gives one
    is B's own mistake, not a consequence of A's."""
    text = (
        'policy p { version "1" effective 2024-01-01 }\n'
        "entity A { size: Sise }\n"
        "entity B { amount: money }\n"
        "segment s for B { rule r: amount > 1 }\n"
        'example "e" {\n  given B { amount: 2, size: 1 }\n  expect s\n}\n'
    )
    with pytest.raises(lr.PolicyError) as caught:
        lr.loads(text)
    broken, lacking = caught.value.errors
    assert broken.message == "unknown type `Sise`" and broken.notes == ()
    assert lacking.message == "`B` has no field `size`"
