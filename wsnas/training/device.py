"""Where and in what precision the computation runs: device choice, memory format, autocast, TF32."""

import torch

from wsnas.errors import WsnasError


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise WsnasError(f"config key train.device={name!r}: no CUDA device here; use auto or cpu")
    return device


def channels_last_enabled(setting: str, device: torch.device) -> bool:
    """``auto``: on (about 1.5x faster on CPU for these convolutions, and helps cuDNN)."""
    return setting not in ("off", False)


def resolved_precision(setting: str, device: torch.device) -> str:
    """``auto``: bf16 autocast on CUDA, fp32 elsewhere (CPUs without bf16 units gain nothing)."""
    if setting == "auto":
        return "bf16" if device.type == "cuda" else "fp32"
    return setting


def set_tf32(setting: str, device: torch.device) -> None:
    """TF32 matmuls and convolutions on for ``tf32`` and ``bf16``, off for ``fp32`` (CUDA only)."""
    if device.type == "cuda":
        on = resolved_precision(setting, device) != "fp32"
        torch.backends.cuda.matmul.allow_tf32 = on
        torch.backends.cudnn.allow_tf32 = on


def precision_context(setting: str, device: torch.device, cache: bool = True):
    """Autocast for ``bf16``; a no-op for ``fp32`` and ``tf32`` (tf32 is the backend switch
    ``set_tf32``). Weights, optimiser state and BN statistics stay fp32 in every mode. ``cache=False``
    recasts the weights at every use (the same values), as a CUDA graph's capture must."""
    bf16 = resolved_precision(setting, device) == "bf16"
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16, cache_enabled=cache)


def stacked_enabled(setting: str, device: torch.device) -> bool:
    """``auto``: one network at a time on every device. Measured side by side (``python -m bench``, paper
    network, batch 256): stacking K = 64 children was 0.84x as fast as one at a time on an H200 (bf16) and
    stacking K = 2 0.38x on a 2-core CPU (grouped convolutions are slower than plain ones)."""
    del device  # the measured choice is the same on both kinds of device
    return setting in ("on", True)


def compile_enabled(setting) -> bool:
    """``train.compile``: off by default. Measured on the 2-core CPU (paper network, batch 256): compiling
    the parts made supernet training 0.79x and one child's training 0.88x as fast (oneDNN's convolutions
    stay the same, and the fused ReLU/BN loops are slower than ATen's); compiling whole cells was 0.9x
    after 30 s of compilation. On a GPU, ``python -m bench`` measures it (the case "compiled vs eager")."""
    return setting in ("on", True)
