"""``coproduce user`` and ``coproduce mail``: people who sign in, and the email outbox."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from plans.config import settings
from plans.db import session_scope
from plans.domain.errors import DomainError
from plans.models import Role, utcnow

user_app = typer.Typer(
    help="People who sign in to the web app: add them, give roles, issue sign-in links.", no_args_is_help=True
)
mail_app = typer.Typer(help="The email outbox: what is waiting, and sending it now.", no_args_is_help=True)


def _read_password(from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        return None
    first = typer.prompt(
        "Password (at least 12 characters; empty for none)", hide_input=True, default="", show_default=False
    )
    if not first:
        return None
    if typer.prompt("The same password again", hide_input=True) != first:
        typer.secho("error: the two passwords differ", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    return first


@user_app.command("add")
def user_add(
    email: Annotated[str, typer.Argument(help="Their email address (they sign in with it)")],
    name: Annotated[str, typer.Option("--name", help="Their name as others will see it")] = "",
    role: Annotated[list[Role], typer.Option("--role", help="A role to give (repeat for several)")] = [],  # noqa: B006
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin")] = False,
    no_password: Annotated[bool, typer.Option("--no-password", help="They will sign in by emailed link")] = False,
) -> None:
    """Add a person who signs in (or give an existing one more roles), e.g. the first coordinator."""
    from api.cli import _database, _fail
    from plans.services.users import add_user

    password = None if no_password else _read_password(password_stdin)
    try:
        _database()
        with session_scope() as s:
            person, created = add_user(s, email=email, name=name, roles=role, password=password, now=utcnow())
            summary = f"{'added' if created else 'updated'} {person.name} <{person.email}>"
    except DomainError as e:
        _fail(e)
    roles = ", ".join(r.value for r in role) or "no new roles"
    typer.echo(f"{summary}: {roles}; {'password set' if password else 'no password (sign-in links only)'}")


@user_app.command("link")
def user_link(email: Annotated[str, typer.Argument(help="Whose sign-in link")]) -> None:
    """Print a single-use sign-in link for someone (to pass on by hand, e.g. before email is set up)."""
    from api.cli import _database, _fail
    from plans.services.users import issue_sign_in_link

    try:
        _database()
        with session_scope() as s:
            link = issue_sign_in_link(s, email=email, now=utcnow())
    except DomainError as e:
        _fail(e)
    typer.echo(f"{link}\n(works once, for {int(settings.sign_in_link_minutes)} minutes)")


@user_app.command("token")
def user_token(
    email: Annotated[str, typer.Argument(help="Whose token: it acts with this person's roles")],
    name: Annotated[str, typer.Option("--name", help="What will use it, e.g. 'HR nightly import'")],
) -> None:
    """Make an API token for someone (e.g. a service account) and print it; it is shown only once."""
    from api.cli import _database, _fail
    from plans.services.api_tokens import create_token
    from plans.services.auth import principal_of

    try:
        _database()
        with session_scope() as s:
            token, _ = create_token(s, principal=principal_of(s, email=email), name=name, now=utcnow())
    except DomainError as e:
        _fail(e)
    typer.echo(token)


@mail_app.command("list")
def mail_list() -> None:
    """The messages waiting in the outbox, oldest first (attempts, next try, last error, any lease)."""
    from api.cli import _database
    from plans.repositories.outbox import OutboxRepository

    _database()
    with session_scope() as s:
        now = utcnow()
        waiting = OutboxRepository(s).pending()
        lines = [
            f"{m.id}\t{m.created_at:%Y-%m-%d %H:%M}\t{m.kind}\t{m.to_address}\tattempts {m.attempts}"
            + (f"\tnext try {m.next_attempt_at:%Y-%m-%d %H:%M}" if m.next_attempt_at > now else "")
            + (
                f"\tbeing sent (lease until {m.claimed_until:%H:%M:%S})"
                if m.claimed_until and m.claimed_until > now
                else ""
            )
            + (f"\t{m.last_error}" if m.last_error else "")
            for m in waiting
        ]
    typer.echo("\n".join(lines) if lines else "the outbox is empty")
    if not settings.smtp_host:
        typer.echo("note: no SMTP server is configured (COPRODUCE_SMTP_HOST); messages wait until one is")


@mail_app.command("send")
def mail_send() -> None:
    """Send every message that is due now over SMTP (the deliver-outbox flow does this on a schedule)."""
    from api.cli import _database
    from plans.delivery import deliver_due

    if not settings.smtp_host:
        typer.secho("error: no SMTP server is configured (set COPRODUCE_SMTP_HOST)", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    _database()
    done = deliver_due()
    typer.echo(f"sent {done.sent}, failed {done.failed} (retried later), left {done.left} for the next run")
    if done.stopped:
        typer.secho(f"stopped early: {done.stopped}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
