"""The ``{name}`` placeholders of instance addresses, filled from the ports given at load.

``127.0.0.1:{monolith}`` becomes ``127.0.0.1:8001`` when ``ports["monolith"] == 8001``;
:func:`unknown_placeholders` names the ones the ports lack, so the caller can report each.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def unknown_placeholders(raw: str, ports: Mapping[str, int]) -> list[str]:
    """The placeholder names in ``raw`` that ``ports`` has no value for, in order."""
    return [name for name in _PLACEHOLDER.findall(raw) if name not in ports]


def fill_placeholders(raw: str, ports: Mapping[str, int]) -> str:
    """``raw`` with every ``{name}`` replaced by its port; every name must be known."""
    return _PLACEHOLDER.sub(lambda m: str(ports[m.group(1)]), raw)
