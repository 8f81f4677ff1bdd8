"""The Celery app. Redis is only the doorbell: every job that matters is also a database row."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coreesim.settings")

app = Celery("coreesim")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
