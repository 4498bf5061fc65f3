"""`llmloop demo`: the loop as far as it is built, offline, on a fresh embedded store."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.panel import Panel

from llmloop.cli.demo_agents import agent_chapter
from llmloop.cli.demo_apps import apps_chapter
from llmloop.cli.demo_monitor import monitor_chapter
from llmloop.cli.demo_prompts import prompts_chapter
from llmloop.cli.demo_rag import rag_chapter
from llmloop.cli.demo_tracing import tracing_chapter
from llmloop.cli.output import console, print_table
from llmloop.cli.state import cli_state
from llmloop.client.http import HttpClient
from llmloop.client.local import LocalClient
from llmloop.errors import AuthenticationError, NotFoundError
from llmloop.server.app import create_app
from llmloop.server.run import ServerThread
from llmloop.settings import Settings, load_settings

LOOP_STATUS = (
    ("Platform", "projects, hashed API keys, REST server, embedded store", "built"),
    (
        "Build",
        "prompt registry, model providers, apps of kind prompt, python, rag and agent, "
        "model references",
        "built",
    ),
    ("Evaluate", "datasets, evaluators, experiments, gates", "planned"),
    ("Deploy", "releases, flags, rollouts, canary analysis", "planned"),
    (
        "Monitor",
        "OTLP ingestion, pricing, tracing SDK, openai/anthropic instrumentation, trace "
        "queries, metrics, scores, end-user feedback built; alerts and online evaluation next",
        "in progress",
    ),
    ("Close the loop", "failing production cases become evaluation items", "planned"),
)


def _step(number: int, title: str) -> None:
    console.print()
    console.rule(f"[bold]{number}. {title}[/bold]", align="left")


def _platform_chapter(settings: Settings) -> None:
    local = LocalClient.from_settings(settings)
    try:
        _step(1, "An embedded store, no server and no key")
        console.print(f"store: {local.context.database.redacted_url}")
        support = local.projects.create("support", description="The support assistant")
        local.projects.create("billing", description="Another team's project")
        print_table(
            "Projects",
            ["name", "description"],
            [(p.name, p.description) for p in local.projects.list()],
        )

        _step(2, "API keys are shown once and stored hashed")
        created = local.keys.create("demo", project=support.name)
        console.print(f"made key {created.info.key_id} for project {support.name}:")
        console.print(f"  {created.secret[:24]}…  (the store keeps only its SHA-256 digest)")

        _step(3, "The same resources over a real server on loopback")
        app = create_app(settings, database=local.context.database)
        with ServerThread(app) as server:
            console.print(f"server listening at {server.url}")
            remote = HttpClient.from_settings(
                load_settings(home=settings.home, server_url=server.url, api_key=created.secret)
            )
            try:
                console.print(f"the key's project over HTTP: {remote.projects.current().name}")
                try:
                    remote.projects.get("billing")
                except NotFoundError as error:
                    console.print(f"another project's data is invisible: [dim]{error}[/dim]")
                local.keys.revoke(created.info.key_id, project=support.name)
                try:
                    remote.projects.current()
                except AuthenticationError as error:
                    console.print(f"after revoking, the key stops at once: [dim]{error}[/dim]")
            finally:
                remote.close()
    finally:
        local.close()


def demo(
    ctx: typer.Context,
    folder: Annotated[
        Path | None,
        typer.Option("--folder", help="Where the demo's fresh store goes; default <home>/demo."),
    ] = None,
) -> None:
    """Run the loop as far as it is built, offline, on a fresh embedded store."""
    base = cli_state(ctx).settings()
    folder = folder or base.home / "demo"
    if folder.exists():
        shutil.rmtree(folder)
    settings = load_settings(home=folder, database_url=f"sqlite:///{folder / 'llmloop.db'}")
    console.print(
        Panel.fit(
            "llmloop runs the loop of an LLM application: Build → Evaluate → Deploy → Monitor,\n"
            "and back again. This demo runs offline on a fresh store in " + str(folder),
            title="llmloop demo",
        )
    )
    _platform_chapter(settings)
    prompts_chapter(settings, lambda title: _step(4, title))
    tracing_chapter(settings, lambda title: _step(5, title))
    apps_chapter(settings, lambda title: _step(6, title))
    rag_runs = rag_chapter(settings, lambda title: _step(7, title))
    agent_chapter(settings, lambda title: _step(8, title))
    monitor_chapter(settings, lambda title: _step(9, title), rag_runs)
    _step(10, "Where the loop stands")
    print_table("The loop", ["stage", "what", "state"], LOOP_STATUS)
    console.print()
    console.print("[green]demo complete[/green]: the store is kept in " + str(folder))
