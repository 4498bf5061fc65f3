"""The `llmloop` command line (Typer + Rich)."""
