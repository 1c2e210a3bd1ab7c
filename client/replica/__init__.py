"""Encrypted local replica (SQLCipher via SQLAlchemy), pull sync, integrity, search and lookups.

How the parts fit (every object takes its dependencies in its constructor)::

    keystore = KeyStore()                                   # client.local.keystore: refuses insecure keyrings
    client = terminal_client(data_dir, keystore)            # client.lifecycle.enrollment: signed as this terminal
    store = ReplicaStore(data_dir, code, keystore)          # replica-<code>.db under key replica-<code>
    sync = ReplicaSync(store, client, progress=callback)    # bootstrap() / pull() / compare_checksums()
    search = ReplicaSearch(store)                           # same query rules as the server
    lookups = ReplicaLookups(store)                         # EvaluationContext for BCP, staff for offline sign-in
    replica_status(store, now)                              # as-of, age, state (never raises)

The scheduled pull and the nightly checksum comparison are jobs of the terminal runtime's one
scheduler (``client.continuity.orchestrator.start_scheduler``, ``TerminalRuntime.check_replica``).

Errors are ``client.local.keystore.LocalDataError`` subclasses (WrongKeyError, CorruptDatabaseError,
MissingKeyError, DiskFullError, ReplicaNotReadyError …) and, from the network,
``client.remote.errors.LineDownError`` / ``RemoteRejectedError``.
"""
