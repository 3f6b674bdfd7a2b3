"""`python -m engine` is the `kconnect` command."""

from engine.cli import main

raise SystemExit(main())
