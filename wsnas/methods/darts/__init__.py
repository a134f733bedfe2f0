"""DARTS, first and second order (Liu et al. 2019), and amended DARTS (Bi et al. 2019): the declaration. The
trainer is ``trainer.DARTS``; the ranking by the architecture parameters ``rankings.alpha_matrix`` (a row of
Table 5 beside the BN modes); the figures ``figures.darts_alpha`` and ``figures.darts_pick_rank``."""

from wsnas.methods.declaration import Check, Declaration, Figure, Quote, Timing

DECLARATION = Declaration(
    name="darts", trainer="wsnas.methods.darts.trainer:DARTS",
    summary="bilevel search of one alpha shared by the cells: first order, second order or amended (Bi et al. Eq. 6)",
    options={"variant": "amended", "eta": 0.1, "hvp": "exact", "fd_r": 0.01, "hessian_wd": False,
             "valid_fraction": 0.5, "alpha_lr": 3e-4, "alpha_beta1": 0.5, "alpha_beta2": 0.999,
             "alpha_weight_decay": 1e-3, "alpha_init": "zeros", "alpha_bn": "restore", "grad_clip": 5.0,
             "g2_cosine": False},
    choices={"variant": ("first_order", "second_order", "amended"), "hvp": ("exact", "fd"),
             "alpha_init": ("zeros", "randn"), "alpha_bn": ("restore", "update")},
    checks={"eta": Check(lambda x: x >= 0, "a number >= 0 (0: first-order DARTS)"),
            "fd_r": Check(lambda x: x > 0, "a positive step, e.g. 0.01 (DARTS) or 1e-4"),
            "valid_fraction": Check(lambda x: 0 < x < 1, "a fraction in (0, 1), e.g. 0.5"),
            "alpha_lr": Check(lambda x: x > 0, "a positive learning rate, e.g. 3e-4"),
            "alpha_beta1": Check(lambda x: 0 <= x < 1, "a number in [0, 1)"),
            "alpha_beta2": Check(lambda x: 0 <= x < 1, "a number in [0, 1)"),
            "alpha_weight_decay": Check(lambda x: x >= 0, "a number >= 0, e.g. 1e-3"),
            "grad_clip": Check(lambda x: x >= 0, "a norm >= 0 (0: no clipping), e.g. 5")},
    rankings={"alpha": "wsnas.methods.darts.rankings:alpha_matrix"},
    figures=(
        Figure("darts_alpha", "wsnas.methods.darts.figures:darts_alpha", reads="epochs.csv", caption="darts_alpha.rst"),
        Figure("darts_pick_rank", "wsnas.methods.darts.figures:darts_pick_rank", reads="epochs.csv",
               caption="darts_pick_rank.rst", ground_truth=True),
    ),
    quotes=(Quote({"variant": "amended", "eta": 0.1}, "CIFAR-10 test error 2.81 ± 0.21 % (eta 0.1)",
                  "Bi et al. 2019, Sec. 4.1: the DARTS space, the searched cell retrained"),),
    timings=(
        Timing("DARTS first order (mixed operations) vs single path", {"variant": "first_order"},
               train={"child_order": "uniform"},
               note="every operation of every edge in each step, half the images train alpha (Liu et al.)"),
        Timing("DARTS second order vs first order", {"variant": "second_order"}, train={"child_order": "uniform"},
               against="DARTS first order (mixed operations) vs single path",
               note="the unrolled step, exact Hessian products", costly=True),
        Timing("DARTS amended vs first order", {"variant": "amended"}, train={"child_order": "uniform"},
               against="DARTS first order (mixed operations) vs single path", note="Bi et al. Eq. 6, exact Hessian products",
               costly=True),
        Timing("DARTS amended vs second order", {"variant": "amended"}, train={"child_order": "uniform"},
               against="DARTS second order vs first order",
               note="Eq. 6 chains two Hessian products, second-order DARTS one", costly=True),
        Timing("DARTS second order, finite-difference vs exact Hessian products", {"variant": "second_order", "hvp": "fd"},
               train={"child_order": "uniform"}, against="DARTS second order vs first order",
               note="Liu et al. Sec. 2.3's finite difference: two more gradients instead of a double backward", costly=True),
        Timing("DARTS amended, finite-difference vs exact Hessian products", {"variant": "amended", "hvp": "fd"},
               train={"child_order": "uniform"}, against="DARTS amended vs first order",
               note="both of Eq. 6's Hessian products by finite differences", costly=True),
    ),
)
