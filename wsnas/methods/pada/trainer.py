"""PA&DA: importance sampling of paths and data (Lu et al. 2023, Sec. 3.2-3.5, Algorithm 1; official code
``ShunLu91/PA-DA``, ``nasbench201/train_panda_201.py``, whose choices the paper's numbers came from).

Paths (Sec. 3.2, Eq. 10): one probability vector over the four operations, shared by the three edges and the
four cells (the official code; its issue #3), each edge drawing its operation independently. After every
step, each parametric operation k of the child gets the norm ``n_k = sum over cells of the mean over the
child's edges using k of ||grad W_(cell, edge, k)||`` (L2 over all the operation copy's tensors), folded
into a running value ``ema_k <- (ema_k + n_k) / 2`` when non-zero, reset every epoch (the code). After epoch
e (0-based), ``p = delta ema / sum(ema) + (1 - delta) / 4`` with ``delta = e / E``: max-pool has no weights
and keeps ``(1 - delta) / 4``.

Data (Sec. 3.3, Eq. 11-13): each training sample's score is ``||softmax(logits) - onehot(y)||_2`` from its
training forward pass (the bound on its gradient norm, Eq. 13), in fp32; a sample seen twice in an epoch
gets the code's running value (mean of the old and the new, the first non-zero taken as it is); unseen
samples score 0. The next epoch draws N indices with replacement from ``q = tau s / sum(s) + (1 - tau) / N``
with ``tau = e / E`` (epoch 0: the baseline's permutation). All on the device: no per-sample Python and no
host sync per step.

Options (config section ``method``), the official code's choices by default:
- ``paths``, ``data`` (true): path and data sampling; both false is the uniform baseline, bit for bit;
- ``granularity``: ``op`` (the code: one vector over the 4 operations) or ``child`` (Eq. 10 literally:
  one probability per child, its norm the sum of its operation copies' norms; an ablation);
- ``norm``: ``l2`` (over all of an operation copy's tensors, ``||grad W_op||`` of Eq. 10) or
  ``sum_tensors`` (the sum of per-tensor norms, as the code does for NAS-Bench-201's one-conv operations);
- ``importance_weights`` (false): the loss weighted by ``1 / (n_children P(child))`` and per sample by
  ``1 / (N q_i)`` (Eq. 5, the paper's unbiased estimator); the code trains on the plain mean loss;
- ``schedule``: ``increasing`` (delta = tau = e / E) or ``zero`` (both 0 throughout: uniform paths and
  uniform data drawn with replacement, the control that separates drawing with replacement from importance).
"""

import math
from collections import Counter

import torch
import torch.nn.functional as F

from wsnas.core.model import Cell
from wsnas.core.space import CHILD_IDS, OPERATIONS, parse_child
from wsnas.data.device_data import Weighted
from wsnas.errors import WsnasError
from wsnas.methods.pada import DECLARATION
from wsnas.methods.single_path.trainer import SinglePath

N_OPS = len(OPERATIONS)


def smoothed(norms: torch.Tensor, mix: float) -> torch.Tensor:
    """``mix * norms / sum(norms) + (1 - mix) / n`` (Sec. 3.4), uniform when every norm is zero; float64."""
    norms = norms.to(torch.float64)
    total = norms.sum()
    share = norms / total if float(total) > 0 else torch.full_like(norms, 1 / len(norms))
    return mix * share + (1 - mix) / len(norms)


def running_update(ema: torch.Tensor, norms: torch.Tensor) -> torch.Tensor:
    """The code's per-step rule: ``(ema + n) / 2`` where ``n`` is non-zero, unchanged elsewhere."""
    return torch.where(norms != 0, (ema + norms) / 2, ema)


def sample_scores(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Eq. 13: ``||softmax(logits) - onehot(y)||_2`` per sample, the norm of the gradient of the summed
    cross-entropy with respect to the logits; computed in fp32."""
    probs = torch.softmax(logits.detach().float(), dim=1)
    return (probs - F.one_hot(y, probs.shape[1]).float()).norm(dim=1)


def epoch_scores(index: torch.Tensor, scores: torch.Tensor, n: int) -> torch.Tensor:
    """Each sample's score after one epoch (``index``, ``scores``: every step's, in step order), vectorised:
    the code's rule ``s <- (s + new) / 2 if s != 0 else new`` over a sample's occurrences gives, for the
    occurrences from its first non-zero one on, ``s_1 / 2^(m-1) + sum_(j>=2) s_j / 2^(m-j+1)``. Unseen: 0."""
    order = torch.argsort(index, stable=True)
    i, s = index[order], scores[order].to(torch.float64)
    first = torch.ones_like(i, dtype=torch.bool)
    first[1:] = i[1:] != i[:-1]
    group = torch.cumsum(first.long(), 0) - 1
    nonzero = torch.cumsum((s != 0).long(), 0)
    before_group = (nonzero - (s != 0).long())[first][group]  # non-zero occurrences before the group starts
    keep = nonzero - before_group > 0  # from the group's first non-zero occurrence on
    i, s, group = i[keep], s[keep], group[keep]
    if len(i) == 0:
        return torch.zeros(n, dtype=torch.float64, device=index.device)
    first = torch.ones_like(i, dtype=torch.bool)
    first[1:] = group[1:] != group[:-1]
    position = torch.arange(len(i), device=i.device)
    start = position[first][torch.cumsum(first.long(), 0) - 1]
    size = torch.bincount(torch.cumsum(first.long(), 0) - 1)[torch.cumsum(first.long(), 0) - 1]
    from_end = size - 1 - (position - start)
    weight = torch.pow(0.5, from_end + 1 - (position == start).long()).to(torch.float64)
    out = torch.zeros(n, dtype=torch.float64, device=index.device)
    return out.index_add_(0, i, weight * s)


class PathSampler:
    """Children drawn from the operation distribution (``op``: each edge independently) or a distribution over
    children (``child``); the sampler seam of ``wsnas.methods.child_order`` (``next``, ``observe``,
    ``state_dict``, ``load_state_dict``), seeded by ``train.order_seed``."""

    def __init__(self, granularity: str, seed: int):
        self.granularity = granularity
        outcomes = N_OPS if granularity == "op" else len(CHILD_IDS)
        self.p = torch.full((outcomes,), 1 / outcomes, dtype=torch.float64)
        self.generator = torch.Generator().manual_seed(seed)

    def next(self) -> int:
        if self.granularity == "child":
            return int(torch.multinomial(self.p, 1, generator=self.generator))
        k = torch.multinomial(self.p, 3, replacement=True, generator=self.generator).tolist()
        return 16 * k[0] + 4 * k[1] + k[2]

    def probability(self, child: int) -> float:
        """P(child) under the current distribution."""
        if self.granularity == "child":
            return float(self.p[child])
        return math.prod(float(self.p[k]) for k in parse_child(CHILD_IDS[child]))

    def observe(self, child: int, loss) -> None:
        """Unused: the norms come from ``PADA.after_backward``."""

    def state_dict(self) -> dict:
        return {"p": self.p.clone(), "generator": self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.p = state["p"].clone()
        self.generator.set_state(state["generator"])


class PADA(SinglePath):
    """Single-path training whose children and samples are drawn by importance (Lu et al. 2023)."""

    DECLARATION = DECLARATION
    stackable = False  # per-instance samplers of children and data

    def __init__(self, cfg: dict, data, children, sampler=None):
        o = self.options_of(cfg)  # before the base class: the options choose the child sampler
        if o["paths"]:
            if cfg["train"]["child_order"] != "uniform":
                raise WsnasError(f"config key train.child_order={cfg['train']['child_order']!r}: PA&DA's path sampling "
                                 "replaces uniform sampling; set it to uniform (or method.paths: false)")
            if sorted(children) != list(range(len(CHILD_IDS))):
                raise WsnasError("config key train.children: PA&DA's path sampling draws from all 64 children; leave it empty")
            sampler = PathSampler(o["granularity"], cfg["train"]["order_seed"])
        super().__init__(cfg, data, children, sampler)
        self.path_sampler = sampler  # also while another sampler stands in (bench.speed's warm-up)
        self.sample_paths, self.sample_data, self.granularity = o["paths"], o["data"], o["granularity"]
        self.weighted = o["importance_weights"]
        self.n_train = len(data.train_y)
        self.train_index = data.train_index
        self.q = None  # the data distribution of the current epoch (None: the baseline's permutation)
        self._op_params = {}
        self._norm, self.schedule = o["norm"], o["schedule"]
        self.epoch = 0

    # -- the schedule ---------------------------------------------------------------------------------
    def mix(self, epoch: int) -> float:
        """delta = tau = epoch / E, set at the start of epoch ``epoch`` and used by the update at its end
        (``schedule: zero``: always 0, uniform paths and data drawn uniformly with replacement)."""
        return epoch / self.t["epochs"] if self.schedule == "increasing" else 0.0

    def new_epoch(self, epoch: int) -> dict:
        self.epoch = epoch
        self._index, self._scores = [], []
        record = super().new_epoch(epoch)
        if self.sample_paths:
            p = self.path_sampler.p
            self.ema = torch.zeros(len(p), device=self.device)  # the running norms, reset every epoch (the code)
            marginal = p if self.granularity == "op" else self._op_marginal(p)
            record |= {f"pada_p_{name}": float(v) for name, v in zip(OPERATIONS, marginal)}
        if self.sample_data:
            q = self.q[self.train_index] if self.q is not None else torch.full((len(self.train_index),), 1 / len(self.train_index), dtype=torch.float64)
            record |= {"pada_data_entropy": float(-(q * q.clamp_min(1e-300).log()).sum()) / math.log(len(q)),
                       "pada_data_ess": float(1 / (q * q).sum()) / len(q)}
        return record

    @staticmethod
    def _op_marginal(p: torch.Tensor) -> list[float]:
        """Per operation, the probability that an edge carries it (averaged over the three edges)."""
        ops = torch.tensor([parse_child(c) for c in CHILD_IDS])
        return [float(sum(p[ops[:, e] == k].sum() for e in range(3)) / 3) for k in range(N_OPS)]

    def batch_sampler(self):
        return Weighted(self.q, replacement=True) if self.sample_data and self.q is not None else None

    # -- one step -------------------------------------------------------------------------------------
    def loss(self, logits, batch, child: int):
        if self.sample_data:
            self._index.append(batch.index)
            self._scores.append(sample_scores(logits, batch.y))
        if not self.weighted:
            return F.cross_entropy(logits, batch.y)
        per_sample = F.cross_entropy(logits, batch.y, reduction="none")
        if self.sample_data and self.q is not None:
            per_sample = per_sample / (len(self.train_index) * self.q[batch.index].to(per_sample.dtype))
        path = 1.0 / (len(CHILD_IDS) * self.path_sampler.probability(child)) if self.sample_paths else 1.0
        return path * per_sample.mean()

    def after_backward(self, child: int) -> None:
        """Fold this step's operation norms into the running values (the child's operations only)."""
        if not self.sample_paths:
            return
        params, segment, op, weight = self._op_parameters(child)
        if not params:
            return
        norms = torch.stack(torch._foreach_norm([p.grad for p in params])).float()
        size = len(op)  # operation copies (a host-side length: no device sync)
        if self._norm == "l2":
            per_copy = torch.zeros(size, device=norms.device).index_add_(0, segment, norms * norms).sqrt()
        else:
            per_copy = torch.zeros(size, device=norms.device).index_add_(0, segment, norms)
        if self.granularity == "op":
            n = torch.zeros(N_OPS, device=norms.device).index_add_(0, op, per_copy * weight)
        else:
            n = torch.zeros_like(self.ema)
            n[child] = per_copy.sum()
        self.ema = running_update(self.ema, n)

    def _op_parameters(self, child: int):
        """The parameters of ``child``'s operation copies, each tensor's copy (segment), each copy's operation
        and its weight 1 / (edges of the child using that operation); built once per child."""
        if child not in self._op_params:
            ops = parse_child(CHILD_IDS[child])
            count = Counter(ops)
            params, segment, op, weight = [], [], [], []
            for cell in (m for m in self.model.modules_of(child) if isinstance(m, Cell)):
                for edge, k in enumerate(ops):
                    tensors = list(cell.edges[edge][k].parameters())
                    if not tensors:
                        continue
                    params += tensors
                    segment += [len(op)] * len(tensors)
                    op.append(k)
                    weight.append(1 / count[k])
            dev = self.device
            self._op_params[child] = (params, torch.tensor(segment, device=dev), torch.tensor(op, device=dev),
                                      torch.tensor(weight, device=dev))
        return self._op_params[child]

    # -- the updates after an epoch -------------------------------------------------------------------
    def end_epoch(self) -> dict:
        mix = self.mix(self.epoch)
        out = {}
        if self.sample_paths:
            self.path_sampler.p = smoothed(self.ema.cpu(), mix)
        if self.sample_data and self._index:
            s = epoch_scores(torch.cat(self._index), torch.cat(self._scores), self.n_train)
            q = torch.zeros(self.n_train, dtype=torch.float64, device=s.device)
            q[self.train_index] = smoothed(s[self.train_index], mix)
            self.q = q
            out["pada_data_seen"] = float((s[self.train_index] > 0).double().mean())
        self._index, self._scores = [], []
        return out

    def state_dict(self) -> dict:
        return {**super().state_dict(), "pada_q": self.q if self.q is not None else torch.zeros(0, dtype=torch.float64)}

    def load_state_dict(self, state: dict, source) -> None:
        super().load_state_dict(state, source)
        if "pada_q" not in state:
            raise WsnasError(f"checkpoint {source} holds no PA&DA sampling state; pass the config it was trained with "
                             "(config key method)")
        q = state["pada_q"]
        self.q = q.to(self.device) if len(q) else None
