"""Kafka connection settings: where they come from, how they are checked, and the
keyword arguments aiokafka clients are built with (and the guards they get).

The bootstrap servers are taken from the first of these that sets them:

1. `--bootstrap-server` on the command line;
2. the `KAFKA_BOOTSTRAP_SERVERS` environment variable;
3. the flow file's `cluster.bootstrap`;
4. the `[kafka]` table of the config file;
5. the local broker that `edaviz broker start` or `edaviz demo` runs, if any;
6. `localhost:9092`.

Security settings (protocol, SASL, SSL files) come from the command line, then
the config file. The SASL password is read from `KAFKA_SASL_PASSWORD` or the
config file, never from a flag (flags are visible to every user in `ps`).

The config file is the first that exists of: `--config PATH`, `$EDAVIZ_CONFIG`,
`$XDG_CONFIG_HOME/edaviz/config.toml` (`~/.config/edaviz/config.toml` when
XDG_CONFIG_HOME is unset). Its `[kafka]` table is validated strictly: unknown
keys are errors. Other tables belong to other parts of edaviz.
"""

from __future__ import annotations

import argparse
import logging
import os
import ssl
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from edaviz.errors import UsageError

log = logging.getLogger(__name__)

DEFAULT_BOOTSTRAP = "localhost:9092"
ENV_BOOTSTRAP = "KAFKA_BOOTSTRAP_SERVERS"
ENV_PASSWORD = "KAFKA_SASL_PASSWORD"
ENV_CONFIG = "EDAVIZ_CONFIG"

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


class KafkaFileSettings(BaseModel):
    """The `[kafka]` table of the config file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bootstrap: str | None = None
    """Bootstrap servers, `host:port[,host:port...]`."""
    client_id: str | None = None
    """Client id the monitor announces to the brokers (default `edaviz`)."""
    security_protocol: SecurityProtocol | None = None
    """PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL."""
    sasl_mechanism: SaslMechanism | None = None
    """PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512."""
    sasl_username: str | None = None
    """SASL user name."""
    sasl_password: SecretStr | None = None
    """SASL password (prefer the KAFKA_SASL_PASSWORD environment variable)."""
    ssl_cafile: Path | None = None
    """CA bundle that signed the brokers' certificates."""
    ssl_certfile: Path | None = None
    """Client certificate, for mutual TLS."""
    ssl_keyfile: Path | None = None
    """Private key of the client certificate."""
    ssl_key_password: SecretStr | None = None
    """Password of the private key, if it is encrypted."""
    ssl_check_hostname: bool = True
    """Check that broker certificates name the host connected to."""
    request_timeout_s: float = Field(default=10.0, gt=0, le=300)
    """How long one request may take before the broker counts as unreachable."""


class ConfigFile(BaseModel):
    """The parts of the config file this module reads."""

    model_config = ConfigDict(extra="allow", frozen=True)

    kafka: KafkaFileSettings = KafkaFileSettings()
    """Connection settings."""


def safe_bootstrap(bootstrap: str) -> str:
    """A bootstrap string without any `scheme://user:password@` parts, for
    showing: snapshots, tables, logs and exports name the cluster with it."""
    parts = []
    for server in bootstrap.split(","):
        server = server.strip()
        server = server.split("://", 1)[-1]
        server = server.rsplit("@", 1)[-1]
        parts.append(server)
    return ",".join(parts)


class ConnectionSettings(KafkaFileSettings):
    """Resolved connection settings; `bootstrap` is always set."""

    bootstrap: str = DEFAULT_BOOTSTRAP
    bootstrap_source: str = "default"
    """Where `bootstrap` came from, for messages (`--bootstrap-server`, ...)."""

    def describe(self) -> str:
        """A one-line summary with no secret in it."""
        parts = [safe_bootstrap(self.bootstrap), self.security_protocol or "PLAINTEXT"]
        if self.sasl_mechanism:
            parts.append(f"{self.sasl_mechanism} as {self.sasl_username or '?'}")
        return " ".join(parts)

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for AIOKafkaConsumer/AIOKafkaAdminClient."""
        kwargs: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap,
            "client_id": self.client_id or "edaviz",
            "request_timeout_ms": int(self.request_timeout_s * 1000),
            "security_protocol": self.security_protocol or "PLAINTEXT",
        }
        if self.sasl_mechanism:
            hide_sasl_exchange()
            kwargs["sasl_mechanism"] = self.sasl_mechanism
            kwargs["sasl_plain_username"] = self.sasl_username
            if self.sasl_password is not None:
                kwargs["sasl_plain_password"] = self.sasl_password.get_secret_value()
        if (self.security_protocol or "").endswith("SSL"):
            kwargs["ssl_context"] = self.ssl_context()
        return kwargs

    def ssl_context(self) -> ssl.SSLContext:
        """An SSL context from the CA, certificate and key files."""
        try:
            context = ssl.create_default_context(
                cafile=str(self.ssl_cafile) if self.ssl_cafile else None
            )
            context.check_hostname = self.ssl_check_hostname
            if self.ssl_certfile:
                password = (
                    self.ssl_key_password.get_secret_value()
                    if self.ssl_key_password
                    else None
                )
                context.load_cert_chain(
                    str(self.ssl_certfile),
                    str(self.ssl_keyfile) if self.ssl_keyfile else None,
                    password,
                )
        except (OSError, ssl.SSLError) as exc:
            raise UsageError(f"cannot load the SSL files: {exc}") from None
        return context


def refuse_topic_creation(client: Any) -> None:
    """Make every metadata request of an aiokafka client refuse auto-creation.

    aiokafka asks for the metadata of a client's topics (a consumer's assigned
    ones) with topic auto-creation allowed, as the Java consumer does by
    default. On a cluster with auto.create.topics.enable (Kafka's default), a
    flow topic deleted while it is watched would then be created again by the
    next refresh. aiokafka has no setting for this, so the client's connections
    get a guard instead.
    """
    # Imported here: every command line parser is built from this module, and
    # aiokafka takes about 100 ms to import.
    from aiokafka.protocol.metadata import MetadataRequest

    get_conn = client._get_conn

    async def get_guarded_conn(*args: Any, **kwargs: Any) -> Any:
        conn = await get_conn(*args, **kwargs)
        if conn is not None and not getattr(conn, "_refuses_topic_creation", False):
            send = conn.send

            def send_refusing(request: Any, *more: Any, **options: Any) -> Any:
                if isinstance(request, MetadataRequest):
                    request._allow_auto_topic_creation = False
                return send(request, *more, **options)

            conn.send = send_refusing
            conn._refuses_topic_creation = True
        return conn

    client._get_conn = get_guarded_conn


#: Kafka API key of SaslAuthenticate, whose request carries the PLAIN password.
_SASL_AUTHENTICATE = 36


class _SaslRedaction(logging.Filter):
    """Replaces SaslAuthenticate requests and answers in aiokafka's log records.

    aiokafka logs every request and response at DEBUG, the SASL exchange too,
    and a PLAIN exchange holds the password in clear; `edaviz -vv` shows DEBUG.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the record, with any SASL exchange in its arguments hidden."""
        if isinstance(record.args, tuple) and any(
            getattr(arg, "API_KEY", None) == _SASL_AUTHENTICATE for arg in record.args
        ):
            record.args = tuple(
                "SaslAuthenticate(<hidden>)"
                if getattr(arg, "API_KEY", None) == _SASL_AUTHENTICATE
                else arg
                for arg in record.args
            )
        return True


def hide_sasl_exchange() -> None:
    """Keep SASL credentials out of aiokafka's debug log (idempotent)."""
    logger = logging.getLogger("aiokafka.conn")
    if not any(isinstance(f, _SaslRedaction) for f in logger.filters):
        logger.addFilter(_SaslRedaction())


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the Kafka connection options to a sub-command's parser."""
    group = parser.add_argument_group(
        "Kafka connection",
        "Where the cluster is and how to log in; flags win over the config file.",
    )
    group.add_argument(
        "--bootstrap-server",
        "-b",
        metavar="HOST:PORT[,...]",
        help=f"Kafka bootstrap servers (default: the first set of ${ENV_BOOTSTRAP}, "
        "the flow's cluster.bootstrap, the config file, a running `edaviz broker`; "
        f"else {DEFAULT_BOOTSTRAP})",
    )
    group.add_argument(
        "--config",
        metavar="PATH",
        type=Path,
        help=f"config file (default: ${ENV_CONFIG}, then "
        "$XDG_CONFIG_HOME/edaviz/config.toml)",
    )
    group.add_argument(
        "--security-protocol",
        choices=["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"],
        help="how to reach the brokers: plain, over TLS, with SASL, or with SASL "
        "over TLS (default: the config file's, else PLAINTEXT)",
    )
    group.add_argument(
        "--sasl-mechanism",
        choices=["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"],
        help="how SASL checks the password (with a SASL_* protocol)",
    )
    group.add_argument(
        "--sasl-username",
        metavar="USER",
        help=f"SASL user name; the password is read from ${ENV_PASSWORD} or the "
        "config file, never from a flag",
    )
    group.add_argument(
        "--ssl-cafile",
        metavar="PATH",
        type=Path,
        help="CA bundle that signed the brokers' certificates (default: the system's)",
    )
    group.add_argument(
        "--ssl-certfile",
        metavar="PATH",
        type=Path,
        help="client certificate, for brokers that require mutual TLS",
    )
    group.add_argument(
        "--ssl-keyfile",
        metavar="PATH",
        type=Path,
        help="private key of the client certificate (default: in --ssl-certfile)",
    )


def config_path(
    explicit: Path | None = None, environ: Mapping[str, str] | None = None
) -> Path | None:
    """The config file to read, following the documented search order."""
    env = os.environ if environ is None else environ
    if explicit is not None:
        if not explicit.is_file():
            raise UsageError(f"config file not found: {explicit}")
        return explicit
    if env.get(ENV_CONFIG):
        path = Path(env[ENV_CONFIG])
        if not path.is_file():
            raise UsageError(f"config file not found: {path} (from ${ENV_CONFIG})")
        return path
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    path = Path(base) / "edaviz" / "config.toml"
    return path if path.is_file() else None


def load_config(path: Path | None) -> KafkaFileSettings:
    """The `[kafka]` table of the config file at `path` (defaults if None)."""
    if path is None:
        return KafkaFileSettings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read config file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: invalid TOML: {exc}") from None
    try:
        return ConfigFile.model_validate(data).kafka
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
            for err in exc.errors(include_input=False)
        )
        raise UsageError(f"{path}: {problems}") from None


def resolve_settings(
    args: argparse.Namespace | None = None,
    flow_bootstrap: str | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    local_broker: bool = True,
) -> ConnectionSettings:
    """Combine flags, environment, flow and config file into one setting set.

    With `local_broker`, a running local edaviz broker is the last choice before
    the default address, so `edaviz broker start` is all a new user configures.
    """
    env = os.environ if environ is None else environ
    explicit = getattr(args, "config", None) if args is not None else None
    file_settings = load_config(config_path(explicit, env))
    values: dict[str, Any] = file_settings.model_dump(exclude_none=True)

    bootstrap, source = DEFAULT_BOOTSTRAP, "default"
    for candidate, name in (
        (getattr(args, "bootstrap_server", None), "--bootstrap-server"),
        (env.get(ENV_BOOTSTRAP), f"${ENV_BOOTSTRAP}"),
        (flow_bootstrap, "the flow's cluster.bootstrap"),
        (file_settings.bootstrap, "the config file"),
    ):
        if candidate and candidate.strip():
            bootstrap, source = candidate.strip(), name
            break
    else:
        running = _local_broker_bootstrap() if local_broker else None
        if running is not None:
            bootstrap, source = running, "the local edaviz broker"
    values["bootstrap"] = bootstrap
    values["bootstrap_source"] = source

    for flag in (
        "security_protocol",
        "sasl_mechanism",
        "sasl_username",
        "ssl_cafile",
        "ssl_certfile",
        "ssl_keyfile",
    ):
        value = getattr(args, flag, None) if args is not None else None
        if value is not None:
            values[flag] = value
    if env.get(ENV_PASSWORD):
        values["sasl_password"] = SecretStr(env[ENV_PASSWORD])

    settings = ConnectionSettings.model_validate(values)
    _check(settings)
    log.debug("Kafka connection: %s (from %s)", settings.describe(), source)
    return settings


def _local_broker_bootstrap() -> str | None:
    """The address of the local broker in edaviz's cache, when one runs."""
    from edaviz.kafka.broker import LocalBroker  # imports nothing heavy; kept lazy

    state = LocalBroker().status()
    return state.bootstrap if state is not None else None


def _check(settings: ConnectionSettings) -> None:
    if any("@" in server for server in settings.bootstrap.split(",")):
        # Kafka clients take host:port only; a user:password@ part could never
        # connect, and would reach error texts and aiokafka's log as written.
        raise UsageError(
            f"the bootstrap from {settings.bootstrap_source} holds credentials "
            f"({safe_bootstrap(settings.bootstrap)} with a user@ part): give "
            f"host:port only, the user with --sasl-username and the password in "
            f"${ENV_PASSWORD} or the config file"
        )
    protocol = settings.security_protocol or "PLAINTEXT"
    if protocol.startswith("SASL"):
        if not settings.sasl_mechanism:
            raise UsageError(f"--security-protocol {protocol} needs --sasl-mechanism")
        if not settings.sasl_username or settings.sasl_password is None:
            raise UsageError(
                f"SASL needs --sasl-username and a password in ${ENV_PASSWORD} "
                "or the config file's kafka.sasl_password"
            )
    elif settings.sasl_mechanism:
        raise UsageError(
            "--sasl-mechanism needs --security-protocol SASL_PLAINTEXT or SASL_SSL"
        )
    for name in ("ssl_cafile", "ssl_certfile", "ssl_keyfile"):
        path = getattr(settings, name)
        if path is not None and not Path(path).is_file():
            raise UsageError(f"{name.replace('_', '-')}: file not found: {path}")
