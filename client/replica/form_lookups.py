"""様式パラメータ (form parameters) as replicated: kind ``form_parameter`` lands in ``other_records``
(no table of its own, see ``client.replica.schema.KIND_TABLES``), key = form id, data =
``FormParameters.to_dict()``. ``ReplicaLookups.evaluation_context`` reads them in its snapshot so
the BCP certificate prints the same 認証文 and 備考 as the server online.
"""

from __future__ import annotations

from sqlalchemy import Connection

from client.domain.form_params import FormParameters
from client.replica.apply import loads

KIND = "form_parameter"


def form_parameters(conn: Connection) -> dict[str, FormParameters]:
    """The replica's form parameters by form id (forms without any are absent: defaults)."""
    rows = conn.exec_driver_sql("SELECT data FROM other_records WHERE kind = ?", (KIND,)).fetchall()
    out: dict[str, FormParameters] = {}
    for (text,) in rows:
        params = FormParameters.from_dict(loads(text))
        out[params.form_id] = params
    return out
