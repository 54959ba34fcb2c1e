"""edaviz: see the event flows of a Kafka system as a live graph in the terminal."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("edaviz")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
