"""Reasons in flag-template lines: whatever the text, the line stays one
flagdata command that both readers take (flagdata's list mode, which splits
at '=' even inside quotes, and scriptgen's own, :mod:`scriptgen.delivery.syntax`)."""

from __future__ import annotations

import pytest

from scriptgen.delivery.flagtemplate import KnownFields, check_template, flagdata_reason
from scriptgen.delivery.syntax import instruction_lines, parse_pairs
from scriptgen.heuristics.review import FlagProposal

T0 = 5_000_000_000.0

REASONS = [
    "limit = 5 'sigma'",
    "wvrflag=['DA46'] would drop it",
    'the "bad" antenna',
    "ends in a backslash \\",
    "two\nlines\r\tand a tab",
    "# not a comment, key='value' spw=3",
]


@pytest.mark.parametrize("reason", REASONS)
def test_a_review_line_with_any_reason_is_one_command_both_readers_take(reason):
    line = FlagProposal("DA41", "1", T0, T0 + 10, reason).line()
    assert len(instruction_lines(line)) == 1
    pairs = dict(parse_pairs(line, "proposed:1"))
    assert set(pairs) == {"mode", "antenna", "spw", "timerange", "reason"}
    quoted = pairs["reason"]
    assert quoted == flagdata_reason(reason)
    # What flagdata's list reader needs: no '=' and no quote inside the value.
    assert not set(quoted) & set("='\"\\\n\r\t")
    check_template(line, "proposed", KnownFields(frozenset(), frozenset(), "test"))


def test_the_reason_still_reads_the_same():
    assert flagdata_reason("limit = 5 'sigma'") == "limit is 5 sigma"
    assert flagdata_reason("wvrflag=['DA46']") == "wvrflag is [DA46]"
    assert flagdata_reason("Tsys 5x the median") == "Tsys 5x the median"
