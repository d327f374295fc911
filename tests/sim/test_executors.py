"""Replications on other executors: a thread pool, an in-process Dask cluster.

The oracle is the serial run: every replication is a pure function of the
seed, so any executor must give the same KPI tables bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd
import pytest

from planner.core.errors import InputError
from planner.sim import SimModel, SimResult, simulate


@pytest.fixture(scope="module")
def dask_client() -> Iterator[Any]:
    """A one-worker, one-thread Dask cluster inside this process (cheap)."""
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0"
    )
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def _same(a: SimResult, b: SimResult) -> None:
    pd.testing.assert_frame_equal(a.kpi_table, b.kpi_table, check_exact=True)
    pd.testing.assert_frame_equal(a.rep_kpis, b.rep_kpis, check_exact=True)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries, check_exact=True)
    assert a.params == b.params


def test_dask_client_equals_serial(
    make_network: Callable[..., SimModel], dask_client: Any
) -> None:
    """Three replications on a Dask client give the serial KPI tables exactly."""
    m = make_network(seed=4, tickets_per_year=6000.0, techs_per_outlet=2)
    kw: dict[str, Any] = {"horizon_days": 6, "warmup_days": 1, "n_reps": 3, "seed": 7}
    serial = simulate(m, **kw)
    done: list[tuple[int, int]] = []
    dist = simulate(
        m, **kw, executor=dask_client, progress=lambda p: done.append((p.done, p.total))
    )
    _same(serial, dist)
    assert done == [(1, 3), (2, 3), (3, 3)]
    # a different seed really changes the table: the comparison can fail
    other = simulate(m, **{**kw, "seed": 8}, executor=dask_client)
    assert not other.rep_kpis["value"].equals(serial.rep_kpis["value"])


def test_scheduler_address_equals_serial(
    make_queue_model: Callable[..., SimModel], dask_client: Any
) -> None:
    """A scheduler address (string) connects, runs and gives the serial table."""
    m = make_queue_model(2, 1 / 60.0, 48.0)
    kw: dict[str, Any] = {"horizon_days": 3, "n_reps": 2, "seed": 5}
    addr = dask_client.scheduler.address
    assert isinstance(addr, str)
    assert "://" in addr
    _same(simulate(m, **kw), simulate(m, **kw, executor=addr))


def test_scenario_scheduler_key() -> None:
    """[simulation] scheduler takes a Dask address; anything else is one clear error."""
    from planner.scenario import spec_from_dict

    ok = spec_from_dict(
        {"name": "x", "simulation": {"scheduler": "tcp://10.1.2.3:8786"}}
    )
    assert ok.spec.simulation.scheduler == "tcp://10.1.2.3:8786"
    assert spec_from_dict({"name": "x"}).spec.simulation.scheduler is None
    for bad in ("localhost:8786", "tcp://", "http://h:1", "tcp://a b:1"):
        with pytest.raises(InputError, match=r"simulation\.scheduler.*tcp://host"):
            spec_from_dict({"name": "x", "simulation": {"scheduler": bad}})


def test_dask_run_until_half_width(
    make_queue_model: Callable[..., SimModel], dask_client: Any
) -> None:
    """Run-until-half-width adds the same replications on Dask as serially."""
    m = make_queue_model(2, 1 / 60.0, 48.0)
    kw: dict[str, Any] = {
        "horizon_days": 4,
        "n_reps": 2,
        "seed": 3,
        "target_half_width": 1e-6,  # unreachable: runs to max_reps
        "max_reps": 5,
    }
    serial = simulate(m, **kw)
    dist = simulate(m, **kw, executor=dask_client)
    assert serial.n_reps == 5
    _same(serial, dist)


def test_thread_pool_equals_serial(make_queue_model: Callable[..., SimModel]) -> None:
    """Any concurrent.futures executor works (a thread pool): same KPI tables."""
    m = make_queue_model(3, 2 / 60.0, 60.0)
    kw: dict[str, Any] = {"horizon_days": 5, "n_reps": 3, "seed": 2}
    with ThreadPoolExecutor(max_workers=2) as ex:
        threaded = simulate(m, **kw, executor=ex)
    _same(simulate(m, **kw), threaded)


def test_bad_executor(make_queue_model: Callable[..., SimModel]) -> None:
    """Not an executor, n_jobs with an executor, or no scheduler: InputError."""
    m = make_queue_model(1, 0.01)
    with pytest.raises(InputError, match="executor"):
        simulate(m, horizon_days=1, n_reps=1, executor=42)
    with (
        ThreadPoolExecutor(max_workers=1) as ex,
        pytest.raises(InputError, match="n_jobs"),
    ):
        simulate(m, horizon_days=1, n_reps=1, executor=ex, n_jobs=2)
    with pytest.raises(InputError, match="Dask scheduler"):
        simulate(m, horizon_days=1, n_reps=1, executor="tcp://127.0.0.1:9")
