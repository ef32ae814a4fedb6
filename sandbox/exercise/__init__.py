"""Exercises: scripted incidents (sandbox/scenarios/*.yml) played against the real bot by the
people of the sandbox workspace, through signed requests as Slack sends them."""
