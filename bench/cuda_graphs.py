"""Whole-step CUDA graphs for the launch-bound paper network, measured against eager steps (issue 31, items 2-4).

    python -m bench.cuda_graphs OUT.json            # on a GPU: about 2 minutes (not yet timed as a whole)
    python -m bench.cuda_graphs OUT.json --dry-run  # on the CPU at a tiny size: the eager parts only

One training step (forward, backward, SGD step of ``torch.optim.SGD`` with momentum and weight decay) is
captured once per child into a ``torch.cuda.CUDAGraph`` (static input buffers, the momentum buffers made by
eager warm-up steps, gradients set to None before capture as ``train.inactive_grads: none`` does, so each
graph steps only its child's weights), then replayed. Parts, each written to the JSON as it ends:

1. ``bitwise``: fp32, deterministic cuDNN/cuBLAS, paper network: a standalone child (243) trained eagerly
   against warm-up + graph replays on the same batches; a supernet whose 64 graphs share one memory pool,
   replayed in a random child order, against the same order eagerly. Largest absolute weight difference.
2. ``rates``: images/s of standalone and supernet training (bf16 autocast, channels_last, batch 256),
   eager against graph replay; the memory the 64 graphs hold.
3. ``pipeline``: the pipeline's own path (``Loop``, ``train.cuda_graphs`` on against off): weights after two
   epochs in fp32 (deterministic), of a supernet and of child 243 alone; images/s of each one's third epoch in bf16;
4. ``streams``: aggregate images/s of S independent standalone networks (S = 1, 2, 4, 8), each replaying
   its own graph on its own CUDA stream from one process;
5. ``chunk``: a ground-truth chunk of 8 children through the pipeline's ``run_loops``, one after another
   against interleaved on 8 streams (``train.streams``): bitwise in fp32, images/s in bf16;
6. ``kernels``: the ten kernels with the most device time over 20 eager supernet steps, and kernels per step.
"""

import argparse
import contextlib
import json
import os
import random
import time
from pathlib import Path

os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # before cuBLAS starts: deterministic GEMMs

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from bench.timing import _sync, timed  # noqa: E402
from wsnas import config  # noqa: E402
from wsnas.core.model import WeightSharingNet  # noqa: E402
from wsnas.core.space import CHILD_IDS, child_index  # noqa: E402

SIZES = {"gpu": {"model": [], "batch": 256, "resolution": 32, "steps": 100, "bitwise_steps": 24},
         "dry-run": {"model": ["model.stem_channels=8", "model.stem_convs=1", "model.cell_channels=4",
                               "model.num_cells=2"], "batch": 8, "resolution": 8, "steps": 3, "bitwise_steps": 4}}
WARM = 3  # eager steps before capture: cuDNN's choices, the momentum buffers, the allocator's pool


class Net:
    """One network, its SGD and, on CUDA, one graph per child."""

    def __init__(self, size, device, precision, seed=0):
        s = SIZES[size]
        cfg = config.load(None, [*s["model"], "train.lr=0.1"])
        torch.manual_seed(seed)
        self.model = WeightSharingNet(cfg["model"], cfg["sharing"]).to(device, memory_format=torch.channels_last)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-3, foreach=True)
        self.device, self.bf16 = device, precision == "bf16"
        self.x = torch.zeros(s["batch"], 3, s["resolution"], s["resolution"], device=device).contiguous(
            memory_format=torch.channels_last)
        self.y = torch.zeros(s["batch"], dtype=torch.long, device=device)
        self.graphs, self.losses = {}, {}

    def _step(self, child):
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16, cache_enabled=False):
            loss = F.cross_entropy(self.model(self.x, child), self.y)
        loss.backward()
        self.opt.step()
        return loss.detach()

    def eager(self, child, x, y):
        self.x.copy_(x)
        self.y.copy_(y)
        self.opt.zero_grad(set_to_none=True)
        return self._step(child)

    def capture(self, children, pool=None):
        """One graph per child; all of them in ``pool`` (default: a new one shared by these graphs)."""
        pool = pool or torch.cuda.graph_pool_handle()
        for child in children:
            self.opt.zero_grad(set_to_none=True)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph, pool=pool):
                self.losses[child] = self._step(child)
            self.graphs[child] = graph
        self.opt.zero_grad(set_to_none=True)
        return pool

    def replay(self, child, x, y):
        self.x.copy_(x, non_blocking=True)
        self.y.copy_(y, non_blocking=True)
        self.graphs[child].replay()
        return self.losses[child]


def _batches(size, device, n, seed=0):
    s = SIZES[size]
    g = torch.Generator().manual_seed(seed)
    return [(torch.randn(s["batch"], 3, s["resolution"], s["resolution"], generator=g).to(device),
             torch.randint(0, 10, (s["batch"],), generator=g).to(device)) for _ in range(n)]


def _warm(net, children, batches):
    """Eager steps on a side stream (graph capture's rule), every child once so every momentum buffer exists."""
    side = torch.cuda.Stream() if net.device.type == "cuda" else None
    if side is not None:
        side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side) if side is not None else contextlib.nullcontext():
        for i, child in enumerate(children):
            net.eager(child, *batches[i % len(batches)])
    if side is not None:
        torch.cuda.current_stream().wait_stream(side)


def _largest_difference(a, b) -> float:
    return max(float((x.float() - y.float()).abs().max()) for x, y in zip(a.model.state_dict().values(),
                                                                          b.model.state_dict().values()))


def bitwise(size, device) -> dict:
    """Eager against graph replay, fp32 and deterministic algorithms."""
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    n = SIZES[size]["bitwise_steps"]
    out = {}
    child = child_index("243")
    batches = _batches(size, device, WARM + n, seed=1)
    eager, graphed = Net(size, device, "fp32"), Net(size, device, "fp32")
    for x, y in batches:
        eager.eager(child, x, y)
    _warm(graphed, [child] * WARM, batches[:WARM])
    if device.type == "cuda":
        graphed.capture([child])
        for x, y in batches[WARM:]:
            graphed.replay(child, x, y)
    else:
        for x, y in batches[WARM:]:
            graphed.eager(child, x, y)
    _sync(device)
    out["standalone 243: largest weight difference"] = _largest_difference(eager, graphed)
    children = list(range(len(CHILD_IDS)))
    order = random.Random(7).choices(children, k=3 * len(children))
    batches = _batches(size, device, len(children) + len(order), seed=2)
    eager, graphed = Net(size, device, "fp32"), Net(size, device, "fp32")
    for i, c in enumerate(children):
        eager.eager(c, *batches[i])
    _warm(graphed, children, batches[:len(children)])
    if device.type == "cuda":
        graphed.capture(children)
    for j, c in enumerate(order):
        eager.eager(c, *batches[len(children) + j])
        (graphed.replay if device.type == "cuda" else graphed.eager)(c, *batches[len(children) + j])
    _sync(device)
    out["supernet, 64 graphs in one pool, random order: largest weight difference"] = _largest_difference(eager, graphed)
    out["steps"] = {"standalone": n, "supernet": len(order)}
    torch.backends.cudnn.deterministic = False
    return out


def _rate(fn, steps, batch, device):
    """Images/s of ``fn(i)`` for i < ``steps``, each a step of ``batch`` images, after a warm-up ``fn(0)``."""
    return steps * batch / timed(lambda: [fn(i) for i in range(steps)], device, warm_up=lambda: fn(0))


def rates(size, device) -> dict:
    """Images/s, eager against graph replay, bf16 on CUDA (fp32 on the CPU)."""
    torch.backends.cudnn.benchmark = True
    precision = "bf16" if device.type == "cuda" else "fp32"
    s = SIZES[size]
    batches = _batches(size, device, 8)
    child = child_index("243")
    out = {}
    net = Net(size, device, precision)
    _warm(net, [child], batches)
    out["standalone eager img/s"] = _rate(lambda i: net.eager(child, *batches[i % 8]), s["steps"], s["batch"], device)
    order = random.Random(3).choices(range(len(CHILD_IDS)), k=s["steps"])
    sup = Net(size, device, precision, seed=1)
    _warm(sup, range(len(CHILD_IDS)), batches)
    out["supernet eager img/s"] = _rate(lambda i: sup.eager(order[i], *batches[i % 8]), s["steps"], s["batch"], device)
    if device.type != "cuda":
        return out
    net.capture([child])
    out["standalone graph img/s"] = _rate(lambda i: net.replay(child, *batches[i % 8]), s["steps"], s["batch"], device)
    before = torch.cuda.memory_reserved()
    sup.capture(range(len(CHILD_IDS)))
    torch.cuda.synchronize()
    out["64 graphs: memory reserved by capture (MB)"] = (torch.cuda.memory_reserved() - before) / 2**20
    out["supernet graph img/s"] = _rate(lambda i: sup.replay(order[i], *batches[i % 8]), s["steps"], s["batch"], device)
    out["standalone graph / eager"] = out["standalone graph img/s"] / out["standalone eager img/s"]
    out["supernet graph / eager"] = out["supernet graph img/s"] / out["supernet eager img/s"]
    return out


def _loop(size, device, graphs: bool, precision: str, children=None, epochs=2, folder=None, steps=70):
    """A pipeline ``Loop`` on random CIFAR-sized data, ``steps`` mini-batches an epoch on a GPU (4 on the
    CPU), ``train.cuda_graphs`` on or off; on the CPU, ``on`` is the graphs' bookkeeping with stand-ins
    (``StepGraphs(emulate=True)``)."""
    from bench.speed import random_cifar_like
    from wsnas.data.device_data import DeviceData
    from wsnas.training.graphs import StepGraphs
    from wsnas.training.loop import Loop

    s = SIZES[size]
    steps = steps if size == "gpu" else 4
    cfg = config.load(None, [*s["model"], "data.name=cifar10", f"data.resolution={s['resolution']}",
                             f"train.batch_size={s['batch']}", f"train.epochs={epochs}", f"train.device={device.type}",
                             f"train.precision={precision}", "train.cuda_graphs=" + ("on" if graphs and device.type == "cuda" else "off")])
    test = 2000 if size == "gpu" else 16  # two evaluation batches of 1000 on a GPU
    data = DeviceData(random_cifar_like(steps * s["batch"] + s["batch"] // 2, test), cfg["data"], device, channels_last=True)
    loop = Loop(cfg, data, folder, children=children)
    if graphs and device.type != "cuda":
        loop.method.graphs = StepGraphs(loop.method, emulate=True)
    return loop


def _evaluation(loop, device) -> dict:
    """``evaluate_children`` of all 64 children with ``evaluate.cuda_graphs`` on against off (fp32, running
    BN): the largest difference of accuracy and loss, and child-images/s of each after a warm-up call."""
    from wsnas.training.evaluate import EvalGraphs, _evaluate_shared

    model, data = loop.method.model, loop.data
    graphs = EvalGraphs.of(model, emulate=device.type != "cuda")
    out, results = {}, {}
    for label, g in (("eager", None), ("graphs", graphs)):
        def evaluate(label=label, g=g):  # the warm-up call captures the graph
            results[label] = _evaluate_shared(model, data, range(64), 1000, False, "fp32", graphs=g)
        out[f"evaluation of 64 children, {label}: child-img/s (fp32)"] = 64 * len(data.test_y) / timed(evaluate, device)
    out["evaluation of 64 children: largest accuracy and loss difference"] = max(
        float((a - b).abs().max()) for a, b in zip(results["eager"], results["graphs"]))
    return out


class _Clock:
    """Seconds of each run of a part, printed as each ends (a check cut short shows where its time went)."""

    def __init__(self, part):
        self.part, self.seconds, self.start = part, {}, time.perf_counter()

    def lap(self, label):
        now = time.perf_counter()
        self.seconds[label] = now - self.start
        print(f"  {self.part}: {label}: {self.seconds[label]:.1f} s", flush=True)
        self.start = now


#: Mini-batches an epoch of the pipeline's runs on a GPU: the supernet's bitwise run passes about twice over
#: the 64 children in two epochs (each child's first step captures, the later ones replay), the timed runs
#: time their third epoch, every graph captured before it.
PIPELINE_STEPS = {"bitwise": {"supernet": 64, "standalone 243": 12}, "timed": {"supernet": 70, "standalone 243": 40}}


def pipeline(size, device) -> dict:
    """``train.cuda_graphs`` on against off through ``Loop``: bitwise in fp32, images/s in bf16 (CUDA)."""
    out, clock = {}, _Clock("pipeline")
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False
    for label, children in (("supernet", None), ("standalone 243", [child_index("243")])):
        states = []
        for graphs in (False, True):
            loop = _loop(size, device, graphs, "fp32", children, steps=PIPELINE_STEPS["bitwise"][label])
            loop.train_epoch()
            loop.train_epoch()
            states.append(loop.method.model.state_dict())
            if graphs:
                out[f"{label}: graphs captured"] = len(loop.method.graphs.graphs)
            clock.lap(f"{label}, fp32, {'graphs' if graphs else 'eager'}")
        out[f"{label}: largest weight difference after 2 epochs (fp32)"] = max(
            float((a.double() - b.double()).abs().max()) for a, b in zip(states[0].values(), states[1].values()))
        if children is None:  # the trained supernet's evaluation of all 64 children, graphs against eager
            out.update(_evaluation(loop, device))
            clock.lap("evaluation")
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = False, True
    precision = "bf16" if device.type == "cuda" else "fp32"
    for label, children in (("supernet", None), ("standalone 243", [child_index("243")])):
        rates = {}
        for graphs in (False, True):
            loop = _loop(size, device, graphs, precision, children, epochs=3, steps=PIPELINE_STEPS["timed"][label])
            loop.train_epoch()
            loop.train_epoch()
            rates[graphs] = loop.train_epoch()["images_per_s"]  # the third epoch: every graph captured before
            clock.lap(f"{label}, {precision}, {'graphs' if graphs else 'eager'}")
        out[f"{label}: epoch img/s eager, graphs ({precision})"] = [rates[False], rates[True]]
        out[f"{label}: graphs / eager"] = rates[True] / rates[False]
    out["seconds"] = clock.seconds
    return out


#: The chunk's runs on a GPU: mini-batches an epoch (two epochs each) of the bitwise and of the timed runs.
CHUNK_STEPS = {"bitwise": 8, "timed": 40}


def chunk(size, device) -> dict:
    """A ground-truth chunk of 8 children through ``run_loops`` (checkpoints included), one after another
    against interleaved on 8 CUDA streams (``train.streams``), with graphs: bitwise in fp32, images/s in
    bf16, each timed run after an untimed one of the same kind (cuDNN's choices, the streams' pools)."""
    import tempfile

    from wsnas.training.stacked import run_loops

    children = [child_index(c) for c in ("111", "124", "243", "314", "342", "423", "431", "444")][:8 if size == "gpu" else 2]
    n, clock = len(children), _Clock("chunk")

    def train(streams, precision, folder, steps, note=""):
        loops = [_loop(size, device, True, precision, [c], folder=folder / str(i), steps=steps)
                 for i, c in enumerate(children)]
        seconds = timed(lambda: run_loops(loops, False, streams=streams), device, warm_up=lambda: None)
        clock.lap(f"{streams} stream(s), {precision}, {steps} steps an epoch{note}")
        return loops, sum(loop.epoch * loop.data.n_train for loop in loops) / seconds

    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False
        alone, _ = train(1, "fp32", tmp / "a", CHUNK_STEPS["bitwise"])
        together, _ = train(n, "fp32", tmp / "b", CHUNK_STEPS["bitwise"])
        out[f"{n} children: largest weight difference, {n} streams against one after another (fp32)"] = max(
            float((x.double() - y.double()).abs().max()) for a, b in zip(alone, together)
            for x, y in zip(a.method.model.state_dict().values(), b.method.model.state_dict().values()))
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = False, True
        precision = "bf16" if device.type == "cuda" else "fp32"
        rates = []
        for streams in (1, n):
            train(streams, precision, tmp / f"w{streams}", CHUNK_STEPS["bitwise"], ", warm-up")
            rates.append(train(streams, precision, tmp / f"r{streams}", CHUNK_STEPS["timed"])[1])
    out[f"{n} children: img/s one after another, {n} streams ({precision})"] = rates
    out[f"{n} children: {n} streams / one after another"] = rates[1] / rates[0]
    out["seconds"] = clock.seconds
    return out


def streams(size, device, counts=(1, 2, 4, 8)) -> dict:
    """Aggregate images/s of S standalone networks, each replaying its graph on its own stream."""
    if device.type != "cuda":
        return {}
    s = SIZES[size]
    batches = _batches(size, device, 8)
    child = child_index("243")
    out = {}
    for count in counts:
        nets = [Net(size, device, "bf16", seed=k) for k in range(count)]
        lanes = [torch.cuda.Stream() for _ in nets]
        for net, lane in zip(nets, lanes):
            _warm(net, [child], batches)
            net.capture([child])
        torch.cuda.synchronize()

        def step(i):
            for net, lane in zip(nets, lanes):
                lane.wait_stream(torch.cuda.current_stream())
                with torch.cuda.stream(lane):
                    net.replay(child, *batches[i % 8])
            for lane in lanes:
                torch.cuda.current_stream().wait_stream(lane)

        out[f"{count} streams: img/s (all networks)"] = _rate(step, s["steps"], s["batch"] * count, device)
        del nets
        torch.cuda.empty_cache()
    return out


def kernels(size, device, steps=20, top=10) -> dict:
    """The ``top`` kernels by device time over ``steps`` eager supernet steps (bf16 on CUDA; on the CPU, the
    operators by CPU time): each one's share of the profiled time, and its calls per step."""
    from torch.profiler import ProfilerActivity, profile

    cuda = device.type == "cuda"
    batches = _batches(size, device, 8)
    order = random.Random(5).choices(range(len(CHILD_IDS)), k=steps)
    net = Net(size, device, "bf16" if cuda else "fp32")
    _warm(net, range(len(CHILD_IDS)), batches)
    _sync(device)
    with profile(activities=[ProfilerActivity.CUDA if cuda else ProfilerActivity.CPU]) as prof:
        for i, child in enumerate(order):
            net.eager(child, *batches[i % 8])
        _sync(device)
    field = "self_device_time_total" if cuda else "self_cpu_time_total"
    events = [e for e in prof.key_averages() if getattr(e, field) > 0 and (not cuda or e.device_type.name == "CUDA")]
    total = sum(getattr(e, field) for e in events)
    out = {}
    for e in sorted(events, key=lambda e: getattr(e, field), reverse=True)[:top]:
        out[f"{e.key[:70]}: share of device time"] = getattr(e, field) / total
        out[f"{e.key[:70]}: calls per step"] = e.count / steps
    out["kernels per step"] = sum(e.count for e in events) / steps
    return out


PARTS = (("bitwise", bitwise), ("rates", rates), ("pipeline", pipeline), ("streams", streams), ("chunk", chunk),
         ("kernels", kernels))


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.cuda_graphs", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("json", type=Path)
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    size = "dry-run" if args.dry_run else "gpu"
    device = torch.device("cpu" if args.dry_run or not torch.cuda.is_available() else "cuda")
    record = {"device": torch.cuda.get_device_name() if device.type == "cuda" else "cpu", "torch": torch.__version__,
              "errors": {}}
    start = time.perf_counter()
    for name, fn in PARTS:
        try:
            record[name] = fn(size, device)
        except Exception as e:  # noqa: BLE001 - record it and go on
            record["errors"][name] = f"{type(e).__name__}: {e}"
        record["seconds"] = time.perf_counter() - start
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(record, indent=1))
        print(f"[{record['seconds']:6.0f} s] {name}: {json.dumps(record.get(name), indent=None)}", flush=True)
    return record


if __name__ == "__main__":
    main()
