"""The vendored Leaflet files, read from the package for inlining."""

from __future__ import annotations

import base64
import functools
import re
from importlib import resources

__all__ = ["LEAFLET_VERSION", "countries_geojson", "leaflet_css", "leaflet_js"]

LEAFLET_VERSION = "1.9.4"


def _folder() -> resources.abc.Traversable:
    return resources.files("planner.report").joinpath("assets", "leaflet")


@functools.cache
def leaflet_js() -> str:
    """Leaflet's minified JavaScript (BSD-2-Clause; its licence header kept)."""
    return _folder().joinpath("leaflet.js").read_text(encoding="utf-8")


@functools.cache
def leaflet_css() -> str:
    """Leaflet's CSS with its images inlined as data URIs (no file requests).

    >>> "images/" in leaflet_css(), "data:image/png;base64," in leaflet_css()
    (False, True)
    """
    css = _folder().joinpath("leaflet.css").read_text(encoding="utf-8")
    images = _folder().joinpath("images")

    def inline(m: re.Match[str]) -> str:
        data = images.joinpath(m.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(data).decode()})"

    return re.sub(r"url\(images/([A-Za-z0-9_.-]+\.png)\)", inline, css)


@functools.cache
def countries_geojson() -> str:
    """Country outlines (Natural Earth 1:110m, public domain), GeoJSON text.

    Drawn under the report's map so it reads without tiles, offline.
    """
    return (
        resources.files("planner.report")
        .joinpath("assets", "countries.geojson")
        .read_text(encoding="utf-8")
    )
