"""The demo: ``python -m client.demo`` starts a local server and the client (story), with the BCP story."""
