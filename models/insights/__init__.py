"""Insights: the community-health report hosts read with `/insights` and receive every week.

`rules` (the period, figures and their trend, the highlight, calendar weeks), `figures` (one query per capability,
reading its tables), `service` (the report, the weekly rows of the CSV, the weekly report's settings and claim),
`chart` (the PNG, drawn off the event loop), `tables`.
"""
