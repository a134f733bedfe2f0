"""DCNAS, distribution-consistent weight sharing (Pan et al. 2022): the declaration. The trainer is
``trainer.DCNAS``; each run's learned sharing is a ``search_sharing`` job per instance (``sharing.csv``),
drawn by ``figures.dcnas_sharing``.

``assign`` chooses what splits each (slot, operation)'s users into the copies: ``learned``, K-means on the
matching degrees of the trained meta network (Sec. 3.2.1, the meta network trained by Eq. 12, Sec. 3.2.2);
``random``, a seeded balanced split (the Random-Assign control, Sec. 4.3, Table 3); ``untrained_meta``, K-means
on the matching degrees of the meta network as initialised, the same schedule and meta steps otherwise (a
control the paper does not run: what training the meta network adds). ``meta_lr`` and ``meta_clip`` (eta of
Eq. 12, not given by the paper; Cream's defaults) bound each update's move of a pair's logit by
``meta_lr meta_clip sqrt(3 D)`` times the spread of the untrained network's logits (docs/methods/dcnas.md, "The
meta step size")."""

from wsnas.methods.declaration import Check, Declaration, Figure, Quote, Record, Timing

_SOURCE = "Pan et al. 2022, Table 3: MBConv space, the searched network retrained"
_PAPER_EPOCHS, _PAIR_EPOCHS = 200, 36  # of the paper's 200 epochs, 36 are Eq. 8 pairs (12 slots x T = 3)

DECLARATION = Declaration(
    name="dcnas", trainer="wsnas.methods.dcnas.trainer:DCNAS",
    summary="several weight copies per operation and slot, their sharing learned (Pan et al. 2022, Algorithm 1)",
    options={"copies": 2, "warmup_epochs": 10.0, "layer_epochs": 3.0, "schedule_epochs": 200,
             "meta_interval": 20, "meta_lr": 1e-4, "meta_clip": 1.0, "meta_input": "slice", "meta_slice": 4,
             "meta_data": "same", "cross_term": "all", "cross_scale": "lr", "assign": "learned",
             "eq7_batches": 4, "probe_samples": 0, "kmeans_restarts": 10},
    choices={"meta_input": ("slice", "gap"), "meta_data": ("same", "next_slice"), "cross_term": ("all", "current"),
             "cross_scale": ("lr", "literal"), "assign": ("learned", "random", "untrained_meta")},
    checks={**{key: Check(lambda x: x >= 1, "a whole number >= 1", integer=True)
               for key in ("copies", "meta_slice", "meta_interval", "eq7_batches", "kmeans_restarts")},
            **{key: Check(lambda x: x >= 0, "a number >= 0")
               for key in ("warmup_epochs", "layer_epochs", "schedule_epochs", "meta_lr", "meta_clip", "probe_samples")}},
    sharing=True,
    figures=(Figure("dcnas_sharing", "wsnas.methods.dcnas.figures:dcnas_sharing", reads="sharing.csv",
                    caption="dcnas_sharing.rst"),),
    records=(Record("meta networks' change ‖w − w0‖ / ‖w0‖, mean over assigned slots", "dcnas_meta_change"),
             Record("that change over the most the run's schedule allows (meta_reach)", "dcnas_meta_change",
                    per="dcnas_meta_reach"),
             Record("adjusted Rand index of the trained and the untrained meta networks' clusterings (in every "
                    "assign mode)", "dcnas_ari_untrained")),
    quotes=(Quote({"copies": 2, "assign": "learned"}, "ImageNet top-1 78.1 % (global sharing 77.2, random 77.4)", _SOURCE),
            Quote({"copies": 1, "assign": "learned"}, "ImageNet top-1 77.2 % (Global-Sharing)", _SOURCE),
            Quote({"copies": 2, "assign": "random"}, "ImageNet top-1 77.4 % (Random-Assign)", _SOURCE)),
    # meta_lr and meta_clip too: they set the meta step to the run's updates per meta network and input size
    budget_options=frozenset({"warmup_epochs", "layer_epochs", "schedule_epochs", "meta_interval", "eq7_batches",
                              "probe_samples", "meta_lr", "meta_clip"}),
    # at 200 epochs the timed epoch lies in the warm-up (plain steps on random copies); with no warm-up and
    # long slot phases, in slot 0's Eq. 8 pairs (two children's passes, meta steps)
    timings=(
        Timing("DCNAS plain phase vs single path", train={"epochs": _PAPER_EPOCHS, "child_order": "uniform"},
               share=1 - _PAIR_EPOCHS / _PAPER_EPOCHS, note="M = 2: one child per step on its copies"),
        Timing("DCNAS Eq. 8 paired phase vs single path", {"warmup_epochs": 0.0, "layer_epochs": 8.0, "schedule_epochs": 0},
               train={"epochs": _PAPER_EPOCHS, "child_order": "uniform"}, share=_PAIR_EPOCHS / _PAPER_EPOCHS,
               note="two children per step and a meta step every 20; 36 of the paper's 200 epochs"),
    ),
    step_target=1.3,
)
