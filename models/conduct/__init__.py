"""The code of conduct: numbered versions per server, the ledger of who accepted which version and when, notices of
a new version, and concerns members report to the moderators.

Accepting is the only way to the member role. A new version gives members who accepted an older one a grace period;
after it, those who still have not accepted lose the role until they do.

`tables` (rows), `rules` (pure: limits, errors, which texts), `service` (use cases on a session).
"""
