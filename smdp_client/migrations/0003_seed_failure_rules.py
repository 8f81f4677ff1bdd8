"""Seed the failure classification table from ES2PLUS.md ("Failures: classify, keep verbatim").

2.2 and 2.3 (mandatory / conditional element missing, SGP.22) join 1.1, 1.2 and 2.1 as "our
request was wrong". Staff may edit or extend the rows afterwards; reversing removes only the
rows this migration added and that nobody changed.
"""

from django.db import migrations

SEED = [
    ("8.1.1", "3.8", False, "none", "EID refused"),
    ("8.1.1", "3.10", False, "none", "EID: invalid association"),
    ("8.2.1", "3.9", False, "flag_profile", "ICCID unknown at the SM-DP+ (our profile record is wrong)"),
    ("8.2.1", "3.3", False, "none", "ICCID already in use (unless our own lost-response retry)"),
    ("8.2.1", "3.5", False, "resync", "Profile state forbids this function (resync the profile)"),
    ("8.2.6", "3.3", False, "none", "Matching ID already in use"),
    ("*", "1.1", False, "alert", "Our request was wrong: unknown / not authenticated"),
    ("*", "1.2", False, "alert", "Our request was wrong: not allowed"),
    ("*", "2.1", False, "alert", "Our request was wrong: invalid element"),
    ("*", "2.2", False, "alert", "Our request was wrong: mandatory element missing"),
    ("*", "2.3", False, "alert", "Our request was wrong: conditional element missing"),
]


def seed(apps, schema_editor):
    FailureRule = apps.get_model("smdp_client", "FailureRule")
    for subject, reason, retryable, action, meaning in SEED:
        FailureRule.objects.get_or_create(
            subject_code=subject,
            reason_code=reason,
            defaults={"retryable": retryable, "action": action, "meaning": meaning},
        )


def unseed(apps, schema_editor):
    FailureRule = apps.get_model("smdp_client", "FailureRule")
    for subject, reason, retryable, action, meaning in SEED:
        FailureRule.objects.filter(
            subject_code=subject,
            reason_code=reason,
            retryable=retryable,
            action=action,
            meaning=meaning,
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("smdp_client", "0002_calls_notifications_rules")]

    operations = [migrations.RunPython(seed, unseed)]
