"""Live metrics of a flow: rate windows, lag, health rules and the snapshots that
carry them. The maths here is pure; `edaviz.metrics.engine` drives it from Kafka."""
