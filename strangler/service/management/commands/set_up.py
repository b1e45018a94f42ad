"""``manage.py set_up``: everything a service needs before its processes start, in one process.

Its database, its tables, its static files, its admin login, and its queue with the bindings
(so the queue exists before anything it subscribes to is published), in that order. Each step
is a command of its own too (``manage.py migrate``, ...); run one after another they would boot
Django five times, about 1.2 s of CPU each, on every start-up of every stage.
``--skip STEP`` leaves a step out (a shop that has not cut over binds no queue yet).
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

STEPS: tuple[tuple[str, ...], ...] = (
    ("ensure_database",),
    ("migrate", "--noinput"),
    ("collectstatic", "--noinput", "--verbosity", "0"),
    ("seed_admin",),
    ("events_declare",),
)


class Command(BaseCommand):
    help = "The service's database, tables, static files, admin login and queue, in one process."
    # the database may not exist before the first step
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--skip", action="append", default=[], choices=[name for name, *_ in STEPS]
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # each step writes to the stream itself (wrapped twice, migrate's " OK" would break
        # its line)
        out, err = options.get("stdout") or sys.stdout, options.get("stderr") or sys.stderr
        for name, *arguments in STEPS:
            if name in options["skip"]:
                self.stdout.write(f"{name}: skipped")
                continue
            self.stdout.write(" ".join((name, *arguments)))
            call_command(name, *arguments, stdout=out, stderr=err)
