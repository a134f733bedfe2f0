"""Projected device-hours of every target of the DAG, from a benchmark run's measured rates.

    python -m bench.projection [--bench bench/out/speed-cuda.json] [--config config/paper.yaml]

Hours are in the precision the configuration trains in (``train.precision``; fp32 for config/paper.yaml),
with every other precision the benchmark measured beside them (bf16 on a GPU), and each search counts its
method's measured step time relative to single path's.

The jobs of every target come from the DAG Snakemake builds for the configuration (nothing is run), and
the work of each job is counted from its rule and wildcards (``wsnas.plan.cost``); the rates are the fast paths
``python -m bench`` measured on one device, so the hours are for one such device (a CPU machine with the
benchmark's threads, or one GPU). Targets share jobs (all tables need the ground truth), so each row
counts everything it needs, and ``all`` counts every job once. Where Snakemake cannot run (the GPU check's
bare machines), the jobs of config/paper.yaml are read from bench/paper-plan.json, which ``--store-plan``
writes and the tests check against Snakemake.
"""

import argparse
import json
from pathlib import Path

from wsnas import config
from wsnas.errors import WsnasError
from wsnas.plan import cost

ROOT = Path(__file__).resolve().parents[1]


def rows_in_precisions(cfg: dict, bench: dict) -> tuple[str, list[dict]]:
    """The projection in the precision ``cfg`` trains in (``train.precision``), each row with
    ``hours_<p>`` for every other precision the benchmark measured (bf16 beside a config's fp32)."""
    precision = cfg["train"]["precision"]
    chosen = bench["fast_precision"] if precision == "auto" else precision
    beside = {p: r for p, r in (bench.get("rates_by_precision") or {}).items() if p != chosen}
    return chosen, cost.projection(cfg, cost.rates_for(bench, chosen), bench.get("step_factors") or [], beside)


def table(rows, bench: dict, config_path, precision: str) -> str:
    others = [k.removeprefix("hours_") for k in rows[0] if k.startswith("hours_") and k != "hours_own"]
    lines = [
        f"device: {bench['device']} ({bench['threads']} threads, fast precision {bench['fast_precision']}, "
        f"benchmark size {bench['size']}); config: {config_path}, which trains in {precision}",
        f"rates in {precision} (images/s): " + ", ".join(f"{k} {v:.0f}" for k, v in cost.rates_for(bench, precision).items()),
        "step time over single path's: " + (", ".join(f"{f['method']}{''.join(f' {k}={v}' for k, v in f['options'].items())}"
                                                     f" {f['factor']:.2f}" for f in bench.get("step_factors") or [])
                                             or "none measured"),
        "",
        f"| target | jobs | training images | evaluated child-images | device-hours ({precision}) | beyond the ground truth |"
        + "".join(f" device-hours ({p}) |" for p in others),
        "|---|---|---|---|---|---|" + "---|" * len(others),
    ]
    for r in rows:
        lines.append(f"| {r['target']} | {r['jobs']} | {r['train_images']:.3g} | {r['eval_child_images']:.3g} | "
                     f"{r['hours']:,.1f} | {r['hours_own']:,.1f} |" + "".join(f" {r['hours_' + p]:,.1f} |" for p in others))
    untimed = next((r["untimed"] for r in rows if r["target"] == "all"), [])
    if untimed:
        lines.append(f"\ncounted at single path's step time (not timed by this benchmark; python -m bench --costly "
                     f"times the costly ones): {'; '.join(untimed)}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.projection", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", type=Path, default=None,
                        help="a JSON written by python -m bench (default: bench/out/speed-cuda.json, else speed-cpu.json)")
    parser.add_argument("--config", type=Path, default=ROOT / "config" / "paper.yaml")
    parser.add_argument("--store-plan", action="store_true",
                        help=f"store Snakemake's jobs per target of --config in {cost.STORED_PLAN.relative_to(ROOT)} "
                             "(for the GPU check on machines without Snakemake) and stop")
    args = parser.parse_args(argv)
    if args.store_plan:
        try:
            print(f"stored the plan of {args.config} in {cost.store_plan(config.load(args.config, []))}")
        except WsnasError as error:
            parser.error(str(error))
        return None
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
    try:
        precision, rows = rows_in_precisions(config.load(args.config, []), bench)
    except WsnasError as error:
        parser.error(f"{path}: {error}")
    print(table(rows, bench, args.config, precision))
    return rows


if __name__ == "__main__":
    main()
