"""A strict Slack: the Web API stand-in, the rules it refuses by, and requests signed as Slack
signs them."""
