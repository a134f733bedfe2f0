"""Calibration probe for a ground truth: does a setting separate the 64 children by more than seed noise?

    python -m bench.calibrate [--config config/config.yaml] [--children 16] [--seeds 2] [--set key=value ...]

Trains a fixed, spread subset of the children alone under the configuration (plus overrides), with the
ground truth's schedule, once per seed, and prints one JSON line: the seed-to-seed Kendall tau of their final
accuracies, the same without child 111 (the child every measured setting sets apart), the seed noise
(the standard deviation of one seed's accuracy around the child's mean) and the child signal (the standard
deviation of the children's true means, the seed noise taken out), with and without child 111. A ground
truth ranks by more than noise when the signal is several times the noise across the whole range, not only
at child 111; docs/log.md (2026-12-03) holds the settings measured so far. A probe costs ``children x seeds`` standalone trainings (about 1/4 of a
two-seed ground truth with the default 16).
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from wsnas import config
from wsnas.core.space import child_index
from wsnas.reporting import metrics

ROOT = Path(__file__).resolve().parents[1]


def spread_children(count: int) -> list[str]:
    """``count`` children, the first 16 a Latin square (edge 3's operation fixed by edges 1 and 2, so each
    operation sits at each edge 4 times and 111 is first), then the others in index order."""
    latin = [f"{a}{b}{1 + (a + b - 2) % 4}" for a in range(1, 5) for b in range(1, 5)]
    rest = [f"{a}{b}{c}" for a in range(1, 5) for b in range(1, 5) for c in range(1, 5) if f"{a}{b}{c}" not in latin]
    return (latin + rest)[:count]


def noise_and_signal(accuracy: np.ndarray) -> tuple[float, float]:
    """(seed noise, child signal) of a seeds x children accuracy array: the noise is the pooled standard
    deviation of a seed's accuracy around its child's mean; the signal is the standard deviation of the
    children's means with the noise's share of it (noise^2 / seeds) removed."""
    seeds = accuracy.shape[0]
    noise = float(np.sqrt(accuracy.var(axis=0, ddof=1).mean()))
    signal = float(np.sqrt(max(accuracy.mean(axis=0).var(ddof=1) - noise**2 / seeds, 0.0)))
    return noise, signal


def summary(accuracy: np.ndarray, children: list[str]) -> dict:
    """The probe's numbers from a seeds x children accuracy array."""
    pairs = [(i, j) for i in range(len(accuracy)) for j in range(i + 1, len(accuracy))]
    rest = [k for k, c in enumerate(children) if c != "111"]
    noise, signal = noise_and_signal(accuracy)

    def tau(columns):
        return float(np.mean([metrics.kendall_tau(accuracy[i][columns], accuracy[j][columns]) for i, j in pairs]))

    return {
        "tau": tau(slice(None)),
        "tau_without_111": tau(rest) if len(rest) > 1 else None,
        "noise": noise, "signal": signal,
        "signal_without_111": noise_and_signal(accuracy[:, rest])[1] if len(rest) > 1 else None,
        "mean_accuracy": float(accuracy.mean()),
    }


def probe(cfg: dict, children: list[str], seeds: int, threads: int = 1) -> np.ndarray:
    """seeds x children final accuracies of the children trained alone, each seed as the ground truth's
    job for that seed trains them (``wsnas.plan.runs.ground_truth_config``)."""
    from wsnas.plan.runs import ground_truth_config
    from wsnas.training import runtime
    from wsnas.training.drivers import train_standalone

    data = runtime.device_data(cfg, None, threads)
    out = []
    for seed in range(seeds):
        with tempfile.TemporaryDirectory() as folder:
            table = train_standalone(ground_truth_config(cfg, seed), data, folder, children=[child_index(c) for c in children])
        last = table[table.epoch == table.epoch.max()].set_index("child")["accuracy"]
        out.append([float(last[c]) for c in children])
    return np.array(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "config" / "config.yaml")
    parser.add_argument("--children", type=int, default=16)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    cfg = config.load(args.config, args.overrides)
    children = spread_children(args.children)
    start = time.perf_counter()
    accuracy = probe(cfg, children, args.seeds, args.threads)
    print(json.dumps({"config": str(args.config), "overrides": args.overrides, "children": len(children),
                      "seeds": args.seeds, **summary(accuracy, children),
                      "seconds": round(time.perf_counter() - start)}))


if __name__ == "__main__":
    main()
