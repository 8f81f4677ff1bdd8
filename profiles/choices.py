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
