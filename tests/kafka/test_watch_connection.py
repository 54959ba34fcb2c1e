"""Connection settings: precedence, config file validation, secrets kept secret."""

import argparse
import logging
from pathlib import Path

import pytest

from edaviz.errors import UsageError
from edaviz.kafka.connection import (
    add_connection_arguments,
    config_path,
    resolve_settings,
)


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_connection_arguments(parser)
    return parser.parse_args(list(argv))


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "edaviz" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_bootstrap_precedence(tmp_path: Path) -> None:
    write_config(tmp_path, '[kafka]\nbootstrap = "file:1"\n')
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    assert resolve_settings(parse(), None, env).bootstrap == "file:1"
    assert resolve_settings(parse(), "flow:1", env).bootstrap == "flow:1"
    env["KAFKA_BOOTSTRAP_SERVERS"] = "env:1"
    assert resolve_settings(parse(), "flow:1", env).bootstrap == "env:1"
    settings = resolve_settings(parse("-b", "cli:1"), "flow:1", env)
    assert settings.bootstrap == "cli:1"
    assert settings.bootstrap_source == "--bootstrap-server"
    empty = {"XDG_CONFIG_HOME": str(tmp_path / "none")}
    settings = resolve_settings(parse(), None, empty, local_broker=False)
    assert settings.bootstrap == "localhost:9092"
    assert settings.bootstrap_source == "default"


def test_running_local_broker_comes_before_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from edaviz.kafka import connection

    monkeypatch.setattr(connection, "_local_broker_bootstrap", lambda: "127.0.0.1:4")
    empty = {"XDG_CONFIG_HOME": str(tmp_path / "none")}
    settings = resolve_settings(parse(), None, empty)
    assert settings.bootstrap == "127.0.0.1:4"
    assert settings.bootstrap_source == "the local edaviz broker"
    assert resolve_settings(parse(), "flow:1", empty).bootstrap == "flow:1"


def test_config_search_order(tmp_path: Path) -> None:
    xdg = write_config(tmp_path, "")
    other = tmp_path / "other.toml"
    other.write_text("", encoding="utf-8")
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    assert config_path(None, env) == xdg
    assert config_path(None, {**env, "EDAVIZ_CONFIG": str(other)}) == other
    assert config_path(other, {}) == other
    with pytest.raises(UsageError, match="not found"):
        config_path(tmp_path / "missing.toml", env)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[kafka]\nbootstrp = 'x'\n", "bootstrp"),
        ("[kafka]\nsecurity_protocol = 'TLS'\n", "security_protocol"),
        ("[kafka\n", "invalid TOML"),
    ],
)
def test_config_is_validated_strictly(tmp_path: Path, text: str, message: str) -> None:
    write_config(tmp_path, text)
    with pytest.raises(UsageError, match=message):
        resolve_settings(parse(), None, {"XDG_CONFIG_HOME": str(tmp_path)})


def test_sasl_settings_and_secret_never_shown(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_config(
        tmp_path,
        '[kafka]\nsecurity_protocol = "SASL_PLAINTEXT"\n'
        'sasl_mechanism = "SCRAM-SHA-512"\nsasl_username = "alice"\n'
        'sasl_password = "hunter2-file"\n',
    )
    env = {"XDG_CONFIG_HOME": str(tmp_path), "KAFKA_SASL_PASSWORD": "s3cr3t-env"}
    caplog.set_level(logging.DEBUG)
    settings = resolve_settings(parse(), None, env)
    kwargs = settings.client_kwargs()
    assert kwargs["sasl_mechanism"] == "SCRAM-SHA-512"
    assert kwargs["sasl_plain_username"] == "alice"
    assert kwargs["sasl_plain_password"] == "s3cr3t-env"
    for shown in (repr(settings), str(settings), settings.describe(), caplog.text):
        assert "s3cr3t" not in shown and "hunter2" not in shown
    assert "s3cr3t" not in settings.model_dump_json()


async def test_sasl_password_stays_out_of_aiokafka_debug_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from aiokafka.conn import AIOKafkaConnection
    from aiokafka.protocol.admin import SaslAuthenticateRequest

    env = {"XDG_CONFIG_HOME": str(tmp_path), "KAFKA_SASL_PASSWORD": "s3cr3t-env"}
    argv = ("--security-protocol", "SASL_PLAINTEXT", "--sasl-mechanism", "PLAIN")
    settings = resolve_settings(parse(*argv, "--sasl-username", "alice"), None, env)
    settings.client_kwargs()  # what every edaviz Kafka client is built from
    # On aiokafka's own logger: a CLI test before this one may have raised its
    # level to ERROR, as `edaviz` without -vv does.
    caplog.set_level(logging.DEBUG, logger="aiokafka")

    class Wire:
        def write(self, data: bytes) -> None:
            pass

    # aiokafka's own send path, as `edaviz -vv` would log a PLAIN login.
    conn = AIOKafkaConnection("127.0.0.1", 9)
    conn._writer = Wire()  # type: ignore[assignment]
    conn._versions = {36: (0, 1)}
    conn.send(SaslAuthenticateRequest(b"\0alice\0s3cr3t-env")).close()
    assert "SaslAuthenticate" in caplog.text
    assert "s3cr3t" not in caplog.text


def test_sasl_needs_mechanism_and_password(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    with pytest.raises(UsageError, match="sasl-mechanism"):
        resolve_settings(parse("--security-protocol", "SASL_SSL"), None, env)
    with pytest.raises(UsageError, match="KAFKA_SASL_PASSWORD"):
        resolve_settings(
            parse(
                "--security-protocol",
                "SASL_PLAINTEXT",
                "--sasl-mechanism",
                "PLAIN",
                "--sasl-username",
                "bob",
            ),
            None,
            env,
        )
    with pytest.raises(UsageError, match="file not found"):
        resolve_settings(parse("--ssl-cafile", str(tmp_path / "ca.pem")), None, env)


def test_ssl_context_built_for_ssl_protocol(tmp_path: Path) -> None:
    settings = resolve_settings(
        parse("--security-protocol", "SSL"), None, {"XDG_CONFIG_HOME": str(tmp_path)}
    )
    kwargs = settings.client_kwargs()
    assert kwargs["security_protocol"] == "SSL"
    assert kwargs["ssl_context"] is not None


FLOW = """\
edaviz: 1
name: tiny
events:
  e: {}
handlers:
  h: {consumes: [e]}
"""


def test_watch_rejects_bad_timing(flow_file, capsys: pytest.CaptureFixture) -> None:
    from edaviz.cli import main

    path = str(flow_file(FLOW))
    assert main(["watch", path, "--window", "5"]) == 2
    assert main(["watch", path, "--once", "--window", "90"]) == 2
    assert main(["watch", path, "--interval", "0"]) == 2
    assert main(["watch", path, "--tail", "-1"]) == 2
    assert main(["watch", path, "--tail", "100000"]) == 2
    err = capsys.readouterr().err
    assert "--window" in err and "--tail must be between 0 and 1000" in err


def test_watch_once_unreachable_prints_disconnected(
    flow_file, capsys: pytest.CaptureFixture
) -> None:
    import json
    import socket

    from edaviz.cli import main

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"127.0.0.1:{sock.getsockname()[1]}"
    path = str(flow_file(FLOW))
    assert main(["watch", path, "--once", "--json", "-b", dead]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["cluster"]["connected"] is False
    assert doc["cluster"]["bootstrap"] == dead
    assert doc["cluster"]["disconnected_since"]
    assert doc["edges"][0]["status"] == "UNKNOWN"


def test_connection_options_load_without_aiokafka() -> None:
    # Every command line parser adds these options: aiokafka's ~100 ms import
    # waits until a command connects.
    import subprocess
    import sys

    code = "import sys, edaviz.kafka.connection; print('aiokafka' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_credentials_in_the_bootstrap_are_refused_without_echoing_them(
    tmp_path: Path,
) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    for bootstrap in ("bob:hunter2@kafka:9093", "a:1,SASL_SSL://bob:hunter2@b:2"):
        with pytest.raises(UsageError, match="holds credentials") as refused:
            resolve_settings(parse(), bootstrap, env)
        assert "hunter2" not in str(refused.value)
        assert "cluster.bootstrap" in str(refused.value)
