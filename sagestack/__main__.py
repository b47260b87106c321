from sagestack.cli import main

raise SystemExit(main())
