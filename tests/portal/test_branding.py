from hypothesis import given
from hypothesis import strategies as st

from orders.portal.branding import (
    AA_NORMAL_TEXT,
    DEFAULT_COLOUR,
    DEFAULT_NAME,
    brand_build,
    contrast_ratio,
)

hex_colour = st.integers(min_value=0, max_value=0xFFFFFF).map(lambda n: f"#{n:06x}")


def test_missing_branding_falls_back_to_safe_defaults():
    brand = brand_build()
    assert brand.name == DEFAULT_NAME
    assert brand.colour == DEFAULT_COLOUR
    assert brand.logo_url is None
    assert not brand.has_support


def test_default_colour_meets_aa_on_white():
    assert contrast_ratio(DEFAULT_COLOUR, "#ffffff") >= AA_NORMAL_TEXT


@given(hex_colour)
def test_text_on_any_partner_colour_meets_aa(colour):
    brand = brand_build(colour=colour)
    assert contrast_ratio(brand.colour, brand.on_colour) >= AA_NORMAL_TEXT


@given(hex_colour)
def test_accent_used_as_text_on_white_always_meets_aa(colour):
    brand = brand_build(colour=colour)
    assert contrast_ratio(brand.accent, "#ffffff") >= AA_NORMAL_TEXT


def test_colour_that_is_not_plain_hex_is_ignored():
    brand = brand_build(colour="red;} body{display:none")
    assert brand.colour == DEFAULT_COLOUR


def test_support_url_must_be_https():
    assert brand_build(support_url="javascript:alert(1)").support_url is None
    assert brand_build(support_url="https://help.example").support_url == "https://help.example"
