"""Fetch the Apache Kafka jars from Maven Central into a per-user cache.

Maven resolves `kafka_2.13` (the broker), `kafka-tools` (the admin command-line
tools tests use as ground truth) and an slf4j binding for log4j 2, because the
broker's own dependencies carry no binding and would log nowhere; the log4j
configs for the broker (log4j 2 for Kafka 4, log4j 1 for 3.x) and the tools
live here too.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from edaviz.errors import EdavizError

log = logging.getLogger(__name__)

#: Newest Kafka release verified to resolve from Maven Central and to work with
#: aiokafka 0.14; `EDAVIZ_KAFKA_VERSION` overrides it.
DEFAULT_KAFKA_VERSION = "4.4.0"

#: log4j 2 release that Kafka 4.4.0 itself depends on; the binding must match it.
LOG4J_VERSION = "2.25.5"

#: Seconds a resolve may take; a cold Maven cache downloads some 540 files.
RESOLVE_TIMEOUT_S = 900

#: Seconds between two "still fetching" progress lines of a resolve.
PROGRESS_INTERVAL_S = 10.0

Progress = Callable[[str], None]

#: Colour codes Maven's launcher writes even in batch mode.
_ANSI = re.compile(r"\x1b\[[0-9;]*m")

_POM = """\
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>edaviz.local</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>{kafka}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka-tools</artifactId>
      <version>{kafka}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>{log4j}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-core</artifactId>
      <version>{log4j}</version>
    </dependency>
  </dependencies>
</project>
"""

_LOG4J2 = """\
status = error
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = {log}
appender.file.filePattern = {log}.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 10MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 2
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.request.name = kafka.request.logger
logger.request.level = WARN
"""

#: The same for Kafka 3.x, which logs through log4j 1 (reload4j) instead.
_LOG4J1 = """\
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File={log}
log4j.appender.file.MaxFileSize=10MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
"""

_TOOLS_LOG4J2 = """\
status = error
appender.err.type = Console
appender.err.name = err
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = %p %m (%c)%n
rootLogger.level = ERROR
rootLogger.appenderRef.err.ref = err
"""


def broker_log_config(log_file: Path) -> str:
    """log4j 2 properties sending the broker's log to `log_file` (10 MB x 3)."""
    return _LOG4J2.format(log=log_file)


def broker_log1_config(log_file: Path) -> str:
    """log4j 1 properties sending a Kafka 3.x broker's log to `log_file`."""
    return _LOG4J1.format(log=log_file)


def tools_log_config(version: str) -> Path:
    """A log4j 2 config for Kafka's command-line tools: errors only, to stderr."""
    path = kafka_home(version) / "tools-log4j2.properties"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_TOOLS_LOG4J2, encoding="utf-8")
    return path


#: Written last into a complete jar directory; its absence means "resolve again".
_DONE_MARKER = ".complete"


def cache_root() -> Path:
    """The edaviz cache directory (`$XDG_CACHE_HOME/edaviz` or `~/.cache/edaviz`)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "edaviz"


def kafka_home(version: str) -> Path:
    """The cache directory for one Kafka version (jars, default data, state)."""
    return cache_root() / f"kafka-{version}"


def require_tool(name: str, purpose: str) -> str:
    """The path of executable `name`, or an error saying what to install."""
    path = shutil.which(name)
    if path is None:
        hint = {
            "java": "a Java runtime, 17 or newer (e.g. `apt install openjdk-17-jre`)",
            "mvn": "Apache Maven 3 (e.g. `apt install maven`)",
        }.get(name, name)
        raise EdavizError(f"`{name}` was not found on PATH: {purpose} needs {hint}")
    return path


def ensure_jars(version: str, progress: Progress | None = None) -> Path:
    """Return the directory holding every jar Kafka `version` needs to run.

    The first call for a version runs Maven (tens of seconds, reported through
    `progress`); later calls return the cached directory at once.
    """
    libs = kafka_home(version) / "libs"
    if (libs / _DONE_MARKER).exists():
        return libs
    mvn = require_tool("mvn", "fetching Apache Kafka")
    if progress is not None:
        progress(
            f"Fetching Apache Kafka {version} from Maven Central (first run only)..."
        )

    # Resolve into a scratch directory and rename it into place, so a resolve
    # that is interrupted or run twice at once never leaves a half-filled libs/.
    home = kafka_home(version)
    home.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="resolve-", dir=home))
    try:
        (work / "pom.xml").write_text(
            _POM.format(kafka=version, log4j=LOG4J_VERSION), encoding="utf-8"
        )
        out = work / "libs"
        cmd = [
            mvn,
            "-B",
            "-f",
            str(work / "pom.xml"),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={out}",
            "-DincludeScope=runtime",
        ]
        log.info("resolving Kafka %s: %s", version, " ".join(cmd))
        status, errors = _run_maven(cmd, version, progress)
        if status != 0 or not any(out.glob("kafka_2.13-*.jar")):
            raise EdavizError(
                f"Maven could not resolve Apache Kafka {version} "
                f"(org.apache.kafka:kafka_2.13):\n" + "\n".join(errors)
            )
        (out / _DONE_MARKER).write_text(version, encoding="utf-8")
        try:
            out.rename(libs)
        except OSError:
            # Another process finished first; its directory is just as good.
            if not (libs / _DONE_MARKER).exists():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if progress is not None:
        progress(f"Apache Kafka {version} is cached in {libs}")
    return libs


def _run_maven(
    cmd: list[str], version: str, progress: Progress | None
) -> tuple[int, list[str]]:
    """Run a Maven resolve, telling `progress` how far it got now and then.

    Returns:
        Maven's exit status and the lines that explain a failure: its first
        error, else the end of its output.
    """
    process = subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    assert process.stdout is not None
    output = process.stdout
    last: deque[str] = deque(maxlen=15)
    errors: list[str] = []
    downloaded = 0

    def read() -> None:
        nonlocal downloaded
        for raw in output:
            line = _ANSI.sub("", raw).rstrip()
            if line.startswith("[INFO] Downloaded from"):
                downloaded += 1
                continue
            if line.startswith("[ERROR]") and line[7:].strip() and not errors:
                errors.append(line)
            last.append(line)

    # A thread drains the output, so the wait below can wake up on time to
    # report even while one large jar downloads without a line printed.
    reader = threading.Thread(target=read, name="maven-output", daemon=True)
    reader.start()
    started = time.monotonic()
    try:
        while True:
            try:
                status = process.wait(PROGRESS_INTERVAL_S)
                break
            except subprocess.TimeoutExpired:
                elapsed = time.monotonic() - started
                if elapsed >= RESOLVE_TIMEOUT_S:
                    raise EdavizError(
                        f"Maven did not finish resolving Kafka {version} "
                        f"within {RESOLVE_TIMEOUT_S} s"
                    ) from None
                if progress is not None:
                    progress(
                        f"  still fetching: {downloaded} files downloaded "
                        f"in {elapsed:.0f} s"
                    )
    finally:
        # Also on Ctrl-C: no Maven left writing into a directory about to go.
        if process.poll() is None:
            process.kill()
            process.wait()
    reader.join(5.0)
    return status, errors or [line for line in last if line.strip()]
