"""Kafka: local broker, simulator, connection settings, admin queries and tails."""
