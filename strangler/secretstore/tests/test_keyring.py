"""The JWT key ring: a new key is published before it signs, a retired one verifies through
its grace, a rotation elsewhere is seen on an unknown kid or after the reload interval. The
clock is the test's; the store is OpenBao's and the files'."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from strangler.auth.kid import kid_for
from strangler.secretstore.keyring import (
    FIELD,
    JWT_SIGNING_PATH,
    KeyRing,
    new_private_key_pem,
    public_pem_of,
    states,
)
from strangler.secretstore.store import SecretStore, SecretStoreError, VersionInfo

GRACE = timedelta(days=7)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def rotate(store: SecretStore, path: str) -> str:
    """A new key written as the next version; its kid."""
    current = store.versions(path)
    pem = new_private_key_pem()
    store.write(path, {FIELD: pem}, expected_version=current[-1].version if current else 0)
    return kid_for(public_pem_of(pem.encode()))


def ring_on(store: SecretStore, path: str, clock: Clock) -> KeyRing:
    return KeyRing(store, path, grace=GRACE, reload_seconds=15, min_reload_seconds=1, clock=clock)


def test_versions_are_current_then_in_grace_then_expired() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    infos = [VersionInfo(1, t0), VersionInfo(2, t0 + timedelta(days=1))]

    day_2 = states(infos, t0 + timedelta(days=2), GRACE)
    day_9 = states(infos, t0 + timedelta(days=8, seconds=1), GRACE)

    assert [(v.version, v.state) for v in day_2] == [(1, "grace"), (2, "current")]
    assert day_2[0].until == t0 + timedelta(days=8)
    assert [v.state for v in day_9] == ["expired", "current"]


def test_a_new_version_is_next_until_published_long_enough_then_its_predecessor_retires() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    publish = timedelta(minutes=6)
    infos = [VersionInfo(1, t0), VersionInfo(2, t0 + timedelta(days=1))]

    published = states(infos, t0 + timedelta(days=1, minutes=5), GRACE, publish)
    signing = states(infos, t0 + timedelta(days=1, minutes=6), GRACE, publish)

    assert [(v.version, v.state) for v in published] == [(1, "current"), (2, "next")]
    assert [(v.version, v.state) for v in signing] == [(1, "grace"), (2, "current")]
    assert signing[0].until == t0 + timedelta(days=8, minutes=6)
    # the first version signs at once: nothing else could
    assert [v.state for v in states(infos[:1], t0, GRACE, publish)] == ["current"]


def test_a_rotated_key_is_in_the_ring_before_it_signs(secret_store: SecretStore, path: str) -> None:
    clock = Clock()
    first = rotate(secret_store, path)
    ring = KeyRing(
        secret_store,
        path,
        grace=GRACE,
        publish=timedelta(seconds=60),
        reload_seconds=15,
        clock=clock,
    )
    assert ring.signing().kid == first

    second = rotate(secret_store, path)
    clock.advance(seconds=15)
    assert [key.kid for key in ring.verifiable()] == [first, second]
    assert ring.signing().kid == first
    clock.advance(seconds=60)
    assert ring.signing().kid == second
    assert [key.kid for key in ring.verifiable()] == [first, second]


def test_the_newest_key_signs_and_its_kid_derives_from_its_public_key(
    secret_store: SecretStore, path: str
) -> None:
    first = rotate(secret_store, path)
    second = rotate(secret_store, path)
    ring = ring_on(secret_store, path, Clock())

    signing = ring.signing()

    assert signing.kid == second != first
    assert signing.private_pem is not None  # read from the private keys' path
    assert signing.kid == kid_for(public_pem_of(signing.private_pem))
    assert "PRIVATE" not in repr(signing)


def test_a_retired_key_verifies_until_its_grace_ends(secret_store: SecretStore, path: str) -> None:
    clock = Clock()
    old = rotate(secret_store, path)
    new = rotate(secret_store, path)
    ring = ring_on(secret_store, path, clock)

    assert [key.kid for key in ring.verifiable()] == [old, new]
    assert ring.verifying(old) is not None

    clock.advance(days=7, seconds=1)  # the store's clock wrote v2 "now": the grace is over

    assert ring.verifying(old) is None
    assert [key.kid for key in ring.verifiable()] == [new]


def test_a_rotation_elsewhere_is_seen_on_an_unknown_kid_at_most_once_a_second(
    secret_store: SecretStore, path: str
) -> None:
    clock = Clock()
    rotate(secret_store, path)
    ring = ring_on(secret_store, path, clock)
    ring.signing()
    loads = ring.loads
    clock.advance(seconds=1)

    assert ring.verifying("0123456789abcdef") is None
    assert ring.verifying("fedcba9876543210") is None  # within a second: no second read
    assert ring.loads == loads + 1

    clock.advance(seconds=1)
    newer = rotate(secret_store, path)

    assert ring.verifying(newer) is not None
    assert ring.signing().kid == newer


def test_the_signing_key_follows_a_rotation_after_the_reload_interval(
    secret_store: SecretStore, path: str
) -> None:
    clock = Clock()
    first = rotate(secret_store, path)
    ring = ring_on(secret_store, path, clock)
    assert ring.signing().kid == first

    second = rotate(secret_store, path)
    clock.advance(seconds=14)
    assert ring.signing().kid == first
    clock.advance(seconds=1)
    assert ring.signing().kid == second


def test_a_store_that_goes_away_keeps_the_keys_it_had(
    secret_store: SecretStore, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    kid = rotate(secret_store, path)
    ring = ring_on(secret_store, path, clock)
    ring.signing()

    def down(path: str) -> list[VersionInfo]:
        raise SecretStoreError(f"secret store {secret_store.url}: cannot list {path}")

    monkeypatch.setattr(secret_store, "versions", down)
    clock.advance(seconds=30)

    assert ring.signing().kid == kid


def test_an_empty_path_is_a_clear_error_on_first_use(secret_store: SecretStore, path: str) -> None:
    with pytest.raises(SecretStoreError, match=path):
        ring_on(secret_store, path, Clock()).signing()


def test_the_default_path_is_the_shops_signing_keys() -> None:
    assert JWT_SIGNING_PATH == "shop/jwt-signing"
