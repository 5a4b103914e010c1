"""An interrupted demo reruns cleanly: a damaged EB is rebuilt, not reused."""

from __future__ import annotations

import pytest

from scriptgen.cli import demo
from scriptgen.inspect import inspect_ms
from scriptgen.synthetic import truth_path

pytestmark = pytest.mark.casa


def test_a_damaged_or_half_written_eb_is_rebuilt(tmp_path, capsys):
    ms, truth = demo._simulate(tmp_path)
    assert demo._reusable(ms, truth.config) is not None

    # Killed while the simulator wrote: a truth file cut short.
    text = truth_path(ms).read_text()
    truth_path(ms).write_text(text[: len(text) // 2])
    assert demo._reusable(ms, truth.config) is None

    # Killed while a script wrote into the MS: a table without its data file.
    truth_path(ms).write_text(text)
    (ms / "SPECTRAL_WINDOW" / "table.f0").unlink()
    assert demo._reusable(ms, truth.config) is None
    assert "rebuilding" in capsys.readouterr().out

    ms_again, _ = demo._simulate(tmp_path)
    assert ms_again == ms
    assert inspect_ms(ms).uid == truth.uid  # whole again
    assert demo._reusable(ms, truth.config) is not None
