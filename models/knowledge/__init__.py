"""Knowledge: know-how shared in threads everyone can search, and a library of recommended resources.

`text` (pure: words to search terms, queries, snippets), `rules` (pure: limits, mistakes, links, ranking, the
digest's week), `tables` (rows), `search` (the full-text search on either database), `service` (indexing, threads,
saving, opting out, the digest, exports), `resources` (suggestions, approvals, upvotes, members' lists).
"""
