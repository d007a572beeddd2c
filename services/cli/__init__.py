"""The `spine` command line (entry point: :func:`services.cli.main.main`)."""
