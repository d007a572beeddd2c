"""Projector services: one durable JetStream consumer per projection."""

from services.apps.projector.runtime import ProjectorRunner

__all__ = ["ProjectorRunner"]
