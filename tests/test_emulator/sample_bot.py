"""A small plain discord.py bot that exercises every route and gateway behaviour the emulator offers."""

from __future__ import annotations

import asyncio
import datetime as dt
import io

import discord
from discord import app_commands
from discord.ext import commands

LETTERS = ["🇦", "🇧", "🇨", "🇩"]
FRUITS = ["apple", "apricot", "banana", "cherry"]


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    """Opened by /feedback and by the Decline button; answers ephemerally."""

    comment: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(label="Comment", custom_id="comment")
    mood: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(label="Mood", required=False)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"thanks: {self.comment.value} / {self.mood.value}", ephemeral=True)


class SurveyModal(discord.ui.Modal, title="Survey"):
    """A modal in the newer layout: Label components wrapping a text input and a select."""

    def __init__(self) -> None:
        super().__init__(custom_id="survey")
        self.answer: discord.ui.TextInput[SurveyModal] = discord.ui.TextInput(custom_id="answer")
        self.pick: discord.ui.Select[SurveyModal] = discord.ui.Select(
            custom_id="pick", options=[discord.SelectOption(label=f, value=f) for f in FRUITS]
        )
        self.add_item(discord.ui.Label(text="Your answer", component=self.answer))
        self.add_item(discord.ui.Label(text="Favourite fruit", component=self.pick))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"{self.answer.value} + {','.join(self.pick.values)}")


class VoteView(discord.ui.View):
    """Accept edits the message (type 7); Decline opens a modal (type 9); the select defers an update."""

    @discord.ui.button(label="Accept", custom_id="vote:accept", style=discord.ButtonStyle.success)
    async def accept(self, interaction: discord.Interaction, _: discord.ui.Button[VoteView]) -> None:
        await interaction.response.edit_message(content=f"accepted by {interaction.user.name}", view=None)

    @discord.ui.button(label="Decline", custom_id="vote:decline")
    async def decline(self, interaction: discord.Interaction, _: discord.ui.Button[VoteView]) -> None:
        await interaction.response.send_modal(FeedbackModal())

    @discord.ui.select(custom_id="vote:pick", options=[discord.SelectOption(label=f, value=f) for f in FRUITS])
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select[VoteView]) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content=f"picked {','.join(select.values)}")


class SampleBot(commands.Bot):
    """Records what it saw so tests can assert the bot side too."""

    def __init__(self, *, guild_id: int | None = None) -> None:
        intents = discord.Intents.default()
        intents.members = True
        intents.message_content = True
        super().__init__(command_prefix="!", intents=intents, guild_ready_timeout=0.05)
        self.guild_id = guild_id
        self.raw_reactions: list[discord.RawReactionActionEvent] = []
        self.removed_reactions: list[discord.RawReactionActionEvent] = []
        self.messages: list[discord.Message] = []
        self.resumes = 0
        self.late_delay = 0.0

    async def setup_hook(self) -> None:
        register(self.tree, self)
        if self.guild_id is None:
            await self.tree.sync()
            return
        guild = discord.Object(self.guild_id)
        self.tree.copy_global_to(guild=guild)
        self.tree.clear_commands(guild=None)
        await self.tree.sync(guild=guild)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        self.raw_reactions.append(payload)

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        self.removed_reactions.append(payload)

    async def on_message(self, message: discord.Message) -> None:
        self.messages.append(message)

    async def on_resumed(self) -> None:
        self.resumes += 1


def register(tree: app_commands.CommandTree[SampleBot], bot: SampleBot) -> None:
    """Every command of the sample bot (one function per capability keeps them short)."""
    _basic(tree, bot)
    _groups(tree)
    _messages(tree)


def _basic(tree: app_commands.CommandTree[SampleBot], bot: SampleBot) -> None:
    @tree.command(description="Echo text back, only to you")
    @app_commands.describe(text="What to echo")
    @app_commands.rename(text="text")
    async def echo(interaction: discord.Interaction, text: str, times: int = 1) -> None:
        await interaction.response.send_message(" ".join([text] * times), ephemeral=True)

    @tree.command(description="Pick a fruit")
    async def fruit(interaction: discord.Interaction, name: str) -> None:
        await interaction.response.send_message(f"you picked {name}")

    @fruit.autocomplete("name")
    async def fruit_complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=f, value=f) for f in FRUITS if f.startswith(current)]

    @tree.command(description="Open the vote buttons")
    async def vote(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("vote now", view=VoteView())

    @tree.command(description="Give feedback")
    async def feedback(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(FeedbackModal())

    @tree.command(description="Answer a survey")
    async def survey(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(SurveyModal())

    @tree.command(description="Think, then follow up twice")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send("done")
        await interaction.followup.send("and more", ephemeral=True)

    @tree.command(description="Answer, then edit the answer")
    async def edit(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("v1")
        await interaction.edit_original_response(content="v2")

    @tree.command(description="Fetch, edit and delete answers through the webhook routes")
    async def tidy(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("temporary")
        original = await interaction.original_response()
        extra = await interaction.followup.send(f"about {original.id}", wait=True)
        fetched = await interaction.followup.fetch_message(extra.id)
        await fetched.edit(content="edited follow-up")
        await interaction.followup.send("doomed", wait=True)
        await (await interaction.followup.send("gone", wait=True)).delete()
        await interaction.delete_original_response()

    @tree.command(description="Answer too late")
    async def late(interaction: discord.Interaction) -> None:
        await asyncio.sleep(bot.late_delay)
        await interaction.response.send_message("late")

    @tree.command(description="Defer, wait, then follow up")
    async def patient(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        await asyncio.sleep(bot.late_delay)
        await interaction.followup.send("worth the wait")


def _groups(tree: app_commands.CommandTree[SampleBot]) -> None:
    poll = app_commands.Group(name="poll", description="Polls")
    admin = app_commands.Group(name="admin", description="Administration")
    role = app_commands.Group(name="role", description="Roles", parent=admin)

    @poll.command(name="create", description="Create a poll with reactions")
    async def create(
        interaction: discord.Interaction, question: str, options: str, channel: discord.TextChannel
    ) -> None:
        choices = [o.strip() for o in options.split(";")]
        lines = [f"{LETTERS[i]} {c}" for i, c in enumerate(choices)]
        message = await channel.send(f"**{question}**\n" + "\n".join(lines))
        for letter in LETTERS[: len(choices)]:
            await message.add_reaction(letter)
        await interaction.response.send_message(f"poll {message.id}", ephemeral=True)

    @role.command(name="give", description="Give a role")
    async def give(interaction: discord.Interaction, member: discord.Member, role: discord.Role) -> None:
        try:
            await member.add_roles(role)
        except discord.Forbidden as error:
            await interaction.response.send_message(f"forbidden {error.code}", ephemeral=True)
            return
        await interaction.response.send_message(f"gave {role.name}", ephemeral=True)

    @role.command(name="take", description="Take a role")
    async def take(interaction: discord.Interaction, member: discord.Member, role: discord.Role) -> None:
        await member.remove_roles(role)
        await interaction.response.send_message(f"took {role.name}", ephemeral=True)

    tree.add_command(poll)
    tree.add_command(admin)


def _messages(tree: app_commands.CommandTree[SampleBot]) -> None:
    @tree.command(description="Post a file")
    async def upload(interaction: discord.Interaction) -> None:
        assert isinstance(interaction.channel, discord.TextChannel)
        file = discord.File(io.BytesIO(b"hello file"), filename="hello.txt", description="greeting")
        await interaction.channel.send("here", file=file)
        await interaction.response.send_message("uploaded", ephemeral=True)

    @tree.command(description="Open threads three ways")
    async def threads(interaction: discord.Interaction, forum: discord.ForumChannel) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert isinstance(interaction.channel, discord.TextChannel)
        starter = await interaction.channel.send("topic")
        from_message = await starter.create_thread(name="from-message")
        await from_message.send("inside")
        post = await forum.create_thread(name="post", content="first", applied_tags=forum.available_tags[:1])
        bare = await interaction.channel.create_thread(name="bare", type=discord.ChannelType.public_thread)
        await interaction.followup.send(f"{from_message.id} {post.thread.id} {bare.id}")

    @tree.command(description="DM a member")
    async def dm(interaction: discord.Interaction, member: discord.Member) -> None:
        try:
            await member.send("psst")
        except discord.Forbidden as error:
            await interaction.response.send_message(f"closed {error.code}", ephemeral=True)
            return
        await interaction.response.send_message("sent", ephemeral=True)

    @tree.context_menu(name="Quote this message")
    async def quote(interaction: discord.Interaction, message: discord.Message) -> None:
        await interaction.response.send_message(f"> {message.content}", ephemeral=True)

    @tree.command(description="Schedule an event")
    async def event(interaction: discord.Interaction, name: str) -> None:
        assert interaction.guild is not None
        start = discord.utils.utcnow() + dt.timedelta(days=1)
        created = await interaction.guild.create_scheduled_event(
            name=name,
            start_time=start,
            end_time=start + dt.timedelta(hours=1),
            entity_type=discord.EntityType.external,
            location="Online",
            privacy_level=discord.PrivacyLevel.guild_only,
        )
        await interaction.response.send_message(f"event {created.id}", ephemeral=True)
