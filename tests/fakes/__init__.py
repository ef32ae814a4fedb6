"""Test doubles of the bot's own ports (the stand-ins for Slack and Notify live in `sandbox/`)."""
