"""The `kiosk` command."""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from core import __version__
from kiosk.config import ConfigError, Settings, load


def main(argv: list[str] | None = None) -> int:
    """Run the kiosk command line."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["cards"]:
        from kiosk.sheets.commands import cards_main

        return cards_main(argv[1:])
    if argv[:1] == ["labels"]:
        from kiosk.sheets.commands import labels_main

        return labels_main(argv[1:])
    if argv[:1] == ["scan-image"]:
        from kiosk.scan.files import scan_image_main

        return scan_image_main(argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    from kiosk.storage.files import StorageError, private_umask, write_refused

    try:
        # Whatever a command writes (databases, backups, card sheets) is its owner's only.
        with private_umask():
            return args.handler(args) or 0
    except ConfigError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    except StorageError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        if not write_refused(exc):
            raise
        print(f"kiosk: {STORAGE_FAILED}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


STORAGE_FAILED = (
    "存储空间已满或只读，没有保存任何内容。\nthe disk is full or read-only: nothing was saved."
)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kiosk", description="积分兑换终端 Exchange Kiosk")
    p.add_argument("--version", action="version", version=f"kiosk {__version__}")
    sub = p.add_subparsers(metavar="COMMAND")

    demo = sub.add_parser("demo", help="run everything on this machine with demo data")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--data", type=Path, default=None, help="data folder (kept between runs)")
    demo.set_defaults(handler=_demo)

    run = sub.add_parser("run", help="run a production kiosk")
    run.add_argument("--config", type=Path, required=True)
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--host", default="127.0.0.1")
    run.set_defaults(handler=_run)

    restock = sub.add_parser("restock", help="restock from a delivery list (CSV)")
    restock.add_argument("--config", type=Path, required=True)
    restock.add_argument("file", type=Path)
    restock.set_defaults(handler=_restock)

    doctor = sub.add_parser("doctor", help="verify a kiosk database")
    where = doctor.add_mutually_exclusive_group(required=True)
    where.add_argument("--config", type=Path)
    where.add_argument("--data", type=Path)
    doctor.set_defaults(handler=_doctor)

    sub.add_parser("scan-image", help="decode QR codes in image files (--json for JSON)")
    sub.add_parser("cards", help="issue resident QR cards as an A4 PDF (the only copy of codes)")
    sub.add_parser("labels", help="shelf and item labels with point prices and QR, as A4 PDF")

    backup = sub.add_parser("backup", help="copy the kiosk database (safe while it runs)")
    where = backup.add_mutually_exclusive_group(required=True)
    where.add_argument("--config", type=Path)
    where.add_argument("--data", type=Path)
    backup.add_argument("--to", type=Path, required=True, help="a file, or a folder (e.g. USB)")
    backup.add_argument("--keep", type=int, help="in a folder, keep only the newest N backups")
    backup.set_defaults(handler=_backup)

    restore = sub.add_parser("restore", help="put a backup in place (stop the kiosk first)")
    where = restore.add_mutually_exclusive_group(required=True)
    where.add_argument("--config", type=Path)
    where.add_argument("--data", type=Path)
    restore.add_argument("file", type=Path)
    restore.set_defaults(handler=_restore)

    pin = sub.add_parser("set-pin", help="set the first shopkeeper's admin PIN (4-12 digits)")
    where = pin.add_mutually_exclusive_group(required=True)
    where.add_argument("--config", type=Path)
    where.add_argument("--data", type=Path)
    pin.set_defaults(handler=_set_pin)

    from sync.central.cli import add_parser as add_central

    add_central(sub)

    test = sub.add_parser("printer-test", help="print (or simulate) the self-test receipt")
    test.add_argument("--config", type=Path)
    test.add_argument("--out", type=Path, help="also save the ESC/POS bytes here")
    test.set_defaults(handler=_printer_test)
    return p


def default_demo_dir() -> Path:
    """Return where the demo keeps its data when --data is not given."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "exchange-kiosk" / "demo"


DEMO_DEVICE_ENV = ("KIOSK_PRINTER_", "KIOSK_CAMERA_")


def demo_settings(
    data: Path, central_url: str = "", token: str = "", env: Mapping[str, str] | None = None
) -> Settings:
    """Return the settings of the demo kiosk (standalone when no central is given).

    The printer and camera are simulated unless env holds KIOSK_PRINTER_* or KIOSK_CAMERA_*
    (as `kiosk run` reads them): a shop can try the demo on its own printer and camera. Every
    other setting is the demo's own."""
    from kiosk import demo

    devices = {k: v for k, v in (env or {}).items() if k.upper().startswith(DEMO_DEVICE_ENV)}
    return load(
        None,
        env=devices,
        central={"url": central_url, "token": token},
        kiosk={
            "id": demo.KIOSK_ID,
            "store": demo.STORE,
            "data_dir": str(data),
            "offline_allowance": 0,
        },
        camera={"source": "sim"},
        printer={"backend": "simulator"},
    )


def _demo(args: argparse.Namespace) -> int:
    import json
    import secrets
    import threading

    from waitress import create_server

    from kiosk import demo
    from kiosk.bootstrap import bootstrap
    from kiosk.storage.files import check_writable
    from sync.central.app import create_central_app
    from sync.central.jobs import Jobs
    from sync.central.server import open_central

    data = (args.data or default_demo_dir()).resolve()
    check_writable(data)  # before central's database is opened there
    central = open_central(f"sqlite:///{data / 'central.db'}")
    enrolment = data / "demo-kiosk.json"
    fresh = not enrolment.exists()
    if fresh:
        from sync.central.services.users import add_user

        token = demo.seed_central(central, data)
        password = secrets.token_urlsafe(9)
        add_user(central, "admin", password, "admin", actor="demo")
        others = demo.seed_office_users(central)
        enrolment.write_text(
            json.dumps(
                {
                    "kiosk_id": demo.KIOSK_ID,
                    "token": token,
                    "office_password": password,
                    "office_users": others,
                }
            )
        )
        enrolment.chmod(0o600)
    saved = json.loads(enrolment.read_text())
    token = saved["token"]
    central_server = create_server(
        create_central_app(central), host=args.host, port=args.port + 1, threads=8, ident="central"
    )
    threading.Thread(target=central_server.run, name="central", daemon=True).start()
    Jobs(central, first=1.0).start()  # points expiry and its notices, as a real central runs them
    central_url = f"http://{args.host}:{args.port + 1}/"

    settings = demo_settings(data, central_url, token, env=os.environ)
    runtime = bootstrap(settings)
    runtime.sync.sync_once()  # learn households, cards and goods from central
    if not demo.has_stock(runtime.kiosk):
        demo.stock_up(runtime.kiosk)
        runtime.sync.sync_once()
    print(f"data {data} ({'new demo programme' if fresh else 'reused'})")
    print(f"kiosk http://{args.host}:{args.port}/")
    print(f"central {central_url}")
    print(f"printer {_printer_line(settings)}")
    print(f"camera {settings.camera.source}")
    cards = demo.cards(runtime.kiosk, data)
    for card in cards:
        print(f"card {card['code']} {card['name']} {card['balance']}")
    from kiosk.services import staff

    if not staff.pin_is_set(runtime.kiosk):
        staff.set_pin(runtime.kiosk, staff.DEMO_PIN, actor="demo")
        staff.add_member(
            runtime.kiosk, "志愿者小李", "volunteer", staff.DEMO_VOLUNTEER_PIN, actor="demo"
        )
    print(f"admin http://{args.host}:{args.port}/admin/ PIN {staff.DEMO_PIN}")
    print(f"staff shopkeeper PIN {staff.DEMO_PIN}")
    print(f"staff volunteer PIN {staff.DEMO_VOLUNTEER_PIN}")
    print(f"office {central_url} user admin password {saved['office_password']}")
    roles = {name: (role, area) for name, role, area in demo.OFFICE_USERS}
    for name, secret in saved.get("office_users", {}).items():
        role, area = roles.get(name, ("?", "?"))
        print(f"office {central_url} user {name} password {secret} role {role} area {area}")
    sys.stdout.flush()
    runtime.sync.start()
    try:
        return _serve(runtime, args.host, args.port, demo_cards=cards)
    finally:
        central_server.close()
        central.engine.dispose()


def _printer_line(settings: Settings) -> str:
    """Return which printer the kiosk uses, as the demo reports it."""
    p = settings.printer
    where = {
        "network": f"{p.host}:{p.port}",
        "usb": f"{p.vendor_id}:{p.product_id}",
        "serial": p.device,
        "file": p.path,
    }.get(p.backend, "")
    return f"{p.backend} {where} {p.paper_width}mm".replace("  ", " ")


def _run(args: argparse.Namespace) -> int:
    from kiosk.backup import DailyBackups, sqlite_path
    from kiosk.bootstrap import bootstrap
    from kiosk.storage.files import protect_config

    settings = load(args.config)
    protect_config(args.config, settings)
    runtime = bootstrap(settings)
    db = sqlite_path(settings.database_url())
    backups = DailyBackups(db, Path(settings.kiosk.data_dir) / "backups", keep=14)
    backups.start()
    print(f"kiosk http://{args.host}:{args.port}/")
    sys.stdout.flush()
    if runtime.sync is not None:
        runtime.sync.start()
    try:
        return _serve(runtime, args.host, args.port)
    finally:
        backups.stop()


def exposure_warning(host: str, port: int, allowed_hosts: tuple[str, ...]) -> str | None:
    """Return the warning to give when the kiosk listens beyond this machine, else None."""
    from terminal_ui.origin import is_loopback

    if is_loopback(host):
        return None
    names = ", ".join(allowed_hosts) or "无 none"
    return (
        f"警告：终端在 {host}:{port} 上监听，本机以外也能连上；居民接口没有密码。"
        f"只接受本机地址和 [ui] allowed_hosts（{names}）中的名字。\n"
        f"warning: the kiosk listens on {host}:{port}, reachable from beyond this machine; the "
        f"resident API has no password. Only loopback names and [ui] allowed_hosts ({names}) "
        "are served. Bind to 127.0.0.1 unless another machine must reach it."
    )


def _serve(runtime, host: str, port: int, demo_cards=None) -> int:
    import logging

    from waitress import serve

    from kiosk.services.print_config import start_print_worker
    from terminal_ui import create_app

    warning = exposure_warning(host, port, runtime.settings.ui.allowed_hosts)
    if warning:
        logging.getLogger("kiosk").warning(warning)

    runtime.print_worker = start_print_worker(runtime)
    from kiosk.camera.scans import start_camera

    start_camera(runtime)
    if runtime.sync is not None:
        runtime.sync.device_state = lambda: device_state(runtime)
    app = create_app(runtime, {"DEMO_CARDS": demo_cards or []})
    try:
        serve(app, host=host, port=port, threads=16, channel_timeout=120, ident="kiosk")
    finally:
        runtime.close()
    return 0


def device_state(runtime) -> dict[str, str]:
    """Return the printer's and camera's states as the heartbeat reports them to central."""
    from kiosk.services.print_jobs import printer_status

    state = {"printer": str(printer_status(runtime.kiosk, runtime.printer, live=False)["state"])}
    if runtime.camera is not None:
        state["camera"] = str(runtime.camera.status().get("state", "unknown"))
    return {key: value[:40] for key, value in state.items()}


def _settings_for(args: argparse.Namespace) -> Settings:
    if getattr(args, "config", None):
        return load(args.config)
    data = Path(args.data)
    if not (data / "kiosk.db").exists():
        raise ConfigError(f"no kiosk database in {data}")
    return load(None, kiosk={"data_dir": str(data)})


def _doctor(args: argparse.Namespace) -> int:
    from kiosk.bootstrap import bootstrap
    from kiosk.services import doctor
    from kiosk.voice import voice_problem

    settings = _settings_for(args)
    runtime = bootstrap(settings)
    try:
        problems = doctor.check(runtime.kiosk)
        notes = doctor.sync_notes(runtime.kiosk)
    finally:
        runtime.close()
    v = settings.voice
    mute = voice_problem(v.backend, v.voice, timeout=float(v.timeout))
    if mute:
        # Configured to speak with espeak-ng, a mute kiosk is a fault; on "auto" it still beeps.
        (problems if v.backend == "espeak" else notes).append(f"voice: {mute}")
    for note in notes:
        print(f"note: {note}")
    for problem in problems:
        print(f"problem: {problem}")
    if problems:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return 1
    print("ok: integrity, balances, stock and ledger chain verified")
    return 0


def _db_file(args: argparse.Namespace) -> Path:
    from kiosk.backup import sqlite_path

    settings = load(args.config) if args.config else load(None, kiosk={"data_dir": str(args.data)})
    return sqlite_path(settings.database_url())


def _backup(args: argparse.Namespace) -> int:
    from kiosk.backup import BackupError, backup

    try:
        out = backup(_db_file(args), args.to, keep=args.keep)
    except BackupError as exc:
        print(f"kiosk backup: {exc}", file=sys.stderr)
        return 1
    print(f"backup {out}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from kiosk.backup import BackupError, restore

    db = _db_file(args)
    try:
        kept = restore(args.file, db)
    except BackupError as exc:
        print(f"kiosk restore: {exc}; nothing was changed", file=sys.stderr)
        return 1
    print(f"restored {args.file} to {db}")
    if kept:
        print(f"the replaced database is kept as {kept}")
    return 0


def _set_pin(args: argparse.Namespace) -> int:
    import getpass

    from kiosk.bootstrap import bootstrap
    from kiosk.services import staff

    if sys.stdin.isatty():
        new = getpass.getpass("PIN (4-12 digits): ")
        if new != getpass.getpass("again: "):
            print("kiosk set-pin: the two PINs differ", file=sys.stderr)
            return 2
    else:
        new = sys.stdin.readline().strip()
    runtime = bootstrap(_settings_for(args))
    try:
        staff.set_pin(runtime.kiosk, new, actor="cli")
    except staff.PinRefused as refused:
        said = (
            "another person on the staff list has this PIN"
            if refused.code == "taken"
            else "a PIN has 4 to 12 digits"
        )
        print(f"kiosk set-pin: {said}", file=sys.stderr)
        return 2
    finally:
        runtime.close()
    print("ok: PIN set; open /admin/")
    return 0


def _restock(args: argparse.Namespace) -> int:
    from kiosk.bootstrap import bootstrap
    from kiosk.services import inventory

    try:
        text = args.file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"kiosk restock: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    rows = list(csv.DictReader(text.splitlines()))
    header = [h.strip() for h in (rows[0].keys() if rows else [])]
    missing = [c for c in inventory.REQUIRED_COLUMNS if c not in header]
    if not rows or missing:
        print(
            f"kiosk restock: the file needs the columns {', '.join(inventory.RESTOCK_COLUMNS)}",
            file=sys.stderr,
        )
        return 2
    rows = [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in rows]
    runtime = bootstrap(load(args.config))
    try:
        results = inventory.restock_delivery(runtime.kiosk, rows, actor="cli", first_line=2)
    except inventory.DeliveryRefused as refused:
        print("\n".join(refused.problems), file=sys.stderr)
        print("nothing was restocked", file=sys.stderr)
        return 1
    finally:
        runtime.close()
    for line, result in enumerate(results, start=2):
        print(f"line {line}: {result.product_code} +{result.qty} → {result.stock}")
    return 0


def _printer_test(args: argparse.Namespace) -> int:
    from kiosk.bootstrap import make_printer_from
    from kiosk.services.print_config import selftest_job
    from printer.ports import PrinterError

    settings = load(args.config) if args.config else load(None)
    text, data = selftest_job(settings.printer)
    if args.out:
        args.out.write_bytes(data)
    printer = make_printer_from(settings)
    try:
        printer.send(data)
    except PrinterError as exc:
        print(f"printer {settings.printer.backend}: {exc.code}: {exc}", file=sys.stderr)
        return 1
    print(text)
    print(f"printer {settings.printer.backend}: sent {len(data)} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
