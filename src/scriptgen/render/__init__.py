"""Turning decisions into Python source: templates, formatting, safe writing.

* :mod:`.literals` - the only way a value reaches emitted code;
* :mod:`.environment` - the Jinja2 environment that enforces it;
* :mod:`.pyformat` - black formatting (which also rejects invalid Python);
* :mod:`.writer` - writing into a folder without losing an analyst's edits.
"""

from .environment import make_environment, render_python, templates_dir
from .literals import PySource, py_literal
from .pyformat import format_python
from .writer import WriteReport, write_outputs

__all__ = [
    "PySource",
    "WriteReport",
    "format_python",
    "make_environment",
    "py_literal",
    "render_python",
    "templates_dir",
    "write_outputs",
]
