"""Helpers the whole library shares: argument checks, errors, types, docstrings, displays.

Its modules (``validation``, ``errors``, ``types``, ``docstrings``, ``display``,
``autodiff``, ``configurable``) have public names so that any part of nnet may import
them; they are nnet's own machinery, not user API, and may change without notice.
"""

__all__: list[str] = []
