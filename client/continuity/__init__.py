"""Business continuity: the connectivity state machine, the orchestrator that drives it, the
wired terminal runtime, partner desks (相互バックアップ) and service-level reporting."""
