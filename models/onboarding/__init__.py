"""Onboarding: greeting newcomers, the server's questionnaire they answer, and what hosts learn from it.

`questionnaire` (the questions and their checks), `tables` (rows), `rules` (pure logic), `service` (use cases),
`chart` (the report image).
"""
