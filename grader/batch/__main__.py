"""`python -m grader.batch ...`: the grader CLI with the batch commands registered."""

from grader.batch.cli import main

raise SystemExit(main())
