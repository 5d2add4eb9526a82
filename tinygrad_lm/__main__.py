from tinygrad_lm.cli import main

raise SystemExit(main())
