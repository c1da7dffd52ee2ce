"""Settings: one TOML file, every key overridable by KIOSK_<SECTION>_<KEY>."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """The configuration cannot be used as it is."""


@dataclass(frozen=True)
class KioskSection:
    id: str = "K01"
    store: str = "爱心超市"
    timezone: str = "Asia/Shanghai"
    offline_allowance: int = 0
    data_dir: str = "."


@dataclass(frozen=True)
class DatabaseSection:
    url: str = ""  # empty: SQLite file kiosk.db in the data dir


@dataclass(frozen=True)
class CameraSection:
    source: str = "sim"  # device index, video/image file or folder, or "sim"


@dataclass(frozen=True)
class PrinterSection:
    backend: str = "simulator"  # simulator | usb | network | serial | file
    host: str = ""
    port: int = 9100
    vendor_id: str = ""
    product_id: str = ""
    device: str = ""
    baudrate: int = 9600
    path: str = ""
    timeout: int = 5  # seconds to reach a network or serial printer
    paper_width: int = 58  # mm: 58 or 80
    profile: str = "default"  # a python-escpos profile name: what "auto" below asks
    chinese_mode: bool = True  # send FS & (Chinese character mode); text is always GB18030
    raster_text: bool = False  # no Chinese font in the printer: print text as an image
    native_qr: str = "auto"  # GS ( k QR codes: auto (from the profile) | yes | no (an image)
    cut: str = "auto"  # cut after each slip: auto | yes | no (feed to the tear bar)
    require_status: bool = False  # a printer that does not answer DLE EOT gets no job
    attempts: int = 3  # tries per job before it is held for the shopkeeper
    retry_delay_ms: int = 1000  # first wait between tries; doubles after each
    stale_minutes: int = 10  # older unprinted jobs are never printed on their own


@dataclass(frozen=True)
class VoiceSection:
    # auto: espeak-ng when it is installed, else the simulator (a beep pattern, no speech)
    backend: str = "auto"  # auto | espeak | simulator
    voice: str = "cmn"  # espeak-ng's Mandarin voice, for the Chinese screen
    english_voice: str = "en-us"  # for the English screen
    rate: int = 150  # words a minute: a little slower than espeak-ng's 175, for older ears
    timeout: int = 10  # seconds one prompt may take to synthesise


@dataclass(frozen=True)
class CentralSection:
    url: str = ""
    token: str = ""


@dataclass(frozen=True)
class UiSection:
    language: str = "zh_CN"
    secure_cookies: bool = False  # the admin cookie is Secure anyway when served over TLS
    # Names (host or host:port) the screens may be reached by besides this machine's loopback
    # (127.0.0.1, localhost, ::1 at the port served): e.g. ["kiosk.lan"] behind a TLS proxy.
    allowed_hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    kiosk: KioskSection = field(default_factory=KioskSection)
    database: DatabaseSection = field(default_factory=DatabaseSection)
    camera: CameraSection = field(default_factory=CameraSection)
    printer: PrinterSection = field(default_factory=PrinterSection)
    voice: VoiceSection = field(default_factory=VoiceSection)
    central: CentralSection = field(default_factory=CentralSection)
    ui: UiSection = field(default_factory=UiSection)

    def database_url(self) -> str:
        """Return the database URL, defaulting to kiosk.db in the data dir."""
        if self.database.url:
            return self.database.url
        return f"sqlite:///{Path(self.kiosk.data_dir).resolve() / 'kiosk.db'}"


def load(
    path: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    **overrides: dict[str, Any],
) -> Settings:
    """Read settings from a TOML file (optional), then the environment, then overrides."""
    raw: dict[str, dict[str, Any]] = {}
    if path is not None:
        try:
            with open(path, "rb") as fh:
                raw = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"configuration file not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from None
        if path and "data_dir" not in raw.get("kiosk", {}):
            raw.setdefault("kiosk", {})["data_dir"] = str(Path(path).resolve().parent)
    for section, values in overrides.items():
        raw.setdefault(section, {}).update(values)
    return _build(raw, os.environ if env is None else env)


def _build(raw: dict[str, dict[str, Any]], env: Mapping[str, str]) -> Settings:
    settings = Settings()
    known = {f.name for f in fields(Settings)}
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(f"unknown section(s): {', '.join(sorted(unknown))}")
    sections = {}
    for section in fields(Settings):
        current = getattr(settings, section.name)
        given = dict(raw.get(section.name, {}))
        names = {f.name for f in fields(current)}
        bad = set(given) - names
        if bad:
            raise ConfigError(f"[{section.name}] unknown key(s): {', '.join(sorted(bad))}")
        for name in names:
            key = f"KIOSK_{section.name}_{name}".upper()
            if key in env:
                given[name] = env[key]
        values = {}
        for f in fields(current):
            if f.name in given:
                values[f.name] = _coerce(
                    section.name, f.name, given[f.name], getattr(current, f.name)
                )
        sections[section.name] = replace(current, **values)
    result = Settings(**sections)
    if result.printer.paper_width not in (58, 80):
        raise ConfigError("[printer] paper_width must be 58 or 80")
    if result.voice.backend not in ("auto", "espeak", "simulator"):
        raise ConfigError("[voice] backend must be auto, espeak or simulator")
    if not 80 <= result.voice.rate <= 450:
        raise ConfigError("[voice] rate must be 80 to 450 words a minute")
    if result.voice.timeout < 1:
        raise ConfigError("[voice] timeout must be at least 1 second")
    return result


def _coerce(section: str, name: str, value: Any, default: Any) -> Any:
    if isinstance(default, tuple):  # a TOML list, or "a, b" in an environment variable
        items = value if isinstance(value, list | tuple) else str(value).split(",")
        return tuple(text for item in items if (text := str(item).strip()))
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"[{section}] {name} must be a whole number") from None
    return str(value)
