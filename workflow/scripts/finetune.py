"""Rule finetune: every child fine-tuned from one snapshot (wsnas.jobs.training.finetune)."""
from wsnas.jobs import common, training

s = snakemake  # noqa: F821
common.run(s.log, training.finetune, cfg=s.params.job.config, data=s.input.data, manifest=s.input.manifest,
           epoch=s.params.epoch, steps=s.params.steps, output=s.output[0], threads=s.threads)
