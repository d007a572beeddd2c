"""The runnable apps, one folder each: worker, relay, projector, process manager, gateway and
the ops monitor. An app imports adapters and lower layers, never another app; the bootstrap
(``services.bootstrap``) wires them together."""
