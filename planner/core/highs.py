"""A quiet ``highspy.Highs`` for every model that solves with HiGHS.

The library must not print (only the CLI does); HiGHS writes its banner
straight to file descriptor 1 from C++ on first construction, so the
constructor runs with fd 1 pointed at the null device.
"""

from __future__ import annotations

import os
import sys

import highspy

__all__ = ["quiet_highs"]


def quiet_highs() -> highspy.Highs:
    """A ``Highs`` instance, built without the banner on stdout."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no usable stdout: nothing to protect
        return highspy.Highs()
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        return highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
