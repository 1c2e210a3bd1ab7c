"""The counter services: the one Qt-free facade the UI and the CLI call.

* ``counter.CounterService`` — sign-in, search, resident detail, evaluate, issue (→ PDFs),
  history, void/reprint (supervisor), day close (日計表 PDF); built by ``bootstrap``.
* ``backend.CounterBackend`` — the seam: ``OnlineBackend`` (data-centre API over
  ``online_api.OnlineApi``) and the replica-backed ``bcp_backend.BcpBackend`` implement it;
  ``BackendRouter.use(mode)`` picks one (``terminal_link`` wires the continuity runtime).
* ``issuance_form.IssuanceForm`` — the issuance dialog's state; ``errors`` — what the clerk is told.
"""
