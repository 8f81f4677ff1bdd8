"""Every order, eSIM, job and usage state of the orders app, spelled once."""

from django.db import models

MIN_QUANTITY = 1
MAX_QUANTITY = 50

# Usage thresholds that each produce one event per eSIM (and per top-up period).
DATA_THRESHOLDS_PERCENT = (50, 80, 100)
EXPIRY_NOTICE_DAYS = (3, 1)


class OrderStatus(models.TextChoices):
    PROVISIONING = "provisioning", "Provisioning"
    COMPLETED = "completed", "Completed"
    PARTIALLY_COMPLETED = "partially_completed", "Partially completed"
    FAILED = "failed", "Failed"


ORDER_FINAL_STATUSES = frozenset(
    {OrderStatus.COMPLETED, OrderStatus.PARTIALLY_COMPLETED, OrderStatus.FAILED}
)


class EsimStatus(models.TextChoices):
    """What was sold and delivered; the installation progress is the profile's state."""

    PROVISIONING = "provisioning", "Provisioning on the SM-DP+"
    RELEASED = "released", "Activation code ready"
    FAILED = "failed", "Provisioning failed"
    CANCELLED = "cancelled", "Cancelled (unused, refunded)"
    EXPIRED = "expired", "Expired"
    RETIRED = "retired", "Retired"


class EsimStep(models.TextChoices):
    """How far the ES2+ pipeline got for one eSIM, so a retry resumes instead of repeating."""

    NONE = "none", "Nothing sent yet"
    DOWNLOAD_ORDERED = "download_ordered", "DownloadOrder done"
    CONFIRMED = "confirmed", "ConfirmOrder done"


class FailureOutcome(models.TextChoices):
    """Where a profile goes when its eSIM could not be provisioned."""

    RESTOCKED = "restocked", "Back in stock"
    QUARANTINED = "quarantined", "Quarantined for staff (profile state 'error')"


class JobKind(models.TextChoices):
    PROVISION = "provision", "Provision an order"
    REISSUE = "reissue", "Reissue an eSIM"


class JobStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"


class UsageEventKind(models.TextChoices):
    DATA_50 = "data_50", "50 % of data used"
    DATA_80 = "data_80", "80 % of data used"
    DATA_100 = "data_100", "All data used"
    EXPIRES_3D = "expires_3d", "Expires in 3 days"
    EXPIRES_1D = "expires_1d", "Expires in 1 day"


DATA_EVENT_FOR_PERCENT = {
    50: UsageEventKind.DATA_50,
    80: UsageEventKind.DATA_80,
    100: UsageEventKind.DATA_100,
}
EXPIRY_EVENT_FOR_DAYS = {3: UsageEventKind.EXPIRES_3D, 1: UsageEventKind.EXPIRES_1D}
