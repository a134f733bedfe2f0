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

Schedules and controls (Sec. 3.4, Table 4): the smoothing weight is a function of the training progress
``x = (steps done - S) / (E S)`` (S steps an epoch), which is ``e / E`` at the end of epoch e, the code's value;
``schedule`` maps it to ``x`` (increasing), ``1 - x`` (decreasing) or 0 (zero). ``path_update: epoch`` updates
p at each epoch's end (the code); ``step`` after every step from epoch 0's last one on, with the running norms
carried across epochs (a reset would leave the operations not yet drawn in an epoch at zero importance).
``data_granularity: class`` gives each sample its class's mean score. ``parameter_free: mean`` gives
max-pool the mean running norm of the parametric operations (a control: its probability stays 1/4).

The options and their readings: ``wsnas.methods.pada`` (the declaration) and docs/methods/pada.md. Each
epoch's record holds the probabilities in force (``pada_p_<op>``; with per-step updates their mean over the
epoch's draws) and the share of the epoch's edge draws each operation got (``pada_drawn_<op>``).
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


def smoothing_weight(schedule: str, progress: float) -> float:
    """delta (paths) and tau (data) at training progress ``progress`` (``e / E`` at the end of epoch e;
    Sec. 3.4, Table 4's styles): ``increasing`` ``progress``, ``decreasing`` ``1 - progress``, ``zero`` 0."""
    return {"increasing": progress, "decreasing": 1.0 - progress, "zero": 0.0}[schedule]


def with_parameter_free(ema: torch.Tensor, free: torch.Tensor, rule: str) -> torch.Tensor:
    """The operations' importance: ``ema`` itself (``zero``: a parameter-free operation has no gradient norm),
    or with each parameter-free operation (``free``, a mask) given the mean of the others (``mean``)."""
    if rule == "zero" or not bool(free.any()) or bool(free.all()):
        return ema
    out = ema.clone()
    out[free] = ema[~free].mean()
    return out


def class_scores(scores: torch.Tensor, y: torch.Tensor, classes: int) -> torch.Tensor:
    """Each sample's score replaced by the mean score of its class's seen samples (score > 0; 0 when none was
    seen): class-level data sampling (Table 4's "Class" granularity)."""
    scores = scores.to(torch.float64)
    total = torch.zeros(classes, dtype=torch.float64, device=scores.device).index_add_(0, y, scores)
    seen = torch.zeros(classes, dtype=torch.float64, device=scores.device).index_add_(0, y, (scores > 0).double())
    return (total / seen.clamp_min(1))[y]


def running_update(ema: torch.Tensor, norms: torch.Tensor) -> torch.Tensor:
    """The code's per-step rule: ``(ema + n) / 2`` where ``n`` is non-zero, unchanged elsewhere."""
    return torch.where(norms != 0, (ema + norms) / 2, ema)


def sample_scores(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Eq. 13: ``||softmax(logits) - onehot(y)||_2`` per sample, the norm of the gradient of the summed
    cross-entropy with respect to the logits; computed in fp32."""
    probs = torch.softmax(logits.detach().float(), dim=1)
    # probs - onehot(y), bitwise, without F.one_hot's check of y's range (a wait for the device)
    return probs.scatter_add(1, y[:, None], torch.full_like(probs[:, :1], -1.0)).norm(dim=1)


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
        self.reset_counts()

    def reset_counts(self) -> None:
        """Zero the epoch's tallies: ``p_sum`` (the distribution in force at each draw, summed), ``draws`` and
        ``drawn`` (edge draws per operation)."""
        self.p_sum, self.draws, self.drawn = torch.zeros_like(self.p), 0, [0] * N_OPS

    def next(self) -> int:
        self.p_sum += self.p
        self.draws += 1
        if self.granularity == "child":
            child = int(torch.multinomial(self.p, 1, generator=self.generator))
            k = parse_child(CHILD_IDS[child])
        else:
            k = torch.multinomial(self.p, 3, replacement=True, generator=self.generator).tolist()
            child = 16 * k[0] + 4 * k[1] + k[2]
        for op in k:
            self.drawn[op] += 1
        return child

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
            if o["parameter_free"] == "mean" and o["granularity"] != "op":
                raise WsnasError("config key method.parameter_free: 'mean' gives the parameter-free operation the mean "
                                 "importance of the others, which needs granularity: op")
            sampler = PathSampler(o["granularity"], cfg["train"]["order_seed"])
        super().__init__(cfg, data, children, sampler)
        self.path_sampler = sampler  # also while another sampler stands in (bench.speed's warm-up)
        self.sample_paths, self.sample_data, self.granularity = o["paths"], o["data"], o["granularity"]
        self.weighted = o["importance_weights"]
        self.n_train, self.train_y = len(data.train_y), data.train_y
        self.train_index = data.train_index
        self.q = None  # the data distribution of the current epoch (None: the baseline's permutation)
        self._op_params = {}
        self._norm, self.schedule = o["norm"], o["schedule"]
        self.path_update, self.data_granularity = o["path_update"], o["data_granularity"]
        self.parameter_free = o["parameter_free"]
        self.steps_per_epoch = data.steps_per_epoch(self.t["batch_size"])
        self.classes = data.classes
        self.epoch, self._done = 0, 0
        if self.sample_paths:
            cell = next(m for m in self.model.modules() if isinstance(m, Cell))
            self._free = torch.tensor([not list(cell.edges[0][k].parameters()) for k in range(N_OPS)])  # on the host
            self.ema = torch.zeros(len(self.path_sampler.p), device=self.device)  # the running norms

    # -- the schedule ---------------------------------------------------------------------------------
    def mix(self, steps_done: int) -> float:
        """delta = tau for an update after ``steps_done`` steps of the run: the schedule at progress
        ``(steps_done - S) / (E S)``, so ``e / E`` at the end of epoch e (the code sets ``e / E`` at the start of
        epoch e and updates with it at its end); with per-step updates it moves linearly in between."""
        S = self.steps_per_epoch
        return smoothing_weight(self.schedule, (steps_done - S) / (self.t["epochs"] * S))

    def new_epoch(self, epoch: int) -> dict:
        self.epoch, self._done = epoch, 0
        self._index, self._scores = [], []
        record = super().new_epoch(epoch)
        if self.sample_paths:
            p = self.path_sampler.p
            self.path_sampler.reset_counts()
            if self.path_update == "epoch":
                self.ema = torch.zeros(len(p), device=self.device)  # the running norms, reset every epoch (the code)
            record |= {f"pada_p_{name}": float(v) for name, v in zip(OPERATIONS, self._marginal(p))}
        if self.sample_data:
            q = self.q[self.train_index] if self.q is not None else torch.full((len(self.train_index),), 1 / len(self.train_index), dtype=torch.float64)
            record |= {"pada_data_entropy": float(-(q * q.clamp_min(1e-300).log()).sum()) / math.log(len(q)),
                       "pada_data_ess": float(1 / (q * q).sum()) / len(q)}
        return record

    def _marginal(self, p: torch.Tensor):
        return p if self.granularity == "op" else self._op_marginal(p)

    def _update_paths(self, mix: float) -> None:
        """p from the running norms (max-pool's by ``parameter_free``), mixed with uniform by ``mix``."""
        ema = self.ema.cpu().to(torch.float64)  # in float64: the mean rule then gives max-pool 1/4 to rounding
        if self.granularity == "op":
            ema = with_parameter_free(ema, self._free, self.parameter_free)
        self.path_sampler.p = smoothed(ema, mix)

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
        if self.path_update == "step":
            self._done += 1
            steps_done = self.epoch * self.steps_per_epoch + self._done
            if steps_done >= self.steps_per_epoch:  # from epoch 0's last step on (a host sync per step)
                self._update_paths(self.mix(steps_done))

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
        mix = self.mix((self.epoch + 1) * self.steps_per_epoch)
        out = {}
        if self.sample_paths:
            sampler = self.path_sampler
            if sampler.draws:
                if self.path_update == "step":  # the distributions in force at the epoch's draws, averaged
                    mean = self._marginal(sampler.p_sum / sampler.draws)
                    out |= {f"pada_p_{name}": float(v) for name, v in zip(OPERATIONS, mean)}
                out |= {f"pada_drawn_{name}": n / (3 * sampler.draws) for name, n in zip(OPERATIONS, sampler.drawn)}
            if self.path_update == "epoch":
                self._update_paths(mix)
        if self.sample_data and self._index:
            s = epoch_scores(torch.cat(self._index), torch.cat(self._scores), self.n_train)
            q = torch.zeros(self.n_train, dtype=torch.float64, device=s.device)
            scores = s[self.train_index]
            if self.data_granularity == "class":
                scores = class_scores(scores, self.train_y[self.train_index], self.classes)
            q[self.train_index] = smoothed(scores, mix)
            self.q = q
            out["pada_data_seen"] = float((s[self.train_index] > 0).double().mean())
        self._index, self._scores = [], []
        return out

    def state_dict(self) -> dict:
        state = {**super().state_dict(), "pada_q": self.q if self.q is not None else torch.zeros(0, dtype=torch.float64)}
        if self.sample_paths and self.path_update == "step":  # per-epoch updates reset the running norms
            state["pada_ema"] = self.ema
        return state

    def load_state_dict(self, state: dict, source) -> None:
        super().load_state_dict(state, source)
        if "pada_q" not in state:
            raise WsnasError(f"checkpoint {source} holds no PA&DA sampling state; pass the config it was trained with "
                             "(config key method)")
        q = state["pada_q"]
        self.q = q.to(self.device) if len(q) else None
        if self.sample_paths and self.path_update == "step":
            if "pada_ema" not in state:
                raise WsnasError(f"checkpoint {source} holds no PA&DA running norms; pass the config it was trained "
                                 "with (config key method.path_update)")
            self.ema = state["pada_ema"].to(self.device)
