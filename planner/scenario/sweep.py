"""Sweeps: many variants of one scenario, run as tasks on Dask, resumable.

A scenario's ``[sweep]`` expands into variants (a grid over dotted keys, a
list of named variants, or both crossed). Every variant is validated before
anything runs, and named in any error. Variants share the scenario's seed, so
they see the same random numbers (common random numbers) and their
differences are not noise.

Layout on disk::

    runs/<scenario>/sweep-<id>/sweep.json        the variants and their overrides
    runs/<scenario>/sweep-<id>/variants/<vid>/   one complete run folder each

``<id>`` hashes the base scenario (without ``[sweep]``) and ``<vid>`` the
variant's overrides, so re-running the same sweep - or a grown grid - finds
the finished variants and runs only the others. A variant folder is written
to a temporary folder and renamed when complete, so a half-written result is
never read as finished; the results store gets each variant exactly once.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import hashlib
import itertools
import json
import os
import time
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel

from planner.core.atomic import atomic_path, check_writable_dir, remove_stale
from planner.core.errors import InputError
from planner.core.progress import Progress, ProgressCallback
from planner.geo.formats import read_result
from planner.scenario.build import ScenarioData, build
from planner.scenario.load import Scenario
from planner.scenario.pipeline import kpi_table, run_stages, write_run
from planner.scenario.preflight import preflight
from planner.scenario.schema import ScenarioSpec
from planner.scenario.store import RunStore

__all__ = [
    "SweepResult",
    "Variant",
    "check_variant",
    "expand_sweep",
    "run_sweep",
    "run_variant",
]


Rows = list[dict[Any, Any]]


@dataclass(frozen=True, slots=True)
class Variant:
    """One variant of a sweep: its id, a readable name and its overrides."""

    id: str
    name: str
    overrides: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SweepResult:
    """What a sweep did: its folder, variants, which ran now, and all KPIs."""

    folder: Path
    sweep_id: str
    variants: tuple[Variant, ...]
    ran: tuple[str, ...]
    reused: tuple[str, ...]
    kpis: pd.DataFrame
    runtime_s: float


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested tables of the schema become dotted keys; values stay as they are.

    So ``[sweep.grid] siting = { p = [1, 2] }`` and ``"siting.p" = [1, 2]``
    mean the same.
    """
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and _is_table_key(key):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _is_table_key(dotted: str) -> bool:
    """Whether ``dotted`` names a table (a pydantic model) of the schema."""
    model: Any = ScenarioSpec
    for part in dotted.split("."):
        fields = getattr(model, "model_fields", None)
        if fields is None or part not in fields:
            return False
        model = _unwrap(fields[part].annotation)
    return isinstance(model, type) and issubclass(model, BaseModel)


def _unwrap(ann: Any) -> Any:
    origin = typing.get_origin(ann)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        return _unwrap(args[0]) if len(args) == 1 else ann
    return ann


def _check_key(dotted: str, where: str, source: str) -> None:
    """Raise if ``dotted`` is not a key of the scenario schema."""
    model: Any = ScenarioSpec
    parts = dotted.split(".")
    i = 0
    while i < len(parts):
        fields = getattr(model, "model_fields", None)
        if fields is None:
            return  # inside a free-form value; the schema checks it
        if parts[i] not in fields or parts[i] in ("sweep", "extends"):
            allowed = sorted(set(fields) - {"sweep", "extends"})
            raise InputError(
                source=source,
                location=where,
                expected=f"a scenario key; {parts[i]!r} is not one of {allowed}",
                got=dotted,
            )
        ann = _unwrap(fields[parts[i]].annotation)
        if typing.get_origin(ann) is dict:
            ann = _unwrap(typing.get_args(ann)[1])
            i += 1  # the next part is a free dict key (e.g. a category name)
        model = ann
        i += 1


def _vid(overrides: dict[str, Any]) -> str:
    blob = json.dumps(overrides, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def _base(scenario: Scenario) -> Scenario:
    resolved = copy.deepcopy(scenario.resolved)
    resolved.pop("sweep", None)
    return Scenario(
        spec=ScenarioSpec.model_validate(resolved),
        path=scenario.path,
        resolved=resolved,
        chain=scenario.chain,
        given=scenario.given,
    )


def expand_sweep(scenario: Scenario) -> list[Variant]:
    """The scenario's variants, each validated; errors name the variant.

    >>> from planner.scenario import spec_from_dict
    >>> s = spec_from_dict({"name": "x", "sweep": {"grid": {"siting.p": [10, 20]}}})
    >>> [v.name for v in expand_sweep(s)]
    ['p=10', 'p=20']
    """
    sw = scenario.spec.sweep
    source = scenario.source
    if sw is None:
        raise InputError(
            source=source,
            field="sweep",
            expected="a [sweep] table with a grid or variants",
            got="none",
        )
    grid = _flatten(sw.grid)
    for k, vals in grid.items():
        _check_key(k, f"sweep.grid.{k}", source)
        if not isinstance(vals, list) or not vals:
            raise InputError(
                source=source,
                location=f"sweep.grid.{k}",
                expected="a non-empty list of values",
                got=vals,
            )
    named: list[tuple[str, dict[str, Any]]] = []
    for i, v in enumerate(sw.variants):
        v = dict(v)
        name = str(v.pop("name", f"variant{i + 1}"))
        flat = _flatten(v)
        for k in flat:
            _check_key(k, f"sweep.variants[{i}] ({name}).{k}", source)
        named.append((name, flat))
    if not named:
        named = [("", {})]
    keys = list(grid)
    last = [k.rsplit(".", 1)[-1] for k in keys]
    short = {
        k: (s if last.count(s) == 1 else k) for k, s in zip(keys, last, strict=True)
    }
    combos = list(itertools.product(*(grid[k] for k in keys))) if keys else [()]
    base = _base(scenario)
    out: list[Variant] = []
    seen: dict[str, str] = {}
    for vname, vover in named:
        for combo in combos:
            over = {**vover, **dict(zip(keys, combo, strict=True))}
            label = (
                " ".join(
                    [vname] * bool(vname)
                    + [f"{short[k]}={v}" for k, v in zip(keys, combo, strict=True)]
                )
                or "base"
            )
            try:
                base.with_overrides(over)
            except InputError as e:
                msg = _without_source(e)
                raise InputError(
                    f"sweep variant {label!r}: {msg}", source=source
                ) from None
            vid = _vid(over)
            if vid in seen:
                raise InputError(
                    source=source,
                    location="sweep",
                    expected="distinct variants",
                    got=f"{label!r} repeats {seen[vid]!r}",
                )
            seen[vid] = label
            out.append(Variant(id=vid, name=label, overrides=over))
    return out


#: Override prefixes that change no data :func:`build` makes (only what stages do).
_STAGE_ONLY = ("siting.", "inventory.", "simulation.", "run.", "routing.")


def check_variant(
    scenario: Scenario,
    data: ScenarioData,
    variant: Variant,
    *,
    stages: list[str] | None = None,
) -> None:
    """Run :func:`preflight` on one variant (``data``: the base scenario built).

    A variant that changes only stage settings reuses ``data``; any other is
    built again, so its files and generated workforce are checked too.
    ``stages``: instead of the variant's ``[run] stages``.
    """
    sc = _base(scenario).with_overrides(variant.overrides)
    try:
        if all(k.startswith(_STAGE_ONLY) for k in variant.overrides):
            d = dataclasses.replace(data, scenario=sc)
        else:
            d = build(sc)
        preflight(d, stages if stages is not None else sc.spec.run.stages)
    except InputError as e:
        raise InputError(
            f"sweep variant {variant.name!r}: {_without_source(e)}",
            source=scenario.source,
        ) from None


def _without_source(e: InputError) -> str:
    """The message of ``e`` without its leading source (added back once)."""
    text = str(e)
    if e.source:
        for sep in (": ", " "):
            if text.startswith(e.source + sep):
                return text[len(e.source) + len(sep) :]
    return text


def sweep_id_of(scenario: Scenario) -> str:
    """The sweep's id: a hash of the base scenario (without ``[sweep]``)."""
    return _base(scenario).digest[:12]


def run_variant(
    resolved: dict[str, Any], path: str | None, overrides: dict[str, Any], folder: str
) -> Rows:
    """Run one variant into ``folder`` (a task; runs in a worker process).

    Returns the variant's KPI rows. If ``folder`` is already complete (a
    duplicate task), its KPIs are read instead of running again.
    """
    out = Path(folder)
    if (out / "manifest.json").exists():
        return read_result(out / "kpis.parquet").to_dict("records")
    base = Scenario(
        spec=ScenarioSpec.model_validate(resolved),
        path=Path(path) if path else None,
        resolved=resolved,
    )
    sr = run_stages(base.with_overrides(overrides))
    with contextlib.suppress(FileExistsError):  # another attempt finished first
        write_run(out, sr)
    return kpi_table(sr).to_dict("records")


def _finished(folder: Path) -> bool:
    return (folder / "manifest.json").is_file()


@contextlib.contextmanager
def _client(scheduler: str | None, n_workers: int) -> Iterator[Any]:
    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="5s")
        except (OSError, TimeoutError) as e:
            raise InputError(
                field="--scheduler",
                expected="the address of a running Dask scheduler",
                got=scheduler,
                hint=f"no answer within 5 s: {e}",
            ) from None
        try:
            yield client
        finally:
            client.close()
        return
    cluster = LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",  # any free port: 8787 may be taken
    )
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def run_sweep(
    scenario: Scenario,
    out_root: str | Path = "runs",
    *,
    scheduler: str | None = None,
    n_workers: int | None = None,
    serial: bool = False,
    progress: ProgressCallback | None = None,
) -> SweepResult:
    """Run every unfinished variant of the scenario's sweep; index them all.

    Parameters
    ----------
    scenario
        A scenario with a ``[sweep]``.
    out_root
        Root of run folders; the store is ``out_root/index.sqlite``.
    scheduler
        Address of an existing Dask scheduler; default: a local cluster of
        ``n_workers`` processes (default: the number of cores).
    serial
        Run in this process, one variant after another (no Dask).
    progress
        Called with a :class:`~planner.core.progress.Progress` record
        (``done``/``total`` variants, the variant's name) as variants finish.
    """
    t0 = time.perf_counter()
    check_writable_dir(out_root, "out_root")
    variants = expand_sweep(scenario)
    base = _base(scenario)
    base_data = build(base)
    for v in variants:  # every check a variant's run makes, before any runs
        check_variant(scenario, base_data, v)
    sid = sweep_id_of(scenario)
    folder = Path(out_root) / scenario.name / f"sweep-{sid}"
    vdir = folder / "variants"
    vdir.mkdir(parents=True, exist_ok=True)
    remove_stale(vdir)  # temporary folders of variants a kill interrupted
    remove_stale(folder)  # and a half-written sweep.json
    with atomic_path(folder / "sweep.json") as tmp:
        tmp.write_text(
            json.dumps(
                {
                    "scenario": scenario.name,
                    "sweep_id": sid,
                    "seed": base.spec.seed,
                    "variants": [
                        {"id": v.id, "name": v.name, "overrides": v.overrides}
                        for v in variants
                    ],
                },
                indent=2,
                default=str,
            )
            + "\n"
        )
    store = RunStore(Path(out_root) / "index.sqlite")
    done_before = [v for v in variants if _finished(vdir / v.id)]
    todo = [v for v in variants if not _finished(vdir / v.id)]
    n_total, n_done = len(variants), len(done_before)

    def index(v: Variant, rows: Rows) -> None:
        manifest = json.loads((vdir / v.id / "manifest.json").read_text())
        store.add(
            f"{scenario.name}/sweep-{sid}/{v.id}",
            kind="variant",
            scenario=scenario.name,
            sweep_id=sid,
            variant=v.name,
            params=v.overrides,
            folder=vdir / v.id,
            kpis=pd.DataFrame(rows),
            started_utc=manifest.get("started_utc"),
            seed=manifest.get("seed"),
            scenario_sha256=manifest.get("scenario_sha256"),
        )

    for v in done_before:  # (re-)index finished variants: idempotent
        index(v, read_result(vdir / v.id / "kpis.parquet").to_dict("records"))
    args = (base.resolved, str(base.path) if base.path else None)
    if serial or not todo:
        for v in todo:
            index(v, run_variant(*args, v.overrides, str(vdir / v.id)))
            n_done += 1
            if progress:
                progress(Progress("sweep", v.name, done=n_done, total=n_total))
    else:
        from dask.distributed import as_completed

        workers = n_workers or min(os.cpu_count() or 1, len(todo))
        with _client(scheduler, workers) as client:
            futures = {
                client.submit(
                    run_variant,
                    *args,
                    v.overrides,
                    str(vdir / v.id),
                    key=f"planner-variant-{sid}-{v.id}",
                    pure=False,
                ): v
                for v in todo
            }
            for fut in as_completed(futures):
                v = futures[fut]
                index(v, fut.result())
                n_done += 1
                if progress:
                    progress(Progress("sweep", v.name, done=n_done, total=n_total))
    frames = []
    for v in variants:
        k = read_result(vdir / v.id / "kpis.parquet")
        k.insert(0, "variant", v.name)
        k.insert(0, "variant_id", v.id)
        frames.append(k)
    return SweepResult(
        folder=folder,
        sweep_id=sid,
        variants=tuple(variants),
        ran=tuple(v.id for v in todo),
        reused=tuple(v.id for v in done_before),
        kpis=pd.concat(frames, ignore_index=True),
        runtime_s=time.perf_counter() - t0,
    )
