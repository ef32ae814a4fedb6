"""Stand-ins for Microsoft Teams' side: the Bot Connector service (v3 REST, `connector.py`) and
the identity side (the OAuth2 token endpoint the bot gets its tokens from, and the OpenID metadata
and keys the bot checks Teams' own tokens against, `identity.py`)."""
