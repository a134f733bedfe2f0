"""PA&DA, paths and data sampled by importance (Lu et al. 2023; official code ``ShunLu91/PA-DA``): the
declaration. The trainer is ``trainer.PADA``; the figure ``figures.pada_probabilities`` (the operation
probabilities and the data distribution's entropy and ESS per epoch)."""

from wsnas.methods.declaration import Declaration, Figure, Quote, Timing

DECLARATION = Declaration(
    name="pada", trainer="wsnas.methods.pada.trainer:PADA",
    summary="importance sampling of paths and data (Lu et al. 2023, Sec. 3.2-3.5, Algorithm 1)",
    options={"paths": True, "data": True, "granularity": "op", "norm": "l2", "importance_weights": False,
             "schedule": "increasing"},
    choices={"granularity": ("op", "child"), "norm": ("l2", "sum_tensors"), "schedule": ("increasing", "zero")},
    figures=(Figure("pada_probabilities", "wsnas.methods.pada.figures:pada_probabilities", reads="epochs.csv",
                    caption="pada_probabilities.rst"),),
    quotes=(Quote({}, "Kendall tau 0.713 ± 0.002, P@Top5% 0.301 ± 0.018 (SPOS 0.639 / 0.211)",
                  "Lu et al. 2023, Table 1: NAS-Bench-201 CIFAR-10, all 15,625 architectures"),),
    timings=(Timing("supernet training: PA&DA vs single path", train={"child_order": "uniform"},
                    note="Lu et al., both uniform children; the timed epoch samples paths and data"),),
    step_target=1.10,
)
