"""ES2+ vocabulary, spelled once."""

from django.db import models

# Our X-Admin-Protocol on answers to notifications, and the prefix every SM-DP+ answer carries.
ADMIN_PROTOCOL = "gsma/rsp/v2.5.0"
ADMIN_PROTOCOL_PREFIX = "gsma/rsp/v2."
REQUEST_CONTENT_TYPE = "application/json;charset=UTF-8"
ES2_PATH_PREFIX = "/gsma/rsp2/es2plus/"

# Inbound authentication headers (see docs/es2plus.md: the TLS terminator sets the fingerprint
# header and must strip any value a client sent).
SECRET_HEADER = "X-CoreESIM-Secret"
CERT_FINGERPRINT_HEADER = "X-Client-Cert-Fingerprint"


class Es2Function(models.TextChoices):
    DOWNLOAD_ORDER = "downloadOrder", "DownloadOrder"
    CONFIRM_ORDER = "confirmOrder", "ConfirmOrder"
    CANCEL_ORDER = "cancelOrder", "CancelOrder"
    RELEASE_PROFILE = "releaseProfile", "ReleaseProfile"


class CircuitState(models.TextChoices):
    CLOSED = "closed", "Closed"
    OPEN = "open", "Open"
    HALF_OPEN = "half_open", "Half-open"


class ExecutionStatus(models.TextChoices):
    """``header.functionExecutionStatus.status`` as SGP.22 spells it."""

    SUCCESS = "Executed-Success", "Executed-Success"
    WARNING = "Executed-WithWarning", "Executed-WithWarning"
    FAILED = "Failed", "Failed"
    EXPIRED = "Expired", "Expired"


SUCCESS_STATUSES = frozenset({ExecutionStatus.SUCCESS, ExecutionStatus.WARNING})


class FinalProfileStatus(models.TextChoices):
    """cancelOrder's ``finalProfileStatusIndicator``."""

    AVAILABLE = "Available", "Available"
    UNAVAILABLE = "Unavailable", "Unavailable"


class CallOutcome(models.TextChoices):
    """What we know about one ES2+ call once it ended (or while it runs)."""

    PENDING = "pending", "In flight (or the worker died while waiting)"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Refused by the SM-DP+"
    UNKNOWN = "unknown", "Outcome unknown (transport failure after sending)"
    PROTOCOL_ERROR = "protocol_error", "Answer broke the protocol"
    NOT_SENT = "not_sent", "Not sent"


# Outcomes after which the SM-DP+ may or may not have acted on the call.
UNRESOLVED_OUTCOMES = frozenset({CallOutcome.PENDING, CallOutcome.UNKNOWN})


class TransportFailure(models.TextChoices):
    """Why a call got no usable answer; all of them leave the outcome unknown."""

    TIMEOUT = "timeout", "Timed out"
    TLS = "tls", "TLS handshake or certificate problem"
    CONNECTION = "connection", "Could not connect or the connection broke"
    HTTP_STATUS = "http_status", "HTTP error status"
    CIRCUIT_OPEN = "circuit_open", "Circuit breaker open"
    BUSY = "busy", "Concurrency or rate limit reached"


class FailureAction(models.TextChoices):
    """What to do about a classified business failure."""

    RETRY = "retry", "Retry with backoff"
    NONE = "none", "Do not retry"
    FLAG_PROFILE = "flag_profile", "Do not retry; our profile record is wrong"
    RESYNC = "resync", "Do not retry; resync the profile"
    ALERT = "alert", "Do not retry; our request was wrong (a bug)"


class NotificationPoint(models.IntegerChoices):
    """``notificationPointId`` values of handleDownloadProgressInfo we understand."""

    ELIGIBILITY = 1, "Eligibility and retry limit check"
    CONFIRMATION_FAILURE = 2, "Confirmation failure"
    BPP_DOWNLOAD = 3, "BPP download"
    BPP_INSTALLATION = 4, "BPP installation"


class NotificationState(models.TextChoices):
    RECEIVED = "received", "Received, not applied yet"
    APPLIED = "applied", "Applied to the profile"
    STALE = "stale", "Kept; the profile had already moved past it"
    RECORDED = "recorded", "Kept; informational, no state change"
    UNKNOWN_ICCID = "unknown_iccid", "ICCID unknown to us"
    NOT_APPLICABLE = "not_applicable", "Kept; the profile's state does not allow it"
