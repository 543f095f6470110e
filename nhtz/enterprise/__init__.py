"""Synthetic enterprise microdata: the zone survey as the enterprises report it, for scaling the warehouse."""

from nhtz.enterprise.panel import write_enterprise_panel
from nhtz.enterprise.traits import is_gazelle

__all__ = ["write_enterprise_panel", "is_gazelle"]
