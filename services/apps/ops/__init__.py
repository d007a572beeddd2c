"""Operating Spine: the projection-lag monitor, metrics, dead letters, replays."""
