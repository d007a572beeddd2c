"""Operating Spine: the projection-lag monitor, metrics, dead letters, replays."""

from services.apps.ops.monitor import OpsMonitor

__all__ = ["OpsMonitor"]
