"""Onboarding: greeting newcomers, the questionnaire they answer, and what hosts learn from it.

`tables` holds the rows, `rules` the pure logic, `service` the use cases, `chart` the report image.
"""

from models.onboarding import rules, service, tables

__all__ = ["rules", "service", "tables"]
