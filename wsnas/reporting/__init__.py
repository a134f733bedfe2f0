"""Metrics, rankings, results files, the paper's numbers, tables, figures, comparison; no torch."""
