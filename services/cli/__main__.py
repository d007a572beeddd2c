"""`python -m services.cli`: the same as the `spine` script."""

from services.cli.main import main

main()
