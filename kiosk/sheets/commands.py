"""The `kiosk cards` and `kiosk labels` commands: print resident cards and shelf labels."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

CARDS_HELP = """\
The kiosk keeps only a hash of each card's code, so a card can be printed only when it is
issued. This command issues NEW cards - to every resident without an active card, or to the
residents named with --resident, whose current card stops working - and writes them to the
PDF. The PDF is the only place the new codes appear: print it, hand out the cards, then
delete the file. A sheet that is lost before printing means issuing those cards again.

Issuing cards needs the shopkeeper's PIN (asked for here, or taken from $KIOSK_ADMIN_PIN).
A card issued at a kiosk works at this store at once and everywhere once the office confirms it.
"""

PIN_PROBLEMS = {
    "unset": "还没有设置店长 PIN，请先运行 kiosk set-pin / "
    "no shopkeeper's PIN is set: run kiosk set-pin",
    "wrong": "店长 PIN 不对 / wrong PIN",
    "locked": "PIN 输错次数过多，已暂时锁定 / too many wrong PINs: locked for a while",
    "bad": "店长 PIN 不对 / wrong PIN",
    "volunteer": "志愿者不能发卡，请用店长的 PIN / a volunteer cannot issue cards: use a "
    "shopkeeper's PIN",
    "missing": "发卡需要店长 PIN：请在终端输入，或设置 KIOSK_ADMIN_PIN / issuing cards needs the "
    "shopkeeper's PIN: type it at a terminal or set KIOSK_ADMIN_PIN",
}


def _pin_accepted(k) -> bool:
    """Ask for and check the shopkeeper's PIN; say why on stderr when it is refused."""
    from kiosk.services import staff

    pin = os.environ.get("KIOSK_ADMIN_PIN")
    if pin is None and sys.stdin is not None and sys.stdin.isatty():
        import getpass

        pin = getpass.getpass("店长 PIN / shopkeeper's PIN: ")
    if pin is None:
        print(f"kiosk cards: {PIN_PROBLEMS['missing']}", file=sys.stderr)
        return False
    try:
        person = staff.check_pin(k, pin)
    except staff.PinRefused as refused:
        print(f"kiosk cards: {PIN_PROBLEMS.get(refused.code, refused.code)}", file=sys.stderr)
        return False
    if not person.is_shopkeeper:
        print(f"kiosk cards: {PIN_PROBLEMS['volunteer']}", file=sys.stderr)
        return False
    return True


def cards_main(argv: list[str]) -> int:
    """Run `kiosk cards`: issue cards and write their A4 sheet; 0 done, 1 refused, 2 misuse."""
    parser = _parser("kiosk cards", "Issue resident QR cards and write them as an A4 PDF.")
    parser.epilog = CARDS_HELP
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "--resident",
        action="append",
        metavar="ID",
        help="issue a new card to this resident, revoking the current one (repeatable)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="list who would get a card; issue nothing"
    )
    args = _parse(parser, argv)
    if isinstance(args, int):
        return args
    problem = _unwritable(args.out)
    if problem:
        print(f"kiosk cards: {problem}", file=sys.stderr)
        return 2
    runtime = _runtime(args)
    if runtime is None:
        return 2
    from core.domain.codes import card_code
    from core.sheets import CardSpec, card_sheet
    from kiosk.services import admin
    from kiosk.sheets.holders import card_holders

    try:
        holders, unknown = card_holders(runtime.kiosk, args.resident)
        if unknown:
            print(f"kiosk cards: no resident {', '.join(unknown)}; nothing issued", file=sys.stderr)
            return 1
        if not holders:
            print("every resident has an active card; nothing issued (use --resident ID)")
            return 0
        if args.dry_run:
            for h in holders:
                print(
                    f"{h.resident_id} {h.name} {h.household}"
                    + (" (re-issue)" if h.has_card else "")
                )
            return 0
        if not _pin_accepted(runtime.kiosk):
            return 1
        specs = []
        for h in holders:
            token = admin.issue_card(runtime.kiosk, h.resident_id, actor="admin")
            specs.append(
                CardSpec(h.name, h.household, card_code(token), f"{h.resident_id} · {token[-4:]}")
            )
        pages = _write(args.out, lambda path: card_sheet(specs, path, store=runtime.kiosk.store))
    finally:
        runtime.close()
    print(
        f"issued {len(specs)} card(s); wrote {args.out} ({pages} page(s)); print it, then delete it"
    )
    return 0


def labels_main(argv: list[str]) -> int:
    """Run `kiosk labels`: write the shelf label sheet; 0 done, 1 unknown product, 2 misuse."""
    parser = _parser("kiosk labels", "Write shelf labels (name, point price, QR) as an A4 PDF.")
    parser.add_argument(
        "--product",
        action="append",
        metavar="CODE",
        help="label only this product, active or not (repeatable); default: every active one",
    )
    args = _parse(parser, argv)
    if isinstance(args, int):
        return args
    problem = _unwritable(args.out)
    if problem:
        print(f"kiosk labels: {problem}", file=sys.stderr)
        return 2
    runtime = _runtime(args)
    if runtime is None:
        return 2
    from core.domain.codes import normalise_product_code
    from core.domain.errors import DomainError
    from core.sheets import LabelSpec, label_sheet
    from kiosk.services import queries

    try:
        products = queries.products(runtime.kiosk, include_inactive=True)
        by_code = {p["code"]: p for p in products}
        if args.product:
            chosen, unknown = [], []
            for code in dict.fromkeys(args.product):
                try:
                    key = normalise_product_code(code)
                except DomainError:
                    key = None
                if key in by_code:
                    chosen.append(by_code[key])
                else:
                    unknown.append(code)
            if unknown:
                print(f"kiosk labels: no product {', '.join(unknown)}", file=sys.stderr)
                return 1
        else:
            chosen = [p for p in products if p["active"]]
        if not chosen:
            print("no active products; nothing written")
            return 0
        labels = [LabelSpec(p["code"], p["name"], p["points"], p["unit"]) for p in chosen]
        pages = _write(args.out, lambda path: label_sheet(labels, path, store=runtime.kiosk.store))
    finally:
        runtime.close()
    print(f"wrote {len(labels)} label(s) to {args.out} ({pages} page(s))")
    return 0


def _parser(prog: str, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=description)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--config", type=Path, help="the kiosk's kiosk.toml")
    where.add_argument("--data", type=Path, help="a kiosk data folder (holding kiosk.db)")
    parser.add_argument("--out", type=Path, required=True, help="the PDF file to write")
    return parser


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace | int:
    """Return the parsed arguments, or the exit code of --help (0) or a usage error (2)."""
    try:
        return parser.parse_args(argv)
    except SystemExit as stop:  # usage errors and --help return, not exit
        return int(stop.code or 0)


def _runtime(args: argparse.Namespace):
    """Open the kiosk named by --config or --data, or say why not (and return None)."""
    from kiosk.bootstrap import bootstrap
    from kiosk.config import ConfigError, load

    try:
        if args.config:
            settings = load(args.config)
        else:
            if not (args.data / "kiosk.db").exists():
                raise ConfigError(f"no kiosk database in {args.data}")
            settings = load(None, kiosk={"data_dir": str(args.data)})
        return bootstrap(settings)
    except ConfigError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return None


def _unwritable(out: Path) -> str | None:
    """Say why out cannot be written, before anything is issued; None if it can."""
    folder = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        return f"{out} is a folder"
    if not folder.is_dir():
        return f"no folder {folder}"
    if not os.access(folder, os.W_OK):
        return f"cannot write in {folder}"
    return None


def _write(out: Path, render) -> int:
    """Render into a temporary file beside out, then move it into place; return the pages."""
    handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=".kiosk-", suffix=".pdf")
    os.close(handle)
    try:
        pages = render(temporary)
        os.chmod(temporary, 0o600)  # card codes are credentials
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return pages
