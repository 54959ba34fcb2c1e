"""Kafka: the local broker, the simulator, connection settings, admin queries and tailing."""
