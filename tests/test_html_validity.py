"""The current Nu HTML Checker (vnu-jar, pinned in package.json) finds no error on any page of
the shipped sample site, in either language.

Needs Java and ``node_modules/vnu-jar`` (``npm install``; ``make test`` runs it when npm is
present). Without them the test is skipped with a message that says what to install.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
JAVA = shutil.which("java")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(JAVA is None, reason="Java is missing: apt-get install "
                       "default-jre-headless to run the Nu HTML Checker"),
    pytest.mark.skipif(not VNU.is_file(), reason="node_modules/vnu-jar is missing: run "
                       "`npm install` (or `make test` with npm installed)"),
]


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory) -> Path:
    """The shipped sample, built as `make html` builds it."""
    out = tmp_path_factory.mktemp("vnu") / "output"
    subprocess.run([sys.executable, "-m", "pipeline", "build", "--settings", "pelicanconf.py",
                    "--output", str(out), "--quiet"], cwd=ROOT, check=True)
    return out


def test_no_html_errors_on_any_page(sample_site):
    result = subprocess.run([JAVA, "-jar", str(VNU), "--skip-non-html", "--errors-only",
                             str(sample_site)], capture_output=True, text=True, check=False)
    errors = result.stderr.replace(f"file:{sample_site}", "").strip()
    pages = sum(1 for _ in sample_site.rglob("*.html"))
    assert (result.returncode, errors) == (0, ""), f"vnu on {pages} pages:\n{errors[:5000]}"
