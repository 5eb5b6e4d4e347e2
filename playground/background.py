"""The playground in a thread of its own, for what drives it from outside: the browser tests and the screenshot tour.

The playground keeps its event loop in that thread; `call` runs a coroutine there and returns its result.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import threading
from collections.abc import Coroutine, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web

from .app import Playground
from .web import serve

T = TypeVar("T")
START_TIMEOUT = 180.0


def chromium() -> str | None:
    """Debian's Chromium (or another found on PATH; `$CHROMIUM` wins): the browser the tour and the tests drive."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", "chromium", "chromium-browser"):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


@dataclass
class Running:
    playground: Playground
    url: str
    loop: asyncio.AbstractEventLoop

    def call(self, work: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(work, self.loop)
        return future.result(timeout)

    def user_id(self, name: str) -> int:
        """The id of the user called `name`, once there is one (the click creating them may still be on its way)."""

        def found() -> int | None:
            return next((u.id for u in self.playground.discord.state.users.values() if u.username == name), None)

        return int(self.call(self.playground.discord.wait_for(found, 30, f"a user called {name}")))


@contextlib.contextmanager
def running(*, setup: bool = True) -> Iterator[Running]:
    """Start the playground and its page on a free port, in a thread; stop both at the end."""
    loop = asyncio.new_event_loop()
    ready: Future[tuple[Playground, web.AppRunner]] = Future()
    stop = asyncio.Event()

    async def main() -> None:
        playground = Playground(setup=setup)
        try:
            await playground.start()
            runner = await serve(playground, "127.0.0.1", 0)
        except BaseException as error:
            ready.set_exception(error)
            await playground.stop()
            return
        ready.set_result((playground, runner))
        await stop.wait()
        await runner.cleanup()
        await playground.stop()

    def run() -> None:
        loop.run_until_complete(main())
        # What Agora left pending (a view's timeout…) ends here, not when collected during whatever runs next.
        left = asyncio.all_tasks(loop)
        for task in left:
            task.cancel()
        if left:  # gather() of nothing asks for the thread's current loop, and this thread has none
            loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())

    thread = threading.Thread(target=run, name="playground", daemon=True)
    thread.start()
    try:
        playground, runner = ready.result(START_TIMEOUT)
        host, port = runner.addresses[0][:2]
        yield Running(playground, f"http://{host}:{port}/", loop)
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)
        loop.close()
