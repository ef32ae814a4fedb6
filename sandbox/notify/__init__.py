"""A local GOV.UK Notify speaking its v2 HTTP API."""
