import io

import qrcode

from orders.portal.branding import brand_build
from orders.portal.choices import EmailKind
from orders.portal.emails import QR_CONTENT_ID, EmailContent, email_message_build
from tests.portal.mail_parts import decode_cid_qr, parse, part, text_of

CODE = "LPA:1$smdp.example.com$ABCD-1234-EFGH-5678"


def _png(data: str) -> bytes:
    buffer = io.BytesIO()
    qrcode.make(data, border=4).save(buffer, format="PNG")
    return buffer.getvalue()


def _content(**overrides) -> EmailContent:
    fields = dict(
        kind=EmailKind.ESIM_READY,
        language="en",
        to="traveler@example.com",
        brand=brand_build(name="Roamly", support_email="help@roamly.example"),
        plan_name="Europe 10 GB",
        page_url="https://portal.example/esim/tok/",
        activation_code=CODE,
        smdp_address="smdp.example.com",
        matching_id="ABCD-1234-EFGH-5678",
        ios_link="https://esimsetup.apple.com/esim_qrcode_provisioning?carddata=x",
        android_link="https://esimsetup.android.com/esim_qrcode_provisioning?carddata=x",
        qr_png=_png(CODE),
    )
    fields.update(overrides)
    return EmailContent(**fields)


def test_ready_email_is_related_alternative_with_inline_qr():
    parsed = parse(email_message_build(_content()))
    assert parsed.get_content_type() == "multipart/related"
    assert part(parsed, "multipart/alternative")
    assert decode_cid_qr(parsed, QR_CONTENT_ID) == CODE


def test_html_references_the_qr_by_cid_not_data_uri():
    html = text_of(parse(email_message_build(_content())), "text/html")
    assert f'src="cid:{QR_CONTENT_ID}"' in html
    assert "data:" not in html


def test_both_parts_carry_codes_and_links():
    parsed = parse(email_message_build(_content()))
    for body in (text_of(parsed, "text/plain"), text_of(parsed, "text/html")):
        assert "smdp.example.com" in body
        assert "ABCD-1234-EFGH-5678" in body
        assert "https://portal.example/esim/tok/" in body
        assert "esimsetup.apple.com" in body
        assert "help@roamly.example" in body


def test_plain_text_is_not_html_escaped():
    text = text_of(parse(email_message_build(_content())), "text/plain")
    assert CODE in text
    assert "&amp;" not in text


def test_email_is_written_in_the_travelers_language():
    message = email_message_build(_content(language="de"))
    assert message.subject.startswith("Ihre eSIM ist bereit")
    assert "Aktivierungscode" in message.body


def test_usage_email_has_no_image():
    content = _content(kind=EmailKind.DATA_80, qr_png=None, used_label="8 GB", total_label="10 GB")
    parsed = parse(email_message_build(content))
    assert parsed.get_content_type() == "multipart/alternative"
    assert "8 GB" in text_of(parsed, "text/plain")
