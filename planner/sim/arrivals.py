"""Ticket streams: generated (non-homogeneous Poisson) or replayed from a table.

Generation is vectorized: per product category, a homogeneous Poisson stream
at the category's peak rate is thinned by the product of its seasonal (month),
day-of-week and hour-of-day factors, and each accepted ticket is placed at a
demand point with probability proportional to the point's rate. Triage draws
(urgency, fault type, remote fix), repair durations and part usage each come
from their own random stream, one value per ticket, so two scenarios run with
the same seed see the same tickets (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from planner.core.checks import readonly
from planner.core.errors import InputError
from planner.core.rng import spawn_seeds
from planner.core.tables import check_ids
from planner.sim.model import DAY_MIN, URGENCIES, YEAR_MIN, SimModel

__all__ = [
    "STREAMS",
    "TicketStream",
    "as_seed_sequence",
    "complete_tickets",
    "generate_tickets",
    "read_tickets",
    "tickets_frame",
]

#: Names of the random streams of one replication, in spawn order.
STREAMS = (
    "arrivals",
    "triage",
    "service",
    "parts",
    "followup",
    "quality",
    "diagnosis",
    "repeat",
)


@dataclass(frozen=True, slots=True, eq=False)
class TicketStream:
    """Tickets in creation order, as columns.

    Attributes
    ----------
    created_min
        Creation time, minutes from the start, non-decreasing.
    point, category, fault, urgency
        Indices into the model's demand points, categories, faults, urgencies.
    remote
        Solved by phone at triage (no visit).
    repair_min
        Duration of the repair on site; NaN = to be drawn per replication.
    part_ptr, part_idx
        Parts used (CSR: ticket ``j`` uses ``part_idx[part_ptr[j]:part_ptr[j+1]]``).
    parts_known
        Whether the parts come from the table (else drawn per replication).
    ticket_id
        Ids of replayed tickets (None for generated ones).
    """

    created_min: np.ndarray
    point: np.ndarray
    category: np.ndarray
    fault: np.ndarray
    urgency: np.ndarray
    remote: np.ndarray
    repair_min: np.ndarray
    part_ptr: np.ndarray
    part_idx: np.ndarray
    parts_known: bool = True
    ticket_id: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.created_min)
        for name in ("point", "category", "fault", "urgency", "remote", "repair_min"):
            if len(getattr(self, name)) != n:
                raise InputError(
                    field=name, expected=f"{n} values", got=len(getattr(self, name))
                )
        if len(self.part_ptr) != n + 1 or self.part_ptr[-1] != len(self.part_idx):
            raise InputError(field="part_ptr", expected="CSR pointers", got="bad")
        if n and (np.diff(self.created_min) < 0).any():
            raise InputError(
                field="created_min", expected="non-decreasing times", got="unsorted"
            )
        for name in (
            "created_min",
            "point",
            "category",
            "fault",
            "urgency",
            "remote",
            "repair_min",
            "part_ptr",
            "part_idx",
        ):
            object.__setattr__(self, name, readonly(np.asarray(getattr(self, name))))

    def __len__(self) -> int:
        return len(self.created_min)

    @property
    def n_tickets(self) -> int:
        """Number of tickets."""
        return len(self.created_min)


def as_seed_sequence(
    seed: int | np.random.Generator | np.random.SeedSequence | None,
) -> np.random.SeedSequence:
    """The root :class:`~numpy.random.SeedSequence` of ``seed``.

    An int or None seeds a new sequence; a SeedSequence is used as is; a
    Generator is a stream: one 63-bit draw from it seeds the sequence (so the
    same generator state gives the same tickets).

    >>> as_seed_sequence(3).entropy
    3
    >>> as_seed_sequence(-1)
    Traceback (most recent call last):
    ...
    planner.core.errors.InputError: seed must be an integer >= 0, a numpy Generator or a SeedSequence; got -1
    """
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(int(seed.integers(0, 2**63)))
    if seed is None or (
        isinstance(seed, int | np.integer) and not isinstance(seed, bool) and seed >= 0
    ):
        return np.random.SeedSequence(None if seed is None else int(seed))
    raise InputError(
        field="seed",
        expected="an integer >= 0, a numpy Generator or a SeedSequence",
        got=seed,
    )


def _day_tables(model: SimModel, n_days: int) -> tuple[np.ndarray, np.ndarray]:
    days = np.datetime64(model.start_date, "D") + np.arange(n_days)
    month = days.astype("datetime64[M]").astype(np.int64) % 12
    dow = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    return month, dow


def _rate_factor(
    model: SimModel, c: int, t: np.ndarray, month: np.ndarray, dow: np.ndarray
) -> np.ndarray:
    day = (t // DAY_MIN).astype(np.int64)
    hour = np.minimum(((t - day * DAY_MIN) // 60.0).astype(np.int64), 23)
    dm = model.demand
    return dm.seasonal[c, month[day]] * dm.week_profile[c, dow[day] * 24 + hour]


def generate_tickets(
    model: SimModel,
    horizon_days: float,
    *,
    seed: int | np.random.Generator | np.random.SeedSequence = 0,
) -> TicketStream:
    """Draw the tickets of ``horizon_days`` days by thinning.

    Formulation: the rate of category ``c`` at point ``p`` and time ``t`` is
    ``r[p, c] / 525,600 * season[c, month(t)] * week[c, hour_of_week(t)]``
    per minute (``SimModel.demand``: mean-1 factors). Per category a Poisson stream at the peak
    rate is accepted with probability rate / peak; points are drawn in
    proportion to ``r[:, c]``.

    >>> from planner.core import *
    >>> from planner.sim.model import SimModel
    >>> cat = Catalog((ProductCategory("tv", 1.0, np.ones(12),
    ...                (FaultType("f", 1.0, "el", 60.0),)),), ())
    >>> d = DemandPoints.from_arrays(["p"], [0.0], [0.0],
    ...                              tickets_per_year=[[36500.0]], categories=["tv"])
    >>> o = Outlets.from_arrays(["o"], [0.0], [0.0])
    >>> t = [Technician("t", (0.0, 0.0), {"el"}, TimeWindow(0, 1440), outlet_id="o")]
    >>> m = SimModel.from_core(d, o, t, cat, [UrgencyClass("general", 4320, 1.0)])
    >>> s = generate_tickets(m, 10.0, seed=1)
    >>> 850 < len(s) < 1150, bool((s.created_min < 14400).all())
    (True, True)
    """
    if not (np.isfinite(horizon_days) and horizon_days > 0):
        raise InputError(field="horizon_days", expected="> 0", got=horizon_days)
    ss = as_seed_sequence(seed)
    rng_a, rng_t, rng_s, rng_p = (
        np.random.default_rng(s) for s in spawn_seeds(ss, len(STREAMS))[:4]
    )
    horizon = float(horizon_days) * DAY_MIN
    n_days = int(np.ceil(horizon_days)) + 1
    month, dow = _day_tables(model, n_days)
    times: list[np.ndarray] = []
    points: list[np.ndarray] = []
    cats: list[np.ndarray] = []
    n_p = model.n_points
    dm = model.demand
    for c in range(len(model.category_names)):
        col = dm.rate_per_year[:, c]
        total = float(col.sum())
        if total <= 0:
            continue
        peak = dm.seasonal[c].max() * dm.week_profile[c].max()
        if peak <= 0:
            continue
        lam = total / YEAR_MIN * peak
        n = int(rng_a.poisson(lam * horizon))
        t = np.sort(rng_a.random(n) * horizon)
        keep = rng_a.random(n) * peak < _rate_factor(model, c, t, month, dow)
        t = t[keep]
        cum = np.cumsum(col)
        pts = np.searchsorted(cum, rng_a.random(len(t)) * cum[-1], side="right")
        times.append(t)
        points.append(np.minimum(pts, n_p - 1))
        cats.append(np.full(len(t), c, dtype=np.int64))
    if times:
        t_all = np.concatenate(times)
        order = np.argsort(t_all, kind="stable")
        created = t_all[order]
        point = np.concatenate(points)[order]
        category = np.concatenate(cats)[order]
    else:
        created = np.zeros(0)
        point = np.zeros(0, dtype=np.int64)
        category = np.zeros(0, dtype=np.int64)
    n = len(created)
    u = rng_t.random((n, 3))
    urgency = np.minimum(
        np.searchsorted(np.cumsum(model.service.urgency_share), u[:, 0], side="right"),
        2,
    )
    fault = _draw_fault(model, category, u[:, 1])
    remote = u[:, 2] < model.faults.remote_rate[fault]
    repair = draw_repair(model, fault, rng_s)
    ptr, idx = draw_parts(model, fault, remote, rng_p)
    return TicketStream(
        created_min=created,
        point=point,
        category=category,
        fault=fault,
        urgency=urgency.astype(np.int64),
        remote=remote,
        repair_min=repair,
        part_ptr=ptr,
        part_idx=idx,
    )


def _draw_fault(model: SimModel, category: np.ndarray, u: np.ndarray) -> np.ndarray:
    fc = model.faults.category
    cum = np.zeros(len(fc))
    for c in range(len(model.category_names)):
        sel = fc == c
        cum[sel] = c + np.cumsum(model.faults.share[sel])
    last = np.r_[fc[1:] != fc[:-1], True]
    cum[last] = fc[last] + 1.0  # exact category ends despite rounding
    f = np.searchsorted(cum, category + u, side="right")
    return np.minimum(f, len(fc) - 1).astype(np.int64)


def draw_repair(
    model: SimModel, fault: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """One repair duration per ticket (minutes) around its fault's mean."""
    mean = model.faults.repair_min[fault]
    sv = model.service
    if sv.repair_dist == "deterministic" or sv.repair_cv == 0:
        return np.array(mean, dtype=np.float64)
    if sv.repair_dist == "exponential":
        return mean * rng.standard_exponential(len(fault))
    s2 = np.log1p(sv.repair_cv**2)
    return mean * np.exp(np.sqrt(s2) * rng.standard_normal(len(fault)) - s2 / 2)


def draw_parts(
    model: SimModel, fault: np.ndarray, remote: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Parts used per ticket as CSR ``(ptr, idx)``; remote tickets use none."""
    n = len(fault)
    prob = model.faults.part_prob
    n_slots = int((prob > 0).sum(axis=1).max()) if prob.size else 0
    if n == 0 or n_slots == 0 or not model.service.use_parts:
        return np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # slot k of fault f: its k-th part with a non-zero probability
    slot_part = np.full((len(prob), n_slots), -1, dtype=np.int64)
    slot_prob = np.zeros((len(prob), n_slots))
    for f in range(len(prob)):
        nz = np.flatnonzero(prob[f] > 0)
        slot_part[f, : len(nz)] = nz
        slot_prob[f, : len(nz)] = prob[f, nz]
    u = rng.random((n, n_slots))
    used = (u < slot_prob[fault]) & ~remote[:, None]
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(used.sum(axis=1), out=ptr[1:])
    idx = slot_part[fault][used]
    return ptr, idx.astype(np.int64)


def complete_tickets(
    model: SimModel, stream: TicketStream, seed: np.random.SeedSequence
) -> TicketStream:
    """Fill what a replayed table left open (repair times, parts) from ``seed``.

    Uses the ``service`` and ``parts`` streams of ``seed``, like generation.
    """
    missing = np.isnan(stream.repair_min)
    if not missing.any() and stream.parts_known:
        return stream
    _, _, ss_s, ss_p = spawn_seeds(seed, len(STREAMS))[:4]
    repair = np.array(stream.repair_min)
    if missing.any():
        drawn = draw_repair(model, stream.fault, np.random.default_rng(ss_s))
        repair[missing] = drawn[missing]
    ptr, idx = stream.part_ptr, stream.part_idx
    if not stream.parts_known:
        ptr, idx = draw_parts(
            model, stream.fault, stream.remote, np.random.default_rng(ss_p)
        )
    return TicketStream(
        created_min=stream.created_min,
        point=stream.point,
        category=stream.category,
        fault=stream.fault,
        urgency=stream.urgency,
        remote=stream.remote,
        repair_min=repair,
        part_ptr=ptr,
        part_idx=idx,
        parts_known=True,
        ticket_id=stream.ticket_id,
    )


# ----------------------------------------------------------------- replay
_REQUIRED = ("ticket_id", "lon", "lat", "category", "fault", "urgency")


def read_tickets(
    path: str | Path,
    model: SimModel,
    *,
    max_snap_km: float = 50.0,
) -> TicketStream:
    """Read a historical ticket table (CSV or Parquet) for replay, unchanged.

    Columns: ``ticket_id``, ``created`` (a date-time) or ``created_min``
    (minutes from the model's ``start_date``), ``lon``, ``lat``, ``category``,
    ``fault`` (the fault name within its category), ``urgency``; optional
    ``service_min`` (repair minutes; drawn per replication when absent or
    empty), ``parts`` (part ids separated by ``;``; drawn when the column is
    absent) and ``remote`` (true/false; default false). Each ticket is served
    from the demand point nearest to its address; an address farther than
    ``max_snap_km`` from every point is outside the region.

    Raises
    ------
    InputError
        Naming the file, row (1-based, header excluded) and field.
    """
    import pandas as pd

    p = Path(path)
    src = p.name
    if not p.is_file():
        raise InputError(source=str(p), expected="an existing ticket table", got=str(p))
    try:
        if p.suffix.lower() in (".parquet", ".pq"):
            df = pd.read_parquet(p)
        else:
            df = pd.read_csv(p, dtype=str, keep_default_na=False)
    except Exception as e:
        raise InputError(f"unreadable table ({e})", source=src) from None
    cols = set(df.columns)
    missing = [c for c in _REQUIRED if c not in cols]
    if "created" not in cols and "created_min" not in cols:
        missing.append("created or created_min")
    if missing:
        raise InputError(
            source=src,
            field="columns",
            expected=f"columns {[*_REQUIRED, 'created']}",
            got=f"missing {missing}",
        )
    n = len(df)

    def bad(i: int, fld: str, expected: str, got: Any) -> InputError:
        return InputError(
            source=src,
            location=f'row {i + 1} (id "{df["ticket_id"].iloc[i]}")',
            field=fld,
            expected=expected,
            got=got,
        )

    def numeric(name: str) -> np.ndarray:
        v = pd.to_numeric(df[name].replace("", np.nan), errors="coerce").to_numpy(
            dtype=np.float64
        )
        return v

    ids = np.asarray(
        check_ids(df["ticket_id"].to_numpy(), source=src, field="ticket_id")
    )
    if "created_min" in cols:
        created = numeric("created_min")
        nan = ~np.isfinite(created) | (created < 0)
        if nan.any():
            i = int(np.argmax(nan))
            raise bad(i, "created_min", "minutes >= 0", df["created_min"].iloc[i])
    else:
        ts = pd.to_datetime(df["created"], errors="coerce", format="mixed")
        nat = ts.isna().to_numpy()
        if nat.any():
            i = int(np.argmax(nat))
            raise bad(i, "created", "a date-time", df["created"].iloc[i])
        t0 = pd.Timestamp(model.start_date)
        if getattr(ts.dt, "tz", None) is not None:
            ts = ts.dt.tz_localize(None)
        created = ((ts - t0).dt.total_seconds() / 60.0).to_numpy(dtype=np.float64)
        neg = created < 0
        if neg.any():
            i = int(np.argmax(neg))
            raise bad(
                i,
                "created",
                f"not before the start {model.start_date}",
                df["created"].iloc[i],
            )
    lon, lat = numeric("lon"), numeric("lat")
    for name, a, b in (("lon", lon, 180.0), ("lat", lat, 90.0)):
        out = ~np.isfinite(a) | (np.abs(a) > b)
        if out.any():
            i = int(np.argmax(out))
            raise bad(i, name, f"a number in [-{b:g}, {b:g}]", df[name].iloc[i])
    cat_ix = {c: i for i, c in enumerate(model.category_names)}
    cats = df["category"].astype(str).to_numpy()
    category = np.empty(n, dtype=np.int64)
    fault = np.empty(n, dtype=np.int64)
    f_ix = {name: i for i, name in enumerate(model.fault_names)}
    faults = df["fault"].astype(str).to_numpy()
    u_ix = {u.value: i for i, u in enumerate(URGENCIES)}
    urg = df["urgency"].astype(str).str.strip().str.lower().to_numpy()
    urgency = np.empty(n, dtype=np.int64)
    for i in range(n):
        c = cat_ix.get(cats[i])
        if c is None:
            raise bad(i, "category", f"one of {list(model.category_names)}", cats[i])
        category[i] = c
        f = f_ix.get(f"{cats[i]}.{faults[i]}")
        if f is None:
            known = [
                x.split(".", 1)[1]
                for x in model.fault_names
                if x.startswith(cats[i] + ".")
            ]
            raise bad(i, "fault", f"a fault of {cats[i]!r}: {known}", faults[i])
        fault[i] = f
        ui = u_ix.get(urg[i])
        if ui is None:
            raise bad(i, "urgency", f"one of {list(u_ix)}", df["urgency"].iloc[i])
        urgency[i] = ui
    repair = numeric("service_min") if "service_min" in cols else np.full(n, np.nan)
    neg = repair < 0
    if neg.any():
        i = int(np.argmax(neg))
        raise bad(i, "service_min", "minutes >= 0 (or empty)", repair[i])
    if "remote" in cols:
        rv = df["remote"].astype(str).str.strip().str.lower()
        ok = rv.isin(["true", "false", "1", "0", "", "yes", "no"]).to_numpy()
        if not ok.all():
            i = int(np.argmin(ok))
            raise bad(i, "remote", "true or false", df["remote"].iloc[i])
        remote = rv.isin(["true", "1", "yes"]).to_numpy()
    else:
        remote = np.zeros(n, dtype=bool)
    parts_known = "parts" in cols
    ptr = np.zeros(n + 1, dtype=np.int64)
    idx_l: list[int] = []
    if parts_known:
        p_ix = {pid: i for i, pid in enumerate(model.part_ids)}
        vals = df["parts"].astype(str).to_numpy()
        for i in range(n):
            for pid in (x.strip() for x in vals[i].split(";")):
                if not pid:
                    continue
                if pid not in p_ix:
                    raise bad(i, "parts", "catalogue part ids separated by ';'", pid)
                idx_l.append(p_ix[pid])
            ptr[i + 1] = len(idx_l)
    point, dist_km = _nearest_points(model, lon, lat)
    far = dist_km > max_snap_km
    if far.any():
        i = int(np.argmax(far))
        raise bad(
            i,
            "lon/lat",
            f"within {max_snap_km:g} km of a demand point (inside the region)",
            f"({lon[i]}, {lat[i]}), {dist_km[i]:.0f} km away",
        )
    order = np.argsort(created, kind="stable")
    idx = np.asarray(idx_l, dtype=np.int64)
    counts = np.diff(ptr)[order]
    starts = ptr[:-1][order]
    new_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=new_ptr[1:])
    new_idx = (
        np.concatenate([idx[s : s + c] for s, c in zip(starts, counts, strict=True)])
        if len(idx)
        else idx
    )
    return TicketStream(
        created_min=created[order],
        point=point[order],
        category=category[order],
        fault=fault[order],
        urgency=urgency[order],
        remote=remote[order],
        repair_min=repair[order],
        part_ptr=new_ptr,
        part_idx=new_idx,
        parts_known=parts_known,
        ticket_id=ids[order],
    )


def tickets_frame(model: SimModel, stream: TicketStream) -> Any:
    """The tickets as a table in the format :func:`read_tickets` reads.

    Addresses are the demand points' coordinates; ``parts`` joins part ids
    with ``;``. Writing this table and reading it back replays the same
    tickets (same times, faults, repair durations and parts).

    >>> import pandas as pd
    >>> from planner.core import *
    >>> cat = Catalog((ProductCategory("tv", 1.0, np.ones(12),
    ...                (FaultType("f", 1.0, "el", 60.0),)),), ())
    >>> d = DemandPoints.from_arrays(["p"], [1.0], [2.0],
    ...                              tickets_per_year=[[3650.0]], categories=["tv"])
    >>> o = Outlets.from_arrays(["o"], [1.0], [2.0])
    >>> t = [Technician("t", (1.0, 2.0), {"el"}, TimeWindow(0, 1440), outlet_id="o")]
    >>> m = SimModel.from_core(d, o, t, cat, [UrgencyClass("general", 4320, 1.0)])
    >>> tickets_frame(m, generate_tickets(m, 2.0, seed=0)).columns.tolist()
    ['ticket_id', 'created_min', 'lon', 'lat', 'category', 'fault', 'urgency', 'service_min', 'parts', 'remote']
    """
    import pandas as pd

    n = len(stream)
    ids = (
        np.asarray(stream.ticket_id, dtype=object)
        if stream.ticket_id is not None
        else np.array([f"T{j}" for j in range(n)], dtype=object)
    )
    pids = np.asarray(model.part_ids, dtype=object)
    ptr = stream.part_ptr
    parts = [";".join(pids[stream.part_idx[ptr[j] : ptr[j + 1]]]) for j in range(n)]
    faults = np.array([f.split(".", 1)[1] for f in model.fault_names], dtype=object)
    return pd.DataFrame(
        {
            "ticket_id": ids,
            "created_min": np.asarray(stream.created_min),
            "lon": model.demand.lonlat[stream.point, 0],
            "lat": model.demand.lonlat[stream.point, 1],
            "category": np.asarray(model.category_names, dtype=object)[stream.category],
            "fault": faults[stream.fault],
            "urgency": np.array([u.value for u in URGENCIES], dtype=object)[
                stream.urgency
            ],
            "service_min": np.asarray(stream.repair_min),
            "parts": parts,
            "remote": np.asarray(stream.remote, dtype=bool),
        }
    )


def _nearest_points(
    model: SimModel, lon: np.ndarray, lat: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    from planner.geo.great_circle import GreatCircle

    gc = GreatCircle(circuity=1.0, speed_kmh=60.0)
    pts = np.asarray(model.demand.lonlat)
    q = np.column_stack([lon, lat])
    best = np.zeros(len(q), dtype=np.int64)
    dist = np.zeros(len(q))
    step = max(1, 2_000_000 // max(1, len(pts)))
    for s in range(0, len(q), step):
        d = gc.matrix(q[s : s + step], pts).distance_m
        best[s : s + step] = np.argmin(d, axis=1)
        dist[s : s + step] = d[np.arange(len(d)), best[s : s + step]] / 1000.0
    return best, dist
