"""``strangler.testing.eventually``: how a test waits, and what it says when the wait fails."""

from __future__ import annotations

import pytest

from strangler.testing import eventually


def test_it_returns_the_first_truthy_result() -> None:
    answers = iter([None, 0, "ready"])
    assert eventually(lambda: next(answers), "an answer", poll=0) == "ready"


def test_a_callable_what_is_asked_after_the_last_check_so_it_names_what_that_check_saw() -> None:
    seen: list[int] = []

    def check() -> bool:
        seen.append(len(seen))
        return False

    with pytest.raises(AssertionError) as failed:
        eventually(check, lambda: f"a check that passes; checked {len(seen)} times", deadline=0)
    assert str(failed.value) == "not within 0s: a check that passes; checked 1 times"


def test_a_plain_what_is_named_as_it_is() -> None:
    with pytest.raises(AssertionError, match=r"^not within 0s: the impossible$"):
        eventually(lambda: False, "the impossible", deadline=0)
