"""Each context publishes one interface module that hands out dataclasses, never models."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import typing
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models

# Every context the tree holds (stage 2 retires notifications): each one with an interface.
CONTEXTS = sorted(
    config.name.removeprefix("monolith.")
    for config in apps.get_app_configs()
    if config.name.startswith("monolith.") and (Path(config.path) / "interface.py").is_file()
)


def test_the_contexts_are_found() -> None:
    # inventory and payments until stage 4 retires them (main keeps their code)
    retired_at_4 = {c for c in ("inventory", "payments") if apps.is_installed(f"monolith.{c}")}
    assert {"catalog", "customers", "orders", *retired_at_4} <= set(CONTEXTS)


def _types_in(annotation: object) -> typing.Iterator[object]:
    yield annotation
    for argument in typing.get_args(annotation):
        yield from _types_in(argument)


@pytest.mark.parametrize("context", CONTEXTS)
def test_interface_exposes_no_model(context: str) -> None:
    interface = importlib.import_module(f"monolith.{context}.interface")
    for name, value in vars(interface).items():
        if name.startswith("_"):
            continue
        assert not (inspect.isclass(value) and issubclass(value, models.Model)), (
            f"monolith.{context}.interface exposes the model {name}"
        )


@pytest.mark.parametrize("context", CONTEXTS)
def test_interface_functions_return_dataclasses_or_plain_values(context: str) -> None:
    interface = importlib.import_module(f"monolith.{context}.interface")
    functions = [
        value
        for value in vars(interface).values()
        if inspect.isfunction(value)
        and value.__module__ == interface.__name__
        and not value.__name__.startswith("_")
    ]
    assert functions, f"monolith.{context}.interface publishes no function"
    for function in functions:
        hints = typing.get_type_hints(function)
        assert "return" in hints, f"{function.__qualname__} has no return annotation"
        for kind in _types_in(hints["return"]):
            assert not (inspect.isclass(kind) and issubclass(kind, models.Model)), (
                f"{context}.{function.__name__} returns a model"
            )
            if inspect.isclass(kind) and kind.__module__ == interface.__name__:
                assert dataclasses.is_dataclass(kind), f"{kind.__name__} is not a dataclass"
                assert kind.__dataclass_params__.frozen, f"{kind.__name__} is not frozen"  # type: ignore[attr-defined]
