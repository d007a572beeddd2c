"""Spine's services: the application layer that wires infrastructure to the framework.

worker, relay, projector, gateway, process-manager (later), the CLI and the embedded
development stack. Everything here may import everything; nothing below imports this.
"""
