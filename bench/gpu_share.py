"""Jobs per GPU: aggregate standalone-training throughput of N single-child processes sharing one device.

    python -m bench.gpu_share [--processes 1 2 4 8] [--steps 40] [--device cuda] [--json OUT/share.json]

The paper network is small (66.8 MFLOP per image), so one training process leaves a GPU mostly idle
(``python -m bench``: 0.4% MFU on an H200). This measures whether N ground-truth jobs on one GPU, as SLURM
can place them (``--gres=gpu`` shared, or MPS), multiply the throughput. Each process builds its own data
and child, warms up one epoch, waits at a barrier, then trains ``--steps`` steps; the aggregate rate is
N x images / the slowest process's seconds.
"""

import argparse
import json
import multiprocessing as mp
import time
from pathlib import Path

import torch

from bench.speed import random_cifar_like
from bench.timing import _sync
from wsnas import config
from wsnas.data.device_data import DeviceData
from wsnas.training.device import resolve_device
from wsnas.training.loop import Loop

BATCH = 256


def _worker(rank, device_name, steps, barrier, results):
    torch.set_num_threads(1)
    device = resolve_device(device_name)
    cfg = config.load(None, ["data.name=cifar10", f"train.batch_size={BATCH}", "train.epochs=200",
                             f"train.device={device.type}"])
    data = DeviceData(random_cifar_like(steps * BATCH, 16, seed=rank), cfg["data"], device, channels_last=True)
    loop = Loop(cfg, data, Path("/nonexistent"), children=[rank % 64])
    loop.train_epoch()  # warm-up: cuDNN autotuning, allocator growth
    _sync(device)
    barrier.wait()
    start = time.perf_counter()
    loop.train_epoch()
    _sync(device)
    results[rank] = time.perf_counter() - start


def aggregate_rate(n, device_name, steps) -> dict:
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(n), ctx.Manager().dict()
    procs = [ctx.Process(target=_worker, args=(r, device_name, steps, barrier, results)) for r in range(n)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    if len(results) < n:
        raise SystemExit(f"{n - len(results)} of {n} processes failed (their errors are above)")
    seconds = max(results.values())
    return {"processes": n, "slowest_s": seconds, "child_img_per_s": n * steps * BATCH / seconds}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    rows = []
    for n in args.processes:
        rows.append(aggregate_rate(n, args.device, args.steps))
        base = rows[0]["child_img_per_s"]
        print(f"{n} processes: {rows[-1]['child_img_per_s']:.0f} child-img/s, {rows[-1]['child_img_per_s'] / base:.2f}x one",
              flush=True)
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=1))
    return rows


if __name__ == "__main__":
    main()
