"""Traveler emails keep their retry schedule on the row (``next_attempt_at``), for the sweep.

Rows pending now become due at once, so the next sweep tries them under the new schedule.
"""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0008_esim_failure_reason_redacted_help_text'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='traveleremail',
            name='traveler_email_pending',
        ),
        migrations.AddField(
            model_name='traveleremail',
            name='next_attempt_at',
            field=models.DateTimeField(default=django.utils.timezone.now, help_text='When the sweep sends it if still pending: the next retry after a failure (services.email_retry_delay), or a lost first doorbell'),
        ),
        migrations.AddIndex(
            model_name='traveleremail',
            index=models.Index(condition=models.Q(('status', 'pending')), fields=['next_attempt_at'], name='traveler_email_due'),
        ),
    ]
