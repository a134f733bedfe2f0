"""Several independent networks trained by one process, their steps interleaved, each network on its own
CUDA stream (``train.streams``): the ground truth's children, the groups of group sharing and the
instances of a run packed into one job (``wsnas.plan.packs``).

On a GPU the paper network's kernels are too small to fill the device, and with whole-step CUDA graphs
(``wsnas.training.graphs``) the host enqueues a step in far less time than the GPU runs it, so steps of
independent networks on separate streams overlap. Measured with graphs on one H200 (bench/cuda_graphs.py,
2026-12-04, one child per network, bf16, batch 256): 33,109 img/s for one stream, 40,754 for 2, 44,777 for
4 and 46,120 for 8. Everything a network does (its batches and their augmentation, its steps, statistics,
evaluation and checkpoints) runs on its own stream, and each network's computation is the one it would do
alone, so the results are those of training the networks one after another (tests/test_streams.py). On
other devices the steps interleave without streams, with the same results and no gain.
"""

import contextlib

import torch


def streams_enabled(setting: int, device: torch.device) -> int:
    """``train.streams``: how many networks one process trains at once on a CUDA device; 1 elsewhere,
    where interleaving gains nothing."""
    return int(setting) if device.type == "cuda" else 1


def _lane(loop):
    device = loop.data.device
    return torch.cuda.Stream(device) if device.type == "cuda" else None


def _on(lane):
    return torch.cuda.stream(lane) if lane is not None else contextlib.nullcontext()


def run_interleaved(loops, after_epoch=None):
    """Train every loop to its ``train.epochs`` (each resumes from its own checkpoints first), one step of
    each in turn, each loop on its own CUDA stream."""
    loops = list(loops)
    lanes = [_lane(loop) for loop in loops]
    for lane in lanes:
        if lane is not None:  # the weights were made on the current stream
            lane.wait_stream(torch.cuda.current_stream(lane.device))
    running = [(lane, loop.training_steps(after_epoch)) for lane, loop in zip(lanes, loops)]
    while running:
        for entry in list(running):
            lane, steps = entry
            with _on(lane):
                if next(steps, StopIteration) is StopIteration:
                    running.remove(entry)
    for lane in lanes:
        if lane is not None:
            torch.cuda.current_stream(lane.device).wait_stream(lane)
    return loops
