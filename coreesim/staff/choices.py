"""Staff roles, capabilities and the audit actions of the shell itself, spelled once."""

from django.db import models


class Role(models.TextChoices):
    """Django groups staff users are put in; roles.py says what each may do."""

    SUPPORT = "Support", "Support"
    INVENTORY = "Inventory", "Inventory"
    FINANCE = "Finance", "Finance"
    ADMINISTRATOR = "Administrator", "Administrator"
    ACCOUNT_MANAGER = "Account manager", "Account manager"


class Capability(models.TextChoices):
    """Permission codenames of ``staff.StaffAccess``; pages check ``staff.<codename>``."""

    USE_BACKOFFICE = "use_backoffice", "Can use the staff back office"
    ALL_PARTNERS = "all_partners", "Sees every partner (not only assigned ones)"
    VIEW_ESIMS = "view_esims", "Can search and view eSIMs and profiles"
    OPERATE_ESIMS = "operate_esims", "Can suspend, resume, reissue and resync eSIMs"
    END_ESIMS = "end_esims", "Can cancel and retire eSIMs"
    VIEW_ORDERS = "view_orders", "Can view orders"
    RETRY_ORDERS = "retry_orders", "Can retry failed provisioning"
    VIEW_INVENTORY = "view_inventory", "Can view pools and imports"
    MANAGE_INVENTORY = "manage_inventory", "Can manage pools and import profiles"
    VIEW_PARTNERS = "view_partners", "Can view partners"
    MANAGE_PARTNERS = "manage_partners", "Can create and suspend partners, keys and webhooks"
    MANAGE_FINANCE = "manage_finance", "Can top up balances and set prices and plan access"
    VIEW_SMDP = "view_smdp", "Can view SM-DP+ servers and their health"
    MANAGE_SMDP = "manage_smdp", "Can configure SM-DP+ servers and certificates"
    VIEW_AUDIT = "view_audit", "Can read and export the audit log"
    MANAGE_STAFF = "manage_staff", "Can see staff accounts and reset their second factor"


class AuthAction(models.TextChoices):
    """Audit actions the shell writes about staff accounts themselves."""

    LOGIN = "auth.login", "Logged in (password and second factor)"
    LOGOUT = "auth.logout", "Logged out"
    OTP_ENROLLED = "auth.otp_enrolled", "Enrolled an authenticator app"
    RECOVERY_CODES_CREATED = "auth.recovery_codes_created", "Created new recovery codes"
    RECOVERY_CODE_USED = "auth.recovery_code_used", "Logged in with a recovery code"
    OTP_RESET = "auth.otp_reset", "Second factor reset by an administrator"
