"""The GPU check: one unattended command for a lent GPU machine (bare, offline, about 5 minutes).

    bash bench/gpu.sh OUT                               # = python3 -m bench.gpu OUT
    bash bench/gpu.sh OUT --parts 'cuda graphs,speed'   # only these parts (names or their beginnings)
    python -m bench.gpu OUT --dry-run                   # the same steps on this machine's CPU at a tiny size

It needs only what such machines hold (PyTorch, numpy, scipy, scikit-learn, pandas, PyYAML) and installs
nothing; without jsonschema the configuration is filled from its schema unchecked (``wsnas.config``). In order:
1. correctness checks that only a GPU can run: stacked K-network training against one network at a time
   (float64, and the forward pass under TF32 and bf16 with their tolerances), ``train.compile`` against eager
   (float64), bf16 against fp32 ranking of the 64 children of a trained supernet (Kendall tau, largest
   accuracy difference), and the six parts of ``bench.cuda_graphs`` (whole-step CUDA graphs against eager:
   bitwise in fp32, images/s, the pipeline's ``train.cuda_graphs`` and ``evaluate.cuda_graphs``, streams, a
   ground-truth chunk on 8 streams, the ten costliest kernels), each a part of its own;
2. the speed benchmark at the paper size (``python -m bench --size paper``), with seconds per CIFAR-10 epoch,
   TFLOP/s and MFU against the measured bf16 matrix-product peak, and whether ``auto``'s path is the fastest;
3. the projected GPU-hours of every target of the paper configuration (``python -m bench.projection``);
4. every method's epoch time against single path's (measured on an H200 before: docs/log.md, 2026-12-04);
5. everything as ``OUT/gpu-check.json`` and ``OUT/summary.md``, rewritten after every part, so a run cut
   short still leaves what it measured. A part that fails is recorded with its error and the next one runs;
   no part starts after ``--budget`` seconds (300), and the summary lists the skipped ones with the command
   that runs them.
"""

import argparse
import datetime
from functools import partial
import importlib.util
import math
import json
import platform
import time
import traceback
from pathlib import Path

import torch

from bench import cuda_graphs, speed
from bench.timing import _sync
from bench.traffic import bytes_per_image
from wsnas import config
from wsnas.config import merged
from wsnas.plan import cost
from wsnas.data.datasets import prepare
from wsnas.data.device_data import DeviceData
from wsnas.training.device import resolve_device, set_tf32, stacked_enabled
from wsnas.training.evaluate import evaluate_children
from wsnas.training.stacked import stacked_forward, train_epoch_stacked
from wsnas.core.space import child_index
from wsnas.methods import declarations
from wsnas.training.loop import Loop

ROOT = Path(__file__).resolve().parents[1]
CIFAR_TRAIN, CIFAR_TEST = 50_000, 10_000
#: The targets the check is held against.
TARGETS = {"all_hours": 90.0, "stacked_mfu": 0.10, "rates": {  # issue 31, bf16 on one H200
    "standalone_train": ("ground-truth training >= 110k child-img/s (the auto path; a chunk on streams)", 110e3),
    "supernet_train": ("supernet training >= 120k img/s", 120e3),
    "eval_all64": ("all-64 evaluation >= 600k child-img/s", 600e3)}}
#: Tolerances: float64 paths must agree to rounding; TF32 and bf16 forward passes to their precision.
TOLERANCE = {"fp64": 1e-7, "tf32": 1e-2, "bf16": 5e-2, "bf16_tau": 0.8, "bf16_accuracy": 0.03}
SIZES = {  # the checks' network and data: the paper network on 16x16 digits on a GPU, a tiny one on a CPU,
    # where Inductor's code generation (minutes on 2 cores; tests/test_compile.py covers it) gives way to aot_eager
    "gpu": {"model": ["model.stem_channels=48", "model.stem_convs=2", "model.cell_channels=16", "model.num_cells=4"],
            "resolution": 16, "epochs": 10, "speed": "paper", "compile_backend": "inductor"},
    "dry-run": {"model": ["model.stem_channels=8", "model.stem_convs=1", "model.cell_channels=4", "model.num_cells=2"],
                "resolution": 8, "epochs": 2, "speed": "smoke", "compile_backend": "aot_eager"},
}
CHILDREN = ["111", "243", "424", "243"]  # stacked members: different and equal operations per edge


def _config(size, device, *overrides):
    s = SIZES[size]
    return config.load(None, [*s["model"], f"data.resolution={s['resolution']}", "data.noise_sigma=0.3",
                              f"train.device={device.type}", "train.batch_size=128", "train.lr=0.1",
                              "train.precision=fp32", "evaluate.precision=fp32", "evaluate.batch_size=1000", *overrides])


def _data(cfg, device, dtype=torch.float32):
    data = DeviceData(prepare(cfg["data"]), cfg["data"], device, channels_last=True)
    for name in ("train_x", "mean", "std", "test_x"):
        setattr(data, name, getattr(data, name).to(dtype))
    return data


def _relative_difference(models_a, models_b) -> float:
    worst = 0.0
    for a, b in zip(models_a, models_b):
        for (name, x), y in zip(a.state_dict().items(), b.state_dict().values()):
            if x.is_floating_point():
                worst = max(worst, float((x - y).abs().max() / x.abs().max().clamp_min(1e-12)))
    return worst


def _verdict(value, tolerance, larger_is_better=False):
    return {"value": value, "tolerance": tolerance, "passed": value >= tolerance if larger_is_better else value <= tolerance}


def check_stacked(size, device) -> dict:
    """K networks trained one epoch stacked vs one at a time, in float64; forward under TF32 and bf16."""
    children = [child_index(c) for c in CHILDREN]
    torch.set_default_dtype(torch.float64)
    try:
        cfg = _config(size, device, "train.epochs=1")
        data = _data(cfg, device, torch.float64)
        alone = [Loop(cfg, data, Path("/nonexistent"), children=[c]) for c in children]
        for t in alone:
            t.train_epoch()
        stacked = [Loop(cfg, data, Path("/nonexistent"), children=[c]) for c in children]
        train_epoch_stacked(stacked)
        out = {"fp64 weights after one epoch": _verdict(_relative_difference([t.method.model for t in alone], [t.method.model for t in stacked]), TOLERANCE["fp64"])}
    finally:
        torch.set_default_dtype(torch.float32)
    cfg = _config(size, device)
    data = _data(cfg, device)
    models = [Loop(cfg, data, Path("/nonexistent"), children=[c]).method.model for c in children]
    x = next(data.train_batches(data.make_generator(0), 128)).x
    for precision in ("tf32", "bf16"):
        set_tf32(precision, device)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16"), torch.no_grad():
            together = stacked_forward(models, [x] * len(models), children).float()
            one = torch.stack([m(x, c).float() for m, c in zip(models, children)])
        out[f"{precision} forward logits"] = _verdict(float((together - one).abs().max() / one.abs().max()), TOLERANCE[precision])
    set_tf32("fp32", device)
    return out


def check_compiled(size, device) -> dict:
    """Compiled parts (``train.compile=on``) against eager: one cell, child 243, one epoch, in float64."""
    torch.set_default_dtype(torch.float64)
    try:
        runs = {}
        # eager steps on both sides: the compiled parts are not captured in CUDA graphs (wsnas.training.graphs)
        cfg = _config(size, device, "model.num_cells=1", "train.epochs=1", "train.cuda_graphs=off")
        data = _data(cfg, device, torch.float64)
        for compiled in (False, True):
            trainer = Loop(cfg, data, Path("/nonexistent"), children=[child_index("243")])
            if compiled:
                trainer.method.model.compile_parts(SIZES[size]["compile_backend"])
            trainer.train_epoch()
            runs[compiled] = trainer.method.model
        return {"fp64 weights after one epoch": _verdict(_relative_difference([runs[False]], [runs[True]]), TOLERANCE["fp64"]),
                "backend": SIZES[size]["compile_backend"]}
    finally:
        torch.set_default_dtype(torch.float32)


def check_bf16_ranking(size, device) -> dict:
    """A supernet trained in fp32; its 64 children evaluated in fp32 and in bf16 autocast."""
    from scipy.stats import kendalltau

    cfg = _config(size, device, f"train.epochs={SIZES[size]['epochs']}")
    data = _data(cfg, device)
    trainer = Loop(cfg, data, Path("/nonexistent"))
    for _ in range(cfg["train"]["epochs"]):
        trainer.train_epoch()
    fp32, _ = evaluate_children(trainer.method.model, data, {**cfg["evaluate"], "precision": "fp32"})
    bf16, _ = evaluate_children(trainer.method.model, data, {**cfg["evaluate"], "precision": "bf16"})
    return {"Kendall tau, bf16 vs fp32 ranking": _verdict(float(kendalltau(fp32, bf16).statistic), TOLERANCE["bf16_tau"], True),
            "largest accuracy difference": _verdict(float((fp32 - bf16).abs().max()), TOLERANCE["bf16_accuracy"]),
            "mean fp32 accuracy": float(fp32.mean())}


def check_remedy_steps(size, device) -> dict:
    """One epoch of every timing each registered method declares (``wsnas.methods.<name>``: DECLARATION.timings),
    on the device, beside single path with the same train keys (or the timing it names): its loss is finite,
    and its epoch time against the reference's. A method whose timings are phases of a paper run (``share``)
    is judged on their mix against its ``step_target``; a single timing against single path is judged
    against it directly. The timed epoch is each run's second (a method that samples paths or data then
    does). Every run steps eagerly (``train.cuda_graphs=off``): the ratios are each method's own cost, as the
    issues' targets were set; ``python -m bench`` times single path as the pipeline runs it."""
    cfg = _config(size, device, "train.epochs=2", "train.cuda_graphs=off")
    data = _data(cfg, device)

    def seconds_of(run_cfg):
        loop = Loop(run_cfg, data, None)
        loop.train_epoch()  # warm-up
        _sync(device)
        start = time.perf_counter()
        record = loop.train_epoch()
        _sync(device)
        return time.perf_counter() - start, record

    out, single_path, timed = {}, {}, {}
    for declaration in declarations().values():
        mix = 0.0
        for timing in declaration.timings:
            key = repr(sorted(timing.train.items()))
            if timing.against == "single path" and key not in single_path:
                single_path[key] = seconds_of(merged(cfg, train=timing.train))[0]
            seconds, record = seconds_of(merged(cfg, train=timing.train, method={"name": declaration.name, **timing.options}))
            timed[timing.label] = seconds
            reference = single_path[key] if timing.against == "single path" else timed[timing.against]
            out[f"{timing.label}: train loss (finite)"] = _verdict(record["train_loss"], math.inf)
            judged = timing.share is None and timing.against == "single path" and len(declaration.timings) == 1
            out[f"{timing.label}: epoch seconds ratio"] = _verdict(seconds / reference, declaration.step_target
                                                                   if judged else math.inf)
            mix += (timing.share or 0.0) * seconds / reference
        if any(t.share is not None for t in declaration.timings):
            out[f"{declaration.name}: epoch seconds / single path (the paper run's mix of phases)"] = _verdict(
                mix, declaration.step_target)
    return out


def check_cuda_graphs(part, size, device) -> dict:
    """One part of ``bench.cuda_graphs`` (whole-step CUDA graphs against eager: bitwise in fp32, images/s,
    memory, streams, kernels), a difference judged against 0."""
    out = {}
    for key, value in part(size, device).items():
        if isinstance(value, dict):  # counts and seconds, e.g. the steps each comparison ran
            out.update({f"{key}: {k}": v for k, v in value.items()})
        else:
            out[key] = _verdict(value, 0.0) if "difference" in key else value
    return out


def measure_speed(size, device) -> dict:
    """``python -m bench`` at the paper size without the costly DARTS timings (the remedy steps time them)
    and without ``train.compile`` (checked above; no gain measured), 16 stacked children: about 3 minutes."""
    result = speed.run(SIZES[size]["speed"], device.type, compiled=False, costly=False,
                       stack=16 if device.type == "cuda" else None)
    result["report"] = speed.report(result)
    rates, peak = result["rates"], result.get("ceiling_matmul_bf16_gflops", result["ceiling_matmul_fp32_gflops"])
    result["cifar10_epoch_seconds"] = {
        "one child, one network": CIFAR_TRAIN / rates["standalone_train_one"],
        f"64 children, auto path ({'stacked' if stacked_enabled('auto', device) else 'one at a time'})": 64 * CIFAR_TRAIN / rates["standalone_train"],
        "supernet, one child per mini-batch": CIFAR_TRAIN / rates["supernet_train"],
        "all-64 evaluation of the 10k test set": 64 * CIFAR_TEST / rates["eval_all64"],
    }
    result["mfu_vs_measured_matmul"] = {c["case"]: c["fast_gflops"] / peak for c in result["cases"]}
    network = config.load(None, [*speed.SIZES[SIZES[size]["speed"]]["model"], f"train.batch_size={result['batch_size']}"])
    per_image = bytes_per_image(network, child_index("243"), 2 if result["fast_precision"] == "bf16" else 4)["per_image"]
    result["achieved_bandwidth_gb_s"] = {  # against the bytes-per-image model of unfused kernels (a lower bound)
        "supernet training": rates["supernet_train"] * per_image / 1e9,
        "one child": rates["standalone_train_one"] * per_image / 1e9, "model MB per image": per_image / 1e6}
    case = {name: next((c for c in result["cases"] if c["case"].startswith(name)), None)
            for name in ("standalone,", "standalone: stacked", "supernet training: compiled")}
    stacked, compiled = case["standalone: stacked"], case["supernet training: compiled"]
    result["auto_choice"] = {
        "stacked": stacked_enabled("auto", device), "stacked_faster_than_one_at_a_time": stacked["ratio"] > 1,
        "precision": result["fast_precision"], "fast_faster_than_naive": case["standalone,"]["ratio"] > 1,
        "compile": False, "compiled_faster_than_eager": None if compiled is None else compiled["ratio"] > 1,
    }
    return result


def project(speed_result) -> list[dict]:
    """The paper configuration's hours in its precision (fp32), with ``hours_bf16`` beside them."""
    from bench.projection import rows_in_precisions

    return rows_in_precisions(config.load(ROOT / "config" / "paper.yaml"), speed_result)[1]


def _targets(record) -> dict:
    """The issue's targets, on a GPU only (a CPU's hours and MFU say nothing about them)."""
    out = {}
    if record["mode"] != "gpu":
        return out
    rows = {r["target"]: r for r in record.get("projection") or []}
    if "all" in rows:
        hours = rows["all"].get("hours_bf16", rows["all"]["hours"])
        out[f"all in <= {TARGETS['all_hours']:g} device-hours (bf16, with the methods' step factors)"] = _verdict(
            hours, TARGETS["all_hours"])
    speed_result = record.get("speed") or {}
    if speed_result:
        stacked = next(v for k, v in speed_result["mfu_vs_measured_matmul"].items() if k.startswith("standalone: stacked"))
        out[">= 10% MFU in stacked training"] = _verdict(stacked, TARGETS["stacked_mfu"], True)
        out["stacked training the fastest path"] = {"passed": speed_result["auto_choice"]["stacked_faster_than_one_at_a_time"]}
        rates = dict(speed_result["rates"])
        chunk = (record.get("checks") or {}).get("cuda graphs: chunk") or {}
        on_streams = next((v for k, v in chunk.items() if "img/s one after another" in k and "bf16" in k), None)
        if on_streams:
            rates["standalone_train"] = max(rates["standalone_train"], *on_streams)
        for key, (label, target) in TARGETS["rates"].items():
            out[label] = _verdict(rates[key], target, True)
    return out


def summary(record) -> str:
    env = record["environment"]
    lines = [f"# GPU check: {env['device']}", "",
             f"{env['date']}; torch {env['torch']} (CUDA {env['cuda']}); mode {record['mode']}; "
             f"{record['seconds']:.0f} s; missing packages: {', '.join(env['missing']) or 'none'}", "",
             "Seconds per part: " + ", ".join(f"{k} {v:.0f}" for k, v in record.get("part_seconds", {}).items()),
             "", "## Correctness", "",
             "| check | measured | tolerance | passed |", "|---|---|---|---|"]
    for part, results in (record.get("checks") or {}).items():
        for name, v in (results or {}).items():
            if isinstance(v, dict):
                lines.append(f"| {part}: {name} | {v['value']:.3g} | {v['tolerance']:g} | {'yes' if v['passed'] else 'NO'} |")
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                lines.append(f"| {part}: {name} | {v:.4g} | | |")
            elif isinstance(v, list):
                lines.append(f"| {part}: {name} | {', '.join(f'{x:.4g}' for x in v)} | | |")
    s = record.get("speed")
    if s:
        lines += ["", "## Speed (paper network, CIFAR-sized synthetic data)", "", "```", s["report"], "```", "",
                  "| seconds per CIFAR-10 epoch | s |", "|---|---|"]
        lines += [f"| {k} | {v:.1f} |" for k, v in s["cifar10_epoch_seconds"].items()]
        lines += ["", "| case | fast TFLOP/s | MFU vs measured matmul peak |", "|---|---|---|"]
        lines += [f"| {c['case']} | {c['fast_gflops'] / 1e3:.2f} | {100 * s['mfu_vs_measured_matmul'][c['case']]:.1f}% |" for c in s["cases"]]
        lines += ["", f"auto's choice: {json.dumps(s['auto_choice'])}"]
        bandwidth = s.get("achieved_bandwidth_gb_s")
        if bandwidth:
            lines += ["", f"achieved memory bandwidth (bench/traffic.py, {bandwidth['model MB per image']:.1f} MB per "
                      f"training image): supernet training {bandwidth['supernet training']:.0f} GB/s, one child "
                      f"{bandwidth['one child']:.0f} GB/s"]
    if record.get("projection"):
        lines += ["", "## Projected device-hours of the paper configuration", "",
                  "| target | jobs | device-hours (fp32, the config's) | beyond the ground truth | device-hours (bf16) |",
                  "|---|---|---|---|---|"]
        lines += [f"| {r['target']} | {r['jobs']} | {r['hours']:,.1f} | {r['hours_own']:,.1f} | "
                  f"{r.get('hours_bf16', float('nan')):,.1f} |" for r in record["projection"]]
    if record.get("targets"):
        lines += ["", "## Targets", ""] + [f"- {k}: {'met' if v['passed'] else 'MISSED'}"
                                           + (f" ({v['value']:.3g} against {v['tolerance']:g})" if "value" in v else "")
                                           for k, v in record["targets"].items()]
    if record.get("skipped"):
        lines += ["", "## Skipped", "", f"Not started within the check's budget: {', '.join(record['skipped'])}. To run "
                  f"them: `bash bench/gpu.sh OUT --parts '{','.join(record['skipped'])}'`."]
    if record["errors"]:
        lines += ["", "## Errors", ""] + [f"- {k}: {v.splitlines()[-1]}" for k, v in record["errors"].items()]
    return "\n".join(lines) + "\n"


def _environment(device) -> dict:
    return {"device": speed.describe_device(device), "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "torch": torch.__version__, "cuda": torch.version.cuda, "python": platform.python_version(),
            "missing": [m for m in ("jsonschema", "snakemake") if importlib.util.find_spec(m) is None]}


def _chosen(name, parts) -> bool:
    return parts is None or any(name.startswith(p) for p in parts)


#: The parts in the order they run: the correctness checks first, then the speed benchmark and the projection
#: built on it, then the remedies' step ratios (measured before: 2026-12-04 in docs/log.md).
PARTS = (("stacked", check_stacked), ("compiled", check_compiled), ("bf16 ranking", check_bf16_ranking),
         *((f"cuda graphs: {name}", partial(check_cuda_graphs, fn)) for name, fn in cuda_graphs.PARTS),
         ("speed", measure_speed), ("projection", project), ("remedy steps", check_remedy_steps))
#: No part starts later than this many seconds after the check began.
BUDGET_SECONDS = 300.0


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.gpu", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="output folder (gpu-check.json, summary.md)")
    parser.add_argument("--dry-run", action="store_true", help="on the CPU at a tiny size: check that the command works")
    parser.add_argument("--parts", type=lambda v: [p.strip() for p in v.split(",") if p.strip()], default=None,
                        help="run only these parts, comma-separated names or their beginnings, e.g. "
                             "'cuda graphs,speed,projection' (default: all; names: %s)" % ", ".join(n for n, _ in PARTS))
    parser.add_argument("--budget", type=float, default=BUDGET_SECONDS,
                        help=f"seconds after which no further part starts (default {BUDGET_SECONDS:g}: about 5 minutes "
                             "in all); the skipped parts are listed with the command that runs them")
    args = parser.parse_args(argv)
    size = "dry-run" if args.dry_run else "gpu"
    device = resolve_device("cpu" if args.dry_run else "auto")
    if device.type != "cuda" and not args.dry_run:
        parser.error("no CUDA device here; pass --dry-run to run the same steps on the CPU")
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    record = {"mode": size, "environment": _environment(device), "checks": {}, "speed": None, "projection": None,
              "targets": {}, "errors": {}, "skipped": [], "seconds": 0.0, "part_seconds": {}}

    def judge():
        try:
            record["targets"] = _targets(record)
        except Exception:  # noqa: BLE001 - a verdict that cannot be formed must not stop the measuring
            record["errors"]["targets"] = traceback.format_exc()

    def part(name, fn, store):
        began = time.perf_counter()
        try:
            store(fn())
        except Exception:  # noqa: BLE001 - record it and go on: the other parts still measure
            record["errors"][name] = traceback.format_exc()
        record["seconds"] = time.perf_counter() - start
        record["part_seconds"][name] = time.perf_counter() - began
        judge()
        (args.out / "gpu-check.json").write_text(json.dumps(record, indent=1, default=str))
        (args.out / "summary.md").write_text(summary(record))
        print(f"[{record['seconds']:6.0f} s] {name}: {'failed' if name in record['errors'] else 'done'} "
              f"({record['part_seconds'][name]:.0f} s)", flush=True)

    for name, fn in PARTS:
        if not _chosen(name, args.parts) or (name == "projection" and not record["speed"]):
            continue
        if name != "projection" and time.perf_counter() - start > args.budget:  # the projection takes seconds
            record["skipped"].append(name)
        elif name == "speed":
            part(name, lambda: fn(size, device), lambda v: record.__setitem__("speed", v))
        elif name == "projection":
            part(name, lambda: fn(record["speed"]), lambda v: record.__setitem__("projection", v))
        else:
            part(name, lambda: fn(size, device), lambda v: record["checks"].__setitem__(name, v))
    (args.out / "summary.md").write_text(summary(record))
    (args.out / "gpu-check.json").write_text(json.dumps(record, indent=1, default=str))
    print(summary(record))
    return record


if __name__ == "__main__":
    main()
