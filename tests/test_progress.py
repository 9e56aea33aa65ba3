"""Progress reporting: one timed line per stage, a text bar off a terminal, the kill switch."""

from __future__ import annotations

import io

import pytest

from pipeline import progress


@pytest.mark.parametrize(("done", "total", "expected"), [
    (0, 8, "[--------]   0% 0/8"),
    (2, 8, "[##------]  25% 2/8"),
    (8, 8, "[########] 100% 8/8"),
    (9, 8, "[########] 100% 9/8"),
    (1, 0, "[--------]   0% 1/0"),
])
def test_text_bar(done, total, expected):
    assert expected == progress.text_bar(done, total, width=8)


def run_stages(reporter: progress.Progress, steps: int) -> None:
    """A two-stage publish: one with many steps, one without."""
    reporter.start("pages")
    reporter.total("pages", steps)
    for _ in range(steps):
        reporter.advance("pages")
    reporter.finish("pages", 1.5, "40 pages")
    reporter.start("swap")
    reporter.warn("swap", "slow disk")
    reporter.finish("swap", 0.004, "exchange")
    reporter.close()


def test_console_progress_prints_a_line_per_stage_and_quarter_bars():
    stream = io.StringIO()
    run_stages(progress.ConsoleProgress(stream, tty=False), 40)
    assert ["  pages    [######------------------]  25% 10/40",
            "  pages    [############------------]  50% 20/40",
            "  pages    [##################------]  75% 30/40",
            "pages      1.50 s  40 pages",
            "  swap: warning: slow disk",
            "swap       0.00 s  exchange"] == stream.getvalue().splitlines()


def test_few_steps_draw_no_bar():
    stream = io.StringIO()
    run_stages(progress.ConsoleProgress(stream, tty=False), progress.BAR_MIN_STEPS - 1)
    assert ["pages", "swap"] == [line.split()[0] for line in stream.getvalue().splitlines()
                                 if not line.startswith(" ")]
    assert "[" not in stream.getvalue()


def test_a_terminal_gets_a_live_bar_and_the_same_closing_lines():
    stream = io.StringIO()
    reporter = progress.ConsoleProgress(stream, tty=True)
    run_stages(reporter, 40)
    assert {"pages": 1.5, "swap": 0.004} == reporter.timings
    assert "pages      1.50 s  40 pages" in stream.getvalue()


def test_quiet_progress_prints_nothing(capsys):
    run_stages(progress.QuietProgress(), 40)
    assert ("", "") == tuple(capsys.readouterr())


def test_stage_reports_only_a_successful_block():
    recorded = progress.ConsoleProgress(io.StringIO(), tty=False)
    with progress.stage(recorded, "export") as step:
        step.detail = "19 files"
    with pytest.raises(RuntimeError), progress.stage(recorded, "pages"):
        raise RuntimeError("template broken")
    assert ["export"] == list(recorded.timings)
    assert recorded.stream.getvalue().rstrip().endswith("19 files")


class Killed(Exception):
    """Stands in for SIGKILL in-process."""


@pytest.mark.parametrize(("point", "killed_at"), [
    ("after:pages", "finish pages"),
    ("mid:pages", f"advance pages {progress.MID_STEPS}"),
    ("after:swap", "finish swap"),
    ("mid:swap", None),          # a stage without steps never reaches its middle
    ("after:nothing", None),
])
def test_the_kill_switch_fires_at_its_point_only(monkeypatch, point, killed_at):
    events: list[str] = []

    class Recorder(progress.Progress):
        def advance(self, stage, steps=1):
            events.append(f"advance {stage} {len([e for e in events if 'advance' in e]) + 1}")

        def finish(self, stage, seconds, detail=""):
            events.append(f"finish {stage}")

    def kill():
        raise Killed

    monkeypatch.setattr(progress, "kill_self", kill)
    monkeypatch.setenv(progress.KILL_VARIABLE, point)
    try:
        run_stages(progress.with_kill_switch(Recorder()), 10)
    except Killed:
        assert killed_at == events[-1]
    else:
        assert killed_at is None


def test_without_the_variable_there_is_no_kill_switch(monkeypatch):
    monkeypatch.delenv(progress.KILL_VARIABLE, raising=False)
    reporter = progress.QuietProgress()
    assert reporter is progress.with_kill_switch(reporter)
