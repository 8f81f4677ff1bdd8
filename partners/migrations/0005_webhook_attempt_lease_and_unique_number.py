"""Redelivery without races: a visible lease, a manual-attempt mark that leaves automatic
retries alone, and one attempt per number.

Messages waiting for an attempt asked for by hand (a test message, a redelivery) keep that mark.
Deliveries whose log already holds two attempts under one number (the race this closes) are
renumbered in the order the attempts started, so the unique constraint can be added.
"""

from django.db import migrations, models

MARK_WAITING_MANUAL_ATTEMPTS = """
UPDATE partners_webhookdelivery SET next_attempt_manual = true
    WHERE status = 'pending' AND NOT auto_retry;
"""

RENUMBER_DUPLICATE_ATTEMPTS = """
WITH renumbered AS (
    SELECT id, row_number() OVER (PARTITION BY delivery_id ORDER BY started_at, id) AS n
    FROM partners_webhookattempt
    WHERE delivery_id IN (
        SELECT delivery_id FROM partners_webhookattempt
        GROUP BY delivery_id, number HAVING count(*) > 1
    )
)
UPDATE partners_webhookattempt AS a SET number = r.n
    FROM renumbered AS r WHERE a.id = r.id AND a.number <> r.n;

UPDATE partners_webhookdelivery AS d SET attempt_count = c.n
    FROM (SELECT delivery_id, count(*) AS n FROM partners_webhookattempt GROUP BY delivery_id) AS c
    WHERE d.id = c.delivery_id AND d.attempt_count < c.n;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0004_partner_balance"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhookdelivery",
            name="leased_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="next_attempt_manual",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="retry_resumes_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunSQL(MARK_WAITING_MANUAL_ATTEMPTS, migrations.RunSQL.noop),
        migrations.RunSQL(RENUMBER_DUPLICATE_ATTEMPTS, migrations.RunSQL.noop),
        migrations.AddConstraint(
            model_name="webhookattempt",
            constraint=models.UniqueConstraint(
                fields=("delivery", "number"), name="webhook_attempt_number_unique"
            ),
        ),
    ]
