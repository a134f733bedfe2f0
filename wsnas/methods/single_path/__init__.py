"""Single-path supernet training, the paper's baseline (Zhang et al. 2020, Sec. 3.1 and Appendix A.1): one
child per mini-batch in the configured child order. Every other method is compared with it; it has no
options, rankings or figures of its own (its trainer, ``trainer.SinglePath``, is also the seam the
single-path remedies subclass)."""

from wsnas.methods.declaration import Declaration

DECLARATION = Declaration(
    name="single_path", trainer="wsnas.methods.single_path.trainer:SinglePath",
    summary="one child per mini-batch (Zhang et al. 2020, Sec. 3.1)")
