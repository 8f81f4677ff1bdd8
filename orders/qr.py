"""QR codes of activation codes, as SVG (pages) and PNG (emails, print).

Error correction M (15 %) is what operators print on eSIM cards: it survives a glare spot or a
crease without making the symbol so dense that an old phone camera struggles. The quiet zone is
the 4 modules ISO/IEC 18004 requires; scanners miss codes drawn tight against other content.

The SVG is drawn from the QR matrix here rather than by a generic SVG backend so that it has an
opaque white background (a transparent code disappears on a dark-mode page), uses presentation
attributes only (the pages' Content-Security-Policy forbids inline styles) and stays small (one
path, one sub-path per horizontal run of dark modules).
"""

from __future__ import annotations

import io
from enum import IntEnum

import qrcode
from qrcode.constants import ERROR_CORRECT_M

QUIET_ZONE_MODULES = 4


class QrSize(IntEnum):
    """Target edge length in pixels; the real edge is a whole number of pixels per module.

    SCREEN fits a phone screen or a web page at 1x to 2x density; PRINT gives about 10 cm at
    300 dpi, sharp on paper cards and vouchers.
    """

    SCREEN = 400
    PRINT = 1200


def qr_matrix(data: str) -> list[list[bool]]:
    """The QR modules for ``data`` (True = dark), quiet zone included."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE_MODULES)
    code.add_data(data)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def _pixels_per_module(modules: int, size: QrSize) -> int:
    return max(1, round(int(size) / modules))


def qr_png(data: str, *, size: QrSize = QrSize.SCREEN) -> bytes:
    """A black-on-white 1-bit PNG of ``data``'s QR code, about ``size`` pixels wide."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE_MODULES)
    code.add_data(data)
    code.make(fit=True)
    modules = code.modules_count + 2 * QUIET_ZONE_MODULES
    code.box_size = _pixels_per_module(modules, size)
    image = code.make_image(fill_color="black", back_color="white")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _svg_path(matrix: list[list[bool]]) -> str:
    parts: list[str] = []
    for y, row in enumerate(matrix):
        x = 0
        width = len(row)
        while x < width:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < width and row[x]:
                x += 1
            parts.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
    return "".join(parts)


def qr_svg(data: str, *, size: QrSize = QrSize.SCREEN, title: str = "eSIM QR code") -> str:
    """A standalone SVG document of ``data``'s QR code, ``size`` pixels wide, scalable.

    The viewBox is in modules, so the drawing stays sharp at any CSS size; ``title`` is the
    accessible name screen readers announce.
    """
    matrix = qr_matrix(data)
    modules = len(matrix)
    edge = modules * _pixels_per_module(modules, size)
    escaped_title = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" role="img" '
        f'width="{edge}" height="{edge}" viewBox="0 0 {modules} {modules}" '
        f'shape-rendering="crispEdges">'
        f"<title>{escaped_title}</title>"
        f'<rect width="{modules}" height="{modules}" fill="#ffffff"/>'
        f'<path fill="#000000" d="{_svg_path(matrix)}"/>'
        f"</svg>"
    )
