"""`python -m pipeline devserver`: serve output/ on 127.0.0.1 and rebuild when sources change.

Each rebuild goes through the same validated build as `make html`, so an invalid edit prints
the report and leaves the last good site being served.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import threading
from pathlib import Path

from pipeline import build

WATCHED = ("data", "content", "theme", "pelicanconf.py")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1")
    parser.add_argument("--settings", type=Path, default=Path("pelicanconf.py"))
    parser.add_argument("--output", type=Path, default=Path("output"))
    parser.add_argument("--data", type=Path, default=Path("data"))
    parser.add_argument("--content", type=Path, default=Path("content"))


def serve(output: Path, port: int) -> http.server.ThreadingHTTPServer:
    """A static file server for ``output`` in a background thread (localhost only)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(output))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def rebuild(args: argparse.Namespace) -> int:
    """One validated build; the exit code says whether the served site changed."""
    return build.run(args)


def run(args: argparse.Namespace) -> int:
    from watchfiles import watch

    rebuild(args)
    args.output.mkdir(parents=True, exist_ok=True)
    server = serve(args.output.resolve(), args.port)
    print(f"serving {args.output} on http://127.0.0.1:{args.port}/ (Ctrl+C stops)")
    paths = [p for p in WATCHED if Path(p).exists()]
    try:
        for changes in watch(*paths):
            print(f"{len(changes)} change(s); rebuilding")
            rebuild(args)
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
    return 0
