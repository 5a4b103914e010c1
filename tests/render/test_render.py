import ast
import subprocess
import sys

import pytest

from scriptgen.render import format_python, make_environment, py_literal, render_python, write_outputs
from scriptgen.render.environment import TemplateError
from scriptgen.render.literals import UnsafeValue
from scriptgen.render.pyformat import GeneratedCodeError

HOSTILE = "x'); import os; os.system('touch PWNED'); ('\nimport os"


def test_literal_keeps_a_hostile_name_a_string(tmp_path):
    source = f"name = {py_literal(HOSTILE)}\n# field {py_literal(HOSTILE)}\n"
    tree = ast.parse(source)
    assert len(tree.body) == 1
    subprocess.run([sys.executable, "-c", source], cwd=tmp_path, check=True)
    assert not (tmp_path / "PWNED").exists()
    namespace = {}
    exec(source, namespace)
    assert namespace["name"] == HOSTILE


@pytest.mark.parametrize("value", [object(), float("nan"), {1: object()}])
def test_literal_refuses_what_is_not_plain_data(value):
    with pytest.raises(UnsafeValue):
        py_literal(value)


def test_literal_of_nested_data():
    assert py_literal({"spw": [1, 2], "ok": True, "f": 1.5}) == "{'spw': [1, 2], 'ok': True, 'f': 1.5}"


def write_template(tmp_path, name, text):
    (tmp_path / name).write_text(text)
    return make_environment(user_templates=tmp_path)


def test_environment_refuses_a_raw_string(tmp_path):
    env = write_template(tmp_path, "bad.py.j2", "field = '{{ name }}'\n")
    with pytest.raises(UnsafeValue, match="raw string"):
        render_python(env, "bad.py.j2", name="3C279")


def test_environment_prints_literals_and_numbers(tmp_path):
    env = write_template(tmp_path, "ok.py.j2", "field = {{ name | py }}\nnchan = {{ n }}\n")
    out = render_python(env, "ok.py.j2", name=HOSTILE, n=64)
    namespace = {}
    exec(out, namespace)
    assert namespace == {"__builtins__": namespace["__builtins__"], "field": HOSTILE, "nchan": 64}


def test_missing_variable_is_an_error(tmp_path):
    env = write_template(tmp_path, "t.py.j2", "x = {{ nothing | py }}\n")
    with pytest.raises(TemplateError, match="nothing"):
        render_python(env, "t.py.j2")


def test_format_python_applies_black_and_rejects_invalid_code():
    assert format_python("x=[1,2 ,3]\n") == "x = [1, 2, 3]\n"
    with pytest.raises(GeneratedCodeError, match="line 2"):
        format_python("x = 1\nif x\n", origin="t.py.j2")


def test_writer_replaces_its_own_files_and_keeps_edited_ones(tmp_path):
    first = write_outputs(tmp_path, {"a.py": "a = 1\n", "b.py": "b = 1\n"})
    assert [p.name for p in first.written] == ["a.py", "b.py"]
    (tmp_path / "b.py").write_text("b = 1  # analyst's edit\n")
    second = write_outputs(tmp_path, {"a.py": "a = 2\n", "b.py": "b = 2\n"})
    assert (tmp_path / "a.py").read_text() == "a = 2\n"
    assert (tmp_path / "b.py").read_text() == "b = 1  # analyst's edit\n"
    assert (tmp_path / "b.py.new").read_text() == "b = 2\n"
    assert [p.name for p, _ in second.kept] == ["b.py"]
    # The edited file stays protected on the next run too.
    write_outputs(tmp_path, {"b.py": "b = 3\n"})
    assert (tmp_path / "b.py").read_text() == "b = 1  # analyst's edit\n"


def test_writer_never_overwrites_a_file_it_did_not_write(tmp_path):
    (tmp_path / "a.py").write_text("mine\n")
    write_outputs(tmp_path, {"a.py": "generated\n"})
    assert (tmp_path / "a.py").read_text() == "mine\n"


def test_force_backs_up_instead_of_destroying(tmp_path):
    (tmp_path / "a.py").write_text("mine\n")
    (tmp_path / "a.py.orig").write_text("older backup\n")
    report = write_outputs(tmp_path, {"a.py": "generated\n"}, force=True)
    assert (tmp_path / "a.py").read_text() == "generated\n"
    assert (tmp_path / "a.py.orig").read_text() == "older backup\n"
    assert (tmp_path / "a.py.orig1").read_text() == "mine\n"
    assert report.backed_up == [(tmp_path / "a.py", tmp_path / "a.py.orig1")]
