"""DI-NAS, disturbance-immune weight sharing (Niu et al. 2020): the declaration. The trainer is
``trainer.DINAS``; the figures ``figures.di_nas_disturbance`` (the paper's Figure 3 on this ground truth) and
``figures.di_nas_collapse`` (the projected step per epoch and layer kind)."""

from wsnas.methods.declaration import Check, Declaration, Figure, Quote, Record, Timing

DECLARATION = Declaration(
    name="di_nas", trainer="wsnas.methods.di_nas.trainer:DINAS",
    summary="orthogonal-projection gradient updates (Niu et al. 2020, Sec. 4.1, Algorithm 1)",
    options={"lambda": 1.0, "input": "positions", "control": "none", "exclude_self": False},
    choices={"input": ("positions", "mean"), "control": ("none", "isotropic")},
    checks={"lambda": Check(lambda x: x > 0, "a positive number (.inf: no projection)", finite=False)},
    every_epoch=True,  # Figure 3 compares rankings epochs apart
    figures=(
        Figure("di_nas_disturbance", "wsnas.methods.di_nas.figures:di_nas_disturbance", reads="disturbance.csv",
               caption="di_nas_disturbance.rst", baseline=True),
        Figure("di_nas_collapse", "wsnas.methods.di_nas.figures:di_nas_collapse", reads="epochs.csv",
               caption="di_nas_collapse.rst"),
    ),
    records=tuple(Record(f"‖GP‖/‖G‖, {kind} layers: the step left after the projection", f"dinas_ratio_{kind}")
                  for kind in ("depthwise", "pointwise", "head")),
    quotes=(Quote({}, "GT-Tau 0.48 (standard weight sharing 0.16)",
                  "Niu et al. 2020, Sec. 5.3: 64 architectures of the DARTS space against their training from scratch"),),
    timings=(Timing("supernet training: DI-NAS vs single path", note="Niu et al.: step time = 1/ratio x single path's"),),
    step_target=1.15,
)
