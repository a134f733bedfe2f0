"""DI-NAS: disturbance-immune weight sharing (Niu et al. 2020, Sec. 4.1, Algorithm 1).

Each shared layer's loss gradient is projected before the optimiser step, ``W <- W - eta P grad`` (Eq. 6),
with ``P = I - X (lambda I + X^T X)^-1 X^T`` (Eq. 7) built from the inputs X that the layer saw in earlier
steps, so that a step changes the layer's outputs on those inputs little. Eq. 8 is the same matrix updated
one input at a time; this module keeps the information form ``A = sum x x^T`` in float64 per layer and
computes ``G P = lambda G (lambda I + A)^-1`` by a Cholesky solve (identical to Eqs. 7-8, ``tests/test_di_nas.py``).

Order (Alg. 1, lines 9-10): project with the P of earlier steps, step, then fold this step's inputs into A.
Layers: every convolution weight, over its unfolded input patch (one matrix per group for depthwise
convolutions), and the classifier with its bias folded in as a constant input 1; BN parameters are not
projected. Options (config section ``method``), the paper's values by default where it gives one:
- ``lambda`` (1.0; ``.inf``: no projection while A still accumulates, the baseline's weights exactly);
- ``input``: what one recorded "sample" x is for a convolution, which the paper leaves open:
  ``positions`` (the batch-mean input map, unfolded at every output position, as the OWM code the paper
  builds on) or ``mean`` (one vector per step: the batch- and position-mean patch);
- ``control``: ``none`` or ``isotropic``, the norm-matched control: each layer steps along its plain
  gradient scaled to the projected gradient's norm, so that a better ranking cannot be credited to
  disturbance immunity when it comes from a shrinking step (see ``../shared/specs/di-nas.md``, Sec. 6);
- ``exclude_self`` (false): whether the current child's own earlier inputs count among "previous
  architectures" (Eq. 4 read strictly: ``P_child = lambda (lambda I + A - A_child)^-1``, which keeps one
  more matrix per child and layer).
Momentum and weight decay stay the optimiser's, outside the projection. Only train-mode forward passes with
gradients record inputs: evaluation never changes A.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from wsnas.errors import WsnasError
from wsnas.methods.di_nas import DECLARATION
from wsnas.methods.single_path.trainer import SinglePath
from wsnas.training.device import compile_enabled


def projected(grad: torch.Tensor, gram: torch.Tensor, lam: float) -> torch.Tensor:
    """``G P`` with ``P = lambda (lambda I + A)^-1``: ``grad`` (groups, rows, d), ``gram`` A (groups, d, d)
    in float64; returns float64 (groups, rows, d)."""
    d = gram.shape[-1]
    eye = torch.eye(d, dtype=gram.dtype, device=gram.device)
    factor = torch.linalg.cholesky(lam * eye + gram)
    return lam * torch.cholesky_solve(grad.to(gram.dtype).transpose(1, 2), factor).transpose(1, 2)


def batch_mean(x: torch.Tensor) -> torch.Tensor:
    """The float32 mean over the batch, keeping it as a batch of one; a channels_last map is averaged as the
    rows of its NHWC memory (PyTorch's strided reduction over dim 0 of that layout is about 10x slower)."""
    if x.dim() == 4 and not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last):
        nhwc = x.permute(0, 2, 3, 1)
        return nhwc.reshape(x.shape[0], -1).float().mean(0).reshape(1, *nhwc.shape[1:]).permute(0, 3, 1, 2)
    return x.float().mean(0, keepdim=True)


class LayerGram:
    """The recorded-input matrix A of one layer (per group), and this step's inputs."""

    def __init__(self, module: nn.Module, mode: str, per_child: bool = False):
        self.module, self.mode, self.per_child = module, mode, per_child
        if isinstance(module, nn.Conv2d):
            self.groups = module.groups
            self.d = module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]
        else:
            self.groups, self.d = 1, module.in_features + (module.bias is not None)
        self.gram = torch.zeros(self.groups, self.d, self.d, dtype=torch.float64, device=module.weight.device)
        self.inputs: list[torch.Tensor] = []
        #: With ``exclude_self``: each child's own share of A (children that have used this layer).
        self.own: dict[int, torch.Tensor] = {}

    def record(self, x: torch.Tensor) -> None:
        """This step's recorded columns U (groups, d, K) from the layer's input batch ``x``."""
        mean = batch_mean(x.detach())
        m = self.module
        if isinstance(m, nn.Conv2d):
            u = F.unfold(mean, m.kernel_size, m.dilation, m.padding, m.stride)[0]  # (in * kh * kw, positions)
            if self.mode == "mean":
                u = u.mean(1, keepdim=True)
            u = u.reshape(self.groups, self.d, -1)
        else:
            u = mean.reshape(-1, 1)
            if m.bias is not None:
                u = torch.cat([u, torch.ones(1, 1, device=u.device)])
            u = u[None]
        self.inputs.append(u.to(torch.float64))

    def gradient(self) -> torch.Tensor | None:
        """The loss gradient as (groups, rows, d), the bias as the last column; None without one."""
        m = self.module
        if m.weight.grad is None:
            return None
        g = m.weight.grad.reshape(self.groups, m.weight.shape[0] // self.groups, -1)
        if isinstance(m, nn.Linear) and m.bias is not None:
            g = torch.cat([g, m.bias.grad.reshape(1, -1, 1)], dim=2)
        return g

    def set_gradient(self, g: torch.Tensor) -> None:
        m = self.module
        if isinstance(m, nn.Linear) and m.bias is not None:
            m.bias.grad.copy_(g[..., -1].reshape(m.bias.shape))
            g = g[..., :-1]
        m.weight.grad.copy_(g.reshape(m.weight.shape))

    def others(self, child: int) -> torch.Tensor:
        """The A that projects ``child``'s gradient: all recorded inputs, or (``exclude_self``) all but its own."""
        own = self.own.get(child)
        return self.gram if own is None else self.gram - own

    def fold(self, child: int) -> None:
        """A += U U^T for this step's inputs (and the child's own share, with ``exclude_self``), which are
        then dropped."""
        for u in self.inputs:
            outer = u @ u.transpose(1, 2)
            self.gram += outer
            if self.per_child:
                self.own.setdefault(child, torch.zeros_like(self.gram)).add_(outer)
        self.inputs.clear()

    def diagnostics(self, lam: float) -> tuple[float, float]:
        """tr(P)/d and the smallest eigenvalue of P (over the groups)."""
        eig = torch.linalg.eigvalsh(self.gram)  # P's eigenvalues are lambda / (lambda + eig(A))
        p = lam / (lam + eig) if math.isfinite(lam) else torch.ones_like(eig)
        return float(p.mean()), float(p.min())


class DINAS(SinglePath):
    """Single-path training whose shared layers step along their projected gradients (Eq. 6-8)."""

    DECLARATION = DECLARATION
    stackable = False  # forward hooks record inputs; stacked execution runs no hooks

    def __init__(self, cfg: dict, data, children, sampler=None):
        super().__init__(cfg, data, children, sampler)
        o = self.options
        self.lam = float(o["lambda"])
        if compile_enabled(cfg["train"]["compile"]):
            raise WsnasError("config key train.compile=on: DI-NAS records layer inputs with forward hooks; set it off")
        self.control = o["control"]
        self.resume_only = ("own_grams",) if o["exclude_self"] else ()
        self._shares_missing = None  # the checkpoint a resume read without the per-child shares
        self.layers = {name: LayerGram(m, o["input"], o["exclude_self"]) for name, m in self.model.named_modules()
                       if isinstance(m, (nn.Conv2d, nn.Linear))}
        self.kinds = {name: _kind(name, layer) for name, layer in self.layers.items()}  # the diagnostics' groups
        for layer in self.layers.values():
            layer.module.register_forward_pre_hook(self._recorder(layer))
        self._ratio_sum, self._ratio_n = {}, {}

    @staticmethod
    def _recorder(layer: LayerGram):
        def hook(module, args):
            if module.training and torch.is_grad_enabled():
                layer.record(args[0])
        return hook

    def new_epoch(self, epoch: int) -> dict:
        self._ratio_sum, self._ratio_n = {}, {}
        return super().new_epoch(epoch)

    def after_backward(self, child: int) -> None:
        """Project each recorded layer's gradient with the P of earlier steps (or, as the control, rescale
        it to that norm), then fold this step's inputs into A (Alg. 1, lines 9-10)."""
        if self._shares_missing:
            raise WsnasError(f"checkpoint {self._shares_missing} holds no per-child input matrices (method.exclude_self; "
                             "only the newest two checkpoints keep them); delete the checkpoint folder to train this run from scratch")
        for name, layer in self.layers.items():
            if not layer.inputs:
                continue
            g = layer.gradient()
            if g is not None and math.isfinite(self.lam):
                gp = projected(g, layer.others(child), self.lam)
                norm, projected_norm = g.to(torch.float64).norm(), gp.norm()
                # a device tensor: the step never waits for the device (a CUDA graph could hold it)
                ratio = torch.where(norm > 0, projected_norm / norm, 1.0)
                kind = self.kinds[name]
                self._ratio_sum[kind] = self._ratio_sum.get(kind, 0.0) + ratio
                self._ratio_n[kind] = self._ratio_n.get(kind, 0) + 1
                layer.set_gradient(gp if self.control == "none" else g.to(torch.float64) * ratio)
            layer.fold(child)

    def end_epoch(self) -> dict:
        """Per layer kind: the mean ||G P|| / ||G|| over the epoch's steps, tr(P)/d and the smallest
        eigenvalue of P (with lambda = 1 the spec predicts the effective step collapses: logged, not hidden)."""
        out = {f"dinas_ratio_{k}": float(s) / self._ratio_n[k] for k, s in self._ratio_sum.items()}
        kinds = {}
        for name, layer in self.layers.items():
            kinds.setdefault(self.kinds[name], []).append(layer.diagnostics(self.lam))
        for kind, values in kinds.items():
            out[f"dinas_trace_{kind}"] = sum(v[0] for v in values) / len(values)
            out[f"dinas_min_eig_{kind}"] = min(v[1] for v in values)
        return out

    def state_dict(self) -> dict:
        return {**super().state_dict(), "grams": {name: layer.gram for name, layer in self.layers.items()},
                "own_grams": {name: dict(layer.own) for name, layer in self.layers.items() if layer.own}}

    def load_state_dict(self, state: dict, source) -> None:
        super().load_state_dict(state, source)
        grams = state.get("grams")
        if grams is None or set(grams) != set(self.layers):
            raise WsnasError(f"checkpoint {source} holds no DI-NAS input matrices for this network; "
                             "pass the config it was trained with (config key method)")
        own = state.get("own_grams", {})
        self._shares_missing = source if self.resume_only and "own_grams" not in state else None
        for name, layer in self.layers.items():
            layer.gram.copy_(grams[name])
            layer.own = {int(c): a.to(layer.gram.device).clone() for c, a in own.get(name, {}).items()}


def _kind(name: str, layer: LayerGram) -> str:
    """The diagnostics' layer kinds: stem, preprocess, depthwise, pointwise, head."""
    if isinstance(layer.module, nn.Linear):
        return "head"
    if "stem" in name:
        return "stem"
    if "preprocess" in name:
        return "preprocess"
    return "depthwise" if layer.groups > 1 else "pointwise"
