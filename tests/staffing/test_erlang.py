"""Erlang B/C and required servers against formulas computed independently here."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from planner.staffing import (
    erlang_b,
    erlang_c,
    mean_wait_min,
    prob_wait_le,
    required_servers,
)


def erlang_c_direct(c: int, a: float) -> float:
    """Erlang C by the textbook sum, in log space with math.lgamma (no scipy)."""
    if a == 0:
        return 0.0
    if c <= a:
        return 1.0
    logs = [k * math.log(a) - math.lgamma(k + 1) for k in range(c)]
    top = c * math.log(a) - math.lgamma(c + 1) + math.log(c / (c - a))
    mx = max(*logs, top)
    s = sum(math.exp(v - mx) for v in logs)
    t = math.exp(top - mx)
    return t / (s + t)


def erlang_b_exact(c: int, a: Fraction) -> Fraction:
    """Erlang B with exact fractions."""
    terms = [a**k / math.factorial(k) for k in range(c + 1)]
    return terms[-1] / sum(terms)


def servers_direct(lam_h: float, s_min: float, t_min: float, share: float) -> int:
    """Smallest c with 1 - C exp(-(c mu - lam) t) >= share, by a plain loop."""
    if lam_h == 0:
        return 0
    a = lam_h * s_min / 60.0
    c = math.floor(a) + 1
    while True:
        p = 1.0 - erlang_c_direct(c, a) * math.exp(-(c / s_min - lam_h / 60.0) * t_min)
        if p >= share:
            return c
        c += 1


CASES = [
    # (arrivals per hour, service minutes, target minutes, share)
    (10.0, 30.0, 0.0, 0.8),
    (10.0, 30.0, 20.0, 0.8),
    (0.5, 90.0, 240.0, 0.9),
    (0.05, 120.0, 240.0, 0.9),
    (1.0, 60.0, 0.0, 0.5),
    (59.9, 60.0, 0.0, 0.5),  # offered load 59.9 on the edge of 60 servers
    (0.999, 60.0, 10.0, 0.8),  # offered load near 1
    (0.99, 60.0, 0.0, 0.2),
    (1.001, 60.0, 30.0, 0.8),
    (100.0, 3.0, 0.33, 0.8),
    (360.0, 4.0, 0.5, 0.9),
    (1000.0, 6.0, 0.0, 0.95),  # 100 Erlangs
    (12000.0, 5.0, 0.2, 0.8),  # 1000 Erlangs
    (2.0, 60.0, 20.0, 0.8),
    (3.0, 45.0, 15.0, 0.99),
    (0.2, 180.0, 60.0, 0.95),
    (7.5, 100.0, 5.0, 0.7),
    (20.0, 15.0, 1.0, 0.6),
    (4.0, 30.0, 0.0, 0.999),
    (0.01, 30.0, 0.0, 0.9),
    (50.0, 72.0, 2.0, 0.85),
    (6.0, 20.0, 120.0, 0.99),
    (0.0, 60.0, 10.0, 0.9),
]


@pytest.mark.parametrize(("lam", "s", "t", "share"), CASES)
def test_required_servers_matches_independent_erlang_c(
    lam: float, s: float, t: float, share: float
) -> None:
    """The sized count equals a direct loop over the textbook Erlang C formula."""
    got = required_servers(lam, s, target_min=t, target_share=share)
    assert int(got) == servers_direct(lam, s, t, share)


def test_required_servers_vectorized() -> None:
    """An array of cases gives the same counts as one call per case."""
    lam, s, t, share = (np.array(x) for x in zip(*CASES, strict=True))
    got = required_servers(lam, s, target_min=t, target_share=share)
    want = [servers_direct(*c) for c in CASES]
    assert got.tolist() == want


@pytest.mark.parametrize(("c", "a"), [(1, 1), (2, 1), (5, 3), (10, 7), (30, 25)])
def test_erlang_b_exact_fractions(c: int, a: int) -> None:
    """Erlang B equals the exact rational value."""
    assert float(erlang_b(c, a)) == pytest.approx(
        float(erlang_b_exact(c, Fraction(a))), rel=1e-12
    )


@pytest.mark.parametrize(("c", "a"), [(1, 0.5), (3, 2.9), (60, 59.9), (500, 480.0)])
def test_erlang_c_direct_sum(c: int, a: float) -> None:
    """Erlang C equals the direct sum, also near saturation and for hundreds of servers."""
    assert float(erlang_c(c, a)) == pytest.approx(erlang_c_direct(c, a), rel=1e-9)


def test_large_server_counts_are_stable() -> None:
    """5,000 servers at 4,950 Erlangs: finite and equal to the log-space sum."""
    got = float(erlang_c(5000, 4950.0))
    assert 0.0 < got < 1.0
    assert got == pytest.approx(erlang_c_direct(5000, 4950.0), rel=1e-8)
    assert float(erlang_b(20, 1e5)) == pytest.approx(1.0 - 20 / 1e5, rel=1e-6)


def test_unstable_and_empty_queues() -> None:
    """c <= a waits surely (C = 1, P(wait <= t) = 0); no arrivals never wait."""
    assert erlang_c([2, 3], 3.0).tolist() == [1.0, 1.0]
    assert float(prob_wait_le(3.0, 60.0, 3, target_min=1e6)) == 0.0
    assert float(prob_wait_le(0.0, 60.0, 0, target_min=0.0)) == 1.0
    assert float(mean_wait_min(3.0, 60.0, 3)) == math.inf


def test_wait_tail_and_mean() -> None:
    """P(W <= t) and E[W] agree with 1 - C exp(-(c mu - lam) t) and C / (c mu - lam)."""
    c, lam, s, t = 4, 3.0, 60.0, 15.0
    cc = erlang_c_direct(c, 3.0)
    rate = c / s - lam / 60.0
    assert float(prob_wait_le(lam, s, c, target_min=t)) == pytest.approx(
        1 - cc * math.exp(-rate * t)
    )
    assert float(mean_wait_min(lam, s, c)) == pytest.approx(cc / rate)


def test_general_service_allen_cunneen() -> None:
    """cv != 1 scales the conditional wait by (1 + cv^2) / 2; cv = 1 is Erlang C."""
    c, lam, s, t = 3, 2.0, 60.0, 20.0
    cc = erlang_c_direct(c, 2.0)
    rate = c / s - lam / 60.0
    for cv in (0.0, 0.5, 1.0, 2.0):
        f = (1 + cv**2) / 2
        want = 1 - cc * math.exp(-rate * t / f)
        got = prob_wait_le(lam, s, c, target_min=t, service_cv=cv)
        assert float(got) == pytest.approx(want)
        assert float(mean_wait_min(lam, s, c, service_cv=cv)) == pytest.approx(
            cc / rate * f
        )
    low = required_servers(2.0, 60.0, target_min=20, target_share=0.95, service_cv=0.2)
    high = required_servers(2.0, 60.0, target_min=20, target_share=0.95, service_cv=2)
    assert int(low) <= int(high)
