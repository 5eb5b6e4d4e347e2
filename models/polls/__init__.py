"""Polls: reaction polls that count every vote exactly, and anonymous button polls.

`tables` (rows), `rules` (pure: parsing, deciding, counting), `service` (use cases on a session), `writer` (the
single batching vote writer), `chart` (the results image).
"""

from models.polls import tables

__all__ = ["tables"]
