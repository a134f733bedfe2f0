"""Every job's config, settings (its checkpoint fingerprint and rule params) and cost; no torch."""
