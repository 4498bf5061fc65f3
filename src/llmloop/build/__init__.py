"""Build stage: prompts, apps, providers, RAG pipelines, agents and model references."""
