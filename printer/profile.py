"""Printer profiles: what a model can do (native QR, cutter), from python-escpos's database."""

from printer.escpos import PrintOptions
from printer.layout import columns_for_paper

_YES = ("yes", "true", "on", "1")
_NO = ("no", "false", "off", "0")


def capabilities(profile: str) -> dict[str, bool]:
    """Return which features a python-escpos profile claims: qr, partial_cut, full_cut."""
    from escpos.capabilities import get_profile

    try:
        found = get_profile(profile)
    except KeyError:
        raise ValueError(f"unknown printer profile {profile!r}") from None
    return {
        "qr": found.supports("qrCode"),
        "partial_cut": found.supports("paperPartCut"),
        "full_cut": found.supports("paperFullCut"),
    }


def print_options(
    paper_mm: int = 58,
    profile: str = "default",
    *,
    chinese_mode: bool = True,
    native_qr: bool | str = "auto",
    cut: bool | str = "auto",
    raster_text: bool = False,
) -> PrintOptions:
    """Return the encoding options for a printer; "auto" asks the profile."""
    width = columns_for_paper(paper_mm)
    wants_qr, wants_cut = _choice("native_qr", native_qr), _choice("cut", cut)
    known = capabilities(profile) if None in (wants_qr, wants_cut) else {}
    can_cut = bool(known.get("partial_cut") or known.get("full_cut"))
    return PrintOptions(
        width=width,
        chinese_mode=chinese_mode,
        native_qr=known["qr"] if wants_qr is None else wants_qr,
        cut=can_cut if wants_cut is None else wants_cut,
        full_cut=bool(known) and not known["partial_cut"] and known["full_cut"],
        raster_text=raster_text,
    )


def _choice(name: str, value: bool | str) -> bool | None:
    """Return True, False, or None for "auto"."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text == "auto":
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError(f"{name} must be auto, yes or no (not {value!r})")
