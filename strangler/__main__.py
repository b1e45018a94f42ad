"""``python -m strangler <command>``: the kit's command line.

python -m strangler stage list|show|up|check|restart|down|procfile|prometheus|tag ...
python -m strangler trace list|show ...
python -m strangler migrate backfill|verify ...
python -m strangler config diff|sync|history ...   (stage 5 on)
python -m strangler secrets init|list|versions|rotate ...   (stage 5 on)
"""

from __future__ import annotations

import importlib
import sys
from importlib.util import find_spec


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "stage":
        from strangler.stages.cli import main as stage_main

        return stage_main(rest)
    if command == "trace":
        from strangler.telemetry.cli import main as trace_main

        return trace_main(rest)
    if command == "migrate":
        from strangler.migrate.cli import main as migrate_main

        return migrate_main(rest)
    if command == "config" and find_spec("strangler.configstore") is not None:
        # the config store arrives with stage 5: found by name, so earlier tags lack only this
        config_main = importlib.import_module("strangler.configstore.cli").main
        return int(config_main(rest))
    if command == "secrets" and find_spec("strangler.secretstore") is not None:
        secrets_main = importlib.import_module("strangler.secretstore.cli").main
        return int(secrets_main(rest))
    print(f"unknown command {command!r}\n{__doc__}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
