"""Recognition: kudos between members, learning milestones, and the posts that celebrate them.

`tables` (rows), `rules` (pure: fair play, periods, streaks, thresholds), `kudos` (giving and withdrawing in batches,
boards), `writer` (the single batching kudos writer), `milestones` (the interface other capabilities report their
events through, and what happens to a milestone once reached), `service` (settings, categories, preferences, host
tools, privacy).
"""
