"""8.2.1/3.3 "ICCID already in use" quarantines the profile instead of returning it to stock.

``es2_download_order`` turns the code into a success when our own earlier downloadOrder holds
the ICCID; any refusal that reaches the pipeline means the SM-DP+ holds the profile for someone
else. Seeded with action ``none``, the profile went back to ``available`` and every later sale of
it failed the same way. ``flag_profile`` moves it to ``error`` for staff instead.

The row is changed only while it still has the values 0003 seeded (retryable, action and
meaning), so a rule staff have edited stays as they left it; a fresh install runs 0003 and then
this migration and ends with the new values. Reversing restores the seeded values on the same
condition.
"""

from django.db import migrations

CODE = {"subject_code": "8.2.1", "reason_code": "3.3"}
SEEDED = {
    "retryable": False,
    "action": "none",
    "meaning": "ICCID already in use (unless our own lost-response retry)",
}
QUARANTINE = {
    "retryable": False,
    "action": "flag_profile",
    "meaning": "ICCID already in use, not by our own earlier downloadOrder: quarantine it",
}


def _replace(apps, old: dict, new: dict) -> None:
    FailureRule = apps.get_model("smdp_client", "FailureRule")
    # QuerySet.update leaves updated_at alone: the row still tells when staff last edited it.
    FailureRule.objects.filter(**CODE, **old).update(**new)


def quarantine(apps, schema_editor):
    _replace(apps, SEEDED, QUARANTINE)


def restore(apps, schema_editor):
    _replace(apps, QUARANTINE, SEEDED)


class Migration(migrations.Migration):
    dependencies = [("smdp_client", "0003_seed_failure_rules")]

    operations = [migrations.RunPython(quarantine, restore)]
