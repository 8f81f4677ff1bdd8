"""Every profile state and event source, spelled once."""

from django.db import models


class ProfileState(models.TextChoices):
    AVAILABLE = "available", "Available"
    RESERVED = "reserved", "Reserved"
    RELEASED = "released", "Released"
    DOWNLOADED = "downloaded", "Downloaded"
    INSTALLED = "installed", "Installed"
    ENABLED = "enabled", "Enabled"
    DISABLED = "disabled", "Disabled"
    DELETED = "deleted", "Deleted"
    SUSPENDED = "suspended", "Suspended"
    CANCELLED = "cancelled", "Cancelled"
    RETIRED = "retired", "Retired"
    ERROR = "error", "Error"


class EventSource(models.TextChoices):
    STAFF = "staff", "Staff"
    API = "api", "Partner API"
    ES2PLUS = "es2plus", "ES2+ notification"
    SYSTEM = "system", "System"


class IccidProblem(models.TextChoices):
    EMPTY = "empty", "Empty"
    CHARACTERS = "characters", "Not only digits"
    LENGTH = "length", "Wrong length"
    LUHN = "luhn", "Luhn check digit"


class RadioTechnology(models.TextChoices):
    LTE = "4g", "4G/LTE"
    NR = "5g", "5G"


class CoverageKind(models.TextChoices):
    COUNTRY = "country", "One country"
    REGION = "region", "A region"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    PARTIAL = "partial", "Imported with rejected lines"
    FAILED = "failed", "Failed"


class ImportPhase(models.TextChoices):
    """Where a running import is; the staff page shows it while the import transaction is open."""

    QUEUED = "queued", "waiting for a worker"
    READING = "reading", "reading and writing lines"
    CHECKING = "checking", "finding every problem"
    WRITING = "writing", "writing profiles"
    DONE = "done", "done"


class ImportErrorCode(models.TextChoices):
    """Why an import line or file was refused; the staff page and the CLI show the label."""

    MISSING_ICCID_COLUMN = "missing_iccid_column", "The header has no ICCID column"
    UNKNOWN_COLUMN = "unknown_column", "Unknown column"
    DUPLICATE_COLUMN = "duplicate_column", "Column named twice"
    FORBIDDEN_COLUMN = "forbidden_column", "Network authentication key column"
    EMPTY_FILE = "empty_file", "No header or no lines"
    MALFORMED_LINE = "malformed_line", "Wrong number of fields"
    ICCID_INVALID = "iccid_invalid", "Invalid ICCID"
    ICCID_DUPLICATE_IN_FILE = "iccid_duplicate_in_file", "ICCID repeated in the file"
    ICCID_EXISTS = "iccid_exists", "ICCID already in the inventory"
    IMSI_INVALID = "imsi_invalid", "Invalid IMSI"
    IMSI_DUPLICATE_IN_FILE = "imsi_duplicate_in_file", "IMSI repeated in the file"
    IMSI_EXISTS = "imsi_exists", "IMSI already in the inventory"
    PIN_INVALID = "pin_invalid", "Invalid PIN"
    PUK_INVALID = "puk_invalid", "Invalid PUK"
