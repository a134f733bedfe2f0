"""Speed benchmark: the machine's ceiling, FLOPs per image, and the naive vs fast paths of
standalone, stacked, supernet training (single path, compiled, and every timing each method declares,
``wsnas.methods.<name>``) and all-64 evaluation, measured side by side in one run.

    python -m bench [--size small|paper|demo] [--device auto|cpu|cuda] [--compile] [--costly] [--json bench/out/speed-<device>.json]

``naive`` is the plain path: NCHW, fp32, one network at a time, one child at a time in evaluation.
``fast`` is what ``auto`` settings choose on this device (channels_last; bf16 autocast on CUDA; stacked
training where ``auto`` picks it; the shared-computation cache in evaluation). Every case uses the paper network
(stem 48, 4 cells) on CIFAR-sized random data (32x32, batch 256; 64 at the ``small`` size). ``small`` runs in
about 3 minutes and 3.6 GB on 2 CPU cores and leaves out the costly timings (DARTS second order and amended:
Hessian products, minutes per step there) unless ``--costly``; ``paper`` times them all with more steps,
K = 64 stacked children and the 10k-image test set (for GPUs). ``smoke`` (the tests) runs every case on a tiny network in batches of 32.
``--compile`` (default on CUDA) adds supernet training with ``train.compile=on`` against eager. The JSON's
``rates`` feed ``python -m bench.projection`` (device-hours per target of the DAG).
"""

import argparse
import json
import platform
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

from bench.timing import timed
from wsnas import config
from wsnas.config import merged
from wsnas.methods import declarations

from wsnas.training import runtime
from wsnas.data.device_data import DeviceData
from wsnas.training.device import resolve_device, resolved_precision, set_tf32, stacked_enabled
from wsnas.training.evaluate import evaluate_children
from wsnas.core.model import WeightSharingNet
from wsnas.methods.child_order import ChildSampler
from wsnas.core.space import CHILD_IDS, child_index
from wsnas.training.stacked import train_epoch_stacked
from wsnas.training.loop import Loop

ROOT = Path(__file__).resolve().parents[1]
PAPER_NETWORK = {"model": [], "batch": 256}  # the defaults: stem 48, 2 stem convolutions, 16 channels, 4 cells
TINY_NETWORK = {"model": ["model.stem_channels=8", "model.stem_convs=1", "model.cell_channels=4", "model.num_cells=2"],
                "batch": 32}
SIZES = {  # steps per timed training case, K stacked children, test images for evaluation, the network and batch,
    # whether the costly timings (``Timing.costly``) run
    # small: a laptop's (measured 2 min 55 s and 3.6 GB on 2 cores, docs/log.md 2026-12-05): the paper network
    # in batches of 64 (in batches of 256 the run held 11 GB); 4 and 12 steps, since DI-NAS's and DCNAS's
    # per-step work does not shrink with the batch
    "small": {"steps": 4, "stack": 4, "eval_images": 192, "supernet_steps": 12, "model": [], "batch": 64, "costly": False},
    "paper": {"steps": 20, "stack": 64, "eval_images": 10_000, "supernet_steps": 60, **PAPER_NETWORK, "costly": True},
    "smoke": {"steps": 1, "stack": 2, "eval_images": 8, "supernet_steps": 1, **TINY_NETWORK, "costly": True},  # tests only
}
#: Dense peak TFLOP/s of known accelerators (vendor figures), for MFU against the datasheet as well.
PEAK_TFLOPS = {"H100": {"bf16": 989.0, "tf32": 494.7}, "H200": {"bf16": 989.0, "tf32": 494.7},
               "A100": {"bf16": 312.0, "tf32": 156.0}}


def random_cifar_like(n_train, n_test, seed=0):
    g = torch.Generator().manual_seed(seed)
    return {
        "format_version": 1, "name": "cifar10", "classes": 10,
        "train_x": torch.randint(0, 256, (n_train, 3, 32, 32), generator=g, dtype=torch.uint8),
        "train_y": torch.randint(0, 10, (n_train,), generator=g),
        "test_x": torch.randn(n_test, 3, 32, 32, generator=g), "test_y": torch.randint(0, 10, (n_test,), generator=g),
        "mean": torch.full((3,), 0.5), "std": torch.full((3,), 0.25),
    }


# -- 1. ceilings ------------------------------------------------------------------------------------------
def matmul_ceiling(device, dtype, n=2048):
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    repeat = 50 if device.type == "cuda" else 3
    return 2 * n**3 / timed(lambda: a @ b, device, repeat, warm_up=lambda: a @ b) / 1e9


def conv_ceiling(device, cfg, batch, precision, memory_format):
    """The stem's 3x3 convolution (48 -> 48 channels at 32x32), forward + backward (input and weight)."""
    c = cfg["model"]["stem_channels"]
    conv = torch.nn.Conv2d(c, c, 3, padding=1, bias=False).to(device, memory_format=memory_format)
    x = torch.randn(batch, c, 32, 32, device=device).contiguous(memory_format=memory_format).requires_grad_()

    def step():
        with _autocast(precision, device):
            y = conv(x)
        y.backward(torch.ones_like(y))

    flops = 3 * 2 * c * c * 9 * 32 * 32 * batch
    return flops / timed(step, device, 20 if device.type == "cuda" else 2, warm_up=step) / 1e9


def _autocast(precision, device):
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16")


# -- 2. FLOPs per image -------------------------------------------------------------------------------------
def forward_flops(cfg):
    """Forward FLOPs per image of each of the 64 children (counted; training is taken as 3x forward,
    because FlopCounterMode over-counts the depthwise convolutions' backward)."""
    model = WeightSharingNet(cfg["model"], cfg["sharing"]).eval()
    x = torch.randn(1, 3, 32, 32)
    flops = []
    for child in range(len(CHILD_IDS)):
        with FlopCounterMode(display=False) as counter, torch.no_grad():
            model(x, child)
        flops.append(counter.get_total_flops())
    return flops


# -- 3. throughput ------------------------------------------------------------------------------------------
def _data(prepared, cfg, device, channels_last):
    return DeviceData(prepared, cfg["data"], device, channels_last=channels_last)


def _trainers(cfg, data, children, tmp):
    return [Loop(cfg, data, tmp / str(i), children=[c]) for i, c in enumerate(children)]


def standalone_rate(cfg, data, children, stacked, device):
    """Images/s per child of training ``children`` standalone, one epoch of the bench data each."""
    trainers = _trainers(cfg, data, children, Path("/nonexistent"))
    if stacked:
        seconds = timed(lambda: train_epoch_stacked(trainers), device)
    else:
        seconds = timed(lambda: [t.train_epoch() for t in trainers], device)
    return len(children) * data.n_train / seconds


def supernet_rate(cfg, data, device, compiled=False):
    """Images/s of supernet training, one child per mini-batch in the config's child order (sequential unless
    a case sets another). The warm-up epoch trains 111, 222, 333 and 444 first, so that every operation on
    every edge has run (and compiled) before the timed epoch: a short epoch would otherwise meet new ones;
    with ``train.cuda_graphs`` (on a GPU) a second one goes on through all 64 children, so that each
    child's graph is captured before the timed epoch."""
    trainer = Loop(cfg, data, Path("/nonexistent"))
    if compiled:
        trainer.method.model.compile_parts()

    def warm_up():
        sampler = trainer.method.sampler
        first = [child_index(c) for c in ("111", "222", "333", "444")]
        trainer.method.sampler = ChildSampler(first + list(range(len(CHILD_IDS))), "sequential", 0)
        trainer.train_epoch()
        if getattr(trainer.method, "graphs", None) is not None:  # every child's step captured before the timing
            trainer.train_epoch()
        trainer.method.sampler = sampler

    return data.n_train / timed(trainer.train_epoch, device, warm_up=warm_up)


def method_rate(cfg, data, device):
    """Images/s of one epoch of any method (``method.name``) after one warm-up epoch (a method without a child
    sampler trains its own way in each step)."""
    trainer = Loop(cfg, data, Path("/nonexistent"))
    return data.n_train / timed(trainer.train_epoch, device, warm_up=trainer.train_epoch)


def eval_rate(cfg, data, shared, device):
    """Child-images/s of evaluating all 64 children (``shared``: the stem and first-cell cache)."""
    model = WeightSharingNet(cfg["model"], cfg["sharing"]).to(device, memory_format=data.memory_format)
    n = len(data.test_y)
    if shared:
        seconds = timed(lambda: evaluate_children(model, data, cfg["evaluate"]), device)
    else:
        children = range(len(CHILD_IDS))
        seconds = timed(lambda: [evaluate_children(model, data, cfg["evaluate"], [c]) for c in children], device)
    return len(CHILD_IDS) * n / seconds


def run(size: str, device_name: str, compiled: bool | None = None, costly: bool | None = None,
        stack: int | None = None) -> dict:
    """Every case at ``size``; ``costly``: also the costly timings (default: the size's choice); ``stack``:
    K, the children trained standalone (default: the size's)."""
    device = resolve_device(device_name)
    compiled = device.type == "cuda" if compiled is None else compiled
    s = SIZES[size]
    costly = s["costly"] if costly is None else costly
    batch = s["batch"]
    prepared = random_cifar_like(s["steps"] * batch, s["eval_images"])
    base = [*s["model"], "data.name=cifar10", f"train.batch_size={batch}", "train.epochs=200",
            f"train.device={device.type}", "evaluate.batch_size=1000"]
    naive_cfg = config.load(None, [*base, "train.precision=fp32", "evaluate.precision=fp32", "train.channels_last=off",
                                   "train.cuda_graphs=off"])
    fast_cfg = config.load(None, base)
    precision = resolved_precision("auto", device)
    naive = _data(prepared, naive_cfg, device, channels_last=False)
    fast = _data(prepared, fast_cfg, device, channels_last=True)
    set_tf32("fp32", device)
    fp32 = torch.float32
    result = {"size": size, "device": describe_device(device), "threads": torch.get_num_threads(),
              "fast_precision": precision, "batch_size": batch, "stack": stack or s["stack"]}
    result["ceiling_matmul_fp32_gflops"] = matmul_ceiling(device, fp32)
    if device.type == "cuda":
        result["ceiling_matmul_bf16_gflops"] = matmul_ceiling(device, torch.bfloat16)
    result["ceiling_conv_naive_gflops"] = conv_ceiling(device, naive_cfg, batch, "fp32", torch.contiguous_format)
    set_tf32(precision, device)
    result["ceiling_conv_fast_gflops"] = conv_ceiling(device, fast_cfg, batch, precision, torch.channels_last)
    flops = forward_flops(naive_cfg)
    result["child_forward_mflops_mean"] = sum(flops) / len(flops) / 1e6
    result["child_forward_mflops_min_max"] = [min(flops) / 1e6, max(flops) / 1e6]
    k = stack or s["stack"]
    children = sorted({round(i * 63 / max(k - 1, 1)) for i in range(k)})  # spread: 111, 222, 333, 444 for K=4
    k_flops = 3 * sum(flops[c] for c in children) / len(children)
    train_flops = 3 * sum(flops) / len(flops)

    cases = []

    def case(name, kind, naive_fn, fast_fn, flops_per_image, note=""):
        set_tf32("fp32", device)
        a = naive_fn()
        set_tf32(precision, device)
        b = fast_fn()
        cases.append({"case": name, "unit": kind, "naive": a, "fast": b, "ratio": b / a, "note": note,
                      "naive_gflops": a * flops_per_image / 1e9, "fast_gflops": b * flops_per_image / 1e9})
        return cases[-1]

    stacked_auto = stacked_enabled("auto", device)
    set_tf32("fp32", device)
    plain = standalone_rate(naive_cfg, naive, children, False, device)
    set_tf32(precision, device)
    one_at_a_time = standalone_rate(fast_cfg, fast, children, False, device)
    stacked = standalone_rate(fast_cfg, fast, children, True, device)
    chosen = stacked if stacked_auto else one_at_a_time
    case(f"standalone, K={k} children", "img/s per child", lambda: plain, lambda: chosen, k_flops,
         "fast = stacked (auto)" if stacked_auto else "fast = one at a time, channels_last (auto)")
    case(f"standalone: stacked K={k} vs one at a time", "img/s per child", lambda: one_at_a_time, lambda: stacked,
         k_flops, "both with the fast settings")
    sup_prepared = random_cifar_like(s["supernet_steps"] * batch, 16)
    supernet = case("supernet training", "img/s",
                    lambda: supernet_rate(naive_cfg, _data(sup_prepared, naive_cfg, device, False), device),
                    lambda: supernet_rate(fast_cfg, _data(sup_prepared, fast_cfg, device, True), device), train_flops)
    if compiled:
        case("supernet training: compiled vs eager", "img/s",
             lambda: supernet["fast"],
             lambda: supernet_rate(fast_cfg, _data(sup_prepared, fast_cfg, device, True), device, compiled=True),
             train_flops, "train.compile=on, after a compiling epoch; both with the fast settings")
    # every timing each method declares (wsnas.methods.<name>: DECLARATION.timings), against single path with the
    # same train keys or against another timing of the method
    single_path, timings, left_out = {}, {}, []
    for declaration in declarations().values():
        for timing in declaration.timings:
            if timing.costly and not costly:
                left_out.append(timing.label)
                continue
            cfg = merged(fast_cfg, train=timing.train, method={"name": declaration.name, **timing.options})
            key = repr(sorted(timing.train.items()))
            if timing.against == "single path" and key not in single_path:
                single_path[key] = supernet_rate(merged(fast_cfg, train=timing.train), _data(sup_prepared, fast_cfg, device, True), device)
            reference = single_path[key] if timing.against == "single path" else timings[timing.against]["fast"]
            if timing.label in timings:
                raise ValueError(f"bench timing {timing.label!r} is declared twice; give each timing its own label")
            same = next((c for c in timings.values() if c.get("config") == cfg), None)
            rate = same["fast"] if same else method_rate(cfg, _data(sup_prepared, fast_cfg, device, True), device)
            timings[timing.label] = case(timing.label, "img/s", lambda r=reference: r, lambda r=rate: r, train_flops,
                                         f"method.name={declaration.name}" + (f": {timing.note}" if timing.note else ""))
            timings[timing.label]["config"] = cfg
    for c in timings.values():
        c.pop("config")
    evaluation = case(f"all-64 evaluation ({s['eval_images']} images)", "child-img/s",
                      lambda: eval_rate(naive_cfg, naive, False, device),
                      lambda: eval_rate(fast_cfg, fast, True, device), sum(flops) / len(flops),
                      "fast = shared stem/first-cell cache; GFLOP/s counts 64 full forwards (effective)")
    result["cases"] = cases
    result["costly_left_out"] = left_out
    result["step_factors"] = step_factors(timings)
    # Rates of the fast paths, for projecting the pipeline's hours (python -m bench.projection), in the fast
    # precision and, where that is another, in fp32 (what config/paper.yaml trains in).
    set_tf32(precision, device)
    result["rates"] = {"supernet_train": supernet["fast"], "standalone_train": chosen,
                       "standalone_train_one": one_at_a_time, "eval_single": eval_rate(fast_cfg, fast, False, device),
                       "eval_all64": evaluation["fast"]}
    result["rates_by_precision"] = {precision: result["rates"]}
    if precision != "fp32":
        set_tf32("fp32", device)
        cfg32 = config.load(None, [*base, "train.precision=fp32", "evaluate.precision=fp32"])
        one = standalone_rate(cfg32, fast, children, False, device)
        result["rates_by_precision"]["fp32"] = {
            "supernet_train": supernet_rate(cfg32, _data(sup_prepared, cfg32, device, True), device),
            "standalone_train": standalone_rate(cfg32, fast, children, True, device) if stacked_auto else one,
            "standalone_train_one": one, "eval_single": eval_rate(cfg32, fast, False, device),
            "eval_all64": eval_rate(cfg32, fast, True, device)}
        set_tf32(precision, device)
    return result


def step_factors(timings: dict) -> list[dict]:
    """Each timed method variant's step time over single path's, for the projection
    (``wsnas.plan.cost.step_factor``): a timing against another timing chains their factors; a method
    whose timings are phases of one run (``Timing.share``) gets one factor, their share-weighted mean."""
    declared = {t.label: (d, t) for d in declarations().values() for t in d.timings}

    def of(label):  # None where the chain to single path has a timing this run left out
        if label not in timings:
            return None
        against = declared[label][1].against
        reference = 1.0 if against == "single path" else of(against)
        return None if reference is None else reference / timings[label]["ratio"]

    out, seen = [], set()
    for label in timings:
        declaration, timing = declared[label]
        if of(label) is None:
            continue
        if timing.share is not None:
            phases = [t for t in declaration.timings if t.share is not None]
            if declaration.name in seen or any(of(t.label) is None for t in phases):
                continue
            seen.add(declaration.name)
            out.append({"method": declaration.name, "options": {}, "factor": sum(t.share * of(t.label) for t in phases),
                        "timing": " + ".join(t.label for t in phases)})
        elif (declaration.name, repr(timing.options)) not in seen:
            seen.add((declaration.name, repr(timing.options)))
            out.append({"method": declaration.name, "options": dict(timing.options), "factor": of(label),
                        "timing": label})
    return out


def describe_device(device):
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"{platform.processor() or platform.machine()} CPU"


def _peak(result):
    for key, peaks in PEAK_TFLOPS.items():
        if key in result["device"]:
            return peaks.get(result["fast_precision"]) or peaks["tf32"]
    return None


def report(result) -> str:
    conv_ceiling_gflops = max(result["ceiling_conv_naive_gflops"], result["ceiling_conv_fast_gflops"])
    lines = [
        f"device: {result['device']}, threads {result['threads']}, size {result['size']}, "
        f"batch {result['batch_size']}, fast precision {result['fast_precision']}",
        f"ceiling: matmul fp32 {result['ceiling_matmul_fp32_gflops']:.0f} GFLOP/s"
        + (f", bf16 {result['ceiling_matmul_bf16_gflops']:.0f} GFLOP/s" if "ceiling_matmul_bf16_gflops" in result else "")
        + f"; stem 3x3 conv fwd+bwd naive {result['ceiling_conv_naive_gflops']:.0f}, fast {result['ceiling_conv_fast_gflops']:.0f} GFLOP/s",
        f"child forward: {result['child_forward_mflops_mean']:.1f} MFLOP/image (min {result['child_forward_mflops_min_max'][0]:.1f}, "
        f"max {result['child_forward_mflops_min_max'][1]:.1f}); training counted as 3x forward",
        "",
        "| case | unit | naive | fast | fast/naive | naive GFLOP/s (% conv ceiling) | fast GFLOP/s (% conv ceiling) | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    peak = _peak(result)
    for c in result["cases"]:
        pct = lambda g: f"{g:.1f} ({100 * g / conv_ceiling_gflops:.0f}%)"  # noqa: E731
        lines.append(f"| {c['case']} | {c['unit']} | {c['naive']:.0f} | {c['fast']:.0f} | {c['ratio']:.2f} | "
                     f"{pct(c['naive_gflops'])} | {pct(c['fast_gflops'])} | {c['note']} |")
        if peak:
            c["fast_mfu_datasheet"] = c["fast_gflops"] / (peak * 1e3)
    if result.get("costly_left_out"):
        lines.append(f"\nleft out (costly; --costly times them): {'; '.join(result['costly_left_out'])}")
    if peak:
        lines.append(f"\nMFU against the datasheet peak ({peak:.0f} TFLOP/s {result['fast_precision']}): " + ", ".join(
            f"{c['case']} {100 * c['fast_mfu_datasheet']:.2f}%" for c in result["cases"]))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=[*sorted(SIZES), "demo"], default=None,
                        help="default: paper on CUDA, small on CPU; demo: the demo's own network (python -m bench.demo_speed)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--json", type=Path, help="default: bench/out/speed-<cpu|cuda>.json")
    parser.add_argument("--compile", action=argparse.BooleanOptionalAction, default=None,
                        help="also time train.compile=on against eager (default: on CUDA only)")
    parser.add_argument("--costly", action=argparse.BooleanOptionalAction, default=None,
                        help="also the costly timings, DARTS second order and amended (default: at the paper and smoke sizes)")
    args = parser.parse_args(argv)
    if args.size == "demo":
        from bench import demo_speed

        return demo_speed.main([*(["--json", str(args.json)] if args.json else []), "--threads", str(args.threads or 1)])
    runtime.keep_freed_memory()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    size = args.size or ("paper" if device.type == "cuda" else "small")
    result = run(size, args.device, args.compile, args.costly)
    text = report(result)
    print(text)
    out = args.json or ROOT / "bench" / "out" / f"speed-{device.type}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(f"\nwrote {out}")
    return result


if __name__ == "__main__":
    main()
