"""The cache of verified access tokens: a repeat skips the signature check, never the expiry."""

from __future__ import annotations

from typing import Any

import pytest

from strangler.auth import drf
from strangler.auth.drf import VerifiedTokens
from strangler.auth.tokens import InvalidToken, issue_pair


@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tokens actually parsed and verified."""
    calls: list[str] = []
    real = drf.decode

    def counting(token: str, expected_type: Any) -> dict[str, Any]:
        calls.append(token)
        return real(token, expected_type)

    monkeypatch.setattr(drf, "decode", counting)
    return calls


def test_a_token_seen_before_is_not_verified_again(decoded: list[str]) -> None:
    cache = VerifiedTokens()
    token = issue_pair("7", email="a@example.com").access

    first, again = cache.claims(token), cache.claims(token)

    assert first == again
    assert first["sub"] == "7"
    assert decoded == [token]


def test_a_cached_token_past_its_expiry_is_verified_again(decoded: list[str]) -> None:
    now = [0.0]
    cache = VerifiedTokens(clock=lambda: now[0])
    token = issue_pair("7").access
    expires = float(cache.claims(token)["exp"])

    now[0] = expires - 1
    cache.claims(token)
    assert decoded == [token]
    now[0] = expires  # from here the cached claims are not used: decode decides (and refuses)
    cache.claims(token)
    assert decoded == [token, token]


def test_a_refused_token_is_not_remembered(decoded: list[str]) -> None:
    cache = VerifiedTokens()
    refresh = issue_pair("7").refresh  # a refresh token is no access token

    for _ in range(2):
        with pytest.raises(InvalidToken):
            cache.claims(refresh)
    assert decoded == [refresh, refresh]


def test_the_cache_keeps_the_most_recently_used_tokens(decoded: list[str]) -> None:
    cache = VerifiedTokens(size=2)
    first, second, third = (issue_pair(str(n)).access for n in (1, 2, 3))

    cache.claims(first)
    cache.claims(second)
    cache.claims(first)  # the newest now; second is the oldest
    cache.claims(third)  # evicts second
    cache.claims(first)
    cache.claims(second)

    assert decoded == [first, second, third, second]
