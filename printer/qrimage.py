"""QR module matrices, shared by the raster encoder and the preview renderer."""

import qrcode
from qrcode.constants import ERROR_CORRECT_M


def qr_matrix(data: str, border: int = 4) -> list[list[bool]]:
    """Return the level M QR code for ``data`` as rows of dark modules, quiet zone included."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=border)
    code.add_data(data.encode("utf-8"))
    code.make(fit=True)
    return code.get_matrix()
