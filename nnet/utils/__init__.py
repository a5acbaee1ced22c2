"""Helpers shared by the whole library: argument checks, errors, types, docstrings, display."""
