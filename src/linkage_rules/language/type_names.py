"""What a message calls a value of each kind of type, in the catalogue's languages."""

from __future__ import annotations

from ..messages import message

NOUNS: dict[str, str] = {
    "bool": message("type.bool", "true/false value"),
    "int": message("type.int", "int"),
    "decimal": message("type.decimal", "decimal"),
    "money": message("type.money", "amount of money"),
    "percent": message("type.percent", "percent"),
    "text": message("type.text", "text value"),
    "date": message("type.date", "date"),
    "enum": message("type.any-enum", "enum value"),
    "list": message("type.any-list", "list"),
    "null": message("type.null", "null"),
    "symbol": message("type.symbol", "table output"),
    "shares": message("type.any-shares", "list of shares"),
}
