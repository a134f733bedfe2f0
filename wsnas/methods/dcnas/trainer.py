"""DCNAS: distribution-consistent NAS with local weight sharing (Pan et al. 2022, Sec. 3.2, Algorithm 1; no
public code; the meta network follows Cream, Peng et al. 2020, which the paper refers to). The reading of
the paper this module follows, its toy-space mapping and its open choices: ``../shared/specs/dcnas.md``.

Network (Sec. 3.2.1; ``wsnas.core.copies.CopyNet``): a "layer" is one of the ``3 * num_cells`` (cell, edge)
slots; each slot's sep3, sep5 and dil5 get M weight copies (max-pool has no weights, stem, preprocessing
and head stay globally shared). Every child uses one copy per slot: the sharing state, inferred here.

Algorithm 1 on the baseline's epoch budget and optimiser (SGD, cosine per epoch, ``train.*``):
1. warm-up: one child per step (``train.child_order``) with a random copy on every unassigned slot;
2. for each slot l in forward order: T steps of Eq. 8 pairs (below), then the slot's sharing state
   (Alg. 1 lines 13-21, below), then T steps of one-child training;
3. the rest of the budget: one-child training (T_f), every child on its assigned copies.
The phases are counted in steps (``steps``, in the state), so their boundaries may fall inside an epoch.

One Eq. 8 step (phase of slot l = (c, e)): draw a parametric operation k uniformly and two different
children i, j among the 16 whose edge e carries k; each takes its assigned copies and a random copy on
every unassigned slot (including l itself: it is assigned only at the end of its phase). Child j's forward
gives g_j, the gradient of its copies on the slots it shares with i (``torch.autograd.grad``, nothing in
``.grad``); child i's forward and ``backward()`` give g_i. On each shared slot f the matching degree
``lambda^f = sigmoid(w_f . phi(h_i^f - h_j^f) + b_f)`` (Eq. 11; h the slot's input, phi the meta input),
and i's copy receives ``.grad += lambda^f g_j^f`` before the optimiser step: ``W - lr (g_i + lambda g_j)``
(Eq. 8 with Eq. 10's per-layer lambdas; momentum and weight decay the optimiser's). Every ``meta_interval``
pair steps, the meta network of (l, k) takes the look-ahead step of Eq. 12: the loss of i after the update
(Eq. 9) depends on it through lambda^l only, ``dL/dlambda = -lr <grad_W' L, g_j^l>`` (gradient at the
actual post-step weights through a plain SGD step's Jacobian, as Cream), times ``lambda (1 - lambda) [phi; 1]``
(``meta_gradient``; ``tests/test_dcnas.py`` checks it against finite differences), clipped to norm 1,
plain SGD with ``meta_lr``.

A slot's sharing state (``infer_slot``), for each parametric operation k: its 16 users run on ``eq7_batches``
fixed, seeded training batches of ``probe_samples`` (train-mode BN, running statistics untouched), the slots
before l on their assigned copies, later ones on seeded random copies, slot l on each copy in turn. The
first batch's slot-l inputs give the 16 x 16 matching matrix ``Lambda_ab = M_(l,k)(h_a - h_b)``, whose rows
K-means (``kmeans``: k-means++ seeding, ``kmeans_restarts`` seeded restarts, lowest inertia; identical rows
are one cluster, so a slot whose input is the same for every child keeps one cluster) splits into at most
M clusters; each cluster gets the copy that minimises the summed mean cross-entropy of its members over the
batches (Eq. 7 on all members as representatives, as one injective assignment of clusters to copies,
``best_assignment``). ``assign: random`` replaces the clustering by a seeded balanced split (the paper's
Random-Assign control, Table 3); ``assign: untrained_meta`` clusters with the meta networks' initialisation
instead of their trained weights (the meta steps still run); all else runs the same way. Every inference
computes the trained and the untrained clustering and records how far apart they are (``DIAGNOSTICS``).

M = 1 (``copies: 1``) is the Global-Sharing control: one copy, nothing to infer, no Eq. 8 pairs, every step
the baseline's, so it trains single path's weights bit for bit.

Options (config section ``method``), the paper's values by default where it gives one:
- ``copies`` (2): M, the weight copies per operation and slot (paper Sec. 4.1; Table 4 tries 1, 2, 3);
- ``warmup_epochs`` (10), ``layer_epochs`` (3): T_w and T of Alg. 1 (Sec. 4.1), floats; ``schedule_epochs``
  (200): the budget they are written for: they scale by ``train.epochs / schedule_epochs`` (0: taken as
  given, in this run's epochs), so 200 epochs give T_w 10, 12 x (3 + 3) and T_f 118 (spec Sec. 2.5, D14),
  and the 8-epoch demo the same proportions (T_w 0.4, T 0.12 epochs). Each is rounded to whole steps; a
  slot phase under one step, or phases longer than the budget, are refused in one line;
- ``meta_interval`` (20): tau, pair steps between meta updates (Sec. 4.1);
- ``meta_lr`` (1e-4): eta (not given; Cream's META_LR), plain SGD; ``meta_clip`` (1.0; 0: none): the
  hypergradient's norm clip (Cream). One update moves a pair's logit by at most
  ``meta_lr meta_clip sqrt(3 D)`` times the spread the untrained network puts on it (``meta_reach``;
  docs/methods/dcnas.md, "The meta step size"): Cream's values give 0.008 on 8x8 images with 8 channels, so the
  meta networks do not learn there; the configurations set them;
- ``meta_input``: ``slice`` (flattened slot-input difference of the first ``meta_slice`` = 4 samples of the
  batch, Cream's SLICE) or ``gap`` (per-sample spatial means of those samples); a batch mean would be
  identically 0 after the BNs (spec Sec. 2.4);
- ``meta_data``: ``same`` (the look-ahead loss on the same batch, Eq. 9) or ``next_slice`` (samples
  ``meta_slice..2 meta_slice - 1``, as Cream);
- ``cross_term``: ``all`` (every shared slot, Eq. 10) or ``current`` (slot l only);
- ``cross_scale``: ``lr`` (``lr (g_i + lambda g_j)``, the scale-consistent reading of Eq. 8) or ``literal``
  (``lr g_i + lambda g_j``, Eq. 8 as printed; ``.grad += lambda / lr g_j``);
- ``assign``: ``learned`` (K-means on Lambda), ``random`` (balanced seeded split, the paper's Random-Assign
  control, Table 3) or ``untrained_meta`` (K-means on the untrained meta networks' Lambda: what training the
  meta network, Sec. 3.2.2 Eq. 12, adds to the clustering of Sec. 3.2.1);
- ``eq7_batches`` (4): batches per (child, copy) for Eq. 7; ``probe_samples`` (0: ``train.batch_size``):
  their size; ``kmeans_restarts`` (10).
Seeds: pairs and random copies from ``train.order_seed`` (its own generator, in the state), the meta
networks' initialisation (``nn.Linear``'s uniform bound) from ``train.init_seed``, probe batches from
``train.data_seed``, K-means and the random split from ``train.order_seed``, each per (slot, operation).

Per-epoch records (``end_epoch``): ``dcnas_phase`` (at the epoch's last step: 0 warm-up, 1 Eq. 8 pairs,
2 one-child training after an assignment, 3 fine-tuning), ``dcnas_slot`` (-1 in warm-up, the slot count
once all are assigned), ``dcnas_assigned_slots``, ``dcnas_pair_steps`` and ``dcnas_meta_steps`` (this
epoch), ``dcnas_lambda_current`` (mean lambda^l over the epoch's pair steps), ``dcnas_lambda_shared`` (mean
over all shared slots), ``dcnas_meta_grad_norm`` (mean hypergradient norm before clipping),
``dcnas_clusters`` (mean clusters per assigned (slot, operation)), ``dcnas_single_cluster_ops``, and
``dcnas_cost``: passes so far relative to the baseline's (a forward+backward = 3 forward units per sample;
an Eq. 7 forward of a later copy counts the cells from the slot's on), and per slot the meta networks'
change from their initialisation, the matching degrees' spread (trained and untrained) and the adjusted Rand
index of the two clusterings (``meta_record``). NaN where there is nothing to average.
``sharing_table()`` gives the inferred state per (slot, operation, child) for the pipeline's artefact.
"""

import itertools
import math

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from wsnas.core.copies import PARAMETRIC, UNASSIGNED, build_copy_net, cell_edge, frozen_bn_statistics, users_of
from wsnas.core.space import CHILD_IDS, EDGES, OPERATIONS
from wsnas.errors import WsnasError
from wsnas.methods.dcnas import DECLARATION
from wsnas.methods.protocol import StepResult
from wsnas.methods.single_path.trainer import SinglePath

WARMUP, PAIRS, TRAIN, FINETUNE = 0, 1, 2, 3
USERS = 16  # children whose edge carries a given operation
#: What each slot's inference records per operation (``DCNAS.diagnostics``), in this order.
DIAGNOSTICS = ("meta_change", "spread", "spread_untrained", "ari_untrained")


# -- the math, as small functions ---------------------------------------------------------------------------
def features(h_i: torch.Tensor, h_j: torch.Tensor, mode: str, dtype=torch.float32) -> torch.Tensor:
    """phi(h_i - h_j), the meta network's input, from slot inputs (..., S, C, H, W): the flattened difference
    (``slice``) or its per-sample spatial means (``gap``); (..., D)."""
    dh = h_i.to(dtype) - h_j.to(dtype)
    if mode == "gap":
        return dh.mean(dim=(-2, -1)).flatten(-2)
    return dh.flatten(-4)


def matching_degree(w: torch.Tensor, b: torch.Tensor, phi: torch.Tensor) -> torch.Tensor:
    """Eq. 11: ``sigmoid(w . phi + b)``, one fully connected layer with a sigmoid (Sec. 3.2.2)."""
    return torch.sigmoid(phi @ w + b)


def cross_factor(lam, lr: float, scale: str):
    """What child i's copy receives in ``.grad`` per unit of g_j, so that the optimiser's ``W - lr * grad``
    gives Eq. 8: ``lambda`` (``lr``: ``lr (g_i + lambda g_j)``) or ``lambda / lr`` (``literal``)."""
    return lam if scale == "lr" else lam / lr


def add_cross_term(params, grads_j, factor) -> None:
    """Eq. 8's third term, in place: ``p.grad += factor * g_j`` for child i's copy ``params``."""
    for p, g in zip(params, grads_j):
        if p.grad is None:
            p.grad = torch.zeros_like(p)
        p.grad.add_(g * factor)


def meta_gradient(grad_after, grads_j, lam, phi, step: float):
    """Eq. 12's gradient for one meta network: with ``W' = W - step (g_i + lambda g_j)`` (Eq. 9),
    ``dL(W')/dlambda = -step <grad_W' L, g_j>`` and ``lambda = sigmoid(w . phi + b)``; returns (dL/dw, dL/db)."""
    inner = sum((a.to(torch.float64) * g.to(torch.float64)).sum() for a, g in zip(grad_after, grads_j))
    dz = (-step * inner * lam.to(torch.float64) * (1 - lam.to(torch.float64))).to(phi.dtype)
    return dz * phi, dz


def clipped(dw: torch.Tensor, db: torch.Tensor, max_norm: float):
    """(dw, db) scaled to norm ``max_norm`` at most, as ``torch.nn.utils.clip_grad_norm_`` (0: unclipped)."""
    norm = torch.sqrt(dw.square().sum() + db.square())
    if not max_norm:
        return dw, db, norm
    scale = torch.clamp(max_norm / (norm + 1e-6), max=1.0)
    return dw * scale, db * scale, norm


def meta_sgd_step(w, b, grad_after, grads_j, lam, phi, step: float, lr: float, clip: float):
    """Eq. 12 for one meta network, in place: its hypergradient (``meta_gradient``), clipped to norm ``clip``
    (0: unclipped), one plain SGD step of ``lr``; returns the norm before clipping. Each update moves (w, b) by
    at most ``lr * clip``."""
    dw, db = meta_gradient(grad_after, grads_j, lam, phi, step)
    dw, db, norm = clipped(dw, db, clip)
    w -= lr * dw
    b -= lr * db
    return norm


def meta_reach(lr: float, clip: float, updates: float) -> float:
    """The most ``updates`` clipped meta steps can move a meta network's weights, relative to the norm of
    nn.Linear's initialisation (uniform in +-1/sqrt(D): norm sqrt(1/3) whatever D): ``updates lr clip sqrt(3)``.
    Times sqrt(D) it bounds how far a matching degree's logit can move against the spread that the random
    initialisation puts on the logits (docs/methods/dcnas.md, "The meta step size"); inf when unclipped."""
    return updates * lr * clip * math.sqrt(3) if clip else math.inf


def adjusted_rand(a, b) -> float:
    """The adjusted Rand index of two labelings of the same items (Hubert and Arabie 1985): 1 for the same
    partition (also when both are one cluster), about 0 for independent ones."""
    a, b = np.asarray(a), np.asarray(b)
    _, a = np.unique(a, return_inverse=True)
    _, b = np.unique(b, return_inverse=True)
    table = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(table, (a.reshape(-1), b.reshape(-1)), 1)
    pairs = lambda v: (v * (v - 1) / 2).sum()  # noqa: E731
    both, rows, cols, total = pairs(table), pairs(table.sum(1)), pairs(table.sum(0)), len(a) * (len(a) - 1) / 2
    expected, top = rows * cols / total, (rows + cols) / 2
    return 1.0 if top == expected else float((both - expected) / (top - expected))


def off_diagonal_std(lam) -> float:
    """The spread of a matching matrix: the standard deviation of its off-diagonal entries."""
    lam = torch.as_tensor(lam, dtype=torch.float64)
    return float(lam[~torch.eye(len(lam), dtype=torch.bool)].std(unbiased=False))


def canonical(labels) -> np.ndarray:
    """Cluster labels renumbered by first appearance (0 is the first child's cluster)."""
    order = {}
    return np.array([order.setdefault(int(v), len(order)) for v in labels], dtype=np.int64)


def kmeans(points, k: int, seed: int, restarts: int = 10, iterations: int = 100) -> np.ndarray:
    """K-means labels of the rows of ``points`` into at most ``k`` clusters: k-means++ seeding, Lloyd
    iterations, the lowest inertia of ``restarts`` seeded runs. Identical rows always share a cluster; with
    at most ``k`` distinct rows each distinct row is one cluster (one row repeated: one cluster)."""
    x = np.asarray(points, dtype=np.float64)
    distinct, inverse = np.unique(x, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    if len(distinct) <= k:
        return canonical(inverse)
    rng = np.random.default_rng(seed)
    best, best_inertia = None, math.inf
    for _ in range(restarts):
        centres = [x[rng.integers(len(x))]]
        for _ in range(1, k):
            d2 = np.min([((x - c) ** 2).sum(1) for c in centres], axis=0)
            centres.append(x[rng.choice(len(x), p=d2 / d2.sum())])
        centres = np.array(centres)
        labels = None
        for _ in range(iterations):
            d2 = ((x[:, None, :] - centres[None]) ** 2).sum(2)
            new = d2.argmin(1)
            if labels is not None and np.array_equal(new, labels):
                break
            labels = new
            for c in range(k):
                members = x[labels == c]
                # an empty cluster takes the point farthest from its centre
                centres[c] = members.mean(0) if len(members) else x[d2.min(1).argmax()]
        inertia = float(((x - centres[labels]) ** 2).sum())
        if inertia < best_inertia:
            best, best_inertia = labels, inertia
    return canonical(best)


def balanced_split(n: int, k: int, seed: int) -> np.ndarray:
    """The Random-Assign control: ``[i % k]`` shuffled by a seeded generator (8/8 for 16 users and k = 2)."""
    labels = np.arange(n) % k
    np.random.default_rng(seed).shuffle(labels)
    return canonical(labels)


def best_assignment(cluster_loss) -> tuple[int, ...]:
    """Eq. 7 on the representatives: the copy of each cluster (rows of ``cluster_loss``, clusters x M, each
    cluster's mean loss with each copy), distinct copies, with the lowest summed loss (first in
    lexicographic order on ties)."""
    loss = np.asarray(cluster_loss, dtype=np.float64)
    n, m = loss.shape
    return min(itertools.permutations(range(m), n), key=lambda p: sum(loss[c, p[c]] for c in range(n)))


def seed_of(*parts: int) -> int:
    """A well-mixed seed from integers (numpy ``SeedSequence``)."""
    return int(np.random.SeedSequence([int(p) % 2**32 for p in parts]).generate_state(1)[0])


class Schedule:
    """Algorithm 1 in steps: ``warmup`` steps, then per slot ``layer`` Eq. 8 pair steps and ``layer``
    one-child steps, then fine-tuning to the end of the budget."""

    def __init__(self, warmup: int, layer: int, slots: int):
        self.warmup, self.layer, self.slots = warmup, layer, slots

    @property
    def steps(self) -> int:
        return self.warmup + 2 * self.layer * self.slots

    def at(self, step: int) -> tuple[int, int]:
        """(phase, slot) of 0-based step ``step``."""
        if step < self.warmup:
            return WARMUP, -1
        if step >= self.steps:
            return FINETUNE, self.slots
        slot, rest = divmod(step - self.warmup, 2 * self.layer)
        return (PAIRS if rest < self.layer else TRAIN), slot

    def pair_index(self, step: int) -> int:
        """1-based index of a pair step within its slot's phase (Alg. 1's t)."""
        return (step - self.warmup) % (2 * self.layer) + 1


def _steps(epochs: float, steps_per_epoch: int) -> int:
    return int(math.floor(epochs * steps_per_epoch + 0.5))


class DCNAS(SinglePath):
    """Local weight sharing inferred slot by slot (Pan et al. 2022, Algorithm 1) on the single-path seam."""

    DECLARATION = DECLARATION
    stackable = False  # two children per step, and per-instance sharing states
    #: The meta networks (36 x 65,536 weights on CIFAR) only matter for training on: the newest two keep them.
    resume_only = ("dcnas_meta",)

    def build_network(self, cfg: dict, data):
        """The network with ``method.copies`` copies of every weighted operation per slot."""
        return build_copy_net(cfg, data, self.options["copies"])

    def __init__(self, cfg: dict, data, children, sampler=None):
        super().__init__(cfg, data, children, sampler)  # SinglePath's setup, with the network of copies
        o, t = self.options, cfg["train"]
        self.copies = o["copies"]
        self.device_data = data  # the DeviceData the Eq. 7 probes draw from
        self.slots = self.model.slots_count
        self.samples = o["meta_slice"]  # the declaration checked every number (wsnas.methods.dcnas)
        self.probe_samples = int(o["probe_samples"]) or t["batch_size"]
        self.schedule = self._schedule(cfg, data) if self.copies > 1 else None
        self.generator = torch.Generator().manual_seed(t["order_seed"])
        # One meta network per (slot, parametric operation): Linear(D -> 1) + sigmoid, nn.Linear's init.
        channels, (height, width) = cfg["model"]["cell_channels"], data.train_x.shape[-2:]
        d = self.samples * channels * (height * width if o["meta_input"] == "slice" else 1)
        init = torch.Generator().manual_seed(t["init_seed"])
        bound, dtype = 1 / math.sqrt(d), torch.get_default_dtype()
        self.meta_w = ((torch.rand(self.slots, 3, d, generator=init, dtype=dtype) * 2 - 1) * bound).to(self.device)
        self.meta_b = ((torch.rand(self.slots, 3, generator=init, dtype=dtype) * 2 - 1) * bound).to(self.device)
        # The untrained meta networks (the same seed gives them again on a resume): the untrained_meta control
        # clusters with them, and every inference records how far the learned sharing is from theirs.
        self.meta_w0, self.meta_b0 = self.meta_w.clone(), self.meta_b.clone()
        # What each slot's inference found: Lambda, the users' clusters and the Eq. 7 losses (cluster x copy);
        # -1 where nothing was computed (no NaN: checkpoints compare bit for bit).
        self.matching = torch.full((self.slots, 3, USERS, USERS), -1.0, dtype=torch.float64)
        self.clusters = torch.full((self.slots, 3, USERS), -1, dtype=torch.long)
        self.cluster_loss = torch.full((self.slots, 3, self.copies, self.copies), -1.0, dtype=torch.float64)
        # What the untrained meta networks make of the same inputs: their clusters, and per (slot, operation)
        # at its inference: the meta weights' change from their initialisation (relative), the spread of the
        # learned and of the untrained matching matrix, and the adjusted Rand index of the two clusterings
        self.untrained_clusters = torch.full((self.slots, 3, USERS), -1, dtype=torch.long)
        self.diagnostics = torch.zeros((self.slots, 3, len(DIAGNOSTICS)), dtype=torch.float64)
        self.steps = 0  # steps trained: the position in the schedule
        self.cost = torch.zeros(2, dtype=torch.float64)  # forward units: [the baseline's, this method's]
        self._meta_missing = None  # the checkpoint a resume read without the meta networks
        self._reset_stats()

    def _schedule(self, cfg: dict, data) -> Schedule:
        o, t = self.options, cfg["train"]
        if sorted(self.children) != list(range(len(CHILD_IDS))):
            raise WsnasError("config key train.children: DCNAS pairs and clusters the users of every operation among "
                             "all 64 children; leave it empty")
        spe = data.steps_per_epoch(t["batch_size"])
        scale = t["epochs"] / o["schedule_epochs"] if o["schedule_epochs"] else 1.0
        warmup, layer = _steps(o["warmup_epochs"] * scale, spe), _steps(o["layer_epochs"] * scale, spe)
        if layer < 1:
            raise WsnasError(f"config key method.layer_epochs={o['layer_epochs']}: a slot phase of "
                             f"{o['layer_epochs'] * scale:.3g} epochs is under one of the {spe} steps per epoch; "
                             "raise it (method.schedule_epochs: 0 takes it in this run's epochs)")
        schedule = Schedule(warmup, layer, self.slots)
        if schedule.steps > t["epochs"] * spe:
            raise WsnasError(f"config key method.layer_epochs={o['layer_epochs']}: warm-up and {self.slots} slot "
                             f"phases need {schedule.steps} steps, train.epochs={t['epochs']} gives "
                             f"{t['epochs'] * spe}; lower method.warmup_epochs or method.layer_epochs, "
                             "or raise train.epochs")
        smallest = data.n_train % t["batch_size"] or t["batch_size"]
        need = self.samples * (2 if o["meta_data"] == "next_slice" else 1)
        if need > smallest or self.samples > min(self.probe_samples, data.n_train):
            raise WsnasError(f"config key method.meta_slice={self.samples}: needs {need} samples in every batch (the "
                             f"smallest has {smallest}, probes {self.probe_samples}); lower it")
        return schedule

    # -- the protocol -----------------------------------------------------------------------------------
    def new_epoch(self, epoch: int) -> dict:
        self._reset_stats()
        return super().new_epoch(epoch)

    def step(self, batch, valid=None) -> StepResult:
        """One mini-batch of Algorithm 1: an Eq. 8 pair in a slot's phase, one child otherwise; right after
        a phase's last pair step, the slot's sharing state."""
        phase, slot = self.phase(self.steps)
        result = self.pair_step(batch, slot) if phase == PAIRS else self.plain_step(batch)
        if phase == PAIRS and self.schedule.pair_index(self.steps) == self.schedule.layer:
            self.infer_slot(slot)
        self.steps += 1
        return result

    def end_epoch(self) -> dict:
        phase, slot = self.phase(max(self.steps - 1, 0))
        s = self._stats
        counts = [len(set(self.model.table[users_of(e, k), c, e].tolist()))
                  for c, e in map(cell_edge, range(self.slots)) for k in PARAMETRIC if self._assigned(c, e)]
        return {
            "dcnas_phase": phase, "dcnas_slot": slot,
            "dcnas_assigned_slots": sum(self._assigned(*cell_edge(sl)) for sl in range(self.slots)),
            "dcnas_pair_steps": s["pairs"], "dcnas_meta_steps": s["meta"],
            "dcnas_lambda_current": _mean(s["lambda_current"], s["pairs"]),
            "dcnas_lambda_shared": _mean(s["lambda_shared"], s["shared"]),
            "dcnas_meta_grad_norm": _mean(s["meta_norm"], s["meta"]),
            "dcnas_clusters": sum(counts) / len(counts) if counts else math.nan,
            "dcnas_single_cluster_ops": sum(n == 1 for n in counts),
            "dcnas_cost": float(self.cost[1] / self.cost[0]) if self.cost[0] else math.nan,
            **self.meta_record(),
        }

    def meta_change(self) -> torch.Tensor:
        """|w - w0| / |w0| of every meta network now (slots x 3), w0 its initialisation."""
        return ((self.meta_w - self.meta_w0).norm(dim=-1) / self.meta_w0.norm(dim=-1)).double().cpu()

    def meta_record(self) -> dict:
        """Per slot l, means over its 3 operations: ``dcnas_meta_change_<l>`` (the meta networks' relative
        change from their initialisation, now), and once the slot is inferred ``dcnas_spread_<l>`` and
        ``dcnas_spread_untrained_<l>`` (standard deviation of the off-diagonal matching degrees of the current and
        of the untrained meta network on the same inputs) and ``dcnas_ari_untrained_<l>`` (adjusted Rand index
        of the clusterings the two give; 1: learning changed nothing); NaN before. Summaries over the inferred
        slots: ``dcnas_meta_change`` (mean at inference), ``dcnas_ari_untrained`` (mean over the operations
        whose inputs are not all alike, i.e. where either clustering has 2 clusters or more), and
        ``dcnas_meta_reach`` (``meta_reach``: the most this run's schedule lets a meta network move)."""
        out, done = {}, self.clusters[:, :, 0] >= 0
        change = self.meta_change()
        for slot in range(self.slots):
            out[f"dcnas_meta_change_{slot}"] = float(change[slot].mean())
            for n, name in enumerate(DIAGNOSTICS[1:], 1):
                values = self.diagnostics[slot, done[slot], n]
                out[f"dcnas_{name}_{slot}"] = float(values.mean()) if len(values) else math.nan
        informative = done & ((self.clusters.amax(-1) > 0) | (self.untrained_clusters.amax(-1) > 0))
        out["dcnas_meta_change"] = float(self.diagnostics[..., 0][done].mean()) if done.any() else math.nan
        ari = self.diagnostics[..., 3][informative]
        out["dcnas_ari_untrained"] = float(ari.mean()) if len(ari) else math.nan
        o = self.options
        updates = self.schedule.layer / (len(PARAMETRIC) * o["meta_interval"]) if self.schedule is not None else 0
        out["dcnas_meta_reach"] = meta_reach(o["meta_lr"], o["meta_clip"], updates)
        return out

    def state_dict(self) -> dict:
        return {**super().state_dict(),
                "dcnas": {"table": self.model.table.clone(), "steps": self.steps,
                          "generator": self.generator.get_state(), "matching": self.matching.clone(),
                          "clusters": self.clusters.clone(), "cluster_loss": self.cluster_loss.clone(),
                          "cost": self.cost.clone(), "untrained_clusters": self.untrained_clusters.clone(),
                          "diagnostics": self.diagnostics.clone()},
                "dcnas_meta": {"w": self.meta_w.clone(), "b": self.meta_b.clone()}}

    def load_state_dict(self, state: dict, source) -> None:
        super().load_state_dict(state, source)
        d = state.get("dcnas")
        if d is None or d["cluster_loss"].shape != self.cluster_loss.shape:
            raise WsnasError(f"checkpoint {source} holds no DCNAS sharing state for this network; pass the config it "
                             "was trained with (config key method)")
        self.model.table = d["table"].clone()
        self.steps = int(d["steps"])
        self.generator.set_state(d["generator"])
        self.matching, self.clusters = d["matching"].clone(), d["clusters"].clone()
        self.cluster_loss, self.cost = d["cluster_loss"].clone(), d["cost"].clone()
        if "diagnostics" in d:  # checkpoints written before the diagnostics keep their -1 / 0 placeholders
            self.untrained_clusters, self.diagnostics = d["untrained_clusters"].clone(), d["diagnostics"].clone()
        meta = state.get("dcnas_meta")
        self._meta_missing = source if meta is None else None
        if meta is not None:
            self.meta_w.copy_(meta["w"])
            self.meta_b.copy_(meta["b"])

    def sharing_table(self) -> pd.DataFrame:
        """The sharing state: one row per (slot, parametric operation, child using it): ``slot`` (0-based, in
        forward order), ``cell``, ``edge``, ``op``, ``child`` (id), ``copy`` (-1: not yet assigned) and
        ``cluster`` (the child's K-means or random cluster; -1 before the slot's inference, and with M = 1),
        ``cluster_untrained`` (its cluster under the untrained meta network) and the (slot, operation)'s
        inference diagnostics (``DIAGNOSTICS``: ``meta_change``, ``spread``, ``spread_untrained``,
        ``ari_untrained``; NaN before the inference)."""
        rows = []
        for slot in range(self.slots):
            cell, edge = cell_edge(slot)
            for k in PARAMETRIC:
                done = bool(self.clusters[slot, k - 1, 0] >= 0)
                diagnostics = [float(v) if done else math.nan for v in self.diagnostics[slot, k - 1]]
                for u, child in enumerate(users_of(edge, k)):
                    rows.append((slot, cell, EDGES[edge], OPERATIONS[k], CHILD_IDS[child],
                                 int(self.model.table[child, cell, edge]), int(self.clusters[slot, k - 1, u]),
                                 int(self.untrained_clusters[slot, k - 1, u]), *diagnostics))
        return pd.DataFrame(rows, columns=["slot", "cell", "edge", "op", "child", "copy", "cluster",
                                           "cluster_untrained", *DIAGNOSTICS])

    # -- steps --------------------------------------------------------------------------------------------
    def phase(self, step: int) -> tuple[int, int]:
        """(phase, slot) at 0-based step ``step``; M = 1 trains one child per step throughout."""
        return self.schedule.at(step) if self.schedule is not None else (FINETUNE, self.slots)

    def plain_step(self, batch) -> StepResult:
        """Train(N, D, .): the baseline's step, on the child's assigned copies and random unassigned ones."""
        child = self.begin_step()
        route = self.model.random_route(child, self.generator) if self.copies > 1 else None
        with self.autocast():
            logits = self.model(batch.x, child, route=route)
            loss = self.loss(logits, batch, child)
        loss.backward()
        self.end_step(child, loss)
        self._count(3 * len(batch.y), 3 * len(batch.y))
        return StepResult(child, loss.detach(), logits.detach(), batch.y)

    def pair_step(self, batch, slot: int) -> StepResult:
        """Alg. 1 lines 6-11: draw k and the pair (i, j) sharing C_(l,k), their copies, then Eq. 8."""
        if self._meta_missing:
            raise WsnasError(f"checkpoint {self._meta_missing} holds no DCNAS meta networks (only the newest two "
                             "checkpoints keep them); delete the checkpoint folder to train this run from scratch")
        cell, edge = cell_edge(slot)
        k = PARAMETRIC[int(torch.randint(len(PARAMETRIC), (1,), generator=self.generator))]
        users = users_of(edge, k)
        a, b = torch.randperm(len(users), generator=self.generator)[:2].tolist()
        i, j = users[a], users[b]
        route_i = self.model.random_route(i, self.generator)
        route_j = self.model.random_route(j, self.generator)
        meta = self.schedule.pair_index(self.steps) % self.options["meta_interval"] == 0
        return self.paired_update(batch, slot, k, i, j, route_i, route_j, meta)

    def shared_slots(self, i: int, j: int, slot: int) -> list[tuple[int, int, int]]:
        """(cell, edge, operation) of the slots where children i and j use the same parametric operation,
        the current slot first (``cross_term: current``: that one only; Eq. 11 gives the others 0)."""
        cell, edge = cell_edge(slot)
        current = (cell, edge, self.model._ops[i][edge])
        if self.options["cross_term"] == "current":
            return [current]
        ops_i, ops_j = self.model._ops[i], self.model._ops[j]
        others = [(c, e, ops_i[e]) for c in range(self.model.num_cells) for e in range(3)
                  if ops_i[e] == ops_j[e] and ops_i[e] in PARAMETRIC and (c, e) != (cell, edge)]
        return [current, *others]

    def paired_update(self, batch, slot: int, k: int, i: int, j: int, route_i, route_j, meta: bool) -> StepResult:
        """Eq. 8 for child i with child j's gradient on their shared slots (Eq. 10-11), then, if ``meta``,
        Eq. 12 for the meta network of (``slot``, ``k``)."""
        o, model, n = self.options, self.model, len(batch.y)
        shared = self.shared_slots(i, j, slot)
        self.optimizer.zero_grad(set_to_none=self.t["inactive_grads"] == "none")
        # 1. child j: forward, and the gradient of its copies on the shared slots (kept out of .grad)
        seen_j, seen_i = {}, {}
        with self.autocast():
            logits_j = model(batch.x, j, route=route_j, record=seen_j, record_samples=self.samples)
            loss_j = F.cross_entropy(logits_j, batch.y)
        params_j = [model.op_parameters(c, e, op, route_j[c][e]) for c, e, op in shared]
        flat = torch.autograd.grad(loss_j, [p for ps in params_j for p in ps])
        grads_j = _split(flat, [len(ps) for ps in params_j])
        # 2. child i: forward and backward
        with self.autocast():
            logits = model(batch.x, i, route=route_i, record=seen_i, record_samples=self.samples)
            loss = F.cross_entropy(logits, batch.y)
        loss.backward()
        # 3. Eq. 11 per shared slot, and Eq. 8's cross term into child i's copies; then the step
        lams, phis = [], []
        with torch.no_grad():
            for (c, e, op), g_j in zip(shared, grads_j):
                phi = features(seen_i[(c, e)], seen_j[(c, e)], o["meta_input"], self.meta_w.dtype)
                lam = matching_degree(self.meta_w[3 * c + e, op - 1], self.meta_b[3 * c + e, op - 1], phi)
                factor = cross_factor(lam, self.lr, o["cross_scale"])
                add_cross_term(model.op_parameters(c, e, op, route_i[c][e]), g_j, factor)
                lams.append(lam)
                phis.append(phi)
        self.optimizer.step()
        self.sampler.observe(i, loss.detach())
        self._stats["pairs"] += 1
        self._stats["lambda_current"] = self._stats["lambda_current"] + lams[0].detach()
        self._stats["lambda_shared"] = self._stats["lambda_shared"] + sum(lam.detach() for lam in lams)
        self._stats["shared"] += len(lams)
        self._count(3 * n, 6 * n)
        # 4. every tau pair steps: Eq. 12 for the meta network of the current slot and operation
        if meta:
            self.meta_step(batch, slot, k, i, route_i, grads_j[0], lams[0], phis[0])
        return StepResult(i, loss.detach(), logits.detach(), batch.y)

    def meta_step(self, batch, slot: int, k: int, child: int, route, grads_j, lam, phi) -> None:
        """Eq. 12: child i's loss after the update (Eq. 9; ``meta_data``), its gradient at the post-step
        copy of slot l, the hypergradient through ``lambda^l`` (``meta_gradient``), clipped, plain SGD."""
        o, model, s = self.options, self.model, self.samples
        x, y = (batch.x, batch.y) if o["meta_data"] == "same" else (batch.x[s:2 * s], batch.y[s:2 * s])
        cell, edge = cell_edge(slot)
        params = model.op_parameters(cell, edge, k, route[cell][edge])
        with frozen_bn_statistics(model):
            with self.autocast():
                loss = F.cross_entropy(model(x, child, route=route), y)
            grad_after = torch.autograd.grad(loss, params)
        step = self.lr if o["cross_scale"] == "lr" else 1.0
        norm = meta_sgd_step(self.meta_w[slot, k - 1], self.meta_b[slot, k - 1], grad_after, grads_j, lam, phi, step,
                             o["meta_lr"], o["meta_clip"])
        self._stats["meta"] += 1
        self._stats["meta_norm"] = self._stats["meta_norm"] + norm.detach()
        self._count(0, 3 * len(y))

    # -- a slot's sharing state (Alg. 1 lines 13-21) --------------------------------------------------------
    def infer_slot(self, slot: int) -> None:
        """For each parametric operation k of slot l: Eq. 7 losses of its 16 users with each copy, the matching
        matrix of their slot inputs, at most M clusters (K-means, or the random control), the copies by Eq. 7."""
        if self._meta_missing:
            raise WsnasError(f"checkpoint {self._meta_missing} holds no DCNAS meta networks (only the newest two "
                             "checkpoints keep them); delete the checkpoint folder to train this run from scratch")
        o, t = self.options, self.t
        cell, edge = cell_edge(slot)
        batches = self.probe_batches(slot)
        change = self.meta_change()
        for k in PARAMETRIC:
            users = users_of(edge, k)
            losses, inputs = self.score_users(slot, k, users, batches)
            seed = seed_of(t["order_seed"], slot, k)
            lam = self.matching_matrix(slot, k, inputs)
            lam0 = self.matching_matrix(slot, k, inputs, untrained=True)
            learned = kmeans(lam.cpu().numpy(), self.copies, seed, o["kmeans_restarts"])
            untrained = kmeans(lam0.cpu().numpy(), self.copies, seed, o["kmeans_restarts"])
            self.matching[slot, k - 1] = (lam if o["assign"] != "untrained_meta" else lam0).cpu().to(torch.float64)
            self.untrained_clusters[slot, k - 1] = torch.from_numpy(untrained)
            self.diagnostics[slot, k - 1] = torch.tensor(
                [float(change[slot, k - 1]), off_diagonal_std(lam.cpu()), off_diagonal_std(lam0.cpu()),
                 adjusted_rand(learned, untrained)], dtype=torch.float64)
            if o["assign"] == "random":
                labels = balanced_split(len(users), self.copies, seed)
            else:
                labels = learned if o["assign"] == "learned" else untrained
            labels = torch.from_numpy(labels)
            cluster_loss = torch.stack([losses[labels == c].mean(0) for c in range(int(labels.max()) + 1)])
            choice = torch.tensor(best_assignment(cluster_loss.numpy()))
            self.model.table[users, cell, edge] = choice[labels]
            self.clusters[slot, k - 1] = labels
            self.cluster_loss[slot, k - 1, : len(cluster_loss)] = cluster_loss

    def probe_batches(self, slot: int) -> list:
        """``eq7_batches`` fixed training batches of ``probe_samples`` (augmented as in training), seeded by
        ``train.data_seed`` and the slot; the first is also the clustering probe."""
        generator = self.device_data.make_generator(seed_of(self.t["data_seed"], slot))
        batches = self.device_data.train_batches(generator, self.probe_samples)
        return list(itertools.islice(batches, self.options["eq7_batches"]))

    @torch.no_grad()
    def score_users(self, slot: int, k: int, users: list[int], batches: list) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean cross-entropy of each user with each copy on slot l over ``batches`` (users x M, float64, CPU),
        and the users' slot-l inputs on the first batch (users x S x C x H x W). Train-mode BN without
        touching the running statistics; slots before l on the assigned copies, later ones seeded random."""
        model, (cell, edge) = self.model, cell_edge(slot)
        generator = torch.Generator().manual_seed(seed_of(self.t["order_seed"], slot, k, 1))
        losses = torch.zeros(len(users), self.copies, dtype=torch.float64, device=self.device)
        inputs = []
        was_training = model.training
        model.train()
        later = (model.num_cells - cell) / model.num_cells  # the part of a forward a later copy recomputes
        with frozen_bn_statistics(model), self.autocast():
            for u, child in enumerate(users):
                route = [list(r) for r in model.random_route(child, generator)]
                for b, batch in enumerate(batches):
                    memo = {}
                    for m in range(self.copies):
                        route[cell][edge] = m
                        record = {} if b == 0 and m == 0 else None
                        logits = model(batch.x, child, memo, route=tuple(map(tuple, route)), record=record,
                                       record_samples=self.samples, deep=True)
                        losses[u, m] += F.cross_entropy(logits.float(), batch.y).double() / len(batches)
                        if record is not None:
                            inputs.append(record[(cell, edge)])
                        self._count(0, len(batch.y) * (1 if m == 0 else later))
        model.train(was_training)
        return losses.cpu(), torch.stack(inputs)

    @torch.no_grad()
    def matching_matrix(self, slot: int, k: int, inputs: torch.Tensor, untrained: bool = False) -> torch.Tensor:
        """Lambda_ab = M_(l,k)(h_a - h_b) for all pairs of users (Eq. 11; the diagonal is sigmoid(b)), with the
        current meta network or (``untrained``) its initialisation."""
        w, b = (self.meta_w0, self.meta_b0) if untrained else (self.meta_w, self.meta_b)
        phi = features(inputs[:, None], inputs[None, :], self.options["meta_input"], w.dtype)
        return matching_degree(w[slot, k - 1], b[slot, k - 1], phi)

    # -- helpers --------------------------------------------------------------------------------------------
    def _assigned(self, cell: int, edge: int) -> bool:
        return bool((self.model.table[:, cell, edge] != UNASSIGNED).all())

    def _count(self, baseline: float, actual: float) -> None:
        self.cost[0] += baseline
        self.cost[1] += actual

    def _reset_stats(self) -> None:
        zero = torch.zeros((), device=self.device)
        self._stats = {"pairs": 0, "meta": 0, "shared": 0, "lambda_current": zero, "lambda_shared": zero,
                       "meta_norm": zero}


def _split(flat, sizes: list[int]) -> list:
    out, start = [], 0
    for size in sizes:
        out.append(flat[start:start + size])
        start += size
    return out


def _mean(total, n: int) -> float:
    return float(total) / n if n else math.nan
