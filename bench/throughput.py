"""Images/s of supernet training and of all-64 evaluation on this machine, side by side in one run.

    python -m bench.throughput [--steps 30] [--threads N] [--json bench/out/throughput.json]

Cases: the paper network on digits at 16x16 and on CIFAR-sized 32x32 random data (batch 256), and the
demo network of config/config.yaml. Evaluation is measured with the shared-computation cache (stem and
first-cell single-edge outputs once per batch) and without it (one child at a time).
"""

import argparse
import json
import time
from pathlib import Path

import torch

from wsnas import config, runtime
from wsnas.data import DeviceData, prepare
from wsnas.model import WeightSharingNet
from wsnas.sampler import ChildSampler

ROOT = Path(__file__).resolve().parents[1]


def random_cifar_like(n_train=2048, n_test=1000, seed=0):
    g = torch.Generator().manual_seed(seed)
    return {
        "format_version": 1, "name": "cifar10", "classes": 10,
        "train_x": torch.randint(0, 256, (n_train, 3, 32, 32), generator=g, dtype=torch.uint8),
        "train_y": torch.randint(0, 10, (n_train,), generator=g),
        "test_x": torch.randn(n_test, 3, 32, 32, generator=g), "test_y": torch.randint(0, 10, (n_test,), generator=g),
        "mean": torch.full((3,), 0.5), "std": torch.full((3,), 0.25),
    }


def train_rate(cfg, data, steps):
    torch.manual_seed(0)
    model = WeightSharingNet(cfg["model"], cfg["sharing"], classes=data.classes).to(memory_format=data.memory_format)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-3)
    sampler = ChildSampler(range(64), "uniform", 0)
    gen = data.make_generator(0)
    bs = cfg["train"]["batch_size"]

    def batches():
        while True:
            yield from data.train_batches(gen, bs)

    it = batches()
    for _ in range(3):  # warm-up
        x, y = next(it)
        opt.zero_grad(set_to_none=False)
        torch.nn.functional.cross_entropy(model(x, sampler.next()), y).backward()
        opt.step()
    seen, start = 0, time.perf_counter()
    for _ in range(steps):
        x, y = next(it)
        opt.zero_grad(set_to_none=False)
        torch.nn.functional.cross_entropy(model(x, sampler.next()), y).backward()
        opt.step()
        seen += len(y)
    return seen / (time.perf_counter() - start), model


@torch.no_grad()
def eval_rate(model, data, batch_size, shared, images):
    model.eval()
    x = data.test_x[:batch_size]
    start, done = time.perf_counter(), 0
    while done < images:
        cache = {} if shared else None
        for child in range(64):
            model(x, child, cache)
        done += 64 * len(x)
    return done / (time.perf_counter() - start)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=30, help="training steps per case")
    parser.add_argument("--eval-images", type=int, default=64 * 1000, help="images per evaluation case")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "out" / "throughput.json")
    args = parser.parse_args(argv)
    runtime.keep_freed_memory()
    if args.threads:
        torch.set_num_threads(args.threads)
    paper = config.load(None, ["train.batch_size=256"])
    demo = config.load(ROOT / "config" / "config.yaml")
    cases = [
        ("paper net, digits 16x16", paper, lambda c: prepare(c["data"])),
        ("paper net, random 32x32", config.load(None, ["data.name=cifar10", "train.batch_size=256"]), lambda c: random_cifar_like()),
        ("demo net (config.yaml)", demo, lambda c: prepare(c["data"])),
    ]
    rows = []
    for name, cfg, make in cases:
        data = DeviceData(make(cfg), cfg["data"], "cpu", channels_last=True)
        train_ips, model = train_rate(cfg, data, args.steps)
        eval_bs = min(500, len(data.test_y))
        plain = eval_rate(model, data, eval_bs, False, args.eval_images)
        shared = eval_rate(model, data, eval_bs, True, args.eval_images)
        rows.append({"case": name, "train_img_per_s": train_ips, "eval64_img_per_s_plain": plain,
                     "eval64_img_per_s_shared": shared, "eval_shared_over_plain": shared / plain,
                     "batch_size": cfg["train"]["batch_size"], "threads": torch.get_num_threads()})
    print(f"{'case':28s} {'train img/s':>12s} {'eval img/s plain':>17s} {'eval img/s shared':>18s} {'ratio':>6s}")
    for r in rows:
        print(f"{r['case']:28s} {r['train_img_per_s']:12.0f} {r['eval64_img_per_s_plain']:17.0f} "
              f"{r['eval64_img_per_s_shared']:18.0f} {r['eval_shared_over_plain']:6.2f}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
