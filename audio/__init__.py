"""Bundled chimes and clips (data only)."""
