"""MOL offered loads and wall-clock targets against direct computations."""

from __future__ import annotations

import numpy as np
import pytest

from planner.staffing import mol_load, wall_target_min


def test_mol_exponential_matches_ode() -> None:
    """For exponential visits m' = lambda(t) - m / E[S]; integrated here with small steps."""
    h = np.arange(168)
    lam = 4.0 * (1 + 0.8 * np.sin(2 * np.pi * h / 24)) * (h % 24 >= 6)
    s_h = 1.5
    dt = 1.0 / 600
    m = 0.0
    avg = np.zeros(168)
    for week in range(4):
        for i in range(168 * 600):
            t_h = i // 600
            m += dt * (lam[t_h] - m / s_h)
            if week == 3:
                avg[t_h] += m / 600
    got = mol_load(lam[None], np.array([90.0]), np.array([1.0]))[0]
    assert got == pytest.approx(avg, rel=1e-3, abs=1e-3)


def test_mol_deterministic_is_moving_integral() -> None:
    """Deterministic visits of 2.5 h: m(t) = integral of lambda over the last 2.5 h."""
    rng = np.random.default_rng(0)
    lam = rng.uniform(0, 5, 168)
    fine = np.repeat(lam, 600)  # per 0.1 min
    win = int(2.5 * 600)
    ext = np.concatenate([fine[-win:], fine])
    cs = np.concatenate([[0.0], np.cumsum(ext)]) / 600
    m = cs[win:] - cs[:-win]  # m at each fine step
    want = m[1:].reshape(168, 600).mean(1)
    got = mol_load(lam[None], np.array([150.0]), np.array([0.0]))[0]
    assert got == pytest.approx(want, abs=5e-3)


def test_mol_conserves_work() -> None:
    """The weekly mean load equals mean rate x mean visit for any cv."""
    lam = np.random.default_rng(1).uniform(0, 3, (4, 168))
    mean = np.array([30.0, 90.0, 240.0, 600.0])
    cv = np.array([0.0, 0.5, 1.0, 2.0])
    got = mol_load(lam, mean, cv).mean(1)
    assert got == pytest.approx(lam.mean(1) * mean / 60.0, rel=1e-9)


def brute_wall(target: float, mask: np.ndarray, hour: int) -> float:
    """Walk minute by minute from mid-hour to the last moment the clock is <= target."""
    t = hour * 60 + 30
    run = 0
    start = t
    while run < target:
        if mask[(t // 60) % 168]:
            run += 1
        t += 1
    while not mask[(t // 60) % 168]:  # the clock stands still until business resumes
        t += 1
    return float(t - start)


def test_business_wall_target_brute_force() -> None:
    """Business-clock wall targets equal a minute-by-minute walk."""
    mask = np.zeros(168, bool)
    for d in range(5):
        mask[d * 24 + 8 : d * 24 + 18] = True
    got = wall_target_min(600.0, "business", mask)
    for h in (0, 8, 12, 17, 18, 100, 112, 130, 160, 167):
        assert got[h] == pytest.approx(brute_wall(600.0, mask, h), abs=1.0), h
    cal = wall_target_min(240.0, "calendar", mask)
    assert (cal == 240.0).all()
