"""Stand-ins for the services the bot talks to (Slack's Web API, GOV.UK Notify), shared by the
tests, the benchmarks and the browser sandbox. Each answers as the real service does, refusals
and limits included, so what works against them works against the real thing."""
