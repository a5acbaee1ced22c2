"""Sparse inputs: a TF-IDF-shaped fit, nnet's estimator against scikit-learn's (issue 24).

Each fit runs in a fresh process, so that its peak resident memory (``ru_maxrss``) is its
own; the contenders alternate, and the table gives the median of the repeats of each and
their ratio. The matrix is drawn from a fixed seed in each process (the same numbers for
both): ``rows x features`` with ``nnz`` non-zeros, rows scaled to unit length as TF-IDF
rows are, 20 classes, one hidden layer of 64 ReLU units, Adam, ``max_iter`` epochs.

Run ``python benchmarks/sparse.py`` (the issue's 5,000 x 60,000 with 600,000 non-zeros,
3 epochs) or ``python benchmarks/sparse.py --newsgroups`` (20-newsgroups-sized:
11,314 x 130,107 with 1,800,000 non-zeros, nnet only: does it fit in memory?).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

SHAPES = {
    "tfidf": {"rows": 5_000, "features": 60_000, "nnz": 600_000},
    "newsgroups": {"rows": 11_314, "features": 130_107, "nnz": 1_800_000},
}


def child(contender: str, rows: int, features: int, nnz: int, epochs: int) -> None:
    """Fit once in this process; print the seconds and the peak resident memory as JSON."""
    import resource
    import time
    import warnings

    import numpy as np
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    X = sp.random(rows, features, density=nnz / (rows * features), format="csr", random_state=rng)
    X = sp.diags(1.0 / np.maximum(np.sqrt(X.multiply(X).sum(axis=1)).A1, 1e-12)) @ X
    y = rng.integers(0, 20, rows)
    if contender == "nnet":
        from nnet import NeuralNetClassifier as Classifier
    else:
        from sklearn.neural_network import MLPClassifier as Classifier
    model = Classifier(hidden_layer_sizes=(64,), max_iter=epochs, random_state=0)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the ConvergenceWarning of a 3-epoch fit
        model.fit(X, y)
        model.score(X, y)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux
    print(json.dumps({"seconds": seconds, "peak_bytes": peak}))


def measure(contender: str, shape: dict[str, int], epochs: int) -> dict[str, float]:
    """One fit in a fresh process."""
    args = [str(shape["rows"]), str(shape["features"]), str(shape["nnz"]), str(epochs)]
    out = subprocess.run(
        [sys.executable, __file__, "--child", contender, *args],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--newsgroups", action="store_true")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        contender, *numbers = args.child
        child(contender, *map(int, numbers))
        return 0
    shape = SHAPES["newsgroups" if args.newsgroups else "tfidf"]
    contenders = ["nnet"] if args.newsgroups else ["nnet", "sklearn"]
    runs: dict[str, list[dict[str, float]]] = {c: [] for c in contenders}
    for _ in range(args.repeats):  # interleaved: a slow spell of the machine hits both
        for contender in contenders:
            runs[contender].append(measure(contender, shape, args.epochs))
    print(f"{shape['rows']:,} x {shape['features']:,}, {shape['nnz']:,} non-zeros, "
          f"{args.epochs} epochs, median of {args.repeats}")  # fmt: skip
    median = {
        c: {key: statistics.median(r[key] for r in rs) for key in ("seconds", "peak_bytes")}
        for c, rs in runs.items()
    }
    for contender, m in median.items():
        print(f"{contender:8s} {m['seconds']:7.2f} s  peak {m['peak_bytes'] / 2**30:6.2f} GiB")
    if "sklearn" in median:
        for key in ("seconds", "peak_bytes"):
            ratios = [n[key] / s[key] for n, s in zip(runs["nnet"], runs["sklearn"])]
            print(f"nnet / sklearn {key}: {statistics.median(ratios):.2f} (per-round median)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
