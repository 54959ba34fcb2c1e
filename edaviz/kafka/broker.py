"""A single-node Apache Kafka (KRaft, broker and controller in one JVM) on 127.0.0.1.

Everything about one broker lives in its data directory: the generated
`server.properties`, the log4j configs, the KRaft log directory, the broker's
log file and `broker.json`, the state file through which another process (a later
`edaviz broker status` or `stop`) finds the running broker.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import contextlib
import fcntl
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from edaviz.errors import EdavizError
from edaviz.kafka.maven import (
    DEFAULT_KAFKA_VERSION,
    Progress,
    broker_log1_config,
    broker_log_config,
    ensure_jars,
    kafka_home,
    require_tool,
    tools_log_config,
)

log = logging.getLogger(__name__)

#: JVM options of the broker. The heap is enough for a demo and small enough for
#: a shared 2-core box. C1-only JIT and the serial collector start it about 1.2x
#: faster there (2.3 s instead of 2.8 s at load 1.8; see bench_broker.py) and
#: leave far more produce capacity than one Python simulator uses.
#: `EDAVIZ_KAFKA_JVM_OPTS` (split on spaces) adds options after these.
BROKER_JVM = ("-Xmx512m", "-Xms256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")

#: Appended through EDAVIZ_KAFKA_JVM_OPTS, restores the JVM's default JIT and GC.
FULL_JIT_JVM_OPTS = "-XX:TieredStopAtLevel=4 -XX:-UseSerialGC -XX:+UseG1GC"

#: Seconds `start()` waits for a new broker to answer a metadata request.
START_TIMEOUT_S = 90.0

#: Seconds `stop()` waits after SIGTERM (a clean KRaft shutdown takes 1-5 s).
STOP_TIMEOUT_S = 30.0

STATE_FILE = "broker.json"
LOG_FILE = "broker.log"

#: Held while a broker starts, so two starts on one data directory never launch
#: two JVMs that overwrite each other's config and state file.
LOCK_FILE = "broker.lock"

#: Body of the watcher process of `stop_when_gone` (argv: owner pid, broker pid).
_WATCHER = """\
import os, signal, sys, time
owner, broker = int(sys.argv[1]), int(sys.argv[2])
def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
while alive(broker):
    if not alive(owner):
        os.kill(broker, signal.SIGTERM)
        for _ in range(300):
            time.sleep(0.1)
            if not alive(broker):
                sys.exit(0)
        os.kill(broker, signal.SIGKILL)
        break
    time.sleep(1)
"""


@dataclass(frozen=True)
class BrokerState:
    """What `broker.json` records about a running broker."""

    pid: int
    """Process id of the broker's JVM."""

    port: int
    """Client (PLAINTEXT) port on 127.0.0.1."""

    controller_port: int
    """KRaft controller port on 127.0.0.1."""

    version: str
    """Apache Kafka version the broker runs."""

    data_dir: str
    """The broker's data directory."""

    started_at: float
    """Unix time the broker was launched."""

    @property
    def bootstrap(self) -> str:
        """Bootstrap address for clients."""
        return f"127.0.0.1:{self.port}"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_is_free(port: int) -> bool:
    """True when a listener could bind `port` on 127.0.0.1 now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Kafka's listener binds with SO_REUSEADDR too, so connections to an
        # earlier broker left in TIME_WAIT do not take its port away.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _pid_alive(pid: int) -> bool:
    """True when `pid` is a live process (zombies count as dead)."""
    if pid <= 0:
        # os.kill(0, ...) would signal our own process group.
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        # The state letter follows the parenthesised command name.
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


def _is_kafka_process(pid: int) -> bool:
    """Guard against pid reuse: the process must be a Kafka JVM."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        # No /proc (not Linux): trust the pid.
        return _pid_alive(pid)
    return b"kafka.Kafka" in cmdline


def _random_cluster_id() -> str:
    """A Kafka cluster id: 16 random bytes, URL-safe base64 without padding."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        # Kafka's own generator rejects ids that start with '-' (they read as
        # command-line flags), so this one does too.
        if not text.startswith("-"):
            return text


async def _answers_metadata(bootstrap: str, timeout_s: float, groups: bool) -> bool:
    from aiokafka.client import AIOKafkaClient, CoordinationType

    client = AIOKafkaClient(
        bootstrap_servers=bootstrap,
        request_timeout_ms=int(timeout_s * 1000),
        metadata_max_age_ms=1000,
    )
    try:
        await asyncio.wait_for(client.bootstrap(), timeout_s)
        if not client.cluster.brokers():
            return False
        if groups:
            # The first coordinator lookup creates the offsets topic; consumer
            # groups fail with "coordinator not available" until it exists.
            await asyncio.wait_for(
                client.coordinator_lookup(CoordinationType.GROUP, "edaviz-probe"),
                timeout_s,
            )
        return True
    except Exception as exc:  # any failure only means "not ready yet"
        log.debug("broker at %s not ready: %s", bootstrap, exc)
        return False
    finally:
        await client.close()


def probe(bootstrap: str, timeout_s: float = 5.0, *, groups: bool = False) -> bool:
    """True when the broker at `bootstrap` accepts TCP and answers a metadata request.

    With `groups`, the group coordinator must answer as well (consumer groups
    work). Runs its own event loop in a worker thread, so it is safe to call from
    both plain and async code.
    """
    host, _, port = bootstrap.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1.0):
            pass
    except OSError:
        return False
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        check = _answers_metadata(bootstrap, timeout_s, groups)
        return pool.submit(asyncio.run, check).result()


class LocalBroker:
    """One local Kafka broker, identified by its data directory.

    Args:
        version: Apache Kafka version (default `EDAVIZ_KAFKA_VERSION` or 4.4.0).
        port: client port; default the port used last time if free, else a free one.
        data_dir: where everything lives (default under the per-user cache).
        progress: called with one-line progress messages (the slow first fetch).
    """

    def __init__(
        self,
        *,
        version: str | None = None,
        port: int | None = None,
        data_dir: Path | str | None = None,
        progress: Progress | None = None,
    ) -> None:
        if port is not None and not 0 < port < 65536:
            raise EdavizError(f"port {port} is not a TCP port (1-65535)", exit_code=2)
        self.version = (
            version or os.environ.get("EDAVIZ_KAFKA_VERSION") or DEFAULT_KAFKA_VERSION
        )
        self.data_dir = (
            Path(data_dir) if data_dir else kafka_home(self.version) / "data"
        ).absolute()
        self.progress = progress
        self.owned = False
        """True when this instance launched the broker (and so should stop it)."""
        self.requested_port = port
        """The client port asked for, or None for "last used, else free"."""
        self._process: subprocess.Popen[bytes] | None = None

    # Paths

    @property
    def state_file(self) -> Path:
        """The state file another process reads to find this broker."""
        return self.data_dir / STATE_FILE

    @property
    def log_file(self) -> Path:
        """The broker's own log (rolled over at 10 MB, two old files kept)."""
        return self.data_dir / LOG_FILE

    @property
    def bootstrap(self) -> str:
        """Bootstrap address of the running broker."""
        state = self.status()
        if state is None:
            raise EdavizError(f"no Kafka broker is running for {self.data_dir}")
        return state.bootstrap

    # Queries

    def _read_state(self) -> BrokerState | None:
        try:
            raw = json.loads(self.state_file.read_text(encoding="utf-8"))
            return BrokerState(**raw)
        except (OSError, ValueError, TypeError):
            return None

    def status(self) -> BrokerState | None:
        """The running broker's state, or None when none runs for this data dir."""
        state = self._read_state()
        if state is None or not _pid_alive(state.pid):
            return None
        if not _is_kafka_process(state.pid):
            return None
        return state

    def is_ready(self, timeout_s: float = 5.0) -> bool:
        """True when the broker runs and answers a metadata request."""
        state = self.status()
        return state is not None and probe(state.bootstrap, timeout_s)

    # Lifecycle

    def start(self, *, timeout_s: float = START_TIMEOUT_S) -> str:
        """Start the broker unless it already runs; return its bootstrap address.

        Raises:
            EdavizError: Java or Maven is missing, the jars cannot be fetched, or
                the broker does not answer within `timeout_s`.
        """
        with self._start_lock():
            running = self.status()
            if running is None:
                return self._launch(timeout_s)
        self._wait_ready(running, time.monotonic() + timeout_s)
        return running.bootstrap

    def _launch(self, timeout_s: float) -> str:
        """Fetch, configure, format and start a new broker; wait until it answers."""
        java = require_tool("java", "running Apache Kafka")
        libs = ensure_jars(self.version, self.progress)

        port, cport = self._choose_ports()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        props = self._write_config(port, cport)
        self._format_storage(java, libs, props)

        cmd = [
            java,
            *BROKER_JVM,
            *os.environ.get("EDAVIZ_KAFKA_JVM_OPTS", "").split(),
            "-Djava.awt.headless=true",
            *self._log_options(),
            f"-Dkafka.logs.dir={self.data_dir}",
            "-cp",
            str(libs / "*"),
            "kafka.Kafka",
            str(props),
        ]
        log.info("starting Kafka %s on 127.0.0.1:%s", self.version, port)
        with open(self.data_dir / "broker.out", "ab") as out:
            # Own session: a Ctrl-C meant for edaviz must not kill a broker that
            # should outlive it (`edaviz broker start`); stop() ends it instead.
            self._process = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir,
                start_new_session=True,
            )
        state = BrokerState(
            pid=self._process.pid,
            port=port,
            controller_port=cport,
            version=self.version,
            data_dir=str(self.data_dir),
            started_at=time.time(),
        )
        self._write_state(state)
        self.owned = True
        try:
            self._wait_ready(state, time.monotonic() + timeout_s)
        except BaseException:
            self.stop()
            raise
        return state.bootstrap

    def stop(self, *, timeout_s: float = STOP_TIMEOUT_S) -> bool:
        """Stop the broker: SIGTERM, wait up to `timeout_s`, then SIGKILL.

        Returns:
            True when a running broker was stopped, False when none ran.
        """
        state = self.status()
        if state is None:
            self._forget()
            return False
        log.info("stopping Kafka (pid %s)", state.pid)
        with contextlib.suppress(ProcessLookupError):
            os.kill(state.pid, signal.SIGTERM)
        if not self._wait_exit(state.pid, timeout_s):
            log.warning("Kafka (pid %s) ignored SIGTERM; killing it", state.pid)
            with contextlib.suppress(ProcessLookupError):
                os.kill(state.pid, signal.SIGKILL)
            self._wait_exit(state.pid, 10.0)
        self._forget()
        return True

    def stop_when_gone(self, owner_pid: int | None = None) -> None:
        """Stop the broker once process `owner_pid` (default: this one) exits.

        A detached watcher process does it, so a test run or demo that is
        killed outright still does not leave a 512 MB JVM behind.
        """
        state = self.status()
        if state is None:
            return
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _WATCHER,
                str(owner_pid or os.getpid()),
                str(state.pid),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def wait(self) -> int:
        """Block until the broker process launched by this instance exits."""
        if self._process is None:
            raise EdavizError("this broker was not started by this process")
        return self._process.wait()

    def run_tool(self, main_class: str, *args: str, timeout_s: float = 60.0) -> str:
        """Run a Kafka command-line tool class from the cached jars; return stdout.

        For example `run_tool("org.apache.kafka.tools.consumer.group."
        "ConsumerGroupCommand", "--bootstrap-server", b, "--describe", "--all-groups")`.
        """
        java = require_tool("java", "running Kafka tools")
        libs = ensure_jars(self.version, self.progress)
        config = tools_log_config(self.version)
        cmd = [
            java,
            "-Xmx256m",
            "-XX:TieredStopAtLevel=1",
            f"-Dlog4j2.configurationFile={config}",
            "-cp",
            str(libs / "*"),
            main_class,
            *args,
        ]
        try:
            done = subprocess.run(
                cmd, capture_output=True, text=True, timeout=timeout_s, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise EdavizError(f"{main_class} did not finish in {timeout_s} s") from exc
        if done.returncode != 0:
            raise EdavizError(
                f"{main_class} exited with {done.returncode}: {done.stderr.strip()}"
            )
        return done.stdout

    # Internals

    @contextlib.contextmanager
    def _start_lock(self) -> Iterator[None]:
        """Hold the data directory's start lock; wait while another start holds it."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # The lock goes with the open file: closing it (or dying) releases it,
        # and the broker's JVM does not inherit it.
        with open(self.data_dir / LOCK_FILE, "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if self.progress is not None:
                    self.progress(
                        f"Another edaviz is starting the broker in {self.data_dir}; "
                        "waiting for it..."
                    )
                fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    def _choose_ports(self) -> tuple[int, int]:
        previous = self._read_state()
        port = self.requested_port
        if port is None and previous and _port_is_free(previous.port):
            port = previous.port
        if port is None:
            port = free_port()
        elif not _port_is_free(port):
            raise EdavizError(f"port {port} on 127.0.0.1 is already in use")
        cport = free_port()
        while cport == port:
            cport = free_port()
        return port, cport

    def _write_config(self, port: int, cport: int) -> Path:
        kraft = self.data_dir / "kraft"
        settings = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{cport}",
            "listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{cport}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": (
                "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
            ),
            "inter.broker.listener.name": "PLAINTEXT",
            "log.dirs": str(kraft),
            "offsets.topic.replication.factor": "1",
            # Fewer offsets partitions than the default 50: the first group
            # commit creates them all, which costs seconds on a small machine.
            "offsets.topic.num.partitions": "10",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "auto.create.topics.enable": "false",
            "num.partitions": "3",
            "num.network.threads": "2",
            "num.io.threads": "4",
            # A demo left running must not fill the disk: cap each partition.
            "log.retention.hours": "24",
            "log.retention.bytes": str(256 * 1024 * 1024),
            "log.segment.bytes": str(32 * 1024 * 1024),
        }
        props = self.data_dir / "server.properties"
        props.write_text(
            "".join(f"{key}={value}\n" for key, value in settings.items()),
            encoding="utf-8",
        )
        (self.data_dir / "log4j2.properties").write_text(
            broker_log_config(self.log_file), encoding="utf-8"
        )
        (self.data_dir / "log4j.properties").write_text(
            broker_log1_config(self.log_file), encoding="utf-8"
        )
        return props

    def _log_options(self) -> list[str]:
        """JVM options naming the log configs; each Kafka reads the one it knows."""
        return [
            f"-Dlog4j2.configurationFile={self.data_dir / 'log4j2.properties'}",
            f"-Dlog4j.configuration=file:{self.data_dir / 'log4j.properties'}",
        ]

    def _format_storage(self, java: str, libs: Path, props: Path) -> None:
        if (self.data_dir / "kraft" / "meta.properties").exists():
            return
        cmd = [
            java,
            "-Xmx256m",
            "-XX:TieredStopAtLevel=1",
            *self._log_options(),
            "-cp",
            str(libs / "*"),
            "kafka.tools.StorageTool",
            "format",
            "-t",
            _random_cluster_id(),
            "-c",
            str(props),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise EdavizError(
                f"formatting Kafka storage in {self.data_dir} failed: "
                f"{(done.stdout + done.stderr).strip()}"
            )

    def _wait_ready(self, state: BrokerState, deadline: float) -> None:
        # Polled often: a refused connection costs well under a millisecond, and a
        # 1 s poll added up to a second to every start (bench_broker.py).
        delay = 0.1
        while True:
            if not _pid_alive(state.pid):
                raise EdavizError(
                    f"Kafka exited during start-up; see {self.log_file}\n"
                    + self._log_tail()
                )
            remaining = deadline - time.monotonic()
            if probe(
                state.bootstrap, timeout_s=max(1.0, min(5.0, remaining)), groups=True
            ):
                return
            if time.monotonic() >= deadline:
                raise EdavizError(
                    f"Kafka did not answer on {state.bootstrap} in time; "
                    f"see {self.log_file}"
                )
            time.sleep(delay)
            delay = min(delay * 1.5, 0.25)

    def _wait_exit(self, pid: int, timeout_s: float) -> bool:
        if self._process is not None and self._process.pid == pid:
            try:
                self._process.wait(timeout_s)
                return True
            except subprocess.TimeoutExpired:
                return False
        deadline = time.monotonic() + timeout_s
        while _pid_alive(pid):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)
        return True

    def _write_state(self, state: BrokerState) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(state), indent=2), encoding="utf-8")
        tmp.replace(self.state_file)

    def _forget(self) -> None:
        """Mark the broker as stopped, keeping its ports for the next start."""
        if self._process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(0)
            self._process = None
        self.owned = False
        state = self._read_state()
        if state is not None and state.pid != 0:
            self._write_state(BrokerState(**{**asdict(state), "pid": 0}))

    def _log_tail(self, lines: int = 20) -> str:
        for path in (self.log_file, self.data_dir / "broker.out"):
            with contextlib.suppress(OSError):
                text = path.read_text(encoding="utf-8", errors="replace")
                if text.strip():
                    return "\n".join(text.splitlines()[-lines:])
        return ""
