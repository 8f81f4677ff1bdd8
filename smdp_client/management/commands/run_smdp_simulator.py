"""``manage.py run_smdp_simulator``: the built-in SM-DP+ as a real HTTP(S) server."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from smdp_client.simulator.device import DEV_SIMULATOR_SECRET, NotifierConfig
from smdp_client.simulator.server import Simulator, SimulatorConfig, tls_context


class Command(BaseCommand):
    help = (
        "Run the built-in SM-DP+ simulator (ES2+ over HTTP, or HTTPS with mutual TLS). "
        "Control endpoints live under /_sim/ (see docs/es2plus.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8701)
        parser.add_argument("--tls", action="store_true", help="serve HTTPS")
        parser.add_argument("--cert", help="PEM server certificate (with --tls)")
        parser.add_argument("--key", help="PEM server private key (with --tls)")
        parser.add_argument(
            "--client-ca", help="PEM CA that must sign client certificates (mutual TLS)"
        )
        parser.add_argument("--notify-url", default="", help="where to send notifications")
        parser.add_argument(
            "--notify-secret",
            default=os.environ.get("SMDP_SIMULATOR_SECRET", DEV_SIMULATOR_SECRET),
            help="sent in X-CoreESIM-Secret (default: $SMDP_SIMULATOR_SECRET or the dev secret)",
        )
        parser.add_argument(
            "--requester-id", default=None, help="accept only this functionRequesterIdentifier"
        )
        parser.add_argument("--smdp-address", default="", help="smdpAddress in confirmOrder")
        parser.add_argument("--latency-ms", type=int, default=0)
        parser.add_argument("--fail-rate", type=float, default=0.0, help="share of HTTP 503s")
        parser.add_argument("--seed", type=int, default=None, help="random seed")
        parser.add_argument("--device-delay-ms", type=int, default=1500)
        parser.add_argument(
            "--no-device", action="store_true", help="do not play the device after a release"
        )
        parser.add_argument("--pidfile", help="write the process id here")

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0.0 <= options["fail_rate"] <= 1.0:
            raise CommandError("--fail-rate must be between 0 and 1")
        tls = None
        if options["tls"]:
            if not (options["cert"] and options["key"]):
                raise CommandError("--tls needs --cert and --key")
            tls = tls_context(options["cert"], options["key"], options["client_ca"])
        config = SimulatorConfig(
            requester_id=options["requester_id"],
            smdp_address=options["smdp_address"],
            latency_ms=options["latency_ms"],
            fail_rate=options["fail_rate"],
            seed=options["seed"],
            notifier=NotifierConfig(
                url=options["notify_url"],
                secret=options["notify_secret"],
                delay_ms=options["device_delay_ms"],
                auto=not options["no_device"],
            ),
        )
        try:
            simulator = Simulator(config, host=options["host"], port=options["port"], tls=tls)
        except OSError as exc:
            raise CommandError(
                f"cannot listen on {options['host']}:{options['port']}: {exc}"
            ) from exc
        pidfile = Path(options["pidfile"]) if options["pidfile"] else None
        if pidfile:
            pidfile.parent.mkdir(parents=True, exist_ok=True)
            pidfile.write_text(str(os.getpid()))

        def stop(signum: int, frame: FrameType | None) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        self.stdout.write(
            f"SM-DP+ simulator listening on {simulator.url} "
            f"(notifications to {options['notify_url'] or 'nowhere'})"
        )
        try:
            simulator.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("SM-DP+ simulator stopped")
        finally:
            simulator.httpd.server_close()
            if pidfile:
                with contextlib.suppress(OSError):
                    pidfile.unlink()
