"""QR codes of activation codes scan back to the exact code, as PNG and as SVG."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from orders.activation import activation_code_build
from orders.qr import QUIET_ZONE_MODULES, QrSize, qr_matrix, qr_png, qr_svg

SVG_NS = "{http://www.w3.org/2000/svg}"

CODES = [
    activation_code_build(smdp_address="smdp.example.com", matching_id="QR-G-5C-1LS-1W1Z9P7"),
    activation_code_build(
        smdp_address="rsp.operator.example", matching_id="04386-AGYFT-A74Y8-3F815", oid="1.2.3"
    ),
    activation_code_build(
        smdp_address="smdp.example.com", matching_id="MID", confirmation_required=True
    ),
    activation_code_build(
        smdp_address="a-very-long-sm-dp-plus-host-name.provisioning.example.org",
        matching_id="X" * 120,
        oid="1.3.6.1.4.1.31746.1.500.200.101",
        confirmation_required=True,
    ),
]


def _decode(image: Image.Image) -> zxingcpp.Barcode:
    results = zxingcpp.read_barcodes(image.convert("L"))
    assert len(results) == 1
    return results[0]


def _rasterise_svg(svg: str, pixels_per_unit: int = 6) -> Image.Image:
    """Draw the SVG's white rect and black path (M, h, v, z commands) the way a browser would."""
    root = ET.fromstring(svg)
    _, _, width, height = (float(v) for v in root.attrib["viewBox"].split())
    image = Image.new("L", (int(width * pixels_per_unit), int(height * pixels_per_unit)), 128)
    draw = ImageDraw.Draw(image)
    for element in root:
        if element.tag == f"{SVG_NS}rect":
            w, h = float(element.attrib["width"]), float(element.attrib["height"])
            fill = 255 if element.attrib["fill"] == "#ffffff" else 0
            draw.rectangle((0, 0, w * pixels_per_unit - 1, h * pixels_per_unit - 1), fill=fill)
        elif element.tag == f"{SVG_NS}path":
            fill = 0 if element.attrib["fill"] == "#000000" else 255
            x = y = 0.0
            points: list[tuple[float, float]] = []
            for command, number in re.findall(r"([MhvzZ])\s*([-0-9. ]*)", element.attrib["d"]):
                args = [float(n) for n in number.split()]
                if command == "M":
                    x, y = args
                    points = [(x, y)]
                elif command == "h":
                    x += args[0]
                    points.append((x, y))
                elif command == "v":
                    y += args[0]
                    points.append((x, y))
                else:
                    xs = [p[0] * pixels_per_unit for p in points]
                    ys = [p[1] * pixels_per_unit for p in points]
                    draw.rectangle((min(xs), min(ys), max(xs) - 1, max(ys) - 1), fill=fill)
    return image


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("size", list(QrSize))
def test_png_scans_back_to_the_exact_activation_code(code: str, size: QrSize) -> None:
    barcode = _decode(Image.open(io.BytesIO(qr_png(code, size=size))))
    assert barcode.format == zxingcpp.BarcodeFormat.QRCode
    assert barcode.text == code


@pytest.mark.parametrize("code", CODES)
def test_svg_scans_back_to_the_exact_activation_code(code: str) -> None:
    assert _decode(_rasterise_svg(qr_svg(code))).text == code


def test_png_uses_error_correction_m() -> None:
    barcode = _decode(Image.open(io.BytesIO(qr_png(CODES[0]))))
    assert barcode.ec_level == "M"


def test_svg_uses_error_correction_m() -> None:
    assert _decode(_rasterise_svg(qr_svg(CODES[0]))).ec_level == "M"


def test_matrix_has_a_four_module_light_quiet_zone() -> None:
    matrix = qr_matrix(CODES[0])
    edge = len(matrix)
    for i in range(QUIET_ZONE_MODULES):
        assert not any(matrix[i])
        assert not any(matrix[edge - 1 - i])
        assert not any(row[i] or row[edge - 1 - i] for row in matrix)
    assert matrix[QUIET_ZONE_MODULES][QUIET_ZONE_MODULES]


@pytest.mark.parametrize(
    ("size", "low", "high"), [(QrSize.SCREEN, 300, 500), (QrSize.PRINT, 1000, 1400)]
)
def test_png_edge_is_near_the_target_size_with_whole_pixels_per_module(
    size: QrSize, low: int, high: int
) -> None:
    image = Image.open(io.BytesIO(qr_png(CODES[0], size=size)))
    modules = len(qr_matrix(CODES[0]))
    assert image.width == image.height
    assert low <= image.width <= high
    assert image.width % modules == 0


def test_svg_declares_its_pixel_size_and_a_module_viewbox() -> None:
    root = ET.fromstring(qr_svg(CODES[0], size=QrSize.PRINT))
    modules = len(qr_matrix(CODES[0]))
    assert root.attrib["viewBox"] == f"0 0 {modules} {modules}"
    assert 1000 <= int(root.attrib["width"]) <= 1400


def test_svg_has_an_opaque_background_and_no_inline_style() -> None:
    svg = qr_svg(CODES[0])
    root = ET.fromstring(svg)
    assert root.find(f"{SVG_NS}rect").attrib["fill"] == "#ffffff"
    assert "style" not in svg


def test_svg_title_is_escaped() -> None:
    root = ET.fromstring(qr_svg(CODES[0], title="<Tom & Jerry>"))
    assert root.find(f"{SVG_NS}title").text == "<Tom & Jerry>"
