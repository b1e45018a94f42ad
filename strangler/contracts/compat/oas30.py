"""An OpenAPI 3.0 schema as the JSON Schema it stands for, so a JSON Schema tool can read it.

OpenAPI 3.0 has its own dialect: ``nullable: true`` instead of a ``null`` type, references to
``#/components/schemas/...``, and annotations JSON Schema does not know. The result carries
every component schema under ``$defs`` and its references rewritten to point there.
"""

from __future__ import annotations

from typing import Any

from strangler.contracts.compat.schemas import Schema

_COMPONENTS = "#/components/schemas/"
_ANNOTATIONS = frozenset(
    {"nullable", "readOnly", "writeOnly", "description", "title", "example", "deprecated"}
    | {"xml", "externalDocs", "discriminator"}
)


def json_schema(node: Any, document: dict[str, Any], *, closed: bool) -> Schema:
    """``node`` (a schema of ``document``) as a self-contained JSON Schema.

    ``closed``: objects that do not say otherwise refuse properties they do not list (the
    servers refuse unknown body fields, so a request schema is read this way).
    """
    components = document.get("components", {}).get("schemas", {})
    converted = _convert(node, closed=closed)
    if not isinstance(converted, dict):
        converted = {}
    definitions = {name: _convert(schema, closed=closed) for name, schema in components.items()}
    return {**converted, "$defs": definitions} if definitions else converted


def _convert(node: Any, *, closed: bool) -> Any:
    if isinstance(node, list):
        return [_convert(item, closed=closed) for item in node]
    if not isinstance(node, dict):
        return node
    reference = node.get("$ref")
    if isinstance(reference, str) and reference.startswith(_COMPONENTS):
        return {"$ref": "#/$defs/" + reference.removeprefix(_COMPONENTS)}
    schema: Schema = {}
    for key, value in node.items():
        if key in _ANNOTATIONS or key.startswith("x-"):
            continue
        if key == "properties":
            schema[key] = {name: _convert(field, closed=closed) for name, field in value.items()}
        else:
            schema[key] = _convert(value, closed=closed)
    if closed and schema.get("type") == "object" and "additionalProperties" not in schema:
        schema["additionalProperties"] = False
    return _nullable(schema) if node.get("nullable") else schema


def _nullable(schema: Schema) -> Schema:
    if "enum" in schema and None not in schema["enum"]:
        schema = {**schema, "enum": [*schema["enum"], None]}
    if "type" in schema:
        declared = schema["type"]
        types = [declared] if isinstance(declared, str) else list(declared)
        return {**schema, "type": [*types, "null"] if "null" not in types else types}
    return {"anyOf": [schema, {"type": "null"}]}
