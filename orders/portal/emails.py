"""Build the traveler emails: HTML with a plain-text alternative and the QR as a CID image.

Many mail clients block ``data:`` images, so the QR travels as a ``multipart/related`` part
referenced by ``cid:`` from the HTML; the text part carries the same codes and links, so a
traveler whose client shows no images can still install by hand.

Layout of the message::

    multipart/related
      multipart/alternative
        text/plain
        text/html          (<img src="cid:esim-qr@coreesim">)
      image/png            (Content-ID: <esim-qr@coreesim>, inline)
"""

from __future__ import annotations

from dataclasses import dataclass
from email.mime.image import MIMEImage
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from orders.portal.branding import Brand
from orders.portal.choices import EmailKind

QR_CONTENT_ID = "esim-qr@coreesim"

_TEMPLATES = {
    EmailKind.ESIM_READY: "emails/esim_ready",
    EmailKind.PAGE_LINK: "emails/esim_ready",
    EmailKind.DATA_80: "emails/data_80",
    EmailKind.EXPIRES_1D: "emails/expires_1d",
}


@dataclass(frozen=True)
class EmailContent:
    """Everything an email shows; built by ``orders.portal.selectors.email_content``."""

    kind: EmailKind
    language: str
    to: str
    brand: Brand
    plan_name: str
    page_url: str
    activation_code: str | None = None
    smdp_address: str | None = None
    matching_id: str | None = None
    confirmation_required: bool = False
    ios_link: str | None = None
    android_link: str | None = None
    qr_png: bytes | None = None
    used_label: str | None = None
    total_label: str | None = None
    percent: int | None = None
    expires_at: Any = None
    reissued: bool = False


class _RelatedEmail(EmailMultiAlternatives):
    """Wraps the alternatives and the inline image in ``multipart/related``."""

    mixed_subtype = "related"


def _subject(content: EmailContent) -> str:
    subjects = {
        EmailKind.ESIM_READY: _("Your eSIM is ready: %(plan)s"),
        EmailKind.PAGE_LINK: _("Your eSIM page: %(plan)s"),
        EmailKind.DATA_80: _("You have used 80%% of your data: %(plan)s"),
        EmailKind.EXPIRES_1D: _("Your eSIM expires tomorrow: %(plan)s"),
    }
    if content.kind == EmailKind.ESIM_READY and content.reissued:
        return _("Your new eSIM code: %(plan)s") % {"plan": content.plan_name}
    return subjects[content.kind] % {"plan": content.plan_name}


def email_message_build(content: EmailContent) -> EmailMultiAlternatives:
    """The complete message, rendered in the traveler's language."""
    with translation.override(content.language):
        context = {
            "c": content,
            "brand": content.brand,
            "qr_cid": QR_CONTENT_ID if content.qr_png else None,
            "LANGUAGE_CODE": content.language,
        }
        base = _TEMPLATES[content.kind]
        subject = _subject(content)
        text = render_to_string(f"{base}.txt", context)
        html = render_to_string(f"{base}.html", context)
    message_class = _RelatedEmail if content.qr_png else EmailMultiAlternatives
    message = message_class(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[content.to],
        headers={"Auto-Submitted": "auto-generated", "Content-Language": content.language},
    )
    message.attach_alternative(html, "text/html")
    if content.qr_png:
        image = MIMEImage(content.qr_png, "png")
        image.add_header("Content-ID", f"<{QR_CONTENT_ID}>")
        image.add_header("Content-Disposition", "inline", filename="esim-qr.png")
        message.attach(image)
    return message
