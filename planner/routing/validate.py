"""Independent route validator (to be written)."""
