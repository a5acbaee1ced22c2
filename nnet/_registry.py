"""What the registries share: case-insensitive names, resolving a spec, registering a name.

Every registry (activations, costs, initializers, optimizers, schedules, metrics)
looks names up through :func:`canonical_name`, so ``"ReLU"``, ``"Adam"`` and
``"MSE"`` mean ``"relu"``, ``"adam"`` and ``"mse"``, as in Keras and PyTorch's
usual spellings. Names differing only in case cannot both be registered.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any, Generic, TypeVar, cast

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


def register_sections(entry: str, fn: str, der: str) -> str:
    """The Parameters and Returns of ``register_<kind>(name, fn, der, *, overwrite)``.

    ``entry`` is the record's class name, ``fn`` the function's signature and ``der``
    what its derivative is (see :func:`nnet._docstrings.fill_doc`).
    """
    return f"""
Parameters
----------
name : str
    The new name (names ignore case).
fn : callable
    {fn} written with :mod:`autograd.numpy`.
der : callable or None, default=None
    {der}; derived with autograd when ``None``.
overwrite : bool, default=False
    Allow replacing a custom entry (library entries can never be replaced).

Returns
-------
{entry}
    The registered entry.
"""


class Registry(Generic[Entry]):
    """One registry: a name → entry dict with the library's lookup and registration rules.

    Every registry of the library is one of these around its public dict
    (``ACTIVATIONS``, ``COSTS``, ``INITIALIZERS``, ``OPTIMIZERS``, ``SCHEDULES``,
    ``METRICS``), so all six look names up, refuse unknown names and register new
    ones alike: names ignore case, the library's own entries can never be replaced,
    and an unknown name gets the same message everywhere.

    Parameters
    ----------
    kind : str
        What an entry is, in messages and in ``register_<kind>``: ``"optimizer"``.
    module : str
        The public module holding ``register_<kind>``: ``"optimizers"``.
    entries : dict
        The public name → entry dict; the entries it holds now are the library's own.
    what : str
        The name of ``register_<kind>``'s second parameter: ``"fn"`` or ``"cls"``.
    aliases : mapping, optional
        Other names (any case) → keys of ``entries``.
    """

    def __init__(
        self,
        kind: str,
        module: str,
        entries: dict[str, Entry],
        what: str,
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        self.kind, self.module, self.entries, self.what = kind, module, entries, what
        self.aliases = dict(aliases or {})
        self.builtin = frozenset(entries)

    def key(self, name: str) -> str:
        """The key that ``name`` means (any case, or an alias); ``name`` itself if none."""
        return canonical_name(name, self.entries, self.aliases)

    def lookup(self, name: str, argname: str | None = None) -> Entry:
        """The entry under ``name`` (any case); else ValueError, prefixed by ``argname``."""
        key = self.key(name)
        if key not in self.entries:
            prefix = f"{argname}: " if argname else ""
            raise ValueError(
                f"{prefix}unknown {self.kind} {name!r}; choose one of {sorted(self.entries)} or "
                f"register your own with nnet.{self.module}.register_{self.kind}(name, {self.what})"
            )
        return self.entries[key]

    def entry_or_callable(
        self, spec: Any, params: Mapping[str, Any], argname: str | None, refusal: str
    ) -> Any:
        """For a registry whose entries take no parameters: the entry a name means, or a
        callable ``spec`` itself; ``refusal`` is the TypeError's text for anything else."""
        if params:
            raise TypeError(f"{self.kind}s take no parameters, got {sorted(params)}")
        if isinstance(spec, str):
            return self.lookup(spec, argname)
        if callable(spec):
            return spec
        raise TypeError(refusal)

    def register(self, name: Any, make: Callable[[], Entry], overwrite: bool) -> Entry:
        """Store ``make()`` under ``name`` after checking the name; library entries stay."""
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty str, got {name!r}")
        same_up_to_case = canonical_name(name, self.entries)
        if same_up_to_case != name:
            raise ValueError(
                f"{self.kind} {same_up_to_case!r} is already registered and names ignore case; "
                "choose another name"
            )
        if name in self.entries and (name in self.builtin or not overwrite):
            raise ValueError(f"{self.kind} {name!r} is already registered; choose another name")
        self.entries[name] = make()
        return self.entries[name]

    def register_callable(
        self, name: Any, make: Callable[..., Entry], fn: Any, der: Any, overwrite: bool
    ) -> Entry:
        """:meth:`register` ``make(fn, der, argname="fn")``, renamed ``name``."""
        return self.register(
            name,
            lambda: dataclasses.replace(cast(Any, make(fn, der, argname="fn")), name=name),
            overwrite,
        )
