"""DARTS on the 64-child space: first order, second order (Liu et al. 2019, Sec. 2.3, Eq. 7-8) and amended
gradients (Bi et al. 2019, "Stabilizing DARTS with amended gradient estimation on architectural parameters",
Sec. 3.3-3.4, Eq. 5-6, App. A.1-A.2; ``../shared/specs/amended-darts.md``).

One architecture parameter alpha (3 edges x 4 operations), shared by the four cells, starts at 0 ("all
operators are assigned equal weights on each edge", Bi et al. Sec. 4.1.1); the supernet runs the continuous
relaxation ``WeightSharingNet.forward_weighted(x, softmax(alpha))`` (Eq. 1). The training set is split in two
(the loop's ``valid_fraction``: the first part trains the weights omega, the rest alpha). Every step, in the
order of DARTS' ``cnn/train_search.py`` (quark0/darts):

1. the alpha step on the validation batch and, for the Hessian terms, the step's training batch: alpha.grad = g,
   one Adam step (lr 3e-4, betas (0.5, 0.999), weight decay 1e-3);
2. the omega step on the training batch with the new alpha: SGD with the baseline's settings (``train.lr``
   annealed by a cosine per epoch to ``train.lr_min``, ``train.momentum``, ``train.weight_decay``), the
   gradient norm clipped at ``method.grad_clip`` (DARTS: 5).

The alpha gradient g, with ``g1 = grad_alpha L_val(omega, alpha)``, ``v = grad_omega L_val(omega, alpha)``,
``H = hess_omega L_train`` and ``M v = grad_alpha (grad_omega L_train . v)`` (Bi et al.'s ``hess_alpha,omega``):

- ``first_order``: g = g1;
- ``amended`` (Eq. 6): g = g1 + g2' with g2' = -eta M H v, every term at the current omega (no unrolling: "we
  replace omega*(alpha) with the current omega^est"); eta = 0 is first-order DARTS;
- ``second_order`` (DARTS Eq. 7-8, ``cnn/architect.py``): omega' = omega - xi (mu buf + grad_omega L_train + wd
  omega) with xi the current omega learning rate and buf the SGD momentum buffer; g = grad_alpha L_val(omega',
  alpha) - xi M v' with v' = grad_omega' L_val(omega', alpha), M taken around the original omega.

Hessian products (``method.hvp``): ``exact`` double backward (the default: no step-size artefacts), or ``fd``,
central finite differences of first-order gradients with the step ``R = fd_r / ||vector||`` as in DARTS. Bi et
al.'s App. A.2 prints the amended finite differences wrongly (the last difference is of grad_omega L_val, in
omega-space, with the un-normalised H v as its step); this module computes the corrected recipe of the spec
(Sec. 1.3): u = [grad_omega L_train(omega + R1 v) - grad_omega L_train(omega - R1 v)] / (2 R1), then
M u = [grad_alpha L_train(omega + R2 u) - grad_alpha L_train(omega - R2 u)] / (2 R2). The weights are restored
from a saved copy, not by adding back (which accumulates rounding).

The alpha step runs in fp32 without autocast or TF32 (finite differences and Hessian products degrade in bf16)
and never compiled (double backward is not supported by AOTAutograd); the BN running statistics are saved and
restored around it (``alpha_bn: restore``; DARTS lets its extra passes update them, ``update``), so only the
omega step's forward moves them. The Hessian terms are of the data cross-entropy alone (as DARTS); with
``hessian_wd`` the amended H also holds the weight decay (H + wd I).

Options (config section ``method``):
- ``variant`` (``amended``): ``first_order``, ``second_order`` or ``amended``;
- ``eta`` (0.1, Bi et al. Sec. 4.1.1): the amending coefficient (``amended`` only);
- ``hvp`` (``exact``) and ``fd_r`` (0.01, DARTS' r): how Hessian products are computed;
- ``hessian_wd`` (false): add ``train.weight_decay`` times the identity to the amended H;
- ``valid_fraction`` (0.5): the share of the training set that trains alpha (DARTS: half);
- ``alpha_lr`` (3e-4), ``alpha_beta1`` (0.5), ``alpha_beta2`` (0.999), ``alpha_weight_decay`` (1e-3): Adam;
- ``alpha_init`` (``zeros``; ``randn``: DARTS' 1e-3 standard normal, drawn after the network under
  ``train.init_seed``);
- ``alpha_bn`` (``restore``) as above; ``grad_clip`` (5.0, DARTS; 0: none) on the omega gradient norm;
- ``g2_cosine`` (false): after every epoch, on the epoch's last batches, the cosine between the amended
  direction -M H v (and DARTS' -M v) and the exact g2 = -M H^+ v with the full Hessian (pseudo-inverse: H of a
  network with BN is singular); only for networks of at most ``COSINE_MAX_WEIGHTS`` weights. A diagnostic: Bi
  et al.'s claim that this angle stays below 90 degrees does not hold in general (spec Sec. 1.4).

Per epoch the record holds ``alpha_softmax_e<e>_k<k>`` and ``alpha_raw_e<e>_k<k>`` (edge e = 0..2 in digit
order, operation k = 0..3, the child digit k + 1), ``argmax_child`` (the derived architecture, e.g. '241'),
the epoch means ``darts_valid_loss``, ``darts_g1_norm`` and ``darts_g2_norm`` (the norm of the second term as
applied: -eta M H v, -xi M v', or 0) and, with ``g2_cosine``, ``darts_g2_cosine`` and
``darts_g2_identity_cosine``.

``StepResult.child`` is the argmax child at the epoch's start (a step trains every operation; no host sync
per step). ``rank`` scores the children by their inherited weights (``evaluate_children``, under
``evaluate.bn_mode``); ``alpha_scores`` is the alpha ranking (score = sum of the child's alpha entries, the
order of the product of its per-edge softmaxes); ``pick`` is the argmax of alpha, whatever the scores.
"""

import math
from contextlib import contextmanager

import torch
import torch.nn.functional as F

from wsnas.core.space import CHILD_IDS, OPERATIONS, children_or_all, parse_child
from wsnas.errors import WsnasError
from wsnas.methods.darts import DECLARATION
from wsnas.training.device import compile_enabled, precision_context
from wsnas.training.evaluate import evaluate_children
from wsnas.methods.protocol import Method, StepResult, seeded_network, sgd
from wsnas.training.schedule import cosine_lr

N_EDGES, N_OPS = 3, len(OPERATIONS)
#: ``g2_cosine`` forms the full Hessian: refused above this many weights.
COSINE_MAX_WEIGHTS = 5000
#: Each child's operation per edge, (64, 3).
_CHILD_OPS = torch.tensor([parse_child(c) for c in CHILD_IDS])


# -- the architecture: scores, argmax, records ------------------------------------------------------------------
def alpha_scores(alpha) -> torch.Tensor:
    """The alpha ranking: each of the 64 children's score is the sum of its alpha entries,
    ``sum_e alpha[e, k_e]`` (the order of ``prod_e softmax(alpha_e)[k_e]``: log-softmax differs from alpha by a
    per-edge constant). Float64, in ``CHILD_IDS`` order; the argmax child scores highest."""
    a = torch.as_tensor(alpha).detach().to("cpu", torch.float64).reshape(N_EDGES, N_OPS)
    return a[torch.arange(N_EDGES), _CHILD_OPS].sum(1)


def argmax_child(alpha) -> int:
    """The derived architecture (an index into ``CHILD_IDS``): the largest alpha on every edge (the first of
    equal ones)."""
    k = torch.as_tensor(alpha).detach().cpu().reshape(N_EDGES, N_OPS).argmax(1).tolist()
    return N_OPS * N_OPS * k[0] + N_OPS * k[1] + k[2]


def alpha_record(alpha) -> dict:
    """The epoch record's alpha entries: per-edge softmax and raw alpha, and the argmax child's id."""
    a = torch.as_tensor(alpha).detach().to("cpu", torch.float64).reshape(N_EDGES, N_OPS)
    p = torch.softmax(a, dim=1)
    out = {f"alpha_softmax_e{e}_k{k}": float(p[e, k]) for e in range(N_EDGES) for k in range(N_OPS)}
    out |= {f"alpha_raw_e{e}_k{k}": float(a[e, k]) for e in range(N_EDGES) for k in range(N_OPS)}
    return {**out, "argmax_child": CHILD_IDS[argmax_child(a)]}


def alpha_from_record(record: dict) -> torch.Tensor:
    """The raw alpha (3 x 4, float64) of an epoch record (``alpha_record``)."""
    return torch.tensor([[record[f"alpha_raw_e{e}_k{k}"] for k in range(N_OPS)] for e in range(N_EDGES)],
                        dtype=torch.float64)


# -- hypergradient pieces: pure functions of a loss closure and parameter lists ------------------------------
# ``loss_fn()`` computes a scalar loss from the current values of ``weights`` and ``alpha`` (tensors that
# require gradients); vectors are lists of tensors shaped like ``weights`` (or a tensor shaped like ``alpha``).
def _grads(outputs, inputs, grad_outputs=None, **kw) -> list[torch.Tensor]:
    """``torch.autograd.grad`` with zeros for inputs the outputs do not depend on."""
    got = torch.autograd.grad(outputs, inputs, grad_outputs, allow_unused=True, **kw)
    return [torch.zeros_like(x) if g is None else g for g, x in zip(got, inputs)]


def _norm(vector) -> torch.Tensor:
    return torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(t) for t in vector]))


def first_order_terms(val_loss, weights, alpha):
    """(L_val, g1, v): the validation loss, its alpha gradient and its weight gradient, one backward."""
    loss = val_loss()
    g1, *v = _grads(loss, [alpha, *weights])
    return loss.detach(), g1, v


@contextmanager
def restored(tensors):
    """``tensors`` restored exactly from saved copies on exit (not by adding back, which accumulates rounding)."""
    saved = [t.detach().clone() for t in tensors]
    try:
        yield
    finally:
        with torch.no_grad():
            for t, s in zip(tensors, saved):
                t.copy_(s)


@contextmanager
def moved(weights, values):
    """``weights`` set in place to ``values`` inside, ``restored`` on exit."""
    with restored(weights):
        with torch.no_grad():
            for w, x in zip(weights, values):
                w.copy_(x)
        yield


def displaced(weights, direction, step):
    """``moved`` to ``w + step * d`` (``step``: a scalar tensor or number)."""
    return moved(weights, [w.detach() + d * step for w, d in zip(weights, direction)])


def central_difference(plus, minus, step):
    """``(plus - minus) / (2 step)`` elementwise over lists of tensors."""
    return [(p - n) / (2 * step) for p, n in zip(plus, minus)]


def _fd_step(vector, r: float) -> torch.Tensor:
    """DARTS' step ``r / ||vector||`` (a zero vector gets a huge step that moves nothing: a zero difference)."""
    norm = _norm(vector)
    return r / norm.clamp_min(torch.finfo(norm.dtype).tiny)


def hessian_vector_fd(loss_fn, weights, v, r: float, difference=central_difference):
    """H v by central differences of grad_omega L at ``omega +- R v``, R = r / ||v||."""
    R = _fd_step(v, r)
    with displaced(weights, v, R):
        plus = _grads(loss_fn(), weights)
    with displaced(weights, v, -R):
        minus = _grads(loss_fn(), weights)
    return difference(plus, minus, R)


def mixed_vector_fd(loss_fn, weights, alpha, u, r: float, difference=central_difference) -> torch.Tensor:
    """M u = grad_alpha (grad_omega L . u) by central differences of grad_alpha L at ``omega +- R u``,
    R = r / ||u|| (DARTS' ``_hessian_vector_product``)."""
    R = _fd_step(u, r)
    with displaced(weights, u, R):
        plus = _grads(loss_fn(), [alpha])
    with displaced(weights, u, -R):
        minus = _grads(loss_fn(), [alpha])
    return difference(plus, minus, R)[0]


def _weight_gradient_graph(loss_fn, weights):
    """grad_omega L as a differentiable function (double backward); the entries that depend on nothing are
    dropped with their weights' indices kept."""
    grads = torch.autograd.grad(loss_fn(), weights, create_graph=True, allow_unused=True)
    keep = [i for i, g in enumerate(grads) if g is not None and g.requires_grad]
    return [grads[i] for i in keep], keep


def mixed_vector_exact(loss_fn, weights, alpha, u) -> torch.Tensor:
    """M u = grad_alpha (grad_omega L . u) by double backward."""
    grads, keep = _weight_gradient_graph(loss_fn, weights)
    return _grads(grads, [alpha], [u[i] for i in keep])[0]


def hessian_terms_exact(loss_fn, weights, alpha, v, shift: float = 0.0):
    """(u, M u) with u = (H + shift I) v, both by double backward of one graph."""
    grads, keep = _weight_gradient_graph(loss_fn, weights)
    hv = _grads(grads, [weights[i] for i in keep], [v[i] for i in keep], retain_graph=True)
    u = [torch.zeros_like(w) for w in weights]
    for i, h in zip(keep, hv):
        u[i] = h
    if shift:
        u = [h + shift * x for h, x in zip(u, v)]
    return u, _grads(grads, [alpha], [u[i] for i in keep])[0]


def amended_terms(loss_fn, weights, alpha, v, hvp: str = "exact", r: float = 0.01, shift: float = 0.0,
                  difference=central_difference):
    """(u, m) of Eq. 6 with ``loss_fn`` = L_train: u = (H + shift I) v and m = M u; g2' = -eta m. ``hvp``:
    ``exact`` (double backward) or ``fd`` (the corrected App. A.2, spec Sec. 1.3)."""
    if hvp == "exact":
        return hessian_terms_exact(loss_fn, weights, alpha, v, shift)
    u = hessian_vector_fd(loss_fn, weights, v, r, difference)
    if shift:
        u = [h + shift * x for h, x in zip(u, v)]
    return u, mixed_vector_fd(loss_fn, weights, alpha, u, r, difference)


def mixed_vector(loss_fn, weights, alpha, u, hvp: str = "exact", r: float = 0.01,
                 difference=central_difference) -> torch.Tensor:
    """M u (``hvp``: ``exact`` or ``fd``)."""
    if hvp == "exact":
        return mixed_vector_exact(loss_fn, weights, alpha, u)
    return mixed_vector_fd(loss_fn, weights, alpha, u, r, difference)


def amended_gradient(g1, m, eta: float) -> torch.Tensor:
    """g = g1 + g2' = g1 - eta m (Eq. 6)."""
    return g1 - eta * m


def unrolled_weights(weights, train_grad, buffers, lr: float, momentum: float, weight_decay: float):
    """DARTS' virtual step omega' = omega - xi (mu buf + grad + wd omega), the next SGD step without clipping
    (``cnn/architect.py`` ``_compute_unrolled_model``); ``buffers``: momentum buffers or None."""
    out = []
    for w, g, b in zip(weights, train_grad, buffers):
        d = g + weight_decay * w.detach()
        if b is not None:
            d = d + momentum * b
        out.append(w.detach() - lr * d)
    return out


def second_order_gradient(train_loss, val_loss, weights, alpha, buffers, lr: float, momentum: float,
                          weight_decay: float, hvp: str = "exact", r: float = 0.01):
    """(L_val(omega'), g, g1', m) of second-order DARTS: g = grad_alpha L_val(omega', alpha) - xi M v',
    v' = grad_omega' L_val(omega', alpha), M around the original omega."""
    train_grad = _grads(train_loss(), weights)
    target = unrolled_weights(weights, train_grad, buffers, lr, momentum, weight_decay)
    with moved(weights, target):
        loss, g1, v = first_order_terms(val_loss, weights, alpha)
    m = mixed_vector(train_loss, weights, alpha, v, hvp, r)
    return loss, g1 - lr * m, g1, m


def full_hessian(loss_fn, weights) -> torch.Tensor:
    """H = hess_omega L as an explicit (n x n) float64 matrix, n the number of weights (one backward per row:
    small networks only), symmetrised; rows and columns of weights whose gradient is constant are zero."""
    grads, keep = _weight_gradient_graph(loss_fn, weights)
    kept = [weights[i] for i in keep]
    flat = torch.cat([g.reshape(-1) for g in grads])
    rows = []
    for j in range(len(flat)):
        rows.append(_flat(_grads(flat[j], kept, retain_graph=True)))
    offsets = [0]
    for w in weights:
        offsets.append(offsets[-1] + w.numel())
    index = torch.cat([torch.arange(offsets[i], offsets[i + 1]) for i in keep])
    H = torch.zeros(offsets[-1], offsets[-1], dtype=torch.float64)
    H[index[:, None], index[None, :]] = torch.stack(rows)
    return (H + H.T) / 2


def _flat(vector) -> torch.Tensor:
    return torch.cat([t.reshape(-1).double().cpu() for t in vector])


def _cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    denominator = float(a.norm() * b.norm())
    return float(a @ b) / denominator if denominator > 0 else float("nan")


# -- the method ------------------------------------------------------------------------------------------------
class DARTS(Method):
    """Bilevel search of one alpha shared by the cells: first-order, second-order or amended DARTS."""

    DECLARATION = DECLARATION
    stackable = False  # one alpha step per instance between the weight steps

    def __init__(self, cfg: dict, data, children):
        super().__init__(cfg, data, children)
        o = self.options
        self.variant, self.hvp = o["variant"], o["hvp"]
        # every number was checked by the declaration (wsnas.methods.darts)
        self.eta, self.fd_r, self.valid_fraction = float(o["eta"]), float(o["fd_r"]), float(o["valid_fraction"])
        alpha_lr, alpha_wd = float(o["alpha_lr"]), float(o["alpha_weight_decay"])
        betas = (float(o["alpha_beta1"]), float(o["alpha_beta2"]))
        self.grad_clip = float(o["grad_clip"])
        t = self.t = cfg["train"]
        if cfg["sharing"]["mode"] != "full":
            raise WsnasError(f"config key sharing.mode={cfg['sharing']['mode']!r}: DARTS searches one supernet whose "
                             "cells share alpha and weights; set it to full")
        if sorted(self.children) != list(range(len(CHILD_IDS))):
            raise WsnasError("config key train.children: DARTS searches all 64 children at once; leave it empty")
        double_backward = self.hvp == "exact" and self.variant != "first_order" or o["g2_cosine"]
        if compile_enabled(t["compile"]) and double_backward:
            raise WsnasError("config key train.compile=on: the exact Hessian products (method.hvp: exact, "
                             "method.g2_cosine) need double backward, which compiled parts refuse; set train.compile "
                             "to off or method.hvp to fd")
        self.device = data.device
        self.model = seeded_network(cfg, data)
        self.weights = list(self.model.parameters())
        if o["g2_cosine"] and sum(w.numel() for w in self.weights) > COSINE_MAX_WEIGHTS:
            raise WsnasError(f"config key method.g2_cosine: the network has {sum(w.numel() for w in self.weights)} "
                             f"weights, over the {COSINE_MAX_WEIGHTS} whose full Hessian the diagnostic may form; "
                             "set it to false or shrink section model")
        dtype = self.weights[0].dtype
        alpha = torch.zeros(N_EDGES, N_OPS, dtype=dtype, device=self.device)
        if o["alpha_init"] == "randn":
            alpha = 1e-3 * torch.randn(N_EDGES, N_OPS, dtype=dtype).to(self.device)
        self.alpha = alpha.requires_grad_()
        self.optimizer = sgd(self.weights, t)
        self.alpha_optimizer = torch.optim.Adam([self.alpha], lr=alpha_lr, betas=betas, weight_decay=alpha_wd)
        self.shift = t["weight_decay"] if o["hessian_wd"] else 0.0
        self.lr = t["lr"]
        self.child = argmax_child(self.alpha)

    # -- the protocol ---------------------------------------------------------------------------------------
    def new_epoch(self, epoch: int) -> dict:
        t = self.t
        self.lr = cosine_lr(epoch, t["epochs"], t["lr"], t["lr_min"])
        for group in self.optimizer.param_groups:
            group["lr"] = self.lr
        self.model.train()
        self.child = argmax_child(self.alpha)  # StepResult.child this epoch (no host sync per step)
        zero = torch.zeros((), device=self.device)
        self._sums = {"darts_valid_loss": zero.clone(), "darts_g1_norm": zero.clone(), "darts_g2_norm": zero.clone()}
        self._steps = 0
        self._last = None
        return {"lr": self.lr}

    def step(self, batch, valid=None) -> StepResult:
        if valid is None:
            raise WsnasError("DARTS needs a validation batch every step (method.valid_fraction); run it through "
                             "wsnas.training.loop.Loop")
        self.alpha_step(batch, valid)
        loss, logits = self.weight_step(batch)
        if self.options["g2_cosine"]:
            self._last = (batch, valid)
        return StepResult(self.child, loss, logits, batch.y)

    def end_epoch(self) -> dict:
        out = alpha_record(self.alpha)
        out |= {key: float(total) / max(self._steps, 1) for key, total in self._sums.items()}
        if self._last is not None:
            out |= self.g2_cosines(*self._last)
        return out

    def state_dict(self) -> dict:
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "alpha": self.alpha.detach().clone(), "alpha_optimizer": self.alpha_optimizer.state_dict()}

    def load_state_dict(self, state: dict, source) -> None:
        if not all(k in state for k in ("model", "optimizer", "alpha", "alpha_optimizer")):
            raise WsnasError(f"checkpoint {source} holds no DARTS search state; pass the config it was trained with "
                             "(config key method.name)")
        try:
            self.model.load_state_dict(state["model"])
        except RuntimeError:
            raise WsnasError(f"checkpoint {source} does not match config sections model/sharing; "
                             "pass the config it was trained with") from None
        self.optimizer.load_state_dict(state["optimizer"])
        with torch.no_grad():
            self.alpha.copy_(state["alpha"])
        self.alpha_optimizer.load_state_dict(state["alpha_optimizer"])
        self.child = argmax_child(self.alpha)

    def rank(self, data, eval_cfg: dict, children=None):
        """Inherited-weight accuracy (and loss) of each child (one-hot alpha) under ``evaluate.bn_mode``."""
        return evaluate_children(self.model, data, eval_cfg, children_or_all(children))

    def pick(self, scores) -> int:
        """The argmax of alpha (the derived architecture), not of ``scores``."""
        return argmax_child(self.alpha)

    # -- one step ---------------------------------------------------------------------------------------------
    def losses(self, batch, valid):
        """Closures of L_train and L_val of the mixed network under the current alpha and weights."""
        def loss_of(b):
            return lambda: F.cross_entropy(self.model.forward_weighted(b.x, torch.softmax(self.alpha, dim=-1)), b.y)
        return loss_of(batch), loss_of(valid)

    def alpha_gradient(self, batch, valid):
        """(g, L_val, g1, second term) of the variant on the step's batches (the second term: g - g1 for
        ``amended`` and ``first_order``; for ``second_order`` g1 is taken at omega'), in fp32 (no autocast, no
        TF32). Afterwards the weights, their gradients and (``alpha_bn: restore``) the BN statistics are as before."""
        train_loss, val_loss = self.losses(batch, valid)
        with _strict_fp32(self.device), self._bn_kept():
            if self.variant == "second_order":
                buffers = [self.optimizer.state.get(w, {}).get("momentum_buffer") for w in self.weights]
                loss, g, g1, m = second_order_gradient(train_loss, val_loss, self.weights, self.alpha, buffers, self.lr,
                                                       self.t["momentum"], self.t["weight_decay"], self.hvp, self.fd_r)
                return g, loss, g1, -self.lr * m
            if self.variant == "first_order":  # no weight gradient needed: a cheaper backward, the same g1
                loss = val_loss()
                g1 = _grads(loss, [self.alpha])[0]
                return g1, loss.detach(), g1, torch.zeros_like(g1)
            loss, g1, v = first_order_terms(val_loss, self.weights, self.alpha)
            _, m = amended_terms(train_loss, self.weights, self.alpha, v, self.hvp, self.fd_r, self.shift)
            return amended_gradient(g1, m, self.eta), loss, g1, -self.eta * m

    def alpha_step(self, batch, valid) -> None:
        g, loss, g1, second = self.alpha_gradient(batch, valid)
        self.alpha.grad = g.detach()
        self.alpha_optimizer.step()
        self._sums["darts_valid_loss"] += loss.float()
        self._sums["darts_g1_norm"] += g1.detach().float().norm()
        self._sums["darts_g2_norm"] += second.detach().float().norm()
        self._steps += 1

    def weight_step(self, batch):
        """One SGD step of the weights on the training batch under the (new) alpha, held fixed."""
        self.optimizer.zero_grad(set_to_none=True)
        with precision_context(self.t["precision"], self.device):
            logits = self.model.forward_weighted(batch.x, torch.softmax(self.alpha.detach(), dim=-1))
            loss = F.cross_entropy(logits, batch.y)
        loss.backward()
        if self.grad_clip:
            torch.nn.utils.clip_grad_norm_(self.weights, self.grad_clip)
        self.optimizer.step()
        return loss.detach(), logits.detach()

    # -- diagnostics ------------------------------------------------------------------------------------------
    def g2_cosines(self, batch, valid) -> dict:
        """Cosines between the exact g2 = -M H^+ v (full Hessian, pseudo-inverse: with BN, H is singular, and at
        the current weights rather than an optimum it is indefinite) and the amended direction -M H v, and DARTS'
        -M v, at the current weights and alpha on ``batch``/``valid``; BN statistics kept."""
        train_loss, val_loss = self.losses(batch, valid)
        with _strict_fp32(self.device), self._bn_kept(always=True):
            _, _, v = first_order_terms(val_loss, self.weights, self.alpha)
            H = full_hessian(train_loss, self.weights)
            x = torch.linalg.pinv(H, hermitian=True) @ _flat(v)
            pieces, start = [], 0
            for w in self.weights:
                pieces.append(x[start:start + w.numel()].reshape(w.shape).to(w.dtype).to(w.device))
                start += w.numel()
            exact = -mixed_vector_exact(train_loss, self.weights, self.alpha, pieces)
            _, amended = hessian_terms_exact(train_loss, self.weights, self.alpha, v)
            identity = mixed_vector_exact(train_loss, self.weights, self.alpha, v)
        exact = _flat([exact])
        return {"darts_g2_cosine": _cosine(-_flat([amended]), exact),
                "darts_g2_identity_cosine": _cosine(-_flat([identity]), exact)}

    @contextmanager
    def _bn_kept(self, always: bool = False):
        """The BN running statistics (every buffer) restored on exit (``alpha_bn: restore`` or ``always``)."""
        if not (always or self.options["alpha_bn"] == "restore"):
            yield
            return
        with restored(list(self.model.buffers())):
            yield


@contextmanager
def _strict_fp32(device):
    """No autocast and (CUDA) no TF32 inside."""
    with torch.autocast(device.type, enabled=False):
        if device.type != "cuda":
            yield
            return
        flags = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
        try:
            yield
        finally:
            torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = flags
