"""Two JSON Schemas compared: does one accept everything the other accepts, and what differs.

The verdict comes from jsoncompat (a maintained checker of schema inclusion, Rust core), so it
holds for every instance, not only for the keywords a walk happens to look at. The walk in
:func:`differences` only names the changes, for a message a person can act on.
"""

from __future__ import annotations

import json
from typing import Any

import jsoncompat

Schema = dict[str, Any]

_NOT_COMPARED = frozenset({"$schema", "$id", "$defs", "$ref", "title", "description", "examples"})
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")


def accepts_everything(narrower: Schema, wider: Schema) -> bool:
    """Every instance ``narrower`` accepts, ``wider`` accepts too.

    Raises ``ValueError`` when jsoncompat cannot decide (a keyword it does not support).
    """
    # A reader (``wider``) of what a writer (``narrower``) produced: jsoncompat's deserializer
    # role. ``$id`` is left out: jsoncompat resolves only local ``#/...`` references.
    return jsoncompat.check_compat(
        json.dumps(_without_id(narrower)),
        json.dumps(_without_id(wider)),
        jsoncompat.Role.DESERIALIZER,
    )


def _without_id(schema: Schema) -> Schema:
    return {key: value for key, value in schema.items() if key != "$id"}


def differences(old: Schema, new: Schema) -> list[str]:
    """The changes from ``old`` to ``new`` (references to ``#/$defs/...`` followed), one line
    each, naming the field: ``lines[].quantity: type integer -> string``. Empty when the two
    differ only in prose (titles, descriptions)."""
    walk = _Walk(old, new)
    walk.compare(old, new, "", frozenset())
    return walk.found


Seen = frozenset[tuple[str | None, str | None]]


def _resolve(node: Any, root: Schema) -> tuple[Any, str | None]:
    reference = node.get("$ref") if isinstance(node, dict) else None
    if not isinstance(reference, str) or not reference.startswith("#/$defs/"):
        return node, None
    return root.get("$defs", {}).get(reference.removeprefix("#/$defs/"), {}), reference


class _Walk:
    """One comparison of two schemas: their roots (for references) and what it found."""

    def __init__(self, old_root: Schema, new_root: Schema) -> None:
        self.roots = (old_root, new_root)
        self.found: list[str] = []

    def compare(self, old_node: Any, new_node: Any, path: str, seen: Seen) -> None:
        old, old_ref = _resolve(old_node, self.roots[0])
        new, new_ref = _resolve(new_node, self.roots[1])
        if (old_ref or new_ref) and (old_ref, new_ref) in seen:
            return  # a recursive schema: this pair is being compared further up
        seen = seen | {(old_ref, new_ref)}
        where = path or "(root)"
        if not isinstance(old, dict) or not isinstance(new, dict):
            if old != new:
                self.found.append(f"{where}: {old!r} -> {new!r}")
            return
        self.found += _type_changes(old, new, where) + _enum_changes(old, new, where)
        self._properties(old, new, path, seen)
        if "items" in old and "items" in new:
            self.compare(old["items"], new["items"], f"{path}[]", seen)
        for keyword in _SUBSCHEMA_LISTS:
            old_list, new_list = old.get(keyword, []), new.get(keyword, [])
            if len(old_list) != len(new_list):
                self.found.append(f"{where}: {keyword} has {len(old_list)} -> {len(new_list)}")
                continue
            for index, pair in enumerate(zip(old_list, new_list, strict=True)):
                self.compare(*pair, f"{path}<{keyword}[{index}]>", seen)
        handled = {"type", "enum", "properties", "required", "items", *_SUBSCHEMA_LISTS}
        for keyword in sorted((old.keys() | new.keys()) - handled - _NOT_COMPARED):
            if old.get(keyword) != new.get(keyword):
                change = f"{old.get(keyword)!r} -> {new.get(keyword)!r}"
                self.found.append(f"{where}: {keyword} {change}")

    def _properties(self, old: Schema, new: Schema, path: str, seen: Seen) -> None:
        old_fields, new_fields = old.get("properties", {}), new.get("properties", {})
        old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
        prefix = f"{path}." if path else ""
        for name in sorted(old_fields.keys() | new_fields.keys() | old_required | new_required):
            field = f"{prefix}{name}"
            if name in old_fields and name not in new_fields:
                self.found.append(f"{field}: field removed")
            elif name in new_fields and name not in old_fields:
                kind = "required" if name in new_required else "optional"
                self.found.append(f"{field}: {kind} field added")
            elif name in new_required - old_required:
                self.found.append(f"{field}: now required")
            elif name in old_required - new_required:
                self.found.append(f"{field}: no longer required")
            if name in old_fields and name in new_fields:
                self.compare(old_fields[name], new_fields[name], field, seen)


def _types(schema: Schema) -> set[str]:
    declared = schema.get("type", [])
    return {declared} if isinstance(declared, str) else set(declared)


def _type_changes(old: Schema, new: Schema, where: str) -> list[str]:
    if _types(old) == _types(new):
        return []
    before, after = ("|".join(sorted(_types(s))) or "any" for s in (old, new))
    return [f"{where}: type {before} -> {after}"]


def _enum_changes(old: Schema, new: Schema, where: str) -> list[str]:
    if "enum" not in old and "enum" not in new:
        return []
    if "enum" not in old or "enum" not in new:
        return [f"{where}: enum {old.get('enum')!r} -> {new.get('enum')!r}"]
    removed = [value for value in old["enum"] if value not in new["enum"]]
    added = [value for value in new["enum"] if value not in old["enum"]]
    return [
        f"{where}: enum value {', '.join(map(repr, values))} {verb}"
        for values, verb in ((removed, "removed"), (added, "added"))
        if values
    ]
