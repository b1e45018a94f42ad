#!/usr/bin/env python
"""The payments service's manage.py (its own Django project and database)."""

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root
    # Always this service's settings, even when the environment names the monolith's.
    os.environ["DJANGO_SETTINGS_MODULE"] = "extracted.payments.service.settings"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
