"""Working groups: small groups of members who co-create a project, with a charter, a private space on Discord (a
thread, or a channel where the host allows it), a lead, a member cap with a waitlist, check-ins, and a recorded
project when they finish. Committees are groups that help run the community.

`tables` (rows), `rules` (pure: names, caps, who may join or leave, links, health), `service` (the group's life and
its members), `rhythm` (check-ins, silence reminders, the hosts' digest), `projects` (archiving, and the finished
projects other capabilities read), `suggest` (teammates from profiles), `teams` (balanced teams for a cohort).
"""
