"""`python -m bot`: the same as the `outsource-review` command."""

from bot.cli import main

raise SystemExit(main())
