"""`llmloop project`: create, list and show projects."""

from __future__ import annotations

from typing import Annotated

import typer

from llmloop.cli.output import JsonOption, console, print_json, print_table
from llmloop.cli.state import cli_state
from llmloop.domain.projects import Project

app = typer.Typer(help="Projects: every stored thing belongs to one.", no_args_is_help=True)


def _show(project: Project, as_json: bool) -> None:
    if as_json:
        print_json(project)
        return
    console.print(f"[bold]{project.name}[/bold]  created {project.created_at:%Y-%m-%d %H:%M} UTC")
    if project.description:
        console.print(project.description)


@app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Project name, e.g. 'support'.")],
    description: Annotated[str, typer.Option(help="What the project is for.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Create a project (needs an admin key when talking to a server)."""
    project = cli_state(ctx).client().projects.create(name, description=description)
    if as_json:
        print_json(project)
    else:
        console.print(f"created project [bold]{project.name}[/bold]")


@app.command("list")
def list_projects(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the projects you can see."""
    projects = cli_state(ctx).client().projects.list()
    if as_json:
        print_json(projects)
        return
    print_table(
        "Projects",
        ["name", "created (UTC)", "description"],
        [(p.name, f"{p.created_at:%Y-%m-%d %H:%M}", p.description) for p in projects],
    )


@app.command("show")
def show(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Project name; default: your own.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Show one project (your own when no name is given)."""
    projects = cli_state(ctx).client().projects
    _show(projects.get(name) if name else projects.current(), as_json)
