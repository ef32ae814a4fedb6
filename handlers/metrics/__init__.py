"""The operators' metrics: the Prometheus exporter of the core's metrics port, the `/metrics`
endpoint and the HTTP middleware that times every answer."""
