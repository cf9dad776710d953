"""What a person reads for each kind of change and each aspect of one, in their language."""

from __future__ import annotations

from ..messages import message

KIND_TEXTS: dict[str, str] = {
    "policy-changed": message("diff.kind.policy-changed", "policy changed"),
    "enum-added": message("diff.kind.enum-added", "enum added"),
    "enum-removed": message("diff.kind.enum-removed", "enum removed"),
    "enum-changed": message("diff.kind.enum-changed", "enum changed"),
    "enum-value-added": message("diff.kind.enum-value-added", "enum value added"),
    "enum-value-removed": message("diff.kind.enum-value-removed", "enum value removed"),
    "entity-added": message("diff.kind.entity-added", "entity added"),
    "entity-removed": message("diff.kind.entity-removed", "entity removed"),
    "entity-changed": message("diff.kind.entity-changed", "entity changed"),
    "field-added": message("diff.kind.field-added", "field added"),
    "field-removed": message("diff.kind.field-removed", "field removed"),
    "field-type-changed": message("diff.kind.field-type-changed", "field type changed"),
    "field-label-changed": message("diff.kind.field-label-changed", "field label changed"),
    "param-added": message("diff.kind.param-added", "parameter added"),
    "param-removed": message("diff.kind.param-removed", "parameter removed"),
    "param-changed": message("diff.kind.param-changed", "parameter changed"),
    "list-added": message("diff.kind.list-added", "list added"),
    "list-removed": message("diff.kind.list-removed", "list removed"),
    "list-changed": message("diff.kind.list-changed", "list changed"),
    "list-entries-added": message("diff.kind.list-entries-added", "list entry added"),
    "list-entries-removed": message("diff.kind.list-entries-removed", "list entry removed"),
    "catalog-added": message("diff.kind.catalog-added", "catalogue added"),
    "catalog-removed": message("diff.kind.catalog-removed", "catalogue removed"),
    "catalog-changed": message("diff.kind.catalog-changed", "catalogue changed"),
    "catalog-row-added": message("diff.kind.catalog-row-added", "catalogue row added"),
    "catalog-row-removed": message("diff.kind.catalog-row-removed", "catalogue row removed"),
    "catalog-row-changed": message("diff.kind.catalog-row-changed", "catalogue row changed"),
    "segment-added": message("diff.kind.segment-added", "segment added"),
    "segment-removed": message("diff.kind.segment-removed", "segment removed"),
    "segment-changed": message("diff.kind.segment-changed", "segment changed"),
    "rule-added": message("diff.kind.rule-added", "rule added"),
    "rule-retired": message("diff.kind.rule-retired", "rule retired"),
    "rule-changed": message("diff.kind.rule-changed", "rule changed"),
    "table-added": message("diff.kind.table-added", "table added"),
    "table-removed": message("diff.kind.table-removed", "table removed"),
    "table-changed": message("diff.kind.table-changed", "table changed"),
    "table-row-added": message("diff.kind.table-row-added", "table row added"),
    "table-row-removed": message("diff.kind.table-row-removed", "table row removed"),
    "table-row-changed": message("diff.kind.table-row-changed", "table row changed"),
    "scoring-added": message("diff.kind.scoring-added", "scoring added"),
    "scoring-removed": message("diff.kind.scoring-removed", "scoring removed"),
    "scoring-changed": message("diff.kind.scoring-changed", "scoring changed"),
    "clause-added": message("diff.kind.clause-added", "scoring clause added"),
    "clause-removed": message("diff.kind.clause-removed", "scoring clause removed"),
    "clause-changed": message("diff.kind.clause-changed", "scoring clause changed"),
    "measure-added": message("diff.kind.measure-added", "measure added"),
    "measure-removed": message("diff.kind.measure-removed", "measure removed"),
    "measure-changed": message("diff.kind.measure-changed", "measure changed"),
    "example-added": message("diff.kind.example-added", "example added"),
    "example-removed": message("diff.kind.example-removed", "example removed"),
    "example-changed": message("diff.kind.example-changed", "example changed"),
}
"""Each of `changes.KINDS` as a person reads it."""

ASPECT_TEXTS: dict[str, str] = {
    "value": message("diff.aspect.value", "value"),
    "label": message("diff.aspect.label", "label"),
    "condition": message("diff.aspect.condition", "condition"),
    "type": message("diff.aspect.type", "type"),
    "scope": message("diff.aspect.scope", "scope"),
    "entity": message("diff.aspect.entity", "entity"),
    "key": message("diff.aspect.key", "key"),
    "name": message("diff.aspect.name", "name"),
    "version": message("diff.aspect.version", "version"),
    "effective": message("diff.aspect.effective", "effective date"),
    "file": message("diff.aspect.file", "file"),
    "source": message("diff.aspect.source", "source"),
    "as_of": message("diff.aspect.as_of", "as-of date"),
    "sample": message("diff.aspect.sample", "sample"),
    "aliases": message("diff.aspect.aliases", "former names"),
    "parent": message("diff.aspect.parent", "parent field"),
    "hit": message("diff.aspect.hit", "hit policy"),
    "text": message("diff.aspect.text", "text"),
}
"""What of a changed declaration changed."""


def kind_text(kind: str, aspect: str = "") -> str:
    """`rule changed`, or with its aspect `rule changed (label)`."""
    said = KIND_TEXTS[kind]
    if not aspect:
        return said
    return message("diff.kind-aspect", "{kind} ({aspect})", kind=said, aspect=ASPECT_TEXTS[aspect])
