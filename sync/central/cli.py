"""`kiosk central …`: run the central server and manage its records."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from sync.central.states import Role

DEFAULT_DB = "sqlite:///central.db"


def add_parser(sub) -> None:
    """Add `central` and its subcommands to the kiosk command."""
    central = sub.add_parser("central", help="run the central server, or manage its records")
    _db(central)
    central.add_argument("--port", type=int, default=8100)
    central.add_argument("--host", default="127.0.0.1")
    central.set_defaults(handler=_serve)
    cmds = central.add_subparsers(metavar="COMMAND")

    enroll = cmds.add_parser("enroll", help="enrol a kiosk for a store; prints its id and token")
    _db(enroll)
    enroll.add_argument("--store", required=True)
    enroll.add_argument("--kiosk-id")
    enroll.add_argument("--json", action="store_true")
    enroll.set_defaults(handler=_enroll)

    roster = cmds.add_parser("import-roster", help="load households and residents from CSV")
    _db(roster)
    roster.add_argument("file", type=Path)
    roster.add_argument("--skip-bad", action="store_true", help="import the good rows anyway")
    roster.set_defaults(handler=_import_roster)

    products = cmds.add_parser("import-products", help="load the goods catalogue from CSV")
    _db(products)
    products.add_argument("file", type=Path)
    products.add_argument("--skip-bad", action="store_true", help="import the good rows anyway")
    products.set_defaults(handler=_import_products)

    cards = cmds.add_parser("issue-cards", help="issue cards to residents without one")
    _db(cards)
    cards.add_argument("--out", type=Path, required=True, help="the printable card sheet (PDF)")
    cards.add_argument("--codes", type=Path, required=True, help="CSV resident,household,code")
    cards.add_argument("--resident", action="append", help="only this resident (repeatable)")
    cards.add_argument("--reissue", action="store_true", help="replace their current cards")
    cards.set_defaults(handler=_issue_cards)

    revoke = cmds.add_parser("revoke-kiosk", help="revoke a kiosk's token (a lost or stolen kiosk)")
    _db(revoke)
    revoke.add_argument("kiosk_id")
    revoke.set_defaults(handler=_revoke_kiosk)

    user = cmds.add_parser("add-user", help="create an office web user (password from stdin)")
    _db(user)
    user.add_argument("username")
    user.add_argument("--role", choices=tuple(Role), default=Role.VIEWER)
    user.set_defaults(handler=_add_user)

    token = cmds.add_parser("office-token", help="print a token for the office API")
    _db(token)
    token.add_argument("--role", choices=tuple(Role), default=Role.ADMIN)
    token.add_argument("--label", default="")
    token.set_defaults(handler=_office_token)

    untoken = cmds.add_parser("revoke-office-token", help="revoke an office API token")
    _db(untoken)
    untoken.add_argument("token", help="the token, or its id (the part between eko_ and the dot)")
    untoken.set_defaults(handler=_revoke_office_token)

    zone = cmds.add_parser(
        "timezone",
        help="show the programme's time zone, or change it and recount the monthly figures",
    )
    _db(zone)
    zone.add_argument("zone", nargs="?", help="an IANA time zone, such as Asia/Shanghai")
    zone.set_defaults(handler=_timezone)

    announce = cmds.add_parser("announce", help="post an announcement for the stores' screens")
    _db(announce)
    announce.add_argument("--text", required=True)
    announce.add_argument("--from", dest="starts", required=True, help="first day, YYYY-MM-DD")
    announce.add_argument("--to", dest="ends", required=True, help="last day, YYYY-MM-DD")
    announce.add_argument("--store", action="append", default=[], help="a store (default: all)")
    announce.set_defaults(handler=_announce)

    day = cmds.add_parser("exchange-day", help="schedule a collective exchange day at a store")
    _db(day)
    day.add_argument("--store", required=True)
    day.add_argument("--day", required=True, help="YYYY-MM-DD")
    day.add_argument("--hours", required=True, help="e.g. 09:00-12:00")
    day.add_argument("--note", default="")
    day.set_defaults(handler=_exchange_day)


def _db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        default=argparse.SUPPRESS,
        help="SQLAlchemy URL (default: KIOSK_CENTRAL_DATABASE_URL or sqlite:///central.db)",
    )


def _url(args: argparse.Namespace) -> str:
    url = getattr(args, "database_url", None) or os.environ.get(
        "KIOSK_CENTRAL_DATABASE_URL", DEFAULT_DB
    )
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        url = f"sqlite:///{Path(url.removeprefix('sqlite:///')).resolve()}"
    return url


def _open(args: argparse.Namespace):
    from sync.central.server import open_central

    return open_central(_url(args))


def _serve(args: argparse.Namespace) -> int:
    from waitress import serve

    from sync.central.app import create_central_app

    central = _open(args)
    print(f"central http://{args.host}:{args.port}/ database {_url(args).split('@')[-1]}")
    sys.stdout.flush()
    try:
        serve(
            create_central_app(central), host=args.host, port=args.port, threads=8, ident="central"
        )
    finally:
        central.close()
    return 0


def _enroll(args: argparse.Namespace) -> int:
    from sync.central.services.errors import RegistryError
    from sync.central.services.kiosks import enroll

    central = _open(args)
    try:
        done = enroll(central, args.store, args.kiosk_id)
    except RegistryError as exc:
        print(f"kiosk central enroll: {exc}", file=sys.stderr)
        return 1
    finally:
        central.close()
    if args.json:
        print(json.dumps({"kiosk_id": done.kiosk_id, "token": done.token}))
    else:
        print(f"kiosk_id {done.kiosk_id}")
        print(f"token {done.token}")
        print(f"store {done.store}")
    return 0


def _notice(args: argparse.Namespace, post) -> int:
    from core.domain.errors import DomainError

    central = _open(args)
    try:
        done = post(central)
    except DomainError as exc:
        print(f"kiosk central: {exc}", file=sys.stderr)
        return 2
    finally:
        central.close()
    print(f"id {done.id}")
    print(f"stores {', '.join(done.stores) or 'all'}")
    return 0


def _announce(args: argparse.Namespace) -> int:
    from sync.central.services import notices

    return _notice(
        args,
        lambda c: notices.post_announcement(c, args.text, args.starts, args.ends, args.store),
    )


def _exchange_day(args: argparse.Namespace) -> int:
    from sync.central.services import notices

    return _notice(
        args,
        lambda c: notices.schedule_exchange_day(c, args.store, args.day, args.hours, args.note),
    )


def _import(args: argparse.Namespace, parse, apply, what: str) -> int:
    try:
        parsed = parse(args.file)
    except (OSError, ValueError) as exc:
        print(f"kiosk central: {exc}", file=sys.stderr)
        return 2
    for problem in parsed.problems:
        print(problem, file=sys.stderr)
    print(
        f"checked {len(parsed.rows) + len(parsed.problems)} rows: "
        f"{len(parsed.rows)} good, {len(parsed.problems)} bad",
        file=sys.stderr,
    )
    if parsed.problems and not args.skip_bad:
        print("nothing was imported (fix the rows above, or use --skip-bad)", file=sys.stderr)
        return 1
    central = _open(args)
    try:
        result = apply(central, parsed.rows)
    finally:
        central.close()
    print(f"{what}: {result}")
    return 0


def _import_roster(args: argparse.Namespace) -> int:
    from sync.central.imports import parse_roster
    from sync.central.services.roster import add_roster

    def apply(central, rows):
        total = len(rows)

        def progress(done: int) -> None:
            print(f"imported {done}/{total} rows", file=sys.stderr, flush=True)

        households, residents = add_roster(central, rows, progress=progress)
        return f"{households} households and {residents} residents added"

    return _import(args, parse_roster, apply, "roster")


def _import_products(args: argparse.Namespace) -> int:
    from sync.central.imports import parse_products
    from sync.central.services.goods import save_products

    def apply(central, rows):
        added, changed = save_products(central, rows)
        return f"{added} goods added, {changed} changed"

    return _import(args, parse_products, apply, "products")


def _issue_cards(args: argparse.Namespace) -> int:
    from sync.central.services.cards import issue_cards

    central = _open(args)
    try:
        issued = issue_cards(central, args.resident, reissue=args.reissue)
    finally:
        central.close()
    write_cards(issued, args.out, args.codes)
    print(f"{len(issued)} cards issued: sheet {args.out}, codes {args.codes}")
    return 0


def write_cards(issued, pdf: Path, codes: Path) -> None:
    """Write the printable card sheet and the resident,household,code CSV."""
    from core.sheets import CardSpec, card_sheet
    from sync.central.spreadsheet import write_csv

    with codes.open("w", encoding="utf-8-sig", newline="") as fh:
        rows = ([card.resident, card.household, card.code] for card in issued)
        write_csv(fh, ["resident", "household", "code"], rows)
    card_sheet(
        [CardSpec(code=c.code, resident=c.resident, household=c.household) for c in issued], pdf
    )


def _revoke_kiosk(args: argparse.Namespace) -> int:
    from sync.central.services.errors import RegistryError
    from sync.central.services.kiosks import revoke_kiosk

    central = _open(args)
    try:
        revoke_kiosk(central, args.kiosk_id)
    except RegistryError as exc:
        print(f"kiosk central revoke-kiosk: {exc}", file=sys.stderr)
        return 1
    finally:
        central.close()
    print(f"kiosk {args.kiosk_id} revoked: its token no longer syncs")
    return 0


def _add_user(args: argparse.Namespace) -> int:
    import getpass

    from sync.central.services.errors import RegistryError
    from sync.central.services.users import add_user

    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
    else:
        password = sys.stdin.readline().rstrip("\n")
    central = _open(args)
    try:
        add_user(central, args.username, password, args.role)
    except RegistryError as exc:
        print(f"kiosk central add-user: {exc}", file=sys.stderr)
        return 1
    finally:
        central.close()
    print(f"user {args.username} ({args.role}) saved")
    return 0


def _office_token(args: argparse.Namespace) -> int:
    from sync.central.services.tokens import office_token

    central = _open(args)
    try:
        print(office_token(central, args.role, args.label))
    finally:
        central.close()
    return 0


def _revoke_office_token(args: argparse.Namespace) -> int:
    from sync.central import tokens
    from sync.central.services.errors import RegistryError
    from sync.central.services.tokens import revoke_office_token

    given = args.token.strip()
    presented = tokens.parse(given, tokens.OFFICE_PREFIX)
    token_id = presented.token_id if presented is not None else given
    central = _open(args)
    try:
        revoke_office_token(central, token_id)
    except RegistryError as exc:
        print(f"kiosk central revoke-office-token: {exc}", file=sys.stderr)
        return 1
    finally:
        central.close()
    print(f"office token {token_id} revoked")
    return 0


def _timezone(args: argparse.Namespace) -> int:
    from sync.central import localtime
    from sync.central.queries.settings import programme_zone
    from sync.central.services.timezone import set_timezone

    if args.zone is not None and not localtime.valid(args.zone):
        print(
            f"kiosk central timezone: {args.zone!r} is not a time zone"
            " (an IANA name such as Asia/Shanghai)",
            file=sys.stderr,
        )
        return 2
    central = _open(args)
    try:
        if args.zone is None:
            print(programme_zone(central))
            return 0
        try:
            changed = set_timezone(central, args.zone)
        except ValueError:  # Python knows the zone, but the database server does not
            print(
                f"kiosk central timezone: {args.zone!r} is not a time zone this database knows",
                file=sys.stderr,
            )
            return 2
    finally:
        central.close()
    if changed:
        print(f"the programme's time zone is now {args.zone}; monthly figures recounted")
    else:
        print(f"the programme's time zone is already {args.zone}")
    return 0
