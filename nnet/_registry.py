"""What the registries share: case-insensitive names, resolving a spec, registering a name.

Every registry (activations, costs, initializers, optimizers, schedules, metrics)
looks names up through :func:`canonical_name`, so ``"ReLU"``, ``"Adam"`` and
``"MSE"`` mean ``"relu"``, ``"adam"`` and ``"mse"``, as in Keras and PyTorch's
usual spellings. Names differing only in case cannot both be registered.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any, TypeVar

Entry = TypeVar("Entry")


def canonical_name(name: str, registry: Iterable[str], aliases: Mapping[str, str] = {}) -> str:
    """The key of ``registry`` that ``name`` means, ignoring case and following ``aliases``.

    An exact key wins; otherwise the key (or alias) equal to ``name`` up to case.
    A name matching nothing is returned unchanged, for the caller's error message.
    """
    if name in aliases:
        return aliases[name]
    keys = list(registry)
    if name in keys:
        return name
    folded = name.casefold()
    for key in keys:
        if key.casefold() == folded:
            return key
    for alias, key in aliases.items():
        if alias.casefold() == folded:
            return key
    return name


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
    same_up_to_case = canonical_name(name, registry)
    if same_up_to_case != name:
        raise ValueError(
            f"{kind} {same_up_to_case!r} is already registered and names ignore case; "
            "choose another name"
        )
    existing = registry.get(name)
    if existing is not None and (getattr(existing, "builtin", False) or not overwrite):
        raise ValueError(f"{kind} {name!r} is already registered; choose another name")
    registry[name] = dataclasses.replace(build(), name=name)  # type: ignore[type-var]
    return registry[name]
