"""The wire contract between the terminal and the data centre, declared once for both sides.

Pure declarations (standard library only, importing nothing of client/ or server_stub/): the
shapes of the JSON the two exchange as ``TypedDict``s and the constants of the formats. The client
builds and reads them (outbox, replica pull, the HTTP client); the server's pydantic schemas
validate them and ``tests/core/test_wire_schemas.py`` checks that each schema declares exactly
the fields declared here.

* ``bcp``: the BCP issuance record the outbox pushes, and the server's answer per record;
* ``replica``: the heads of replica snapshot and change pages, the line format's constants;
* ``errors``: the error body ``{"detail": {"code", "message_ja", "message_en", …}}``.
"""
