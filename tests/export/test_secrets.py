"""No export ever carries a SASL password or a key file's path."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from pydantic import SecretStr

from edaviz.core.flow import Flow
from edaviz.export import FORMATS, export_bytes
from edaviz.export.redact import bootstrap_credentials, safe_bootstrap, secrets_of
from edaviz.kafka.connection import ConnectionSettings
from edaviz.metrics.snapshot import ClusterState, Snapshot

PASSWORD = 'pa<ss>"w&rd-7f3e'
KEY_PASSWORD = "key-pass-91ac"
KEY_FILE = "/etc/secret/client-91ac.key"


@pytest.fixture
def settings() -> ConnectionSettings:
    """Connection settings that carry a password and a key file."""
    return ConnectionSettings(
        bootstrap="127.0.0.1:9092",
        security_protocol="SASL_SSL",
        sasl_mechanism="PLAIN",
        sasl_username="alice",
        sasl_password=SecretStr(PASSWORD),
        ssl_keyfile=Path(KEY_FILE),
        ssl_key_password=SecretStr(KEY_PASSWORD),
    )


def test_secrets_are_found_in_settings(settings: ConnectionSettings) -> None:
    assert {PASSWORD, KEY_PASSWORD, KEY_FILE} <= secrets_of(settings)
    assert "alice" not in secrets_of(settings)


def test_bootstrap_loses_credentials() -> None:
    assert safe_bootstrap("sasl://bob:hunter2@k1:9092, k2:9093") == "k1:9092,k2:9093"


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "png"])
def test_no_export_carries_a_secret(
    flow: Flow, snapshot: Snapshot, settings: ConnectionSettings, fmt: str
) -> None:
    # A snapshot whose error text quotes the secrets, as a careless driver
    # message might; the export must still not show them.
    leaky = dataclasses.replace(
        snapshot,
        cluster=ClusterState(
            f"alice:{PASSWORD}@127.0.0.1:9092",
            False,
            error=f"auth failed for {PASSWORD} with {KEY_FILE} / {KEY_PASSWORD}",
        ),
    )
    data = export_bytes(flow, fmt, snapshot=leaky, settings=settings).decode()
    escaped = ("pa&lt;ss&gt;", 'pa<ss>\\"', "pa#lt;ss#gt;")
    for secret in (PASSWORD, KEY_PASSWORD, KEY_FILE, *escaped):
        assert secret not in data
    assert "127.0.0.1:9092" in data


def test_png_is_rendered_from_the_scrubbed_drawing(
    flow: Flow, snapshot: Snapshot, settings: ConnectionSettings, monkeypatch
) -> None:
    seen: list[str] = []
    import edaviz.export as export

    monkeypatch.setattr(export, "render_png", lambda svg: seen.append(svg) or b"")
    leaky = dataclasses.replace(
        snapshot, cluster=ClusterState(f"u:{PASSWORD}@h:1", True, error=PASSWORD)
    )
    export_bytes(flow, "png", snapshot=leaky, settings=settings)
    assert seen and PASSWORD not in seen[0] and "pa&lt;ss&gt;" not in seen[0]


def test_credentials_in_a_bootstrap_are_secrets() -> None:
    bootstrap = "SASL_SSL://bob:hunter2@k1:9092, k2:9093"
    assert bootstrap_credentials(bootstrap) == {"bob:hunter2", "hunter2"}
    assert bootstrap_credentials("k1:9092") == set()
    assert bootstrap_credentials("alice@k1:9092") == set()
    assert bootstrap_credentials(None) == set()
    found = secrets_of(ConnectionSettings(bootstrap="u:s3cret@k1:9092"))
    assert {"u:s3cret", "s3cret"} <= found


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_export_carries_the_credentials_of_the_flows_bootstrap(
    flow: Flow, fmt: str, monkeypatch
) -> None:
    data = flow.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["cluster"] = {"bootstrap": "SASL_SSL://bob:hunter2@k1:9092,k2:9093"}
    drawn: list[str] = []
    import edaviz.export as export

    monkeypatch.setattr(export, "render_png", lambda svg: drawn.append(svg) or b"")
    text = export_bytes(Flow.model_validate(data), fmt).decode()
    if fmt == "png":
        text = drawn[0]
    assert "hunter2" not in text
    if fmt == "json":
        assert json.loads(text)["flow"]["cluster"]["bootstrap"] == "k1:9092,k2:9093"
