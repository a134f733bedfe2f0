"""The toy method's trainer, written only against ``wsnas.methods.protocol.Method``, to prove the seam.

Each child trains on two mini-batches in a row (111, 111, 112, 112, ...). Options (config section
``method``): ``valid_fraction`` > 0 asks for a validation split and, in every step, runs a second
forward pass on a validation batch (its loss joins the epoch record); ``reweight: true`` records each
training sample's latest loss by index and draws the next epoch's samples with replacement, in proportion
to those losses (the shape of PA&DA's data sampling). Everything it holds is in its state dict.
"""

import torch
import torch.nn.functional as F

from wsnas.core.model import build_model
from wsnas.data.device_data import Weighted
from wsnas.training.evaluate import evaluate_children
from wsnas.methods.protocol import Method, StepResult
from tests.toy_method import DECLARATION


class TwiceInARow(Method):
    DECLARATION = DECLARATION

    def __init__(self, cfg, data, children):
        super().__init__(cfg, data, children)
        self.valid_fraction = float(self.options["valid_fraction"])
        self.reweight = bool(self.options["reweight"])
        torch.manual_seed(cfg["train"]["init_seed"])
        self.model = build_model(cfg, data)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=cfg["train"]["lr"], momentum=0.9)
        self.steps = 0
        self.sample_loss = torch.ones(len(data.train_y), device=data.device)
        self.valid_loss = torch.zeros((), device=data.device)

    def new_epoch(self, epoch):
        self.model.train()
        self.valid_loss = torch.zeros((), device=self.valid_loss.device)
        return {}

    def step(self, batch, valid=None):
        child = self.children[(self.steps // 2) % len(self.children)]
        self.optimizer.zero_grad(set_to_none=True)
        logits = self.model(batch.x, child)
        per_sample = F.cross_entropy(logits, batch.y, reduction="none")
        loss = per_sample.mean()
        loss.backward()
        self.optimizer.step()
        self.sample_loss[batch.index] = per_sample.detach()
        if valid is not None:
            with torch.no_grad():
                self.valid_loss += F.cross_entropy(self.model(valid.x, child), valid.y)
        self.steps += 1
        return StepResult(child, loss.detach(), logits.detach(), batch.y)

    def end_epoch(self):
        return {"valid_loss_sum": float(self.valid_loss)} if self.valid_fraction else {}

    def batch_sampler(self):
        if not self.reweight or self.steps == 0:  # the first epoch visits every sample once
            return None
        return Weighted(self.sample_loss.clone(), replacement=True)

    def state_dict(self):
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "steps": self.steps, "sample_loss": self.sample_loss.clone(), "valid_loss": self.valid_loss.clone()}

    def load_state_dict(self, state, source):
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.steps = int(state["steps"])
        self.sample_loss.copy_(state["sample_loss"])
        self.valid_loss = state["valid_loss"].clone()

    def rank(self, data, eval_cfg, children=None):
        return evaluate_children(self.model, data, eval_cfg, children)
