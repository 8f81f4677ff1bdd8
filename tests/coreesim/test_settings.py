"""The settings module, loaded in a fresh interpreter with exactly the environment under test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from coreesim import crypto

BASE_DIR = Path(__file__).resolve().parents[2]
GOOD_SECRET_KEY = "k3Y-" + "x7Q9vR2mZ4tL8pW1nB6cJ0hF5sD3gA" * 2
SETTINGS_DUMP = """
import json, django
from django.conf import settings
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "db": [db["HOST"], db["PORT"], db["NAME"], db["USER"]],
    "REDIS_URL": settings.REDIS_URL,
    "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL,
    "LOG_FORMAT": settings.LOG_FORMAT,
    "EMAIL_BACKEND": settings.EMAIL_BACKEND,
    "FIELD_ENCRYPTION_KEYS": settings.FIELD_ENCRYPTION_KEYS,
}))
"""


def production_env(**overrides: str) -> dict[str, str]:
    env = {
        "DEBUG": "false",
        "SECRET_KEY": GOOD_SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": crypto.generate_key_spec("2026-11"),
        "ALLOWED_HOSTS": "esim.example.com",
        "PUBLIC_BASE_URL": "https://esim.example.com",
        "DATABASE_URL": "postgres://coreesim@db.internal:5432/coreesim",
        "REDIS_URL": "redis://cache.internal:6379/0",
        "EMAIL_URL": "smtp+tls://mailer:pw@smtp.example.com:587",
    }
    env.update(overrides)
    return env


def run_python(
    args: list[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run in a clean environment: nothing of the test run's own variables leaks in."""
    clean = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "coreesim.settings",
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def load_settings(env: dict[str, str] | None = None) -> dict:
    result = run_python(["-c", SETTINGS_DUMP], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_with_nothing_set_development_defaults_point_at_the_embedded_servers():
    loaded = load_settings()

    assert loaded["DEBUG"] is True
    assert loaded["db"] == ["127.0.0.1", 55432, "coreesim", "postgres"]
    assert loaded["REDIS_URL"] == "redis://127.0.0.1:56379/0"
    assert loaded["CELERY_BROKER_URL"] == loaded["REDIS_URL"]
    assert loaded["LOG_FORMAT"] == "keyvalue"
    assert loaded["PUBLIC_BASE_URL"] == "http://127.0.0.1:8000"


def test_embedded_ports_and_web_port_follow_the_environment():
    loaded = load_settings(
        {"EMBEDDED_PG_PORT": "55999", "EMBEDDED_REDIS_PORT": "56999", "WEB_PORT": "8010"}
    )

    assert loaded["db"][:2] == ["127.0.0.1", 55999]
    assert loaded["REDIS_URL"] == "redis://127.0.0.1:56999/0"
    assert loaded["PUBLIC_BASE_URL"] == "http://127.0.0.1:8010"


def test_ci_defaults_point_at_the_machine_servers():
    loaded = load_settings({"CI": "true"})

    assert loaded["db"] == ["127.0.0.1", 5432, "coreesim", "root"]
    assert loaded["REDIS_URL"] == "redis://127.0.0.1:6379/0"


def test_urls_from_the_environment_are_parsed():
    loaded = load_settings(
        {
            "DATABASE_URL": "postgres://app:pw@db.example.com:6543/esim",
            "REDIS_URL": "redis://cache.example.com:6380/3",
            "CELERY_BROKER_URL": "redis://broker.example.com:6379/5",
            "EMAIL_URL": "smtp://mailer:pw@smtp.example.com:25",
            "ALLOWED_HOSTS": "a.example.com,b.example.com",
            "PUBLIC_BASE_URL": "https://esim.example.com/",
        }
    )

    assert loaded["db"] == ["db.example.com", 6543, "esim", "app"]
    assert loaded["REDIS_URL"] == "redis://cache.example.com:6380/3"
    assert loaded["CELERY_BROKER_URL"] == "redis://broker.example.com:6379/5"
    assert loaded["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert loaded["ALLOWED_HOSTS"] == ["a.example.com", "b.example.com"]
    assert loaded["PUBLIC_BASE_URL"] == "https://esim.example.com"


def test_several_encryption_keys_are_read_in_order():
    new, old = crypto.generate_key_spec("new"), crypto.generate_key_spec("old")

    loaded = load_settings({"FIELD_ENCRYPTION_KEYS": f"{new},{old}"})

    assert loaded["FIELD_ENCRYPTION_KEYS"] == [new, old]


def test_a_good_production_environment_starts_with_json_logs():
    loaded = load_settings(production_env())

    assert loaded["DEBUG"] is False
    assert loaded["LOG_FORMAT"] == "json"
    assert loaded["ALLOWED_HOSTS"] == ["esim.example.com"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "dev-insecure-coreesim-secret-key-change-me-in-production"}, "SECRET_KEY"),
        ({"SECRET_KEY": "too-short"}, "at least 50 characters"),
        ({"FIELD_ENCRYPTION_KEYS": ""}, "FIELD_ENCRYPTION_KEYS must be set"),
        (
            {"FIELD_ENCRYPTION_KEYS": "dev:Y29yZWVzaW0tZGV2LWtleS0tbm90LWZvci1wcm9kISE="},
            "not the development key",
        ),
    ],
    ids=["no-secret-key", "dev-secret-key", "short-secret-key", "no-keys", "dev-key"],
)
def test_production_refuses_to_start_on_missing_or_development_secrets(overrides, message):
    env = production_env(**overrides)
    env = {k: v for k, v in env.items() if v}

    result = run_python(["-c", "import django; django.setup()"], env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_refuses_the_development_key_even_beside_a_real_one():
    keys = f"{crypto.generate_key_spec('2026-11')},dev:Y29yZWVzaW0tZGV2LWtleS0tbm90LWZvci1wcm9kISE="

    result = run_python(
        ["-c", "import django; django.setup()"], production_env(FIELD_ENCRYPTION_KEYS=keys)
    )

    assert result.returncode != 0
    assert "not the development key" in result.stderr


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ("no-colon-here", "must look like '<key id>:<base64 key>'"),
        ("k1:not base64!", "not valid base64"),
        ("k1:c2hvcnQ=", "must be 32 bytes"),
    ],
)
def test_malformed_encryption_keys_stop_the_start_with_the_reason(keys, message):
    result = run_python(["-c", "import django; django.setup()"], {"FIELD_ENCRYPTION_KEYS": keys})

    assert result.returncode != 0
    assert message in result.stderr


def test_check_deploy_reports_no_warning_for_a_production_environment():
    result = run_python(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env()
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_sends_the_security_headers():
    code = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/healthz', secure=True, headers={'host': 'esim.example.com'})\n"
        "print(r.status_code)\n"
        "for h in ['Strict-Transport-Security', 'Content-Security-Policy', "
        "'X-Content-Type-Options', 'Referrer-Policy', 'X-Frame-Options']:\n"
        "    print(h, '=', r.headers.get(h))\n"
    )

    result = run_python(["-c", code], production_env())

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.splitlines()[0] == "200"
    assert "Strict-Transport-Security = max-age=31536000; includeSubDomains; preload" in out
    assert "default-src 'self'" in out
    assert "frame-ancestors 'none'" in out
    assert "X-Content-Type-Options = nosniff" in out
    assert "Referrer-Policy = same-origin" in out
    assert "X-Frame-Options = DENY" in out


def test_production_redirects_plain_http_to_https_but_not_the_probes():
    code = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "c = Client(headers={'host': 'esim.example.com'})\n"
        "print(c.get('/admin/').status_code, c.get('/admin/')['Location'])\n"
        "print(c.get('/healthz').status_code)\n"
        "print(c.get('/admin/', headers={'x-forwarded-proto': 'https'}).status_code)\n"
    )

    result = run_python(["-c", code], production_env())

    assert result.returncode == 0, result.stderr
    redirect, probe, proxied = result.stdout.splitlines()
    assert redirect == "301 https://esim.example.com/admin/"
    assert probe == "200"
    assert proxied == "302"  # behind the proxy: straight to the login page, no redirect loop


def test_an_unknown_log_format_stops_the_start_with_the_choices():
    result = run_python(["-c", "import django; django.setup()"], {"LOG_FORMAT": "text"})

    assert result.returncode != 0
    assert "LOG_FORMAT must be 'keyvalue' or 'json', not 'text'" in result.stderr


def test_a_trusted_proxy_that_is_not_an_address_stops_the_start_naming_it():
    result = run_python(
        ["-c", "import django; django.setup()"], {"TRUSTED_PROXIES": "10.0.0.1,proxy.internal"}
    )

    assert result.returncode != 0
    assert "TRUSTED_PROXIES: 'proxy.internal' is not an IP address or network" in result.stderr


def test_the_retired_forwarded_for_switch_stops_the_start_pointing_at_trusted_proxies():
    result = run_python(
        ["-c", "import django; django.setup()"], {"API_TRUST_X_FORWARDED_FOR": "true"}
    )

    assert result.returncode != 0
    assert "API_TRUST_X_FORWARDED_FOR is replaced by TRUSTED_PROXIES" in result.stderr
