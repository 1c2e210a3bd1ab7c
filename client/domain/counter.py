"""How the counter is working (online or BCP) and the roles of the staff at it.
"""

from __future__ import annotations

import enum


class Mode(enum.StrEnum):
    ONLINE = "online"
    BCP = "bcp"


class Role(enum.StrEnum):
    CLERK = "clerk"
    SUPERVISOR = "supervisor"  # 係長 / 支援措置責任者
    ADMIN = "admin"
