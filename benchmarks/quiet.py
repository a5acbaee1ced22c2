"""Is the machine quiet enough to time on? Two checks, both cheap, around every timing.

* **Other processes** (:func:`cpu_sample`, :func:`others_share`): from ``/proc/stat``
  less the CPU time of this process and its children, the share of the CPUs others
  used during a timing.
* **The host** (:class:`Canary`): on a shared virtual machine the host's other tenants
  slow the whole machine down for seconds at a time without showing up in
  ``/proc/stat``; memory-bound work suffers most. A fixed few-millisecond mix of a
  matrix product and a pass over 8 MB, timed before and after each timing, shows it:
  slower than the fastest canary seen by more than ``SLOW``, the timing was taken in a
  slow spell.

A timing that fails either check is redone (at most ``--retries`` times), whichever
contender it is, so every contender is judged on the same kind of machine.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

__all__ = ["MIN_TICKS", "QUIET", "SLOW", "Canary", "cpu_sample", "others_share"]

QUIET = 0.15  # a timing during which other processes used more of the CPUs than this is redone
MIN_TICKS = 20  # /proc/stat ticks (all CPUs) a timing must span to be judged: 0.1 s on 2 cores
SLOW = 0.25  # a timing whose canaries ran this much slower than the fastest one is redone

CpuSample = tuple[float, float, float]


def cpu_sample() -> CpuSample | None:
    """Machine-wide idle and total CPU ticks (/proc/stat), and the CPU ticks of this process
    and of its children (a parallel sweep's worker processes, which are its own work)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        values = [int(v) for v in fields]
    except (OSError, ValueError):
        return None
    ended = os.times()  # children_*: of the children already waited for
    seconds = time.process_time() + ended.children_user + ended.children_system
    own = seconds * os.sysconf("SC_CLK_TCK") + _children_ticks()
    return values[3] + values[4], sum(values), own


def _children_ticks() -> int:
    """User and system ticks of this process's live children, from ``/proc/<pid>/stat``."""
    me, ticks = str(os.getpid()), 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after "pid (comm)"
        except (OSError, IndexError):
            continue  # the process ended meanwhile
        if fields[1] == me:  # ppid
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks


def others_share(before: CpuSample | None, after: CpuSample | None) -> float | None:
    """Share of all CPUs that other processes used between two samples (None: can't tell)."""
    if before is None or after is None:
        return None
    idle, total, own = (b - a for a, b in zip(before, after))
    if total < MIN_TICKS:
        return None  # too short for /proc/stat's 10 ms ticks
    return max(0.0, (total - idle - own) / total)


class Canary:
    """A fixed small workload whose time tells a slow spell of the host from a quiet one."""

    def __init__(self) -> None:
        rng = np.random.default_rng(0)
        self._a = rng.standard_normal((256, 256))
        self._out = np.empty((256, 256))
        self._stream = np.zeros(1 << 20)  # 8 MB: more than the caches of a small VM hold
        self.fastest = float("inf")

    def measure(self) -> float:
        """Seconds for the canary (the best of five runs); remembers the fastest ever."""
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(4):
                np.matmul(self._a, self._a, out=self._out)
                np.add(self._stream, 1.0, out=self._stream)
            best = min(best, time.perf_counter() - start)
        self.fastest = min(self.fastest, best)
        return best

    def slow(self, seconds: float) -> bool:
        """Whether a canary time says the machine was in a slow spell."""
        return seconds > (1.0 + SLOW) * self.fastest
