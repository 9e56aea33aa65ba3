"""Deploy targets as far as a local machine allows: rsync to a folder, ghp-import to a repo.

`make -o publish ...` treats `publish` as done, so each test deploys the tiny site it points
OUTPUTDIR at instead of publishing the sample first.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT

HAVE_RSYNC = shutil.which("rsync") is not None
needs_rsync = pytest.mark.skipif(
    not HAVE_RSYNC, reason="RSYNC MISSING: deploy not tested (apt-get install rsync; .ci/run "
                           "installs it)")


def make(*targets: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", *targets], cwd=ROOT, text=True,
                          capture_output=True, env={**os.environ, **(env or {})}, check=False)


def manifest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@needs_rsync
def test_rsync_upload_mirrors_the_output_and_deletes_what_is_gone(tiny_site, tmp_path):
    dest = tmp_path / "www"
    dest.mkdir()
    (dest / "stale.html").write_text("from an older site", encoding="utf-8")
    result = make("-o", "publish", "rsync_upload", f"OUTPUTDIR={tiny_site}",
                  f"RSYNC_DEST={dest}/")
    assert 0 == result.returncode, result.stderr
    assert manifest(tiny_site) == manifest(dest)


def test_rsync_upload_goes_over_ssh_to_the_configured_host():
    result = make("-n", "-o", "publish", "rsync_upload", "SSH_HOST=example.org",
                  "SSH_USER=web", "SSH_TARGET_DIR=/var/www/kc", "SSH_PORT=2222")
    assert 'rsync -e "ssh -p 2222" -P -rvzc --delete "output"/ "web@example.org:/var/www/kc"' \
        in result.stdout


@pytest.mark.parametrize("variables", [[], ["SSH_HOST=example.org"], ["SSH_TARGET_DIR=/x"]])
def test_rsync_upload_refuses_an_incomplete_destination(variables):
    result = make("-o", "publish", "rsync_upload", *variables)
    assert 2 == result.returncode
    assert "set SSH_HOST and SSH_TARGET_DIR" in result.stderr


def test_deploy_publishes_then_uploads():
    lines = make("-n", "deploy", "SSH_HOST=example.org", "SSH_TARGET_DIR=/var/www/kc",
                 ).stdout.splitlines()
    publish = next(i for i, line in enumerate(lines) if "pipeline build --settings publishconf"
                   in line)
    upload = next(i for i, line in enumerate(lines) if line.startswith("rsync "))
    assert publish < upload


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, text=True, capture_output=True,
                          check=True).stdout


def test_github_commits_the_output_to_gh_pages_and_pushes_it(tiny_site, tmp_path):
    remote, repo = tmp_path / "remote.git", tmp_path / "repo"
    git("init", "-q", "--bare", str(remote), cwd=tmp_path)
    git("init", "-q", str(repo), cwd=tmp_path)
    git("remote", "add", "origin", str(remote), cwd=repo)
    identity = {"GIT_DIR": str(repo / ".git"), "GIT_AUTHOR_NAME": "CI",
                "GIT_AUTHOR_EMAIL": "ci@example.org", "GIT_COMMITTER_NAME": "CI",
                "GIT_COMMITTER_EMAIL": "ci@example.org"}
    result = make("-o", "publish", "github", f"OUTPUTDIR={tiny_site}", env=identity)
    assert 0 == result.returncode, result.stderr
    published = git("ls-tree", "-r", "--name-only", "gh-pages", cwd=remote).split()
    assert sorted([*manifest(tiny_site), ".nojekyll"]) == sorted(published)
    assert "Publish the site" in git("log", "-1", "--format=%s", "gh-pages", cwd=remote)
