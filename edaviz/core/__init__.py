"""The core: flow model, graph, metrics maths and layout inputs. Never imports the UI
or Kafka clients."""
