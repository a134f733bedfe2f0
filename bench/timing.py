"""Timing on a device: wall seconds per call after a warm-up, with the device synchronised around it (one
home for ``python -m bench``, the demo's timing and the GPU check)."""

import time

import torch


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def timed(fn, device, repeat=1, warm_up=None):
    """Seconds per call of ``fn``, after one warm-up call (cuDNN autotuning and oneDNN primitive
    creation for every shape and operation, allocator growth)."""
    (warm_up or fn)()
    _sync(device)
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    _sync(device)
    return (time.perf_counter() - start) / repeat
