"""Every message a user reads, in Chinese (简体) and English, from one gettext catalogue.

A message is data: a stable code, an English template and its arguments
(`message(...)`). It is also a `str`, its English text, so that code that compares or
logs messages keeps working; what shows it to a person renders it in their language
(`render`). The Chinese texts are in `locale/zh_CN/LC_MESSAGES/linkage_rules.po`, keyed
by code (the gettext context) and English template (the gettext id), and compiled to
the `.mo` file next to it by `python3 scripts/dev.py messages`; tests/test_messages.py
checks that every message in the code has its Chinese, with the same arguments.
"""

from __future__ import annotations

import gettext
import os
from functools import cache
from pathlib import Path
from typing import Any, overload

DOMAIN = "linkage_rules"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("zh", "en")
"""The languages messages are rendered in: 简体中文 and English."""
_GETTEXT_LANGUAGE = {"zh": "zh_CN"}
ENVIRONMENT = "LINKAGE_RULES_LANG"


class Message(str):
    """A message: its code, its English template and its arguments; as a `str`, the
    English text. Arguments that are messages themselves are rendered in the same
    language as the message around them."""

    code: str
    template: str
    args: dict[str, Any]

    def __new__(cls, code: str, template: str, args: dict[str, Any]) -> Message:
        made = str.__new__(cls, _fill(template, args, "en"))
        made.code = code
        made.template = template
        made.args = args
        return made

    def render(self, language: str | None = None) -> str:
        """The message in `language` ("zh" or "en"; None: the user's, see `language`)."""
        chosen = language or user_language()
        if chosen == "en":
            return str(self)
        translated = _translations(chosen).pgettext(self.code, self.template)
        return _fill(translated, self.args, chosen)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Message, (self.code, self.template, self.args))


def message(code: str, template: str, **args: Any) -> Message:
    """The message `code`: `template` is its English text, with `{name}` for each
    argument. Write the template here, at the one place the message is made."""
    return Message(code, template, args)


@overload
def render(text: str, language: str | None = None) -> str: ...
@overload
def render(text: None, language: str | None = None) -> None: ...
def render(text: str | None, language: str | None = None) -> str | None:
    """`text` in `language`: a message is translated, any other text shown as it is."""
    if isinstance(text, Message):
        return text.render(language)
    return text


_SEPARATOR = {"zh": "、", "en": ", "}


def said(error: BaseException) -> str:
    """What an exception says: the message it was raised with (a `Message`, to render in
    the reader's language), else its text. A `ValueError(message(...))` keeps its
    message in `args`, while `str(error)` is only the English."""
    first = error.args[0] if len(error.args) == 1 else None
    return first if isinstance(first, Message) else str(error)


def _shown(value: Any, language: str) -> Any:
    if isinstance(value, Message):
        return value.render(language)
    if isinstance(value, BaseException):  # a reason given as the error that says it
        return _shown(said(value), language)
    if isinstance(value, list | tuple):  # a list of things: `a`、`b` or `a`, `b`
        return _SEPARATOR.get(language, ", ").join(str(_shown(v, language)) for v in value)
    return value


def _fill(template: str, args: dict[str, Any], language: str) -> str:
    return template.format(**{k: _shown(v, language) for k, v in args.items()})


@cache
def _translations(language: str) -> gettext.NullTranslations:
    return gettext.translation(
        DOMAIN, LOCALE_DIR, languages=[_GETTEXT_LANGUAGE.get(language, language)], fallback=True
    )


def language_of(setting: str | None) -> str | None:
    """The language a setting names (`zh`, `zh_CN.UTF-8`, `en_US`, `中文`), or None."""
    if not setting:
        return None
    lowered = setting.strip().lower()
    if lowered.startswith(("zh", "中")):
        return "zh"
    if lowered.startswith("en") or lowered in ("c", "posix"):
        return "en"
    return None


def user_language() -> str:
    """The user's language: `LINKAGE_RULES_LANG`, else the locale's (`LC_ALL`,
    `LC_MESSAGES`, `LANG`), else English."""
    for variable in (ENVIRONMENT, "LC_ALL", "LC_MESSAGES", "LANG"):
        found = language_of(os.environ.get(variable))
        if found is not None:
            return found
    return "en"
