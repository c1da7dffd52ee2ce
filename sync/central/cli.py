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
    central.add_argument(
        "--read-database-url",
        default=argparse.SUPPRESS,
        help="a PostgreSQL streaming replica for the office's figures, reports and lists"
        " (default: KIOSK_CENTRAL_READ_DATABASE_URL, else none: everything reads the primary)",
    )
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

    areas = cmds.add_parser(
        "import-areas", help="load the programme's areas (county, town, village, group) from CSV"
    )
    _db(areas)
    areas.add_argument("file", type=Path)
    areas.add_argument("--skip-bad", action="store_true", help="import the good rows anyway")
    areas.set_defaults(handler=_import_areas)

    store_area = cmds.add_parser("store-area", help="place a store in a village")
    _db(store_area)
    store_area.add_argument("--store", required=True)
    store_area.add_argument("--area", required=True, help="the village's path: county/town/village")
    store_area.set_defaults(handler=_store_area)

    products = cmds.add_parser("import-products", help="load the goods catalogue from CSV")
    _db(products)
    products.add_argument("file", type=Path)
    products.add_argument("--skip-bad", action="store_true", help="import the good rows anyway")
    products.set_defaults(handler=_import_products)
    rules = cmds.add_parser("import-rules", help="load the rule book (积分细则) from CSV")
    _db(rules)
    rules.add_argument("file", type=Path)
    rules.add_argument("--skip-bad", action="store_true", help="import the good rows anyway")
    rules.set_defaults(handler=_import_rules)

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

    whole = cmds.add_parser(
        "whole-feed",
        help="show whether the whole feed (protocol 1's) is open and who reads it, or close it"
        " for good once every kiosk reads its store's feed",
    )
    _db(whole)
    whole.add_argument("action", nargs="?", choices=("close",), help="close it, for good")
    whole.add_argument(
        "--anyway",
        action="store_true",
        help="close it although kiosks of an earlier release still read it",
    )
    whole.set_defaults(handler=_whole_feed)

    user = cmds.add_parser("add-user", help="create an office web user (password from stdin)")
    _db(user)
    user.add_argument("username")
    user.add_argument("--role", choices=tuple(Role), default=Role.VIEWER)
    user.add_argument("--area", help="the user's area as a path (default: the whole programme)")
    user.set_defaults(handler=_add_user)

    token = cmds.add_parser("office-token", help="print a token for the office API")
    _db(token)
    token.add_argument("--role", choices=tuple(Role), default=Role.ADMIN)
    token.add_argument("--label", default="")
    token.add_argument("--user", help="scope the token like this office user (role and area)")
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

    policy = cmds.add_parser(
        "points-policy",
        help="show when spendable points expire, or set it (the honour total never expires)",
    )
    _db(policy)
    choice = policy.add_mutually_exclusive_group()
    choice.add_argument("--never", action="store_true", help="spendable points never expire")
    choice.add_argument("--clear-on", metavar="MM-DD", help="cleared every year on this day")
    choice.add_argument(
        "--after-months", metavar="N", type=int, help="each credit lasts N months (oldest first)"
    )
    policy.set_defaults(handler=_points_policy)

    expire = cmds.add_parser(
        "expire", help="clear what the points policy says has expired (the server does it hourly)"
    )
    _db(expire)
    expire.set_defaults(handler=_expire)

    settle = cmds.add_parser(
        "settlement", help="write a partner store's settlement for a period as PDF or XLSX"
    )
    _db(settle)
    settle.add_argument("--store", required=True, help="the store's name")
    settle.add_argument("--month", required=True, help="the period's first month, YYYY-MM")
    settle.add_argument("--out", required=True, type=Path, help="FILE.pdf or FILE.xlsx")
    settle.set_defaults(handler=_settlement)
    announce = cmds.add_parser("announce", help="post an announcement for the stores' screens")
    _db(announce)
    announce.add_argument("--text", required=True)
    announce.add_argument("--from", dest="starts", required=True, help="first day, YYYY-MM-DD")
    announce.add_argument("--to", dest="ends", required=True, help="last day, YYYY-MM-DD")
    announce.add_argument("--store", action="append", default=[], help="a store (default: all)")
    announce.add_argument(
        "--village",
        action="append",
        default=[],
        metavar="PATH",
        help="a village (县/镇/村) whose stores show it (default: all)",
    )
    announce.add_argument(
        "--picture", type=Path, metavar="FILE", help="a JPEG or PNG picture (at most 300 KB)"
    )
    announce.set_defaults(handler=_announce)

    parts = cmds.add_parser(
        "partitions",
        help="list the monthly partitions (PostgreSQL), make months ahead, archive old months",
    )
    _db(parts)
    parts.add_argument("--ahead", type=int, default=None, help="make this and the next N months")
    parts.add_argument("--detach-before", help="archive every month before YYYY-MM")
    parts.set_defaults(handler=_partitions)

    day = cmds.add_parser("exchange-day", help="schedule a collective exchange day at a store")
    _db(day)
    day.add_argument("--store", required=True)
    day.add_argument("--day", required=True, help="YYYY-MM-DD")
    day.add_argument("--hours", required=True, help="e.g. 09:00-12:00")
    day.add_argument("--note", default="")
    day.set_defaults(handler=_exchange_day)

    board = cmds.add_parser(
        "board", help="write a village's monthly 公示 sheet as PDF, or choose what the board shows"
    )
    _db(board)
    board.add_argument("--village", help="the village's path (县/镇/村) or its name")
    board.add_argument("--month", help="YYYY-MM (default: this month)")
    board.add_argument("--out", type=Path, help="FILE.pdf")
    board.add_argument(
        "--show",
        metavar="SECTIONS",
        help="what the kiosks' board shows: a comma list of awards,deductions,ranking,exchange_day",
    )
    board.add_argument("--ranking", type=int, metavar="N", help="households ranked (1 to 20)")
    board.set_defaults(handler=_board)


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


def _open(args: argparse.Namespace, read_url: str | None = None):
    from sync.central.server import open_central

    return open_central(_url(args), read_url=read_url)


def _read_url(args: argparse.Namespace) -> str | None:
    url = getattr(args, "read_database_url", None) or os.environ.get(
        "KIOSK_CENTRAL_READ_DATABASE_URL", ""
    )
    return url.strip() or None


def _serve(args: argparse.Namespace) -> int:
    from waitress import serve

    from sync.central.app import create_central_app
    from sync.central.jobs import Jobs

    read_url = _read_url(args)
    try:
        central = _open(args, read_url)
    except ValueError as exc:  # a read database that is no PostgreSQL replica
        print(f"kiosk central: --read-database-url: {exc}", file=sys.stderr)
        return 2
    replica = f" replica {read_url.split('@')[-1]}" if read_url else ""
    print(f"central http://{args.host}:{args.port}/ database {_url(args).split('@')[-1]}{replica}")
    sys.stdout.flush()
    jobs = Jobs(central).start()
    try:
        serve(
            create_central_app(central), host=args.host, port=args.port, threads=8, ident="central"
        )
    finally:
        jobs.stop()
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
    from sync.central.services.errors import RegistryError

    central = _open(args)
    try:
        done = post(central)
    except (DomainError, RegistryError) as exc:
        print(f"kiosk central: {exc}", file=sys.stderr)
        return 2
    finally:
        central.close()
    print(f"id {done.id}")
    print(f"stores {', '.join(done.stores) or ('none yet' if done.villages else 'all')}")
    if done.villages:
        print(f"villages {', '.join(done.villages)}")
    return 0


def _announce(args: argparse.Namespace) -> int:
    from core.domain import limits
    from sync.central.services import notices

    picture = None
    if args.picture is not None:
        try:
            with args.picture.open("rb") as f:
                picture = f.read(limits.MAX_PICTURE_BYTES + 1)  # one byte more tells too large
        except OSError as exc:
            print(f"kiosk central: {args.picture}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    return _notice(
        args,
        lambda c: notices.post_announcement(
            c,
            args.text,
            args.starts,
            args.ends,
            args.store,
            villages=args.village,
            picture=picture,
        ),
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
    from sync.central.services.errors import RegistryError

    central = _open(args)
    try:
        result = apply(central, parsed.rows)
    except RegistryError as exc:
        print(f"kiosk central: {exc}; nothing was imported", file=sys.stderr)
        return 1
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


def _import_areas(args: argparse.Namespace) -> int:
    from sync.central.imports import parse_areas
    from sync.central.services.areas import save_areas

    def apply(central, rows):
        added, known = save_areas(central, rows)
        return f"{added} areas added, {known} already there"

    return _import(args, parse_areas, apply, "areas")


def _store_area(args: argparse.Namespace) -> int:
    from sync.central.services.areas import set_store_area
    from sync.central.services.errors import RegistryError

    central = _open(args)
    try:
        path = set_store_area(central, args.store, args.area)
    except RegistryError as exc:
        print(f"kiosk central store-area: {exc}", file=sys.stderr)
        return 1
    finally:
        central.close()
    print(f"store {args.store.strip()} is in {path}")
    return 0


def _import_products(args: argparse.Namespace) -> int:
    from sync.central.imports import parse_products
    from sync.central.services.goods import save_products

    def apply(central, rows):
        added, changed = save_products(central, rows)
        return f"{added} goods added, {changed} changed"

    return _import(args, parse_products, apply, "products")


def _import_rules(args: argparse.Namespace) -> int:
    from sync.central.imports import parse_rules
    from sync.central.services.rules import save_rules

    def apply(central, rows):
        added, changed = save_rules(central, rows, actor="cli")
        return f"{added} rules added, {changed} changed"

    return _import(args, parse_rules, apply, "rules")


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


def _whole_feed(args: argparse.Namespace) -> int:
    from sync.central.services.errors import RegistryError
    from sync.central.services.kiosks import close_whole_feed, whole_feed

    central = _open(args)
    try:
        if args.action is None:
            state = whole_feed(central)
        else:
            try:
                state = close_whole_feed(central, anyway=args.anyway)
            except RegistryError as exc:
                print(f"kiosk central whole-feed: {exc}", file=sys.stderr)
                return 2
    finally:
        central.close()
    readers = ", ".join(state.readers) or "none"
    if args.action is None:
        if state.closed:
            print("the whole feed is closed: every kiosk reads its store's feed")
        else:
            print(f"the whole feed is open; kiosks of an earlier release reading it: {readers}")
    elif state.closed:
        print("the whole feed was closed already")
    else:
        print(
            "the whole feed is closed for good: every kiosk reads its store's feed, and kiosks'"
            f" ledger entries are no longer copied to it (cut off: {readers})"
        )
    if state.unseen and not (args.action is None and state.closed):
        # Not a reason to refuse: a kiosk of this release, enrolled and not yet started, is the
        # usual case. One of an earlier release would be refused the feed at its first sync.
        print(
            "enrolled, never in contact with central (release not known yet; one of an earlier"
            f" release cannot sync once the feed is closed): {', '.join(state.unseen)}"
        )
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
        add_user(central, args.username, password, args.role, area=args.area)
    except RegistryError as exc:
        print(f"kiosk central add-user: {exc}", file=sys.stderr)
        return 1
    finally:
        central.close()
    where = args.area or "the whole programme"
    print(f"user {args.username} ({args.role}, {where}) saved")
    return 0


def _office_token(args: argparse.Namespace) -> int:
    from sync.central.services.errors import RegistryError
    from sync.central.services.tokens import office_token

    central = _open(args)
    try:
        print(office_token(central, args.role, args.label, user=args.user))
    except RegistryError as exc:
        print(f"kiosk central office-token: {exc}", file=sys.stderr)
        return 1
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


def _points_policy(args: argparse.Namespace) -> int:
    from core.domain.expiry import Policy, PolicyError
    from sync.central.services import expiry

    try:
        if args.never:
            wanted = Policy.never()
        elif args.clear_on is not None:
            wanted = Policy.clear_on(args.clear_on)
        elif args.after_months is not None:
            wanted = Policy.after_months(args.after_months)
        else:
            wanted = None
    except PolicyError as exc:
        print(f"kiosk central points-policy: {exc}", file=sys.stderr)
        return 2
    central = _open(args)
    try:
        state = (
            expiry.current(central)
            if wanted is None
            else expiry.set_policy(central, wanted, actor="cli")
        )
    finally:
        central.close()
    print(state.policy.describe())
    if state.effective_from is not None and wanted is not None:
        print(
            f"nothing is cleared before {state.effective_from} (residents are told a month ahead)"
        )
    return 0


def _expire(args: argparse.Namespace) -> int:
    from sync.central.services import expiry

    central = _open(args)
    try:
        done = expiry.run(central)
    finally:
        central.close()
    print(
        f"{done.points} points of {done.households} households cleared; {done.notices} notices sent"
    )
    return 0


def _partitions(args: argparse.Namespace) -> int:
    import re
    from datetime import date

    from sync.central.services import partitions

    def fail(zh: str, en: str) -> int:
        print(f"kiosk central partitions: {zh} / {en}", file=sys.stderr)
        return 1

    before = None
    if args.detach_before is not None:
        found = re.fullmatch(r"([0-9]{4})-(0[1-9]|1[0-2])", args.detach_before)
        if not found:
            return fail(
                f"--detach-before {args.detach_before!r} 不是月份（如 2026-11）",
                f"--detach-before {args.detach_before!r} is not a month such as 2026-11",
            )
        before = date(int(found[1]), int(found[2]), 1)
    central = _open(args)
    try:
        if not partitions.kept(central):
            return fail("分区仅用于 PostgreSQL", "partitions are kept on PostgreSQL only")
        try:
            if args.ahead is not None:
                for name in partitions.ensure_ahead(central, args.ahead):
                    print(f"made {name}")
            if before is not None:
                for name in partitions.detach_before(central, before):
                    print(f"archived {name} as {partitions.ARCHIVE}.{name}")
        except partitions.PartitionRefused as refused:
            return fail(refused.zh, refused.en)
        for p in partitions.listing(central):
            where = f"{partitions.ARCHIVE}.{p.name}" if p.archived else p.name
            state = "archived" if p.archived else "attached"
            print(f"{p.table}\t{p.month or 'default'}\t{where}\t{p.rows}\t{state}")
    finally:
        central.close()
    return 0


def _settlement(args: argparse.Namespace) -> int:
    import re
    from datetime import date

    from sync.central import localtime
    from sync.central.documents import settlement_pdf, settlement_xlsx
    from sync.central.queries.settings import programme_zone
    from sync.central.queries.settlement import settlement, store_by_name

    def fail(message: str) -> int:
        print(f"kiosk central settlement: {message}", file=sys.stderr)
        return 1

    fmt = args.out.suffix.lower()
    if fmt not in (".pdf", ".xlsx"):
        return fail("--out must end in .pdf or .xlsx")
    found = re.fullmatch(r"([0-9]{4})-(0[1-9]|1[0-2])", args.month)
    if not found:
        return fail(f"--month {args.month!r} is not a month such as 2026-11")
    central = _open(args)
    try:
        store = store_by_name(central, args.store)
        if store is None:
            return fail(f"no store {args.store}")
        figures = settlement(central, store["id"], date(int(found[1]), int(found[2]), 1))
        made = localtime.today(programme_zone(central))
    finally:
        central.close()
    try:
        with args.out.open("wb") as out:
            if fmt == ".pdf":
                settlement_pdf(figures, out, made)
            else:
                settlement_xlsx(figures, out)
    except OSError as exc:
        return fail(f"cannot write {args.out}: {exc.strerror}")
    due = figures["amount_due"]
    print(
        f"{figures['store']} {figures['from']}..{figures['to']}: "
        f"{figures['points_redeemed']} points, {figures['goods_issued']} goods, "
        f"due {'-' if due is None else f'{due:.2f}'} yuan -> {args.out}"
    )
    return 0


def _board(args: argparse.Namespace) -> int:
    from sync.central import localtime
    from sync.central.documents import board_pdf
    from sync.central.queries.settings import programme_zone
    from sync.central.services import board
    from sync.central.services.errors import RegistryError

    def fail(message: str) -> int:
        print(f"kiosk central board: {message}", file=sys.stderr)
        return 2

    if args.out is None and args.show is None and args.ranking is None:
        return fail("give --village and --out to write a sheet, or --show/--ranking to choose")
    if args.out is not None and (args.village is None or args.out.suffix.lower() != ".pdf"):
        return fail("a sheet needs --village and an --out FILE.pdf")
    central = _open(args)
    try:
        if args.show is not None or args.ranking is not None:
            was = board.settings(central)
            sections = (
                [s.strip() for s in args.show.split(",") if s.strip()]
                if args.show is not None
                else list(was.sections)
            )
            size = args.ranking if args.ranking is not None else was.ranking_size
            chosen = board.set_settings(central, sections, size, "cli")
            shown = ",".join(chosen.sections) or "-"
            print(f"board shows {shown}; ranking {chosen.ranking_size}")
        if args.out is None:
            return 0
        zone = programme_zone(central)
        made = localtime.today(zone)
        month = args.month or made.strftime("%Y-%m")
        found = board.sheet(central, args.village, month)
    except RegistryError as exc:
        return fail(str(exc))
    finally:
        central.close()
    try:
        with args.out.open("wb") as out:
            board_pdf(found, out, made)
    except OSError as exc:
        return fail(f"cannot write {args.out}: {exc.strerror}")
    print(f"{found['village']} {found['month']}: digest {found['digest']} -> {args.out}")
    return 0
