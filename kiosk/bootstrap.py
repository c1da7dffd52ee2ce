"""Wire a kiosk from settings: database, migrations, printer, voice and clock."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from core.clock import Clock, SystemClock
from core.db.engine import make_engine
from kiosk.camera.stills import ClaimCardWait, Stills
from kiosk.config import ConfigError, Settings
from kiosk.events import Changes
from kiosk.services.context import Kiosk
from kiosk.storage.files import (
    SPEECH,
    check_database_writable,
    check_writable,
    secure_data_dir,
    storage_error,
)
from kiosk.storage.migrate import migrate
from printer.ports import ReceiptPrinter

if TYPE_CHECKING:
    from kiosk.camera import CameraLoop
    from kiosk.camera.scans import CameraScans
    from kiosk.services.print_queue import PrintWorker
    from kiosk.sync.client import SyncClient
    from kiosk.voice.cache import SpeechCache


@dataclass
class Runtime:
    """Everything a running kiosk holds: settings, the use-case context, ports and events."""

    settings: Settings
    kiosk: Kiosk
    printer: ReceiptPrinter
    changes: Changes
    sync: SyncClient | None = None
    print_worker: PrintWorker | None = None
    camera: CameraLoop | None = None
    camera_scans: CameraScans | None = None
    speech: SpeechCache | None = None  # spoken prompts' audio (see make_speech_from)
    stills: Stills = field(default_factory=Stills)  # photos taken for claims being recorded
    claim_card: ClaimCardWait = field(default_factory=ClaimCardWait)  # a claim page's card
    # Signs the shopkeeper's session cookie. Made afresh at each start and kept in memory only:
    # nothing on the disk (a copied SD card, a backup) can sign a session. Signing in again
    # after a restart is the price.
    admin_key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    def session_opened(self, scan_kind: str) -> None:
        """A scan opened a resident's session (kind "card"): start pulling central's news now,
        so that the checkout finds them fresh instead of waiting for central."""
        if scan_kind == "card" and self.sync is not None:
            self.sync.prefetch()

    def close(self) -> None:
        """Stop the camera, printing and syncing, and release the database connections."""
        if self.camera is not None:
            self.camera.stop()
        if self.print_worker is not None:
            self.print_worker.stop()
        if self.sync is not None:
            self.sync.stop()
        self.kiosk.engine.dispose()


def make_printer_from(settings: Settings) -> ReceiptPrinter:
    """Build the configured printer backend."""
    from printer.backends import make_printer

    p = settings.printer
    params = {
        "simulator": {},
        "file": {"path": p.path},
        "network": {"host": p.host, "port": p.port, "timeout": p.timeout},
        "usb": {"vendor_id": p.vendor_id, "product_id": p.product_id},
        "serial": {"device": p.device, "baudrate": p.baudrate},
    }.get(p.backend, {})
    return make_printer(p.backend, **params)


def make_speech_from(settings: Settings) -> SpeechCache:
    """Build the configured synthesiser and its cache in the data folder's speech/."""
    from kiosk.voice import SpeechCache, make_synthesizer

    v = settings.voice
    params = {} if v.backend == "simulator" else {"timeout": float(v.timeout)}
    folder = Path(settings.kiosk.data_dir).resolve() / SPEECH
    return SpeechCache(folder, make_synthesizer(v.backend, **params), rate=v.rate)


def bootstrap(
    settings: Settings, *, clock: Clock | None = None, printer: ReceiptPrinter | None = None
) -> Runtime:
    """Open (and migrate) the database and assemble the kiosk.

    Raise StorageError when the data folder or the database cannot be written.
    """
    url = settings.database_url()
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        db = Path(url.removeprefix("sqlite:///"))
        data_dir = Path(settings.kiosk.data_dir).resolve()
        # A kiosk that cannot write would answer every sale with an error: it does not start.
        for folder in dict.fromkeys([data_dir, db.parent]):
            check_writable(folder)
        check_database_writable(db)
        try:
            secure_data_dir(data_dir, db)
        except OSError as exc:
            raise storage_error(data_dir, exc) from None
    engine = make_engine(url)
    migrate(engine)
    changes = Changes()
    kiosk = Kiosk(
        kiosk_id=settings.kiosk.id,
        store=settings.kiosk.store,
        engine=engine,
        clock=clock or SystemClock(),
        offline_allowance=settings.kiosk.offline_allowance,
        paper_width=32 if settings.printer.paper_width == 58 else 48,
        timezone=settings.kiosk.timezone,
        on_change=changes.publish,
    )
    runtime = Runtime(settings, kiosk, printer or make_printer_from(settings), changes)
    runtime.speech = make_speech_from(settings)
    if settings.central.url:
        from kiosk.sync.client import SyncClient

        if not settings.central.token:
            raise ConfigError("[central] url is set but token is not (see kiosk central enroll)")
        kiosk.synced = True
        runtime.sync = SyncClient(kiosk, settings.central.url, settings.central.token)
    return runtime
