"""A self-contained Leaflet map: vendored Leaflet inlined, GeoJSON layers, no CDN.

:func:`leaflet_map` renders a ``<div>`` and a ``<script>`` that draw the given
layers with Leaflet (canvas renderer, a layer switcher and a scale bar). No
tile layer is added unless ``tiles`` is given, so the map works offline;
:func:`leaflet_head` gives the ``<style>`` and ``<script>`` of Leaflet itself,
to put once in the page's ``<head>``. When the map is drawn, its ``<div>``
gets ``data-map-ready`` (the number of layers); when drawing fails, it shows
the error and gets ``data-map-error``.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from planner.core.errors import InputError
from planner.report._assets import leaflet_css, leaflet_js

__all__ = ["MapLayer", "leaflet_head", "leaflet_map", "to_geojson"]


@dataclass(frozen=True, slots=True)
class MapLayer:
    """One overlay of a :func:`leaflet_map`.

    Attributes
    ----------
    label
        Name in the layer switcher.
    frame
        Points or polygons in EPSG:4326.
    color
        Stroke and fill colour (CSS).
    tooltip
        ``{column: label}`` shown on hover.
    radius
        Column of circle radii in pixels, or one radius (points only).
    fill_opacity, weight
        Leaflet path style.
    visible
        Shown when the page opens.
    color_field
        Column of per-feature fill colours (CSS) instead of ``color``; the
        stroke takes it too unless ``keep_stroke``.
    keep_stroke
        Keep ``color`` as the stroke of every feature.
    """

    label: str
    frame: gpd.GeoDataFrame
    color: str = "#3388ff"
    tooltip: Mapping[str, str] = field(default_factory=dict)
    radius: str | float = 4.0
    fill_opacity: float = 0.6
    weight: float = 1.0
    visible: bool = True
    color_field: str | None = None
    keep_stroke: bool = False


def _clean(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float):
        return round(v, 4) if math.isfinite(v) else None
    if isinstance(v, int | str | bool) or v is None:
        return v
    return str(v)


def to_geojson(
    frame: gpd.GeoDataFrame,
    columns: Sequence[str] = (),
    *,
    grid: float = 1e-5,
    simplify: float = 0.0,
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of ``frame`` with only ``columns`` as properties.

    Coordinates are snapped to ``grid`` degrees and polygons simplified by
    ``simplify`` degrees, to keep the page small; empty geometries are dropped.

    >>> import shapely
    >>> g = gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.Point(24.93, 60.17)],
    ...                      crs="EPSG:4326")
    >>> to_geojson(g, ["n"])["features"][0]["properties"]
    {'n': 1}
    """
    if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
        frame = frame.to_crs("EPSG:4326")
    geoms = np.asarray(frame.geometry.values, dtype=object)
    if simplify > 0:
        geoms = shapely.simplify(geoms, simplify, preserve_topology=True)
    if grid > 0:
        geoms = shapely.set_precision(geoms, grid)
    feats = []
    cols = [frame[c].tolist() for c in columns]
    for i, g in enumerate(geoms):
        if g is None or shapely.is_empty(g):
            continue
        props = {c: _clean(vals[i]) for c, vals in zip(columns, cols, strict=True)}
        feats.append(
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(g),
                "properties": props,
            }
        )
    return {"type": "FeatureCollection", "features": feats}


def leaflet_head() -> str:
    """Leaflet's CSS and JavaScript, inlined (put once in the page's ``<head>``)."""
    return f"<style>\n{leaflet_css()}\n</style>\n<script>\n{leaflet_js()}\n</script>\n"


_SCRIPT = """
(function () {
  var el = document.getElementById(%(id)s);
  var cfg = %(cfg)s;
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function tip(p, fields) {
    return fields.map(function (f) {
      var v = p[f[0]];
      if (typeof v === "number") { v = Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3); }
      return "<b>" + esc(f[1]) + "</b>: " + esc(v);
    }).join("<br>");
  }
  try {
    if (typeof L === "undefined") { throw new Error("Leaflet did not load"); }
    var map = L.map(el, {preferCanvas: true, zoomSnap: 0.25});
    if (cfg.tiles) {
      L.tileLayer(cfg.tiles, {attribution: cfg.attribution, maxZoom: 19}).addTo(map);
    }
    var overlays = {};
    cfg.layers.forEach(function (ly) {
      function styleOf(f) {
        var s = Object.assign({}, ly.style);
        if (ly.color_field && f && f.properties[ly.color_field]) {
          s.fillColor = f.properties[ly.color_field];
          if (!ly.keep_stroke) { s.color = s.fillColor; }
        }
        return s;
      }
      var g = L.geoJSON(ly.data, {
        style: styleOf,
        pointToLayer: function (f, ll) {
          var s = styleOf(f);
          s.radius = ly.radius_field ? f.properties[ly.radius_field] : ly.radius;
          return L.circleMarker(ll, s);
        },
        onEachFeature: function (f, layer) {
          if (ly.tooltip.length) { layer.bindTooltip(tip(f.properties, ly.tooltip)); }
        }
      });
      if (ly.visible) { g.addTo(map); }
      var swatch = '<span style="color:' + ly.style.color + '">&#9632;</span> ';
      overlays[swatch + esc(ly.label) + " (" + ly.data.features.length + ")"] = g;
    });
    L.control.layers(null, overlays, {collapsed: false}).addTo(map);
    L.control.scale().addTo(map);
    var b = cfg.bounds;
    map.fitBounds([[b[1], b[0]], [b[3], b[2]]], {padding: [10, 10]});
    el.setAttribute("data-map-ready", String(cfg.layers.length));
  } catch (e) {
    el.setAttribute("data-map-error", String(e));
    el.innerHTML = '<p class="map-error">The map could not be drawn: ' + esc(e) + "</p>";
  }
})();
"""


def _script_json(obj: Any) -> str:
    """JSON safe to put inside ``<script>`` (no ``</script>`` breakout)."""
    s = json.dumps(obj, separators=(",", ":"), allow_nan=False)
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def leaflet_map(
    layers: Sequence[MapLayer],
    *,
    element_id: str = "map",
    height: str = "600px",
    tiles: str | None = None,
    attribution: str = "",
    bounds: Sequence[float] | None = None,
    simplify: float | None = None,
) -> str:
    """HTML of a map of ``layers``: a ``<div>`` and the ``<script>`` drawing it.

    Parameters
    ----------
    layers
        Overlays, drawn in order (later on top).
    element_id
        ``id`` of the map's ``<div>``.
    height
        CSS height of the map.
    tiles
        Optional tile URL template (``https://tile.openstreetmap.org/{z}/{x}/{y}.png``)
        for online use; default none (the map works offline).
    attribution
        Attribution of the tiles (required by most tile providers).
    bounds
        ``(min_lon, min_lat, max_lon, max_lat)`` to show; default: all layers.
    simplify
        Polygon simplification in degrees; default 1/1000 of the extent.

    Examples
    --------
    >>> import shapely
    >>> g = gpd.GeoDataFrame(geometry=[shapely.Point(24.9, 60.2)], crs="EPSG:4326")
    >>> page = leaflet_map([MapLayer("towns", g)])
    >>> page.startswith('<div id="map"'), "L.map(" in page
    (True, True)
    """
    if not layers:
        raise InputError(field="layers", expected="at least one layer", got=0)
    if bounds is None:
        boxes = np.array(
            [
                ly.frame.to_crs("EPSG:4326").total_bounds
                for ly in layers
                if len(ly.frame)
            ]
        )
        boxes = boxes[np.isfinite(boxes).all(axis=1)] if len(boxes) else boxes
        if not len(boxes):
            bounds = (-180.0, -60.0, 180.0, 75.0)
        else:
            bounds = (
                float(boxes[:, 0].min()),
                float(boxes[:, 1].min()),
                float(boxes[:, 2].max()),
                float(boxes[:, 3].max()),
            )
    if simplify is None:
        simplify = 1e-3 * math.hypot(bounds[2] - bounds[0], bounds[3] - bounds[1])
    cfg_layers = []
    for ly in layers:
        cols = list(ly.tooltip)
        radius_field = ly.radius if isinstance(ly.radius, str) else None
        if radius_field is not None and radius_field not in cols:
            cols.append(radius_field)
        if ly.color_field is not None and ly.color_field not in cols:
            cols.append(ly.color_field)
        missing = [c for c in cols if c not in ly.frame.columns]
        if missing:
            raise InputError(
                source=f"map layer {ly.label!r}",
                field="columns",
                expected=f"columns {missing} in the frame",
                got=list(ly.frame.columns),
            )
        cfg_layers.append(
            {
                "label": ly.label,
                "data": to_geojson(ly.frame, cols, simplify=simplify),
                "style": {
                    "color": ly.color,
                    "fillColor": ly.color,
                    "weight": ly.weight,
                    "fillOpacity": ly.fill_opacity,
                },
                "radius": ly.radius if radius_field is None else None,
                "radius_field": radius_field,
                "color_field": ly.color_field,
                "keep_stroke": ly.keep_stroke,
                "tooltip": [[c, lab] for c, lab in ly.tooltip.items()],
                "visible": ly.visible,
            }
        )
    cfg = {
        "layers": cfg_layers,
        "bounds": [float(b) for b in bounds],
        "tiles": tiles,
        "attribution": attribution,
    }
    eid = html.escape(element_id, quote=True)
    script = _SCRIPT % {"id": _script_json(element_id), "cfg": _script_json(cfg)}
    return (
        f'<div id="{eid}" class="planner-map" style="height:{html.escape(height)}">'
        f"</div>\n<script>{script}</script>\n"
    )
