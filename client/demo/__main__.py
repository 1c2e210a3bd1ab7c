"""``python -m client.demo``."""

from client.demo.story import main

raise SystemExit(main())
