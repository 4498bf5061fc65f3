"""Evaluate stage: datasets, evaluators, experiments, comparisons and deployment gates."""
