"""``partnerhub tags …`` — custom tags from scripts: list, show, create, rename, delete,
add, remove. The CLI acts as the partner's operator (a full admin, audited as ``cli``);
each change is one transaction and says what it did (JSON with ``--json``). Read commands
print a table, or ``--format json|csv|xlsx``."""
from __future__ import annotations

from functools import partial
from pathlib import Path

import typer

from bot.cli.common import echo_done, echo_json
from bot.cli.options import FORMAT_OPT
from bot.cli.output import JSON, OUTPUT_OPT, TABLE, emit_rows, emit_view, output_format
from bot.cli.tables import DB_OPT, JSON_OPT, PARTNER_OPT, read_context, text_table
from partnerhub_core.auth import Actor
from partnerhub_core.customers import lookup_customer
from partnerhub_core.db import session_scope
from partnerhub_core.models import utcnow
from partnerhub_core.services import tags
from partnerhub_core.sources import push

tags_app = typer.Typer(help="Custom tags on customers: list, show, create, rename, delete, add, remove.",
                       no_args_is_help=True)


def _context(partner, database_url):
    ctx = read_context(partner, None, database_url)
    return ctx, Actor.system(ctx.partner_id, label="cli")


@tags_app.command("list")
def list_(partner: int = PARTNER_OPT, database_url: str = DB_OPT, json_out: bool = JSON_OPT,
          fmt: str = FORMAT_OPT, output: Path = OUTPUT_OPT) -> None:
    """Every tag with its description and how many customers carry it."""
    shape = output_format(fmt, json_out, output)
    ctx, actor = _context(partner, database_url)
    with session_scope(ctx.engine) as session:
        infos = tags.list_tags(session=session, actor=actor)
    if shape == JSON:
        echo_json([{"name": i.name, "description": i.description, "customers": i.customers} for i in infos])
    elif shape == TABLE:
        typer.echo(text_table(["Tag", "Customers", "Description"],
                              [[i.name, str(i.customers), i.description] for i in infos], right=[False, True, False]))
    else:
        emit_rows("Tags", ["Tag", "Customers", "Description"],
                  [[i.name, i.customers, i.description] for i in infos], shape, kinds=["text", "int", "text"],
                  output=output)


@tags_app.command("show")
def show(tag: str = typer.Argument(..., help="Tag name (case and accents do not matter).", metavar="TAG"),
         partner: int = PARTNER_OPT, database_url: str = DB_OPT, json_out: bool = JSON_OPT,
         fmt: str = FORMAT_OPT, output: Path = OUTPUT_OPT) -> None:
    """The customers carrying one tag."""
    shape = output_format(fmt, json_out, output)
    ctx, actor = _context(partner, database_url)
    with session_scope(ctx.engine) as session:
        found, customers = tags.customers_with_tag(session=session, actor=actor, tag=tag)
        rows = [{"org_id": c.org_id, "name": c.name, "region": c.region} for c in customers]
        name = found.name
    if shape == JSON:
        echo_json({"tag": name, "customers": rows})
        return
    if shape == TABLE:
        typer.echo(text_table(["Customer", "Org ID", "Region"], [[r["name"], r["org_id"], r["region"]] for r in rows]))
        return
    # The file is the customer list filtered on the tag (statuses, products, next end date).
    from partnerhub_core.customers import CustomerFilters
    from partnerhub_core.reports.views import customers_table

    with session_scope(ctx.engine) as session:
        table = customers_table(session=session, actor=actor, filters=CustomerFilters(tag=name), as_of=ctx.as_of,
                                settings=ctx.settings)
    emit_view(table, shape, output=output)


@tags_app.command("create")
def create(name: str = typer.Argument(..., help="At most 25 characters.", metavar="NAME"),
           description: str = typer.Option("", "--description", help="Up to 200 characters."),
           partner: int = PARTNER_OPT, database_url: str = DB_OPT, json_out: bool = JSON_OPT) -> None:
    """Create a tag (at most 25 characters)."""
    ctx, actor = _context(partner, database_url)
    with session_scope(ctx.engine) as session:
        tag = tags.create_tag(session=session, actor=actor, name=name, description=description, now=utcnow())
        echo_done(json_out, f"created tag {tag.name}", action="created", tag=tag.name, description=tag.description)


@tags_app.command("rename")
def rename(name: str = typer.Argument(..., metavar="NAME"), new_name: str = typer.Argument(..., metavar="NEW_NAME"),
           partner: int = PARTNER_OPT, database_url: str = DB_OPT, json_out: bool = JSON_OPT) -> None:
    """Rename a tag; the customers carrying it keep it."""
    ctx, actor = _context(partner, database_url)
    with session_scope(ctx.engine) as session:
        had_it = push.customers_with_tag(session, partner_id=ctx.partner_id,
                                         tag_id=tags.get_tag(session=session, partner_id=ctx.partner_id,
                                                             name=name).id)
        tag = tags.rename_tag(session=session, actor=actor, name=name, new_name=new_name, now=utcnow())
        echo_done(json_out, f"renamed to {tag.name}", action="renamed", tag=tag.name, was=name)
    _push(ctx, had_it, quiet=json_out)


@tags_app.command("delete")
def delete(name: str = typer.Argument(..., metavar="NAME"), partner: int = PARTNER_OPT, database_url: str = DB_OPT,
           json_out: bool = JSON_OPT) -> None:
    """Delete a tag and take it off every customer."""
    ctx, actor = _context(partner, database_url)
    with session_scope(ctx.engine) as session:
        had_it = push.customers_with_tag(session, partner_id=ctx.partner_id,
                                         tag_id=tags.get_tag(session=session, partner_id=ctx.partner_id,
                                                             name=name).id)
        count = tags.delete_tag(session=session, actor=actor, name=name, now=utcnow())
        echo_done(json_out, f"deleted tag {name}; {count} customer(s) had it", action="deleted", tag=name,
                  customers=count)
    _push(ctx, had_it, quiet=json_out)


def _change(verb: str, tag: str, customer: str, partner, database_url, json_out: bool = False) -> None:
    ctx, actor = _context(partner, database_url)
    with session_scope(ctx.engine) as session:
        card = lookup_customer(session=session, actor=actor, query=customer, as_of=ctx.as_of, settings=ctx.settings)
        service = tags.add_tag if verb == "add" else tags.remove_tag
        found = service(session=session, actor=actor, customer_id=card.id, tag=tag, now=utcnow())
        done = "tagged" if verb == "add" else "untagged"
        echo_done(json_out, f"{done} {card.name} ({card.org_id}): {found.name}", action=done, tag=found.name,
                  customer=card.name, org_id=card.org_id)
    _push(ctx, [card.id], quiet=json_out)


def _push(ctx, customer_ids: list[int], quiet: bool = False) -> None:
    """After the commit: send the customers' tags to Webex when the partner has a token
    (``quiet``: --json keeps stdout one JSON document; a failure still goes to stderr)."""
    result = push.push_tags(session_factory=partial(session_scope, ctx.engine), partner_id=ctx.partner_id,
                            customer_ids=customer_ids, settings=ctx.settings)
    if result.pushed and not quiet:
        typer.echo(f"sent to Webex: {result.pushed} customer(s)")
    if result.failed:
        typer.echo(f"saved here, but Webex could not be updated just now for {len(result.failed)} customer(s); "
                   "the next sync will send it", err=True)


@tags_app.command("add")
def add(tag: str = typer.Argument(..., metavar="TAG"),
        customer: str = typer.Argument(..., help="Org id or name of the customer.", metavar="CUSTOMER"),
        partner: int = PARTNER_OPT, database_url: str = DB_OPT, json_out: bool = JSON_OPT) -> None:
    """Put a tag on a customer (at most 5 tags a customer)."""
    _change("add", tag, customer, partner, database_url, json_out)


@tags_app.command("remove")
def remove(tag: str = typer.Argument(..., metavar="TAG"),
           customer: str = typer.Argument(..., help="Org id or name of the customer.", metavar="CUSTOMER"),
           partner: int = PARTNER_OPT, database_url: str = DB_OPT, json_out: bool = JSON_OPT) -> None:
    """Take a tag off a customer."""
    _change("remove", tag, customer, partner, database_url, json_out)


def register(app: typer.Typer) -> None:
    app.add_typer(tags_app, name="tags")
