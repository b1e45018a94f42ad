"""A hand-over command's ``--source-url``: the URL given, else the monolith's own database."""

from __future__ import annotations

import argparse

import pytest

from strangler.config import database
from strangler.service.monolith_source import add_source_argument, source_database


def test_the_url_given_names_the_database() -> None:
    config = source_database("postgres://shop@db.internal:5433/shop_old")

    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.internal", 5433, "shop_old")


def test_without_one_it_is_the_monoliths_own() -> None:
    assert source_database("") == database("monolith")


def test_the_option_defaults_to_monolith_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONOLITH_DATABASE_URL", "sqlite:////tmp/monolith.sqlite3")
    parser = argparse.ArgumentParser()
    add_source_argument(parser)  # type: ignore[arg-type]

    assert parser.parse_args([]).source_url == "sqlite:////tmp/monolith.sqlite3"
    assert parser.parse_args(["--source-url", "sqlite:///x"]).source_url == "sqlite:///x"
