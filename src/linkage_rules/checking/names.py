"""Type checking of names in expressions: fields, params, lists and enum values, bare
or qualified (`Size.large`, `project.households`), and uses of broken declarations."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..language import model as m
from ..language import syntax as n
from ..language.dtypes import DType, EnumType, Kind
from ..language.source import Span
from ..language.suggest import did_you_mean
from ..messages import message


class ExprError(Exception):
    """Raised inside the checker to abandon one expression after reporting its problem."""


def members_are(enum: EnumType) -> str:
    return message(
        "check.members-are",
        "values of `{enum}` are: {members}",
        enum=enum.name,
        members=list(enum.members),
    )


def _not_a_member(name: str, enum: str) -> str:
    return message(
        "check.not-a-member", "`{name}` is not a value of enum `{enum}`", name=name, enum=enum
    )


class NameChecks:
    """The part of the expression checker that resolves names; a mixin of `ExprChecker`,
    which supplies `scope`, `enums`, `context`, `broken`, `followed` and `_fail`."""

    scope: Mapping[str, m.FieldRef | m.Const | m.ListConst]
    enums: Mapping[str, EnumType]
    context: str
    broken: Mapping[str, int]
    followed: Callable[[int], None] | None

    def _fail(
        self, message: str, span: Span, help: str | None = None, code: str = "type"
    ) -> Exception:
        raise NotImplementedError  # pragma: no cover - ExprChecker's

    def visit_NameRef(self, node: n.NameRef, expected: DType | None) -> m.TExpr:
        name = node.name.text
        found = self.scope.get(name)
        if (
            found is not None
            and expected is not None
            and expected.enum is not None
            and name in expected.enum.members
            and not found.type.same_base(expected)
        ):
            found = None  # `size == large`: the enum's value, not a field named `large`
        if isinstance(found, m.FieldRef):
            return m.FieldRef(found.name, found.label, found.type, node.span)
        if isinstance(found, m.Const):
            return m.Const(found.value, found.type, node.span, found.name, found.label)
        if isinstance(found, m.ListConst):
            return m.ListConst(
                found.name,
                found.label,
                found.values,
                found.items,
                found.type,
                node.span,
                entries=found.entries,
            )
        if name in self.broken:  # its declaration was reported; its uses would only echo that
            if self.followed is not None:
                self.followed(self.broken[name])
            raise ExprError(name)
        if expected is not None and expected.kind is Kind.ENUM and expected.enum is not None:
            enum = expected.enum
            if name in enum.members:
                return m.Const(name, expected.required(), node.span, name, enum.label_of(name))
            by_label = enum.by_label()
            hint = did_you_mean(name, enum.members) or members_are(enum)
            if name in by_label:
                hint = message(
                    "check.label-not-value",
                    "`{label}` is the label of `{member}`; write `{member}`",
                    label=name,
                    member=by_label[name],
                )
            raise self._fail(_not_a_member(name, enum.name), node.span, hint)
        owners = [e.name for e in self.enums.values() if name in e.members]
        if owners:
            raise self._fail(
                message(
                    "check.enum-value-nowhere",
                    "`{name}` is a value of enum `{enum}`, but nothing here has that type",
                    name=name,
                    enum=owners[0],
                ),
                node.span,
                message(
                    "check.enum-value-nowhere.help",
                    "compare it with a field of type `{enum}`, e.g. `field == {name}`",
                    enum=owners[0],
                    name=name,
                ),
            )
        candidates = list(self.scope)
        raise self._fail(
            message(
                "check.unknown-name",
                "unknown name `{name}` in {context}",
                name=name,
                context=self.context,
            ),
            node.span,
            did_you_mean(name, candidates),
            code="unknown-name",
        )

    def visit_QualifiedName(self, node: n.QualifiedName, expected: DType | None) -> m.TExpr:
        dotted = f"{node.scope.text}.{node.member.text}"
        found = self.scope.get(dotted)
        if isinstance(found, m.FieldRef):  # a field of a looked-up row: `project.households`
            return m.FieldRef(found.name, found.label, found.type, node.span)
        prefix = node.scope.text + "."
        fields = [name[len(prefix) :] for name in self.scope if name.startswith(prefix)]
        if fields:
            raise self._fail(
                message(
                    "check.no-such-member",
                    "`{scope}` has no field `{field}` in {context}",
                    scope=node.scope.text,
                    field=node.member.text,
                    context=self.context,
                ),
                node.member.span,
                did_you_mean(node.member.text, fields),
                code="unknown-name",
            )
        enum = self.enums.get(node.scope.text)
        if enum is None:
            raise self._fail(
                message("check.unknown-enum", "unknown enum `{name}`", name=node.scope.text),
                node.scope.span,
                did_you_mean(node.scope.text, self.enums),
            )
        member = node.member.text
        if member not in enum.members:
            raise self._fail(
                _not_a_member(member, enum.name),
                node.member.span,
                did_you_mean(member, enum.members),
            )
        dtype = DType(Kind.ENUM, False, enum)
        return m.Const(member, dtype, node.span, member, enum.label_of(member))
