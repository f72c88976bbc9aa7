"""The `concierge` command: the app and its top-level commands (demo, poll, doctor, serve); each
group of commands in a module of its own (threads, kb, eval, db/events/worker, operators)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.table import Table

from concierge.cli.eval import eval_app
from concierge.cli.kb import kb_app
from concierge.cli.operators import console_store, operators_app
from concierge.cli.runtime import check_schema, db_app, events_app, worker
from concierge.cli.terminal import console, get_settings, run_async
from concierge.cli.threads import resume, show, threads_app

if TYPE_CHECKING:
    from concierge.settings import Settings


class ConciergeApp(typer.Typer):
    """Every command stops on a bad setting with one line naming it and what it allows, exit code
    2, never a traceback."""

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except Exception as exc:
            from concierge.cli.startup import EXIT_CONFIG, config_message, is_settings_error  # the settings model, only now

            if not is_settings_error(exc):
                raise
            typer.echo(config_message(exc), err=True)
            raise SystemExit(EXIT_CONFIG) from None


app = ConciergeApp(help="Concierge: AI support & sales agent for hospitality and travel.", no_args_is_help=True)
app.add_typer(threads_app, name="threads")
app.command()(show)
app.command()(resume)
app.add_typer(kb_app, name="kb")
app.add_typer(eval_app, name="eval")
app.add_typer(db_app, name="db")
app.add_typer(events_app, name="events")
app.command()(worker)
app.add_typer(operators_app, name="operators")


@app.command()
def demo(
    reset: bool = typer.Option(False, "--reset", help="Start again: forget the demo's threads, emails, calls and alerts "
                               "(the console's operators, saved settings and the knowledge base stay)."),
    helpdesk: str | None = typer.Option(None, "--helpdesk", help="local | hubspot | zendesk | jira | zoho (default: HELPDESK)"),
) -> None:
    """Take the helpdesk's tickets assigned to the AI through the whole flow (the seeded demo tickets
    by default; with --helpdesk, that account's own tickets, whose customers answer for real)."""
    from pydantic import ValidationError

    from concierge.cli.demo import run_demo
    from concierge.settings import Settings

    try:
        settings = Settings(HELPDESK=helpdesk) if helpdesk else get_settings()
    except ValidationError as exc:
        if helpdesk is None:
            raise
        console.print(f"[red]--helpdesk:[/] {exc.errors()[0]['msg']}")
        raise typer.Exit(2) from None
    _configure_logging(settings, quiet=True)
    run_async(run_demo(settings, console, reset=reset))


@app.command()
def poll(wait: bool = typer.Option(True, help="Wait until the taken tickets' threads stop before exiting.")) -> None:
    """Take every open ticket the helpdesk has assigned to the AI (the same intake as its webhook)."""
    from concierge.actions.assignments import poll_assigned_tickets
    from concierge.runtime.process import open_runtime
    from concierge.tools.helpdesk import HelpdeskError, HelpdeskUnavailable

    async def run() -> list:
        async with open_runtime(get_settings()) as runtime:
            taken = await poll_assigned_tickets(runtime)
            if wait:
                await runtime.queue.join()
            return taken

    try:
        taken = run_async(run())
    except (HelpdeskError, HelpdeskUnavailable) as exc:
        console.print(f"[red]helpdesk error[/] {exc}")
        raise typer.Exit(1) from exc
    new = [a.thread_id for a in taken if not a.duplicate]
    console.print(f"{len(taken)} ticket(s) assigned to the AI; {len(new)} new: {', '.join(new) or '—'}")


@app.command()
def doctor() -> None:
    """Check every configured part with a real, read-only call and print the fix for each failure
    (exit 1 when any fails). Runs on the settings `serve` would use: the console's saved values too."""
    from concierge.actions.doctor import Check, run_checks
    from concierge.console.integrations import InvalidSetting, with_withheld

    try:
        settings, held = with_withheld(get_settings(), console_store())
    except InvalidSetting as exc:
        console.print(f"[red]invalid saved setting[/] {exc}")
        raise typer.Exit(1) from exc
    checks = [Check("settings", False, w.explain(), w.fix()) for w in held.values()] + run_async(run_checks(settings))
    table = Table("part", "", "detail", "fix")
    for check in checks:
        mark = ("[green]ok[/] (offline)" if check.offline else "[green]ok[/]") if check.ok else "[red]fail[/]"
        table.add_row(check.part, mark, check.detail, check.fix)
    console.print(table)
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


def _configure_logging(settings, *, quiet: bool = False) -> None:
    """Structured logs (LOG_FORMAT, LOG_LEVEL); interactive commands show warnings and worse only."""
    from concierge.observability.logs import configure_logging

    level = settings.log_level if not quiet or settings.log_level in ("WARNING", "ERROR") else "WARNING"
    configure_logging(settings.log_format, level)


@app.command()
def serve(host: str | None = None, port: int | None = None,
          workers: int | None = typer.Option(None, "--workers", help="Jobs this process runs at once. SQLite: default 2. "
                                             "PostgreSQL: default 0, `concierge worker` processes run them.")) -> None:
    """Run the HTTP API (webhooks and the thread API) and the web console at /."""
    from concierge.cli.startup import EXIT_CONFIG, check_parts
    from concierge.server.exposure import public_address_problem

    settings = get_settings()
    settings = settings.model_copy(update={"host": host or settings.host, "port": port or settings.port})
    if (problem := public_address_problem(settings, settings.host)) is not None:
        typer.echo(problem, err=True)
        raise typer.Exit(EXIT_CONFIG)
    check_parts(settings)
    check_schema(settings)
    _configure_logging(settings)

    import uvicorn

    from concierge.console.integrations import with_saved
    from concierge.server.app import create_app

    # Settings saved in the console apply from this start on; the environment still wins.
    settings = with_saved(settings, console_store())
    # log_config=None: uvicorn's records go through the structured, masked handler too.
    uvicorn.run(create_app(settings=settings, workers=workers), host=settings.host, port=settings.port, log_config=None,
                **proxy_options(settings))


def proxy_options(settings: Settings) -> dict:
    """uvicorn believes X-Forwarded-For only from the proxies FORWARDED_ALLOW_IPS names. Left to
    itself it would believe any loopback peer, so anyone reaching the port from the machine could
    pick the client address the login throttle counts by."""
    if not settings.forwarded_allow_ips:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": settings.forwarded_allow_ips}


if __name__ == "__main__":
    app()
