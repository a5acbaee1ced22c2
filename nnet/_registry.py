"""What the activation and cost registries share: resolving a spec, and registering a name."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, MutableMapping
from typing import Any, TypeVar

Entry = TypeVar("Entry")


def resolve(
    spec: Any,
    der: Any,
    registry: MutableMapping[str, Any],
    lookup: Callable[[str], Any],
    entry_type: type,
    argname: str,
) -> Any:
    """The registry entry that ``spec`` (with derivative ``der``) stands for, or None.

    A name is looked up and an entry returned as is (a derivative goes only with a
    callable); a function of a registered entry, given without a derivative or with
    that entry's own, maps back to the entry (so library functions keep their fused
    rules and saved models keep their names). None means: a new callable, to wrap.
    """
    if isinstance(spec, entry_type) and der is None:
        return spec
    if isinstance(spec, str):
        if der is not None:
            raise TypeError(f"{argname}: give a derivative only with a callable, not a name")
        return lookup(spec)
    if not callable(spec):
        raise TypeError(
            f"{argname} must be a name in {sorted(registry)}, a {entry_type.__name__} or a "
            f"callable, got {type(spec).__name__}"
        )
    if der is not None and not callable(der):
        raise TypeError(
            f"the derivative given with {argname} must be callable or None, "
            f"got {type(der).__name__}"
        )
    for entry in registry.values():
        if spec is entry.fn and der in (None, entry.der):
            return entry
    return None


def register(
    name: Any,
    build: Callable[[], Entry],
    registry: MutableMapping[str, Entry],
    kind: str,
    overwrite: bool,
) -> Entry:
    """Store ``build()`` under ``name``; library entries can never be replaced."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty str, got {name!r}")
    existing = registry.get(name)
    if existing is not None and (getattr(existing, "builtin", False) or not overwrite):
        raise ValueError(f"{kind} {name!r} is already registered; choose another name")
    registry[name] = dataclasses.replace(build(), name=name)  # type: ignore[type-var]
    return registry[name]
