"""The enrolled terminal from the command line: the counter's mode routing for one CLI run
(``routing``), what the terminal remembers of its lines between runs (``line_memory``) and the
one sync path of ``madoguchi sync`` (``sync``)."""
