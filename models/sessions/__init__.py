"""Sessions and feedback: recurring learning sessions announced on time, RSVP with a waitlist, reminders, attendance,
feedback after each occurrence and pulse surveys.

`tables` (rows), `recurrence` (pure: RFC 5545 rules in the server's wall-clock time), `rules` (pure: parsing, RSVP,
attendance, statistics), `series` (creating, materializing and changing series and occurrences), `rsvp`,
`attendance`, `ledger` (exactly-once deliveries), `feedback` (rounds, anonymous ballots, results), `pulse`, `chart`.
"""
