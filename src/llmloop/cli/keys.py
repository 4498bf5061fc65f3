"""`llmloop key`: make, list and revoke API keys."""

from __future__ import annotations

from typing import Annotated

import typer

from llmloop.cli.output import JsonOption, console, error_console, print_json, print_table
from llmloop.cli.state import cli_state
from llmloop.domain.projects import KeyScope
from llmloop.errors import UsageError

app = typer.Typer(help="API keys: shown once, stored hashed, revocable.", no_args_is_help=True)

ProjectOption = Annotated[
    str | None, typer.Option("--project", "-p", help="Project; default: the current one.")
]
AdminOption = Annotated[
    bool, typer.Option("--admin", help="An admin key (manages projects and keys).")
]


FeedbackOption = Annotated[
    bool,
    typer.Option(
        "--feedback",
        help="A public feedback key: it may only post end-user feedback (safe in web pages).",
    ),
]


def _scope(admin: bool, feedback: bool = False) -> KeyScope:
    if admin and feedback:
        raise UsageError(
            "--admin and --feedback exclude each other",
            hint="A feedback key belongs to a project; leave out --admin.",
        )
    if feedback:
        return KeyScope.FEEDBACK
    return KeyScope.ADMIN if admin else KeyScope.PROJECT


@app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="What the key is for, e.g. 'ci'.")],
    project: ProjectOption = None,
    admin: AdminOption = False,
    feedback: FeedbackOption = False,
    as_json: JsonOption = False,
) -> None:
    """Make a key and print it once; only its hash is stored."""
    scope = _scope(admin, feedback)
    created = cli_state(ctx).client().keys.create(name, project=project, scope=scope)
    if as_json:
        print_json({**created.info.model_dump(mode="json"), "secret": created.secret})
        return
    owner = "admin key" if admin else f"{scope.value} key for project {created.info.project}"
    console.print(f"made {owner} [bold]{created.info.key_id}[/bold] ({created.info.name})")
    console.out(created.secret)
    error_console.print("[yellow]Store this key now: it is never shown again.[/yellow]")


@app.command("list")
def list_keys(
    ctx: typer.Context,
    project: ProjectOption = None,
    admin: AdminOption = False,
    as_json: JsonOption = False,
) -> None:
    """List keys (never their secrets)."""
    keys = cli_state(ctx).client().keys.list(project=project, scope=_scope(admin))
    if as_json:
        print_json(keys)
        return
    print_table(
        "Keys",
        ["key id", "name", "scope", "project", "created (UTC)", "revoked (UTC)"],
        [
            (
                k.key_id,
                k.name,
                k.scope.value,
                k.project or "",
                f"{k.created_at:%Y-%m-%d %H:%M}",
                f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "",
            )
            for k in keys
        ],
    )


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    key_id: Annotated[str, typer.Argument(help="The key id shown by `llmloop key list`.")],
    project: ProjectOption = None,
    admin: AdminOption = False,
) -> None:
    """Revoke a key; it stops working at once."""
    info = cli_state(ctx).client().keys.revoke(key_id, project=project, scope=_scope(admin))
    console.print(f"revoked key [bold]{info.key_id}[/bold] ({info.name})")
