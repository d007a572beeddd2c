"""The REST gateway: control plane (commands, executions) and data plane (read models)."""

from services.apps.gateway.app import create_app

__all__ = ["create_app"]
