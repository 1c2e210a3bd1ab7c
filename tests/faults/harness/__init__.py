"""A randomised fault harness (Jepsen-style): seeded schedules of faults against a real server,
real fault proxies and real terminals, with checkers for the invariants after each recovery.

    python -m tests.faults.harness --seed 7 --trials 50     # a run; a failing trial prints its replay
    python -m tests.faults.harness --replay 7:23            # the same trial again (seed 7, trial 23)
"""
