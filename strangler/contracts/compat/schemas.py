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
    found: list[str] = []
    _walk(old, new, "", (old, new), frozenset(), found)
    return found


def _resolve(node: Any, root: Schema) -> tuple[Any, str | None]:
    reference = node.get("$ref") if isinstance(node, dict) else None
    if not isinstance(reference, str) or not reference.startswith("#/$defs/"):
        return node, None
    return root.get("$defs", {}).get(reference.removeprefix("#/$defs/"), {}), reference


def _walk(
    old_node: Any,
    new_node: Any,
    path: str,
    roots: tuple[Schema, Schema],
    seen: frozenset[tuple[str | None, str | None]],
    found: list[str],
) -> None:
    old, old_ref = _resolve(old_node, roots[0])
    new, new_ref = _resolve(new_node, roots[1])
    if (old_ref or new_ref) and (old_ref, new_ref) in seen:
        return  # a recursive schema: this pair is being compared further up
    seen = seen | {(old_ref, new_ref)}
    where = path or "(root)"
    if not isinstance(old, dict) or not isinstance(new, dict):
        if old != new:
            found.append(f"{where}: {old!r} -> {new!r}")
        return
    _compare_types(old, new, where, found)
    _compare_enums(old, new, where, found)
    _compare_properties(old, new, path, roots, seen, found)
    if "items" in old and "items" in new:
        _walk(old["items"], new["items"], f"{path}[]", roots, seen, found)
    for keyword in _SUBSCHEMA_LISTS:
        old_list, new_list = old.get(keyword, []), new.get(keyword, [])
        if len(old_list) != len(new_list):
            found.append(f"{where}: {keyword} has {len(old_list)} -> {len(new_list)} choices")
            continue
        for index, (old_choice, new_choice) in enumerate(zip(old_list, new_list, strict=True)):
            _walk(old_choice, new_choice, f"{path}<{keyword}[{index}]>", roots, seen, found)
    handled = {"type", "enum", "properties", "required", "items", *_SUBSCHEMA_LISTS}
    for keyword in sorted((old.keys() | new.keys()) - handled - _NOT_COMPARED):
        if old.get(keyword) != new.get(keyword):
            found.append(f"{where}: {keyword} {old.get(keyword)!r} -> {new.get(keyword)!r}")


def _types(schema: Schema) -> set[str]:
    declared = schema.get("type", [])
    return {declared} if isinstance(declared, str) else set(declared)


def _compare_types(old: Schema, new: Schema, where: str, found: list[str]) -> None:
    if _types(old) != _types(new):
        before, after = ("|".join(sorted(_types(s))) or "any" for s in (old, new))
        found.append(f"{where}: type {before} -> {after}")


def _compare_enums(old: Schema, new: Schema, where: str, found: list[str]) -> None:
    if "enum" not in old and "enum" not in new:
        return
    if "enum" not in old or "enum" not in new:
        found.append(f"{where}: enum {old.get('enum')!r} -> {new.get('enum')!r}")
        return
    removed = [value for value in old["enum"] if value not in new["enum"]]
    added = [value for value in new["enum"] if value not in old["enum"]]
    if removed:
        found.append(f"{where}: enum value {', '.join(map(repr, removed))} removed")
    if added:
        found.append(f"{where}: enum value {', '.join(map(repr, added))} added")


def _compare_properties(
    old: Schema,
    new: Schema,
    path: str,
    roots: tuple[Schema, Schema],
    seen: frozenset[tuple[str | None, str | None]],
    found: list[str],
) -> None:
    old_fields, new_fields = old.get("properties", {}), new.get("properties", {})
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    prefix = f"{path}." if path else ""
    for name in sorted(old_fields.keys() | new_fields.keys() | old_required | new_required):
        field = f"{prefix}{name}"
        if name in old_fields and name not in new_fields:
            found.append(f"{field}: field removed")
        elif name in new_fields and name not in old_fields:
            found.append(
                f"{field}: {'required' if name in new_required else 'optional'} field added"
            )
        elif name in new_required - old_required:
            found.append(f"{field}: now required")
        elif name in old_required - new_required:
            found.append(f"{field}: no longer required")
        if name in old_fields and name in new_fields:
            _walk(old_fields[name], new_fields[name], field, roots, seen, found)
