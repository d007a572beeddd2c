"""The ``spine`` commands, one module per group; :mod:`services.cli.main` puts them together."""

__all__: list[str] = []
