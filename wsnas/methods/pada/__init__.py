"""PA&DA, paths and data sampled by importance (Lu et al. 2023; official code ``ShunLu91/PA-DA``): the
declaration. The trainer is ``trainer.PADA``; the figure ``figures.pada_probabilities`` (the operation
probabilities and the data distribution's entropy and ESS per epoch).

Options (config section ``method``), the official code's choices by default:
- ``paths``, ``data`` (true): path (Sec. 3.2) and data (Sec. 3.3) sampling; both false is the uniform baseline;
- ``granularity``: ``op`` (the code: one vector over the four operations) or ``child`` (Eq. 10 literally);
- ``norm``: ``l2`` (Eq. 10's ``||grad W_op||``) or ``sum_tensors`` (the code's per-tensor sum);
- ``importance_weights`` (false): Eq. 5's unbiased loss; the code trains on the plain mean;
- ``schedule`` (Sec. 3.4; Table 4's "Style"): the smoothing weights delta (paths) and tau (data) against the
  training progress ``x`` (``e / E`` at the end of epoch e, as the code): ``increasing`` (``x``, the paper's
  and the code's choice, Table 4's ↑), ``decreasing`` (``1 - x``, Table 4's ↓: the complement of the code's
  value at every update, so pure importance in epoch 1 and ``2 / E`` in the last; the paper gives only "linearly
  decrease"), or ``zero`` (both 0: uniform paths and uniform data drawn with replacement, a control);
- ``path_update`` (Table 4's "Freq."): ``epoch`` (PE, the code: p from the epoch's running norms after each
  epoch) or ``step`` (PS: p recomputed after every step from epoch 0's last step on, delta moving linearly
  with the step through the per-epoch values at every epoch end, the running norms carried across epochs;
  the paper gives no more than "update the sampling distribution per step", the rest is wsnas's choice);
- ``data_granularity`` (Table 4's "Gran."): ``instance`` (Eq. 11, the code) or ``class`` (each sample scored
  with its class's mean score, Sec. 2's per-class sampling of [16]; the class-level code is not released);
- ``parameter_free``: ``zero`` (Sec. 3.4 and the code: max-pool, without weights, has no gradient norm, so
  only delta's uniform share, ``(1 - delta) / 4``, keeps it drawn) or ``mean`` (a control, not the paper's: the
  parameter-free operation gets the mean running norm of the others, so its probability stays 1/4 while the
  parametric operations share the rest by importance; ``granularity: op`` only). It tests whether starving
  max-pool is what PA&DA changes here.
"""

from wsnas.methods.declaration import Declaration, Figure, Quote, Record, Timing

DECLARATION = Declaration(
    name="pada", trainer="wsnas.methods.pada.trainer:PADA",
    summary="importance sampling of paths and data (Lu et al. 2023, Sec. 3.2-3.5, Algorithm 1)",
    options={"paths": True, "data": True, "granularity": "op", "norm": "l2", "importance_weights": False,
             "schedule": "increasing", "path_update": "epoch", "data_granularity": "instance",
             "parameter_free": "zero"},
    choices={"granularity": ("op", "child"), "norm": ("l2", "sum_tensors"),
             "schedule": ("increasing", "decreasing", "zero"), "path_update": ("epoch", "step"),
             "data_granularity": ("instance", "class"), "parameter_free": ("zero", "mean")},
    figures=(Figure("pada_probabilities", "wsnas.methods.pada.figures:pada_probabilities", reads="epochs.csv",
                    caption="pada_probabilities.rst"),),
    records=(Record("max-pool's probability on an edge (uniform: 1/4)", "pada_p_max_pool_3x3"),
             Record("data distribution's effective sample size / n (1: uniform)", "pada_data_ess")),
    quotes=(Quote({}, "Kendall tau 0.713 ± 0.002, P@Top5% 0.301 ± 0.018 (SPOS 0.639 / 0.211)",
                  "Lu et al. 2023, Table 1: NAS-Bench-201 CIFAR-10, all 15,625 architectures"),
            Quote({"data": False, "schedule": "decreasing"}, "Kendall tau 0.667 ± 0.003 (increasing: 0.699 ± 0.004)",
                  "Lu et al. 2023, Table 4: PA alone, per epoch, delta decreasing; NAS-Bench-201 CIFAR-10"),
            Quote({"data": False, "schedule": "decreasing", "path_update": "step"},
                  "Kendall tau 0.663 ± 0.008 (per epoch, increasing: 0.699 ± 0.004)",
                  "Lu et al. 2023, Table 4: PA alone, per step, delta decreasing; NAS-Bench-201 CIFAR-10"),
            Quote({"paths": False, "schedule": "decreasing"}, "Kendall tau 0.643 ± 0.021 (increasing: 0.644 ± 0.014)",
                  "Lu et al. 2023, Table 4: DA alone, per epoch, tau decreasing; NAS-Bench-201 CIFAR-10"),
            Quote({"paths": False, "data_granularity": "class"}, "Kendall tau 0.637 ± 0.024 (instance: 0.644 ± 0.014)",
                  "Lu et al. 2023, Table 4: DA alone, per epoch, tau increasing, class-level; NAS-Bench-201 CIFAR-10")),
    timings=(Timing("supernet training: PA&DA vs single path", train={"child_order": "uniform"},
                    note="Lu et al., both uniform children; the timed epoch samples paths and data"),),
    step_target=1.10,
)
