"""The metadata header of each story in ``content/stories/*.md``, for validation.

Pelican reads stories when it builds; validation needs only the header (which establishment a
story is about) and where each key is written, so that a clerk can be sent to the right line.
A header is the run of ``Key: value`` lines at the top of the file, ending at the first blank
line; keys are lowercased, as Pelican does.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.load import nfc, relative

HEADER_LINE = re.compile(r"(?P<key>[A-Za-z][A-Za-z0-9_-]*):\s*(?P<value>.*)")


def read_header(text: str) -> tuple[dict[str, str], dict[str, int]]:
    """The header's values and the 1-based line of each key, lowercased."""
    metadata: dict[str, str] = {}
    lines: dict[str, int] = {}
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), 1):
        match = HEADER_LINE.fullmatch(line.strip())
        if not line.strip() or match is None:
            break
        key = match["key"].lower()
        metadata[key] = nfc(match["value"].strip())
        lines[key] = number
    return metadata, lines


def read_stories(stories_dir: Path) -> list[dict]:
    """One dict per story (``path``, ``file``, ``metadata``, ``lines``); none without a folder.

    ``file`` is the path as staff see it (content/stories/x.md). Bytes that are not UTF-8 are
    replaced rather than raised: the header is usually still readable, and the build reports it.
    """
    if not stories_dir.is_dir():
        return []
    stories = []
    for path in sorted(stories_dir.glob("*.md")):
        text = path.read_bytes().decode("utf-8", errors="replace")
        metadata, lines = read_header(text)
        stories.append({"path": path, "file": relative(path, stories_dir.parent),
                        "metadata": metadata, "lines": lines})
    return stories
