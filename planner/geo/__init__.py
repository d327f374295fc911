"""Coordinates, CRS, travel-time models and GeoDataFrame I/O."""
