"""Every portal state, email kind and email status, spelled once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailKind(models.TextChoices):
    ESIM_READY = "esim_ready", "eSIM ready"
    DATA_80 = "data_80", "80% of data used"
    EXPIRES_1D = "expires_1d", "Expires in 1 day"
    PAGE_LINK = "page_link", "Link to the eSIM page"


# Kinds sent at most once per eSIM and occasion (a database constraint); the page link may be
# asked for again and again.
ONCE_PER_ESIM = (EmailKind.ESIM_READY, EmailKind.DATA_80, EmailKind.EXPIRES_1D)


class EmailStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class TravelerState(models.TextChoices):
    """What the traveler is told, in plain words, derived from the profile and eSIM state."""

    PREPARING = "preparing", _("Being prepared")
    READY = "ready", _("Ready to install")
    INSTALLED = "installed", _("Installed")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    EXPIRED = "expired", _("Expired")
    REMOVED = "removed", _("Removed")
    PROBLEM = "problem", _("Needs attention")


class Platform(models.TextChoices):
    """The device family a browser runs on, as far as one-tap install cares."""

    IOS_ONE_TAP = "ios_one_tap", "iOS 17.4 or later"
    IOS = "ios", "iOS before 17.4"
    ANDROID = "android", "Android"
    OTHER = "other", "Other"
