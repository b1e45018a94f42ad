"""The composition root: adapters built once from settings, broken ones named, fakes swapped in."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Protocol

import pytest
from django.core.exceptions import ImproperlyConfigured

from strangler.composition import BrokenAdapter, CompositionRoot, Port, adapter_errors

HERE = __name__


class Greeter(Protocol):
    def greet(self, name: str) -> str: ...

    def farewell(self, name: str) -> str: ...


class Polite:
    def greet(self, name: str) -> str:
        return f"Good morning, {name}."

    def farewell(self, name: str) -> str:
        return f"Goodbye, {name}."


class Curt:
    """Greets, never says goodbye: it does not implement Greeter."""

    def greet(self, name: str) -> str:
        return "Hi."


def not_a_class() -> Polite:
    return Polite()


GREETER: Port[Greeter] = Port("GREETER_ADAPTER", Greeter)


def _settings(path: object) -> SimpleNamespace:
    return SimpleNamespace(GREETER_ADAPTER=path)


def test_the_adapter_is_built_once_from_the_setting() -> None:
    root = CompositionRoot()

    assert root.compose([GREETER], _settings(f"{HERE}.Polite")) == []

    assert isinstance(root.get(GREETER), Polite)
    assert root.get(GREETER) is root.get(GREETER)


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        (f"{HERE}.Polit", "the path does not import"),
        ("strangler.no_such_module.Polite", "the path does not import"),
        (f"{HERE}.Curt", "Curt does not implement Greeter: no farewell"),
        (f"{HERE}.not_a_class", "the path names no class"),
        (None, "set it to the dotted path of the adapter class"),
    ],
)
def test_a_broken_setting_is_named_with_its_reason_and_nothing_is_built(
    path: object, reason: str
) -> None:
    root = CompositionRoot()

    [broken] = root.compose([GREETER], _settings(path))

    assert broken.setting == "GREETER_ADAPTER"
    assert reason in broken.reason
    with pytest.raises(ImproperlyConfigured, match=r"GREETER_ADAPTER = .*manage\.py check"):
        root.get(GREETER)


def test_composing_again_from_fixed_settings_mends_the_port() -> None:
    root = CompositionRoot()
    root.compose([GREETER], _settings(f"{HERE}.Curt"))

    assert root.compose([GREETER], _settings(f"{HERE}.Polite")) == []
    assert isinstance(root.get(GREETER), Polite)


def test_a_port_nobody_composed_says_so() -> None:
    with pytest.raises(ImproperlyConfigured, match="has not composed this port"):
        CompositionRoot().get(GREETER)


def test_a_replaced_adapter_is_put_back_after_the_block() -> None:
    root = CompositionRoot()
    root.compose([GREETER], _settings(f"{HERE}.Polite"))
    real = root.get(GREETER)
    fake = Polite()

    with root.replaced(GREETER, fake):
        assert root.get(GREETER) is fake

    assert root.get(GREETER) is real


def test_a_replaced_adapter_leaves_an_uncomposed_port_uncomposed() -> None:
    root = CompositionRoot()

    with root.replaced(GREETER, Polite()):
        assert root.get(GREETER).greet("Ann") == "Good morning, Ann."

    with pytest.raises(ImproperlyConfigured):
        root.get(GREETER)


def test_the_check_reports_each_broken_setting_once_and_passes_a_good_one() -> None:
    other: Port[Greeter] = Port("OTHER_GREETER_ADAPTER", Greeter)
    settings = SimpleNamespace(
        GREETER_ADAPTER=f"{HERE}.Curt", OTHER_GREETER_ADAPTER=f"{HERE}.Polite"
    )

    [error] = adapter_errors([GREETER, other], settings, check_id="demo.E001")

    assert error.id == "demo.E001"
    assert error.obj == "GREETER_ADAPTER"
    assert error.msg.startswith("GREETER_ADAPTER names no usable adapter: Curt does not")
    assert error.hint is not None and f"{HERE}.Greeter" in error.hint


def test_a_broken_adapter_reads_as_setting_path_and_reason() -> None:
    broken = BrokenAdapter("GREETER_ADAPTER", "x.Y", "the path does not import")

    assert str(broken) == "GREETER_ADAPTER = 'x.Y': the path does not import"
