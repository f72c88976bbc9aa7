"""`concierge kb ingest|search`: the knowledge base."""

from __future__ import annotations

import re
from pathlib import Path

import typer
from rich.table import Table

from concierge.cli.terminal import console, get_settings

# "in the north of Cambridge", "to Porto": a capitalised name after a place preposition
PLACE = re.compile(r"\b(?:in|to|of|near|around|visiting)\s+(?:the\s+)?([A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)*)")


def named_place(query: str, places: list[str]) -> str | None:
    """A place the query names after "in", "to", "of"…, when it is none of the inventory's `places`
    (its cities and areas)."""
    known = {p.lower() for p in places}
    return next((m for m in PLACE.findall(query) if m.lower() not in known), None)


kb_app = typer.Typer(help="The knowledge base.", no_args_is_help=True)


@kb_app.command("ingest")
def kb_ingest(files: list[Path] = typer.Argument(..., exists=True, readable=True,
                                                 help="Inventory JSON (hotels, rooms, policies), rooms CSV, or policy Markdown/HTML.")) -> None:
    """Upsert files into the knowledge base; re-ingesting a file updates it in place."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    from concierge.tools.knowledge import KnowledgeBase

    kb = KnowledgeBase(get_settings())
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console) as bar:
            for file in files:
                task = bar.add_task(file.name, total=None)

                def advance(done: int, total: int, task: TaskID = task) -> None:
                    bar.update(task, completed=done, total=total)

                count = kb.ingest(file, progress=advance)
                bar.update(task, description=f"{file.name}: {count} documents")
        console.print(f"collection now holds {kb.count()} documents")
    except ValueError as e:
        console.print(f"[red]{e}[/]")
        raise typer.Exit(1) from e
    finally:
        kb.close()


@kb_app.command("search")
def kb_search(
    query: str = typer.Argument(..., help="What the customer asks, e.g. 'a cheap guesthouse in the north with parking'."),
    city: str | None = typer.Option(None, "--city", help="Defaults to a known destination named in the query."),
    k: int = typer.Option(5, "--k", help="How many hotels to show."),
    policies: bool = typer.Option(False, "--policies", help="Search the policies instead of the rooms."),
) -> None:
    """Search as the retriever does: constraints read from the query filter, the rest ranks; shows why each hit matches."""
    from concierge.tools.knowledge import KnowledgeBase, StayRequest
    from concierge.tools.llm.offline.profile import profile

    kb = KnowledgeBase(get_settings())
    try:
        if policies:
            table = Table("score", "policy", "matching words", "text")
            for p in kb.search_policies(query, k=k):
                table.add_row(f"{p.score:.3f}", p.title, ", ".join(kb.why(query, p.text)), p.text[:100])
            console.print(table)
            return
        destinations = kb.destinations()
        read = profile({"ticket": {"subject": "", "body": query}, "known_destinations": destinations})
        if city:
            read["destination"] = city
        from concierge.tools.knowledge.base import ROOMS
        from concierge.tools.knowledge.constraints import Filter

        places = destinations + sorted({p.get("area") or "" for _, p in kb.store.scroll(Filter(must=(ROOMS,)))} - {""})
        missing = read.get("destination") or named_place(query, places)
        if missing and missing not in destinations:  # a city the inventory lacks: nothing elsewhere is a match
            console.print(f"[yellow]No rooms in {missing}.[/] The inventory holds rooms in {', '.join(destinations) or 'no city'}.")
            return
        request = StayRequest.from_profile(read)
        from concierge.agents.retriever import room_query

        search = kb.find_rooms(room_query(read), request, k=k)
        asked = [label for label, _, _ in request.hard_conditions()] or ["nothing hard"]
        console.print(f"hard constraints: {'; '.join(asked)}   preferred: {', '.join(request.preferred) or '—'}")
        if search.nothing_fits:
            console.print("[yellow]Nothing fits every hard constraint.[/] " + (
                "Nearest alternatives, each with what it breaks:" if search.alternatives else ""))
        table = Table("score", "hotel", "room", "price", "why it matches", "breaks", "source",
                      caption="words: the query's words found in the hotel's name, amenities and room features (— for none)")
        for o in sorted(search.offers or search.alternatives, key=lambda o: -o.score):
            words = ", ".join(kb.why(query, " ".join([o.hotel_name, o.room_name, *o.amenities, *o.features]))) or "—"
            price = f"{o.price_per_night:.0f} {o.currency}" + (
                " (" + " + ".join(f"{r.price_per_night:.0f}" for r in o.rooms) + ")" if o.rooms else "")
            table.add_row(f"{o.score:.3f}", o.hotel_name, f"{o.room_name} (sleeps {o.capacity})", price,
                          "; ".join([*o.matches, f"words: {words}"]), "; ".join(o.breaks) or "—", ", ".join(o.source_ids))
        console.print(table)
    finally:
        kb.close()
