"""``apionly-deploy emulator``: serve a local org until interrupted."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType

import click

from apionly_deploy.cli.main import cli
from apionly_deploy.emulator import Emulator, write_info_file
from apionly_deploy.emulator.server import is_loopback
from apionly_deploy.emulator.settings import EmulatorSettings
from apionly_deploy.errors import ConfigError

#: A served org behaves like a real one: a deploy takes a couple of seconds.
SERVED_SETTINGS = EmulatorSettings(deploy_polls=None, deploy_seconds=2.0)


@cli.command("emulator")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Loopback address to listen on (127.0.0.1, ::1 or localhost).",
)
@click.option(
    "--port",
    default=0,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on; 0 picks a free one.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".apionly/local-org"),
    show_default=True,
    help="Where the org's SQLite database and TLS certificate live.",
)
@click.option(
    "--info-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the URL, CA certificate and credentials here as JSON once ready.",
)
@click.option("--no-tls", is_flag=True, help="Serve plain HTTP (loopback only).")
def emulator_command(
    host: str, port: int, data_dir: Path, info_file: Path | None, no_tls: bool
) -> None:
    """Serve a local Salesforce org (OAuth, Metadata SOAP, REST) until Ctrl-C."""
    if not is_loopback(host):
        raise ConfigError(
            f"--host {host} is not a loopback address; the local org only "
            "listens on 127.0.0.1, ::1 or localhost"
        )
    try:
        emulator = Emulator(
            data_dir=data_dir, tls=not no_tls, host=host, port=port, settings=SERVED_SETTINGS
        )
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    info = emulator.start()
    try:
        if info_file is not None:
            write_info_file(info_file, info)
        click.echo(f"Local org listening on {info.instance_url}", err=True)
        if info.ca_cert:
            click.echo(f"CA certificate: {info.ca_cert}", err=True)
        click.echo(f"Username: {info.username}", err=True)
        if info_file is not None:
            click.echo(f"Credentials written to {info_file}", err=True)
        stop.wait()
    finally:
        emulator.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        click.echo("Local org stopped; state saved.", err=True)
