"""The bundled rule kinds, one module per family; importing this package registers them."""

from . import events, findings, formula, hotline, manual, metrics, panels, periodic, ranking, supervision

__all__ = ["events", "findings", "formula", "hotline", "manual", "metrics", "panels", "periodic", "ranking",
           "supervision"]
