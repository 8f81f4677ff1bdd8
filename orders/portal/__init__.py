"""The traveler's self-service portal: the eSIM page, "find my eSIM" and the traveler emails.

A sub-app of ``orders`` (label ``portal``) so that it can connect its signal receivers and
register its Celery tasks in ``ready()`` without touching the orders app's own config; its two
models belong to the ``orders`` app (``Meta.app_label``) and migrate with it.
"""
