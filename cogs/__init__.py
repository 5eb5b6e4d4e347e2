"""One cog per capability, thin: Discord in, a use case from models/, Discord out."""

COGS = (
    "cogs.settings",
    "cogs.polls",
    "cogs.conduct",
    "cogs.onboarding",
    "cogs.profiles",
    "cogs.groups",
    "cogs.knowledge",
    "cogs.mentoring",
    "cogs.sessions",
    "cogs.recognition",
    "cogs.insights",
    "cogs.privacy",
)
