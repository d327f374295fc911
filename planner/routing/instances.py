"""Readers for public routing instances (Solomon VRPTW, generated field days)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from planner.core.cost import CostRates
from planner.core.errors import InputError
from planner.routing.problem import DispatchProblem

__all__ = ["field_day_problem", "generate_field_day", "read_field_day", "read_solomon"]


def read_solomon(
    path: str | os.PathLike[str], *, n_vehicles: int | None = None
) -> DispatchProblem:
    """A Solomon VRPTW file as a dispatch problem whose objective is the distance.

    Vehicles are technicians at the depot with the load capacity; customers
    are jobs whose demand is their load. Durations and distances are the
    full-precision Euclidean distances; the cost rates make the objective the
    total distance plus a penalty for each unserved customer.
    """
    lines = Path(path).read_text().splitlines()
    try:
        i = next(k for k, ln in enumerate(lines) if ln.strip().startswith("NUMBER"))
        nv, cap = (int(x) for x in lines[i + 1].split()[:2])
        rows = [
            [float(x) for x in ln.split()]
            for ln in lines[i + 2 :]
            if ln.strip() and ln.split()[0].replace(".", "").isdigit()
        ]
    except (StopIteration, ValueError) as e:
        raise InputError(source=str(path), expected="a Solomon VRPTW file") from e
    a = np.array(rows)
    xy = a[:, 1:3]
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    n = len(a) - 1
    m = n_vehicles or nv
    return DispatchProblem(
        duration_min=np.asarray(d),
        distance_m=np.asarray(d),
        job_loc=np.arange(1, n + 1),
        service_min=a[1:, 6],
        tw_ptr=np.arange(n + 1),
        tw_early_min=a[1:, 4],
        tw_late_min=a[1:, 5],
        tech_start_loc=np.zeros(m, np.int64),
        tech_end_loc=np.zeros(m, np.int64),
        shift_start_min=np.full(m, a[0, 4]),
        shift_end_min=np.full(m, a[0, 5]),
        job_load=a[1:, 3],
        tech_capacity=np.full(m, float(cap)),
        rates=CostRates(travel_per_km=1000.0, travel_per_hour=0.0),
        drop_penalty=np.full(n, 1e4),
        job_ids=tuple(str(int(x)) for x in a[1:, 0]),
    )


def read_field_day(path: str | os.PathLike[str]) -> DispatchProblem:
    """A generated field day (``shared/benchmarks/field_day``) as a dispatch problem.

    See :func:`field_day_problem`.
    """
    return field_day_problem(json.loads(Path(path).read_text()))


def field_day_problem(d: dict[str, Any]) -> DispatchProblem:
    """A field day (the JSON layout of ``shared/benchmarks/field_day``) as a problem.

    Travel takes ``round(1.3 * euclid_km / 30 km/h * 3600)`` seconds, as in the
    file; the distance is ``1.3 * euclid`` in metres. The cost rates make the
    objective the travel hours (and a penalty per unserved job). Jobs without
    an ``urgency`` key cost 100 each when unserved; with one, the cost model's
    default penalty of their class.
    """
    jobs, techs = d["jobs"], d["techs"]
    hx = np.array([[t["x_km"], t["y_km"]] for t in techs])
    jx = np.array([[j["x_km"], j["y_km"]] for j in jobs])
    xy = np.vstack([hx, jx])
    e = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    tr = d.get("travel", {})
    det, speed = float(tr.get("detour_factor", 1.3)), float(tr.get("speed_kmh", 30.0))
    dur = np.rint(det * e / speed * 3600.0) / 60.0
    m, n = len(techs), len(jobs)
    skills = sorted(
        {j["skill"] for j in jobs} | {s for t in techs for s in t["skills"]}
    )
    sidx = {s: i for i, s in enumerate(skills)}
    js = np.zeros((n, len(skills)), bool)
    js[np.arange(n), [sidx[j["skill"]] for j in jobs]] = True
    ts = np.zeros((m, len(skills)), bool)
    for i, t in enumerate(techs):
        ts[i, [sidx[s] for s in t["skills"]]] = True
    extra: dict[str, Any] = {"drop_penalty": np.full(n, 100.0)}
    if jobs and "urgency" in jobs[0]:  # penalties from the cost model by class
        extra = {"job_urgency": np.array([j["urgency"] for j in jobs])}
    return DispatchProblem(
        duration_min=np.asarray(dur),
        distance_m=np.asarray(det * e * 1000.0),
        job_loc=np.arange(m, m + n),
        service_min=np.array([j["service_min"] for j in jobs], float),
        tw_ptr=np.arange(n + 1),
        tw_early_min=np.array([j["tw_start_min"] for j in jobs], float),
        tw_late_min=np.array([j["tw_end_min"] for j in jobs], float),
        tech_start_loc=np.arange(m),
        tech_end_loc=np.arange(m),
        shift_start_min=np.array([t["shift_start_min"] for t in techs], float),
        shift_end_min=np.array([t["shift_end_min"] for t in techs], float),
        job_skills=js,
        tech_skills=ts,
        skill_names=tuple(str(s) for s in skills),
        rates=CostRates(travel_per_km=0.0, travel_per_hour=1.0),
        **extra,
        job_ids=tuple(str(j["id"]) for j in jobs),
        tech_ids=tuple(str(t["id"]) for t in techs),
    )


#: time windows (start, end) of generated jobs and their weights, as in the shared days
_WINDOWS = (
    (840, 1080, 278), (600, 840, 255), (480, 720, 248), (720, 960, 238),
    (960, 1080, 212), (720, 840, 203), (600, 720, 196), (480, 600, 186),
    (840, 960, 184),
)  # fmt: skip


def generate_field_day(
    n: int, m: int, seed: int, *, n_skills: int = 5, urgency: bool = True
) -> dict[str, Any]:
    """A field day made like the shared ones, as their JSON layout.

    Jobs in 6 Gaussian clusters on 40 x 40 km, service 30-120 min, 2- or
    4-hour windows, one skill each (skill ``q`` about twice as common as
    ``q + 2``); technicians at uniform homes with 2 or 3 skills and a 08-18
    shift. With ``urgency``, 10 % of the jobs are urgent, 30 % important.
    """
    rng = np.random.default_rng(seed)
    centres = rng.uniform(5, 35, size=(6, 2))
    sig = rng.uniform(3.5, 5.0, size=6)
    cw = rng.uniform(0.5, 1.3, size=6)
    c = rng.choice(6, size=n, p=cw / cw.sum())
    jx = np.clip(centres[c] + rng.normal(size=(n, 2)) * sig[c, None], 0, 40)
    hx = rng.uniform(0, 40, size=(m, 2))
    ww = np.array([w[2] for w in _WINDOWS], float)
    win = rng.choice(len(_WINDOWS), size=n, p=ww / ww.sum())
    sp = 0.7 ** np.arange(n_skills)
    sk = rng.choice(n_skills, size=n, p=sp / sp.sum())
    svc = 5 * rng.integers(6, 25, size=n)
    urg = rng.choice(["urgent", "important", "general"], size=n, p=[0.1, 0.3, 0.6])
    jobs = []
    for i in range(n):
        a, b, _ = _WINDOWS[int(win[i])]
        job: dict[str, Any] = {
            "id": i,
            "x_km": round(float(jx[i, 0]), 3),
            "y_km": round(float(jx[i, 1]), 3),
            "service_min": int(svc[i]),
            "tw_start_min": a,
            "tw_end_min": b,
            "skill": int(sk[i]),
        }
        if urgency:
            job["urgency"] = str(urg[i])
        jobs.append(job)
    techs = []
    for t in range(m):
        k = 2 + int(rng.random() < 0.45)
        skills = sorted(rng.choice(n_skills, size=k, replace=False, p=sp / sp.sum()))
        techs.append(
            {
                "id": t,
                "x_km": round(float(hx[t, 0]), 3),
                "y_km": round(float(hx[t, 1]), 3),
                "skills": [int(x) for x in skills],
                "shift_start_min": 480,
                "shift_end_min": 1080,
            }
        )
    return {
        "name": f"gen_n{n}_m{m}_s{seed}",
        "seed": seed,
        "jobs": jobs,
        "techs": techs,
    }
