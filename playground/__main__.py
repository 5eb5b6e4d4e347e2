"""Try Agora in a browser, as its hosts and members, without a Discord account.

    python -m playground            (or the `agora-playground` command) then open http://127.0.0.1:8080

It starts a local Discord with a small community, Agora against it (on a temporary database), and the page.
Ctrl+C stops everything; nothing is kept.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys

from .app import Playground
from .web import serve


async def run(host: str, port: int, *, setup: bool) -> None:
    playground = Playground(setup=setup)
    print("Starting the local Discord and Agora…", flush=True)
    await playground.start()
    try:
        try:
            runner = await serve(playground, host, port)
        except OSError as error:
            sys.exit(f"cannot serve the page on {host}:{port}: {error.strerror} (choose another with --port)")
        print(f"Agora's playground: http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()
    finally:
        await playground.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m playground", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument(
        "--bare", action="store_true", help="skip the host's first steps (channels, member role, code of conduct)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(args.host, args.port, setup=not args.bare))


if __name__ == "__main__":
    main()
