"""Monitor stage: trace ingestion and queries, metrics, online evaluation, alerts, feedback."""
