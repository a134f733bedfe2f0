"""Projected device-hours of every target of the DAG, from a benchmark run's measured rates.

    python -m bench.projection [--bench bench/out/speed-cuda.json] [--config config/paper.yaml]

The work per target is counted from the configuration (``wsnas.plan.cost``); the rates are the fast paths
``python -m bench`` measured on one device, so the hours are for one such device (a CPU machine with the
benchmark's threads, or one GPU). Targets share jobs (all tables need the ground truth), so each row
counts everything it needs, and ``all`` counts every job once.
"""

import argparse
import json
from pathlib import Path

from wsnas import config

from wsnas.plan import cost

ROOT = Path(__file__).resolve().parents[1]


def table(rows, bench: dict, config_path) -> str:
    lines = [
        f"device: {bench['device']} ({bench['threads']} threads, fast precision {bench['fast_precision']}, "
        f"benchmark size {bench['size']}); config: {config_path}",
        "rates (images/s): " + ", ".join(f"{k} {v:.0f}" for k, v in bench["rates"].items()),
        "",
        "| target | jobs | training images | evaluated child-images | device-hours | beyond the ground truth |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['target']} | {r['jobs']} | {r['train_images']:.3g} | {r['eval_child_images']:.3g} | "
                     f"{r['hours']:,.1f} | {r['hours_own']:,.1f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.projection", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", type=Path, default=None,
                        help="a JSON written by python -m bench (default: bench/out/speed-cuda.json, else speed-cpu.json)")
    parser.add_argument("--config", type=Path, default=ROOT / "config" / "paper.yaml")
    args = parser.parse_args(argv)
    path = args.bench
    if path is None:
        found = [p for p in (ROOT / "bench/out/speed-cuda.json", ROOT / "bench/out/speed-cpu.json") if p.exists()]
        if not found:
            parser.error("no benchmark results in bench/out/; run python -m bench first, or pass --bench FILE")
        path = found[0]
    try:
        bench = json.loads(Path(path).read_text())
        bench["rates"]
    except (OSError, ValueError, KeyError) as error:
        parser.error(f"{path}: not a benchmark result with 'rates' ({error!r}); rerun python -m bench")
    rows = cost.projection(config.load(args.config, []), bench["rates"])
    print(table(rows, bench, args.config))
    return rows


if __name__ == "__main__":
    main()
