"""`concierge operators`: the web console's operator accounts."""

from __future__ import annotations

import typer

from concierge.cli.terminal import console, get_settings

operators_app = typer.Typer(help="Operator accounts of the web console.", no_args_is_help=True)


def console_store():
    from concierge.console.store import ConsoleStore

    return ConsoleStore.for_settings(get_settings())


@operators_app.command("add")
def operators_add(
    name: str = typer.Argument(..., help="The operator's login name (letters, digits, . _ @ -)."),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True,
                                 help="At least 10 characters; asked for when not given."),
) -> None:
    """Create an operator of the web console (or set a new password for one, which ends their sessions)."""
    import re

    from concierge.console.auth import ADMIN
    from concierge.console.store import OPERATOR_NAME

    if not re.fullmatch(OPERATOR_NAME, name) or name == ADMIN:
        console.print(f"[red]name:[/] letters, digits and . _ @ - only, at most 64 characters; {ADMIN!r} is the admin token's")
        raise typer.Exit(2)
    if len(password) < 10:
        console.print("[red]password:[/] at least 10 characters")
        raise typer.Exit(2)
    console_store().add_operator(name, password)
    console.print(f"operator [bold]{name}[/] can log in to the console")


@operators_app.command("list")
def operators_list() -> None:
    """The console's operators."""
    for name in console_store().operators():
        console.print(name)


@operators_app.command("remove")
def operators_remove(name: str) -> None:
    """Remove an operator; their open sessions end at once."""
    if not console_store().remove_operator(name):
        console.print(f"[red]no operator named {name!r}[/]")
        raise typer.Exit(1)
    console.print(f"operator {name} removed")
