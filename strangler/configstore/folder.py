"""The folder in Git that the store is fed from: ``deploy/config/{service}.yaml``, and for
each environment (``staging``, ``production``, ...) the values that differ there:
``deploy/config/environments/{environment}/{service}.yaml``, laid over the first.

Each file is a flat mapping of setting names (``^[A-Z][A-Z0-9_]*$``) to scalars (int, float,
bool, str). Anything else (a nested mapping, a list, null, a date, a duplicate or bad name,
YAML that does not parse) is a ``FolderError`` naming the file and the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from strangler.configstore.store import NAME, SERVICE, Scalar, is_scalar, same


class FolderError(Exception):
    """A file of the folder is not a flat mapping of setting names to scalars."""


@dataclass(frozen=True)
class Change:
    """What ``sync`` does to one setting: ``current`` is the store's, ``wanted`` the folder's
    (None: absent)."""

    service: str
    name: str
    current: Scalar | None
    wanted: Scalar | None

    @property
    def kind(self) -> str:
        if self.current is None:
            return "added"
        return "removed" if self.wanted is None else "changed"


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice (it keeps the last one silently)."""


def _mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
        try:
            duplicate = key in seen
            seen.add(key)
        except TypeError:  # an unhashable key: refused below as not a name
            continue
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"{key} is given twice", key_node.start_mark
            )
    return loader.construct_mapping(node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _describe(value: object) -> str:
    if isinstance(value, dict):
        return "a nested mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty (null)"
    if isinstance(value, float):
        return f"{value} (not a finite number)"
    return f"a {type(value).__name__}"


def read_file(path: Path) -> dict[str, Scalar]:
    """One service's file."""
    try:
        data = yaml.load(path.read_text(), Loader=_Loader)  # a safe loader
    except OSError as exc:
        raise FolderError(f"{path}: cannot read it ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise FolderError(f"{path}: not valid YAML ({problem}{where})") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FolderError(f"{path}: not a mapping of setting names to values")
    values: dict[str, Scalar] = {}
    for key, value in data.items():
        if not isinstance(key, str) or not NAME.match(key):
            raise FolderError(
                f"{path}: {key!r} is not a setting name (upper case letters, digits and _)"
            )
        if not is_scalar(value):
            raise FolderError(
                f"{path}: {key} is {_describe(value)}; a value is an int, a float, a bool or a str"
            )
        values[key] = value
    return values


def read_folder(path: Path | str) -> dict[str, dict[str, Scalar]]:
    """Every ``{service}.yaml`` of the folder, by service."""
    folder = Path(path)
    if not folder.is_dir():
        raise FolderError(f"{folder}: no such folder")
    services: dict[str, dict[str, Scalar]] = {}
    for file in sorted(folder.glob("*.yaml")):
        if not SERVICE.match(file.stem):
            raise FolderError(
                f"{file}: {file.stem!r} is not a service name (lower case, digits, - and _)"
            )
        services[file.stem] = read_file(file)
    return services


ENVIRONMENTS = "environments"


def read_environment(path: Path | str, environment: str | None) -> dict[str, dict[str, Scalar]]:
    """The folder's values as ``environment`` runs them (None: the files themselves): each
    service's file with the environment's file for it laid over it. An environment's file
    changes settings the service's file has and adds none, so a misspelt name fails here
    instead of becoming a setting no process reads; an environment without a folder is an
    error too, not a silent copy of the defaults."""
    values = read_folder(path)
    if environment is None:
        return values
    if not SERVICE.match(environment):
        raise FolderError(
            f"{environment!r} is not an environment name (lower case, digits, - and _)"
        )
    overlay_folder = Path(path) / ENVIRONMENTS / environment
    for service, overlay in read_folder(overlay_folder).items():
        file = overlay_folder / f"{service}.yaml"
        if service not in values:
            raise FolderError(f"{file}: the folder has no {service}.yaml for it to change")
        base = values[service]
        unknown = sorted(set(overlay) - set(base))
        if unknown:
            raise FolderError(
                f"{file}: {', '.join(unknown)} not in {service}.yaml (an environment changes "
                "the settings a service has, and adds none)"
            )
        for name, value in overlay.items():
            if type(value) is not type(base[name]):  # 30 is not 30.0, as in the store
                raise FolderError(
                    f"{file}: {name} is {value!r} here, of another type than "
                    f"{base[name]!r} in {service}.yaml"
                )
        values[service] = {**base, **overlay}
    return values


def diff(
    folder_values: Mapping[str, Mapping[str, Scalar]],
    store_values: Mapping[str, Mapping[str, Scalar]],
) -> list[Change]:
    """What makes the store equal the folder, for each service of the folder (a service only
    in the store is left alone): names added, changed (a value, or its type: ``5`` is not
    ``5.0``) and removed (in the store, not in the folder), by service and name."""
    changes = []
    for service, wanted in sorted(folder_values.items()):
        current = store_values.get(service, {})
        for name in sorted(set(wanted) | set(current)):
            if not same(current.get(name), wanted.get(name)):
                changes.append(Change(service, name, current.get(name), wanted.get(name)))
    return changes
