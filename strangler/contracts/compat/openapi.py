"""Which changes between two OpenAPI 3.0 documents break a client written against the older.

For each operation of the committed document: a removed endpoint, parameter, request media
type or success response breaks; a new required parameter or request body breaks; a request
schema breaks when the new one refuses input the old one accepted (a removed field or enum
value, a changed type, a new required field, a tighter limit: the server refuses unknown body
fields, so request objects are compared closed); a response schema breaks when the new one
can answer what the old one never did (a field dropped or no longer guaranteed, a changed
type, a new enum value, a value that may now be null). Anything else that changed (a new
endpoint, an optional field or parameter, a looser limit) is additive: it breaks nobody, but
the committed file no longer says what the server does.

A removed endpoint that the stage's gateway now sends to another service (``moved``, see
:mod:`strangler.contracts.compat.moved`) is not breaking: clients call it through the gateway.

The schema verdicts come from :mod:`strangler.contracts.compat.schemas` (jsoncompat).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any

from strangler.contracts.compat.oas30 import json_schema
from strangler.contracts.compat.schemas import accepts_everything, differences

Document = dict[str, Any]

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class Direction(Enum):
    INPUT = "input"  # what clients send: the new schema must accept all the old one did
    OUTPUT = "output"  # what the server answers: the old schema must accept all the new can


@dataclass(frozen=True)
class Difference:
    """One place where the documents differ, the changes there, and whether they break."""

    where: str
    changes: tuple[str, ...]
    breaking: bool
    # the endpoint left this service for another one behind the gateway
    moved: bool = False

    def __str__(self) -> str:
        return f"{self.where}: {'; '.join(self.changes)}"


def compare(
    committed: Document,
    generated: Document,
    *,
    moved: Callable[[str, str], str | None] | None = None,
) -> list[Difference]:
    """Every difference from ``committed`` to ``generated``, breaking or additive.

    ``moved(METHOD, path)`` names the upstream a removed endpoint now reaches through the
    gateway (None: it did not move, its removal breaks clients)."""
    old_operations, new_operations = operations(committed), operations(generated)
    found: list[Difference] = []
    for key in sorted(old_operations.keys() - new_operations.keys()):
        target = moved(*key) if moved else None
        if target:
            note = f"moved behind the gateway to {target} (clients call it through the gateway)"
            found.append(Difference(" ".join(key), (note,), breaking=False, moved=True))
        else:
            found.append(Difference(" ".join(key), ("endpoint removed",), breaking=True))
    for key in sorted(new_operations.keys() - old_operations.keys()):
        found.append(Difference(" ".join(key), ("endpoint added",), breaking=False))
    pair = _Pair(committed, generated)
    for key in sorted(old_operations.keys() & new_operations.keys()):
        found += pair.operation(" ".join(key), old_operations[key], new_operations[key])
    return found


def operations(document: Document) -> dict[tuple[str, str], dict[str, Any]]:
    """``(METHOD, path)`` -> the operation, the path item's parameters merged into it."""
    operations = {}
    for path, item in document.get("paths", {}).items():
        for method in _METHODS:
            if method in item:
                operation = dict(item[method])
                operation["parameters"] = [
                    *item.get("parameters", []),
                    *operation.get("parameters", []),
                ]
                operations[(method.upper(), path)] = operation
    return operations


@dataclass(frozen=True)
class _Pair:
    old: Document
    new: Document

    def operation(self, where: str, old: dict[str, Any], new: dict[str, Any]) -> list[Difference]:
        return [
            *self._parameters(where, old["parameters"], new["parameters"]),
            *self._request_body(where, old.get("requestBody"), new.get("requestBody")),
            *self._responses(where, old.get("responses", {}), new.get("responses", {})),
        ]

    def _parameters(self, where: str, old: list[Any], new: list[Any]) -> Iterator[Difference]:
        old_by_key = {(p["in"], p["name"]): p for p in map(self._old_ref, old)}
        new_by_key = {(p["in"], p["name"]): p for p in map(self._new_ref, new)}
        for key in sorted(old_by_key.keys() | new_by_key.keys()):
            place = f"{where} {key[0]} parameter {key[1]}"
            if key not in new_by_key:
                yield Difference(place, ("parameter removed",), breaking=True)
            elif key not in old_by_key:
                required = bool(new_by_key[key].get("required"))
                change = "required parameter added" if required else "optional parameter added"
                yield Difference(place, (change,), breaking=required)
            else:
                yield from self._parameter(place, old_by_key[key], new_by_key[key])

    def _parameter(
        self, place: str, old: dict[str, Any], new: dict[str, Any]
    ) -> Iterator[Difference]:
        if new.get("required") and not old.get("required"):
            yield Difference(place, ("now required",), breaking=True)
        elif old.get("required") and not new.get("required"):
            yield Difference(place, ("no longer required",), breaking=False)
        yield from self._schema(
            place, old.get("schema", {}), new.get("schema", {}), Direction.INPUT
        )

    def _request_body(self, where: str, old: Any, new: Any) -> Iterator[Difference]:
        place = f"{where} request body"
        old, new = self._old_ref(old or {}), self._new_ref(new or {})
        if new.get("required") and not old.get("required"):
            yield Difference(place, ("now required",), breaking=True)
        yield from self._content(
            place, old.get("content", {}), new.get("content", {}), Direction.INPUT
        )

    def _responses(
        self, where: str, old: dict[str, Any], new: dict[str, Any]
    ) -> Iterator[Difference]:
        for status in sorted(old.keys() | new.keys()):
            place = f"{where} response {status}"
            success = status.startswith("2")
            if status not in new:
                yield Difference(place, ("response removed",), breaking=success)
            elif status not in old:
                yield Difference(place, ("response added",), breaking=False)
            else:
                old_content = self._old_ref(old[status]).get("content", {})
                new_content = self._new_ref(new[status]).get("content", {})
                yield from self._content(place, old_content, new_content, Direction.OUTPUT)

    def _content(
        self, place: str, old: dict[str, Any], new: dict[str, Any], direction: Direction
    ) -> Iterator[Difference]:
        for media in sorted(old.keys() | new.keys()):
            if media not in new:
                yield Difference(f"{place} {media}", ("media type removed",), breaking=True)
            elif media not in old:
                yield Difference(f"{place} {media}", ("media type added",), breaking=False)
            else:
                old_schema, new_schema = old[media].get("schema", {}), new[media].get("schema", {})
                yield from self._schema(f"{place} {media}", old_schema, new_schema, direction)

    def _schema(self, place: str, old: Any, new: Any, direction: Direction) -> Iterator[Difference]:
        closed = direction is Direction.INPUT
        before = json_schema(old, self.old, closed=closed)
        after = json_schema(new, self.new, closed=closed)
        changes = differences(before, after)
        if not changes:
            return
        narrower, wider = (before, after) if direction is Direction.INPUT else (after, before)
        try:
            compatible = accepts_everything(narrower, wider)
        except ValueError as error:
            raise ValueError(f"{place}: cannot compare the schemas: {error}") from error
        yield Difference(place, tuple(changes), breaking=not compatible)

    def _old_ref(self, node: Any) -> Any:
        return _dereference(node, self.old)

    def _new_ref(self, node: Any) -> Any:
        return _dereference(node, self.new)


def _dereference(node: Any, document: Document) -> Any:
    """A local ``$ref`` (``#/components/parameters/page``) followed to what it names."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node
