"""Mentoring: mentors offer slots, mentees ask, hosts run rounds that match them optimally, pairs consent, meet,
check in and end with feedback.

`tables` (rows), `rules` (pure: checking what members type, weights, consent, check-ins, daytime overlap),
`languages` (language names ↔ codes), `matching` (the cost matrix and the solver; numpy and scipy, imported only by
the use cases that match), `service` (offers, requests, settings, status, privacy), `rounds` (planning and
publishing rounds, rematches), `pairs` (consent, the pair's life, check-ins, the end and feedback).
Nothing is imported here: importing the package costs nothing.
"""
