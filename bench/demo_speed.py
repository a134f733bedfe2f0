"""Speed at the demo's size (config/config.yaml: 8x8 digits, 16-channel network), where the pipeline's
jobs run with one thread each: the choices ``auto`` makes at the paper size, measured again here.

    python -m bench.demo_speed [--config config/config.yaml] [--threads 1] [--json bench/out/demo-speed.json]

Cases, each timed side by side in this run:
- dense evaluation: one evaluation of all 64 children on the ranking set (what a study run does after
  each of its last ``studies.dense_steps`` mini-batches, and ``evaluate_subnets`` at every epoch), for
  each evaluation batch size and memory format; the results are the same for every batch size
  (``evaluate.bn_mode: running``), so the batch size is a speed setting only;
- supernet training, one epoch, channels_last against NCHW;
- supernet training, one epoch, as before issue 29 (PyTorch's per-parameter SGD loop, oneDNN's dilated
  depthwise convolution) against today's step (multi-tensor SGD, ``wsnas.core.operations.DilatedDepthwise``);
- 16 children trained standalone for one epoch, one at a time against stacked.
"""

import argparse
import json
from pathlib import Path

import torch

from bench.timing import timed
from wsnas import config
from wsnas.config import merged
from wsnas.core.model import build_model
from wsnas.core.operations import DilatedDepthwise
from wsnas.data.datasets import prepare
from wsnas.data.device_data import DeviceData
from wsnas.methods.protocol import sgd
from wsnas.training.evaluate import evaluate_children
from wsnas.training.loop import Loop
from wsnas.training.stacked import train_epoch_stacked

ROOT = Path(__file__).resolve().parents[1]
EVAL_BATCHES = (2156, 1100, 512, 256, 128, 64)
CPU = torch.device("cpu")


def _seconds(fn, repeat=2):
    """Seconds per call after a warm-up call (oneDNN primitives for every shape), on the CPU."""
    return timed(fn, CPU, repeat)


def dense_evaluation(cfg, prepared) -> list[dict]:
    rows = []
    for channels_last in (True, False):
        data = DeviceData(prepared, cfg["data"], CPU, channels_last=channels_last)
        torch.manual_seed(0)
        model = build_model(cfg, data).eval()
        reference = None
        for batch in EVAL_BATCHES:
            ev = dict(cfg["evaluate"], batch_size=batch)
            seconds = _seconds(lambda: evaluate_children(model, data, ev))
            acc, _ = evaluate_children(model, data, ev)
            reference = acc if reference is None else reference
            rows.append({"channels_last": channels_last, "batch_size": batch, "seconds": seconds,
                         "child_images_per_s": 64 * len(data.test_y) / seconds,
                         "same_accuracies": bool(torch.equal(acc, reference))})
    return rows


def supernet_epoch(cfg, prepared) -> dict:
    out = {}
    for channels_last in (True, False):
        data = DeviceData(prepared, cfg["data"], CPU, channels_last=channels_last)
        loop = Loop(cfg, data, None)
        out["channels_last" if channels_last else "nchw"] = _seconds(loop.train_epoch, repeat=1)
    return out


def plain_step(loop: Loop) -> Loop:
    """``loop`` with the step as it was before issue 29: the per-parameter SGD loop, oneDNN's dilated conv."""
    method = loop.method
    for module in method.model.modules():
        if isinstance(module, DilatedDepthwise):
            module.__class__ = torch.nn.Conv2d
    method.optimizer = sgd(method.model.parameters(), method.optimizer.defaults, foreach=False)
    return loop


def step_paths(cfg, prepared) -> dict:
    data = DeviceData(prepared, cfg["data"], CPU, channels_last=True)
    plain, today = plain_step(Loop(cfg, data, None)), Loop(cfg, data, None)
    return {"plain": _seconds(plain.train_epoch, repeat=1), "today": _seconds(today.train_epoch, repeat=1),
            "steps": data.steps_per_epoch(cfg["train"]["batch_size"])}


def standalone_epoch(cfg, prepared, k=16) -> dict:
    data = DeviceData(prepared, cfg["data"], CPU, channels_last=True)
    children = [round(i * 63 / (k - 1)) for i in range(k)]
    loops = [Loop(cfg, data, None, children=[c]) for c in children]
    return {"one_at_a_time": _seconds(lambda: [loop.train_epoch() for loop in loops], repeat=1),
            "stacked": _seconds(lambda: train_epoch_stacked(loops), repeat=1), "children": k}


def run(config_path, threads) -> dict:
    torch.set_num_threads(threads)
    cfg = config.load(config_path, ["train.device=cpu"])
    prepared = prepare(cfg["data"])
    current = cfg["evaluate"]["batch_size"]
    dense = dense_evaluation(cfg, prepared)
    base = next(r for r in dense if r["channels_last"] and r["batch_size"] == current) if current in EVAL_BATCHES else dense[0]
    best = min(dense, key=lambda r: r["seconds"])
    return {"config": str(config_path), "threads": threads, "evaluate_batch_size": current, "dense": dense,
            "dense_best": best, "dense_speedup": base["seconds"] / best["seconds"],
            "supernet_epoch_s": supernet_epoch(merged(cfg, train={"epochs": 1}), prepared),
            "step_paths_s": step_paths(merged(cfg, train={"epochs": 1}), prepared),
            "standalone_epoch_s": standalone_epoch(merged(cfg, train={"epochs": 1}), prepared)}


def report(result) -> str:
    lines = [f"config {result['config']}, {result['threads']} thread(s); evaluate.batch_size there: {result['evaluate_batch_size']}",
             "", "| dense evaluation (all 64 children) | batch | s | child-img/s | same accuracies |", "|---|---|---|---|---|"]
    for r in result["dense"]:
        lines.append(f"| {'channels_last' if r['channels_last'] else 'NCHW'} | {r['batch_size']} | {r['seconds']:.2f} | "
                     f"{r['child_images_per_s']:.0f} | {'yes' if r['same_accuracies'] else 'no'} |")
    b = result["dense_best"]
    lines.append(f"\nfastest: {'channels_last' if b['channels_last'] else 'NCHW'}, batch {b['batch_size']}: "
                 f"{result['dense_speedup']:.2f}x the configured batch size")
    s, t = result["supernet_epoch_s"], result["standalone_epoch_s"]
    lines.append(f"supernet epoch: channels_last {s['channels_last']:.2f} s, NCHW {s['nchw']:.2f} s")
    p = result["step_paths_s"]
    lines.append(f"supernet epoch ({p['steps']} steps): before issue 29 {p['plain']:.2f} s, today {p['today']:.2f} s "
                 f"({p['plain'] / p['today']:.2f}x; multi-tensor SGD, space-to-depth dilated convolution)")
    lines.append(f"{t['children']} children standalone, one epoch: one at a time {t['one_at_a_time']:.2f} s, "
                 f"stacked {t['stacked']:.2f} s")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "config" / "config.yaml")
    parser.add_argument("--threads", type=int, default=1, help="as the pipeline's jobs (threads: 1)")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "out" / "demo-speed.json")
    args = parser.parse_args(argv)
    result = run(args.config, args.threads)
    print(report(result))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
