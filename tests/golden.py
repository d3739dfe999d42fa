"""Golden files: compared byte for byte; regenerate with APIONLY_UPDATE_GOLDEN=1 and review."""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden"


def assert_golden(relative: str, actual: bytes) -> None:
    """Fail unless ``actual`` equals ``tests/golden/<relative>`` byte for byte."""
    path = GOLDEN / relative
    if os.environ.get("APIONLY_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual)
    expected = path.read_bytes()
    assert actual == expected, f"{relative} differs from its golden file (APIONLY_UPDATE_GOLDEN=1)"
