from tests.faults.harness.run import main

raise SystemExit(main())
