"""Serve only the kiosk's own pages: refuse other sites' requests and names rebound to us.

The resident API has no password: it belongs to whoever stands at the screen. A web page open
elsewhere on the kiosk's machine (or a page whose name an attacker re-points at 127.0.0.1, DNS
rebinding) could otherwise act on the open session. The browser tells us who is asking: Host
(the name it thinks it is talking to), Origin (the page that asks), and for requests without
Origin, Referer and Sec-Fetch-Site.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import Flask, Response, jsonify, request

from core.domain import errors
from terminal_ui.context import language, runtime
from terminal_ui.i18n import translate

log = logging.getLogger(__name__)

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
DEFAULT_PORTS = {"http": "80", "https": "443"}
MESSAGE = (
    "This request came from another website or address and was refused. Use the kiosk's own screen."
)


class ForeignPage(errors.DomainError):
    """A page elsewhere asked for what only the kiosk's own screen may have."""

    code = "forbidden_origin"
    message = MESSAGE


def own_page_only() -> None:
    """Raise ForeignPage unless the current GET comes from the kiosk's own page.

    Reading is free for any GET, but some answers cost work (a synthesised prompt) or show a
    resident (the camera's picture): an <img> or <audio> on another site, sent without Origin,
    must not have them. The browser says where such a request comes from.
    """
    if request.headers.get("Sec-Fetch-Site", "").lower() in ("cross-site", "same-site"):
        raise ForeignPage()
    referer = request.headers.get("Referer")
    if referer and not same_origin(referer, request.host, request.scheme):
        raise ForeignPage()


def is_loopback(name: str) -> bool:
    """Tell whether a host name (without port) is this machine's loopback."""
    name = name.strip("[]").rstrip(".").lower()
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1 from a dual-stack socket
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def split_host(host: str) -> tuple[str, str]:
    """Split a Host header into (name, port); the port is '' when not given."""
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:8000
        name, _, rest = host[1:].partition("]")
        return name, rest.removeprefix(":")
    name, _, port = host.rpartition(":") if host.count(":") == 1 else (host, "", "")
    return name, port


def own_host(
    host: str, scheme: str, served_port: str, allowed: Iterable[str], peer: str | None = None
) -> bool:
    """Tell whether a Host header names this kiosk: loopback at the port served, or allowed.

    A loopback name counts only from a loopback peer (when the peer is known): Host is what the
    sender writes, and a machine on the shop's network may write "localhost" too.
    """
    name, port = split_host(host)
    if not name:
        return False
    for entry in allowed:
        want_name, want_port = split_host(entry)
        if want_name.rstrip(".") == name.rstrip(".") and want_port in ("", port):
            return True
    if peer and not is_loopback(peer):
        return False
    return is_loopback(name) and (port or DEFAULT_PORTS.get(scheme, "")) == served_port


def same_origin(url: str, host: str, scheme: str) -> bool:
    """Tell whether an Origin or Referer names the page this request was made to."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        return False
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return False
    if parts.scheme == "http" and scheme == "https":
        return False  # a plain-http page must not act on the TLS-served kiosk
    name = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    netloc = name if port is None or str(port) == DEFAULT_PORTS[parts.scheme] else f"{name}:{port}"
    want_name, want_port = split_host(host)
    want = f"[{want_name}]" if ":" in want_name else want_name
    if want_port and want_port != DEFAULT_PORTS.get(scheme):
        want = f"{want}:{want_port}"
    return netloc == want


def refusal() -> str | None:
    """Return why the current request is not the kiosk's own, or None when it is."""
    host = request.host
    served_port = str(request.environ.get("SERVER_PORT", ""))
    allowed = runtime().settings.ui.allowed_hosts
    peer = request.remote_addr
    if not own_host(host, request.scheme, served_port, allowed, peer):
        return f"host {host!r} from {peer}"
    origin = request.headers.get("Origin")
    if origin is not None:
        return None if same_origin(origin, host, request.scheme) else f"origin {origin!r}"
    if request.method in SAFE_METHODS:
        return None  # a link or a typed address: reading the screen changes nothing
    if request.headers.get("Sec-Fetch-Site", "").lower() in ("cross-site", "same-site"):
        return "cross-site request"
    referer = request.headers.get("Referer")
    if referer and not same_origin(referer, host, request.scheme):
        return f"referer {referer!r}"
    return None


def _refuse() -> Response | None:
    why = refusal()
    if why is None:
        return None
    log.warning("refused %s %s: %s", request.method, request.path, why)
    message = translate(MESSAGE, language())
    if request.path.startswith("/api/"):
        response = jsonify({"error": {"code": "forbidden_origin", "message": message}})
    else:
        response = Response(message + "\n", mimetype="text/plain")
    response.status_code = 403
    return response


def install(app: Flask) -> None:
    """Refuse, before anything else runs, every request that is not the kiosk's own."""
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse)
