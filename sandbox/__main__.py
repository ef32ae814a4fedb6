"""`python -m sandbox`: the bot and the browser sandbox together (see sandbox/serve.py)."""

from __future__ import annotations

import sys

from sandbox.cli import main

sys.exit(main())
