"""Fuzz the names in a snapshot and the paths given to ``generate``.

Names reach the emitted scripts (field and source names in selections and
comments, the uid in every file name), so a hostile snapshot could try to
break out of a string literal or a comment and run code when the analyst
runs the script. For every generated example the outcome must be either a
clean one-line refusal (exit 2) or scripts that parse as Python and in
which the payload appears only inside string literals or comments, never as
code. Nothing is ever executed: the check is on the token stream.
"""

from __future__ import annotations

import ast
import io
import json
import os
import tempfile
import tokenize
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import replace
from pathlib import Path

from hypothesis import event, example, given
from hypothesis import strategies as st

from scriptgen import snapshot
from scriptgen.cli import main
from scriptgen.heuristics.selection import name_problem

from tests.support.ebfactory import tdm_fdm_eb

#: What the payload would do if it ever ran as code.
MARKER = "PWNED_MARKER"
PAYLOADS = [
    f"');__import__('pathlib').Path('{MARKER}').touch();('",
    f'");__import__("pathlib").Path("{MARKER}").touch();("',
    f"\n__import__('pathlib').Path('{MARKER}').touch()\n",
    f"'''\n{MARKER} = 1\n'''",
    f"{{{{ {MARKER} }}}}",
    f"{{% set x = '{MARKER}' %}}{{{{ x }}}}",
    f"\\\n{MARKER}",
    f"# {MARKER}",
    f"\r{MARKER}()",
    f"{MARKER},{MARKER}",
]
#: Characters with a meaning somewhere on the way: Python, Jinja, CASA's
#: MSSelection (, ; ~ * < > ^ & ! :) and wvrgcal's comma-separated lists.
SPECIAL = list("'\"\\\n\r\t{}%#,;~*<>^&!:$`|()[]= ") + ["{{", "}}", "{%", "%}", "é", "中", "\u202e", "\x00", "\ud800"]

CONTROL = {"\n", "\r", "\t", "\x00", "\ud800"}


def _texts(special: list[str], payloads: list[str], alphabet) -> st.SearchStrategy[str]:
    pieces = st.one_of(st.sampled_from(special), st.sampled_from(payloads), st.text(alphabet=alphabet, max_size=6))
    return st.one_of(st.sampled_from(payloads), st.lists(pieces, max_size=6).map("".join))


#: Names a real MS could hold (no control characters): these must be emitted
#: safely, not refused. Mostly these, sometimes anything at all.
printable = _texts(
    [c for c in SPECIAL if c not in CONTROL and c != "\x00"],
    [p for p in PAYLOADS if not set(p) & CONTROL],
    st.characters(blacklist_categories=("Cc", "Cs")),
)
anything = _texts(SPECIAL, PAYLOADS, st.characters())
path_texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"), min_size=1, max_size=20
).filter(lambda s: s not in (".", ".."))


def _hostile_eb(field_name: str, source_name: str, uid: str, spw_name: str, antenna: str, project: str):
    eb = tdm_fdm_eb()
    fields = tuple(
        replace(f, name=field_name if f.field_id == 2 else f.name, source_name=source_name if f.field_id == 3 else f.source_name)
        for f in eb.fields
    )
    spws = tuple(replace(s, name=spw_name) if s.spw_id == 9 else s for s in eb.spws)
    antennas = tuple(replace(a, name=antenna) if a.antenna_id == 0 else a for a in eb.antennas)
    return replace(eb, uid=uid, fields=fields, spws=spws, antennas=antennas, project=project)


def _code_tokens_with_marker(source: str) -> list[str]:
    """Tokens outside string literals and comments that mention the payload."""
    bad = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in (tokenize.STRING, tokenize.COMMENT):
            continue
        if MARKER in token.string:
            bad.append(f"line {token.start[0]}: {token.string!r}")
    return bad


def _misreadable_selections(source: str) -> list[str]:
    """refant, field and antenna literals CASA's selection syntax would misread.

    Every item must be an id or a name without selection metacharacters
    (heuristics.selection): a hostile antenna name turns refant into ids.
    """
    bad = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["refant"]:
            value = node.value
        elif isinstance(node, ast.keyword) and node.arg in ("field", "antenna", "reference", "transfer"):
            value = node.value
        else:
            continue
        if isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value:
            for item in value.value.split(","):
                if not item.isdigit() and name_problem(item):
                    bad.append(ast.unparse(node))
    return bad


# How many examples: the hypothesis profile of tests/support (40 by default,
# 500 with SCRIPTGEN_LONG_TESTS=1).
@given(
    names=st.fixed_dictionaries(
        {
            "field_name": printable,
            "source_name": printable,
            "uid": st.one_of(st.just("uid___A002_Xfuzz_X1"), printable),
            "spw_name": printable,
            "antenna": printable,
            "project": printable,
        }
    ),
    # Sometimes one name holds anything at all (control characters, NUL).
    wild=st.one_of(st.none(), st.tuples(st.sampled_from(["field_name", "uid", "spw_name", "project"]), anything)),
    out_name=path_texts,
    snapshot_name=path_texts,
)
@example(
    dict(field_name=PAYLOADS[0], source_name=PAYLOADS[1], uid="uid___A002_Xfuzz_X1", spw_name=PAYLOADS[4],
         antenna=PAYLOADS[5], project=PAYLOADS[3]),
    ("field_name", PAYLOADS[2]), "o'ut", 'sn"ap',
)  # fmt: skip
def test_hostile_names_are_refused_or_stay_inside_literals(names, wild, out_name, snapshot_name):
    if wild is not None:
        names = {**names, wild[0]: wild[1]}
    eb = _hostile_eb(**names)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        snap = tmp / (snapshot_name + ".json")
        data = json.dumps(snapshot.to_dict(eb), indent=1)
        snap.write_text(data, encoding="utf-8", errors="surrogatepass")
        out = tmp / "work" / out_name
        err, stdout = io.StringIO(), io.StringIO()
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            with redirect_stderr(err), redirect_stdout(stdout):
                status = main(["generate", str(snap), "--out", str(out), "-q"])
        finally:
            os.chdir(cwd)
        assert not (tmp / MARKER).exists()
        if status == 2:
            lines = err.getvalue().splitlines()
            assert len(lines) == 1 and lines[0].startswith("scriptgen: error: "), err.getvalue()
            event("refused: " + lines[0].rsplit(": ", 1)[-1][:50])
            return
        event("generated")
        assert status == 0, err.getvalue()
        outside = {p.name for p in tmp.iterdir()} - {snap.name, "work"}
        assert not outside, f"written outside --out: {outside}"
        scripts = sorted(out.glob("*.py"))
        assert scripts
        for script in scripts:
            source = script.read_text(encoding="utf-8")
            compile(source, str(script), "exec")  # parses; never executed
            assert not _code_tokens_with_marker(source), script.name
            if script.name.endswith(".scriptForCalibration.py"):
                assert not _misreadable_selections(source), script.name

