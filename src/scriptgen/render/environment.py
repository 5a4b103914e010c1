"""The Jinja2 environment for templates that emit Python.

Templates only present what Python decided. To make the safety rule
mechanical rather than a matter of care, the environment's ``finalize``
hook refuses any plain string printed with ``{{ ... }}``: a template must
write ``{{ value | py }}`` (a repr literal) or print a :class:`PySource`
that Python built. Numbers and booleans print as their repr.

The templates are package data (``scriptgen/templates``), loaded with
Jinja's ``PackageLoader`` so that a checkout and an installed wheel read the
same files. Users can override single templates by passing a folder of their
own; it is searched before the packaged templates (a Jinja ``ChoiceLoader``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from ..errors import ScriptgenError
from .literals import PySource, UnsafeValue, py_literal
from .pyformat import format_python


class TemplateError(ScriptgenError):
    """A template that cannot be rendered (missing, or printing unsafe text)."""


#: Where the templates live inside the scriptgen package.
TEMPLATES_PACKAGE = ("scriptgen", "templates")


def templates_dir() -> Path:
    """The packaged templates (``scriptgen/templates``), as a folder on disk.

    For users who copy a template to override it; rendering itself reads
    them through the package loader.
    """
    folder = Path(str(resources.files(TEMPLATES_PACKAGE[0]).joinpath(TEMPLATES_PACKAGE[1])))
    if not folder.is_dir():
        raise TemplateError(f"scriptgen's templates are missing (looked in {folder})")
    return folder


def _finalize(value: Any) -> Any:
    if isinstance(value, PySource):
        return value
    if isinstance(value, str):
        raise UnsafeValue(
            f"a template printed the raw string {value[:40]!r}; "
            "print values with '| py' so they become Python literals"
        )
    if value is None or isinstance(value, (bool, int, float)):
        return py_literal(value)
    raise UnsafeValue(f"a template printed a {type(value).__name__}; use '| py'")


def _comment(text: str) -> PySource:
    """Generator-written prose for a comment: one line, no control characters.

    Only for text scriptgen composed itself; metadata values inside it must
    already have gone through ``py``.
    """
    return PySource(" ".join(str(text).split()))


def _casa_guard_source() -> PySource:
    """The CASA import check every script carries (the preamble macro of common/macros.j2)."""
    import inspect

    from . import casa_guard

    return PySource(inspect.getsource(casa_guard.require_casa))


def make_environment(user_templates: str | Path | None = None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if user_templates is not None and not Path(user_templates).is_dir():
        raise TemplateError(f"templates folder {user_templates} does not exist or is not a folder")
    if user_templates is not None:
        loaders.append(jinja2.FileSystemLoader(str(user_templates)))
    loaders.append(jinja2.PackageLoader(*TEMPLATES_PACKAGE))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        finalize=_finalize,
    )
    env.filters["py"] = py_literal
    env.filters["comment"] = _comment
    env.globals["casa_guard"] = _casa_guard_source()
    return env


def render_python(env: jinja2.Environment, template: str, **context: Any) -> str:
    """Render a template and return black-formatted, syntax-checked Python."""
    try:
        source = env.get_template(template).render(**context)
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template {exc.name!r} not found") from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"template {template!r}: {exc.message}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"template {exc.filename or exc.name or template!r} line {exc.lineno}: {exc.message}") from None
    except UnicodeDecodeError:
        raise TemplateError(f"a template used by {template!r} is not UTF-8 text") from None
    return format_python(source, origin=template)
