"""Scaling checks by counting calls, never by timing: a shared CI machine cannot tell n from n^2
by the clock, but the number of Python and C function calls made is the same on every run."""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any


def calls_made(run: Callable[[], object]) -> int:
    """Return how many Python and C functions ``run`` called (this thread)."""
    count = 0

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        run()
    finally:
        sys.setprofile(None)
    return count


def grows_linearly(run: Callable[[int], object], n: int) -> bool:
    """Return True when doubling the input at most about doubles the calls (1.0 would be ideal
    for constant work, 2.0 linear, 4.0 quadratic; 2.5 leaves room for n log n sorting)."""
    small = calls_made(lambda: run(n))
    large = calls_made(lambda: run(2 * n))
    return large <= 2.5 * small
