"""ES2+ vocabulary, spelled once."""

from django.db import models


class Es2Function(models.TextChoices):
    DOWNLOAD_ORDER = "downloadOrder", "DownloadOrder"
    CONFIRM_ORDER = "confirmOrder", "ConfirmOrder"
    CANCEL_ORDER = "cancelOrder", "CancelOrder"
    RELEASE_PROFILE = "releaseProfile", "ReleaseProfile"


class CircuitState(models.TextChoices):
    CLOSED = "closed", "Closed"
    OPEN = "open", "Open"
    HALF_OPEN = "half_open", "Half-open"
