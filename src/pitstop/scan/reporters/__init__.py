"""Report formats: one module per output format, each ``render(report, redact) -> str``.

The formats are extensions: the built-in ones (text, json, sarif, junit) are declared
by the scan capability's descriptor, a plugin adds one with a ``pitstop.reporters``
entry point, and the front hands the lot down as ``settings.extensions["reporters"]``
(name → ``"module:render"``).  :func:`render` and :func:`formats` take that mapping;
without one they know the built-in formats only.

Every reporter redacts secrets unless ``redact`` is false.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pitstop.errors import DependencyError, ScanError, UsageError
from pitstop.scan.model import ScanReport

Reporter = Callable[[ScanReport, bool], str]


def builtin() -> dict[str, str]:
    """The built-in formats, as the scan capability's descriptor declares them."""
    from pitstop.scan.descriptor import CAPABILITY

    return {ext.name: ext.target for ext in CAPABILITY.reporters}


def formats(reporters: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every report format: name → ``"module:render"`` (``reporters``, usually
    ``settings.extensions["reporters"]``, or the built-in ones)."""
    return dict(reporters) if reporters else builtin()


def reporter(fmt: str, reporters: Mapping[str, str] | None = None) -> Reporter:
    """The ``render`` function of format ``fmt``.

    An unknown format is a :class:`~pitstop.errors.UsageError` listing the known ones;
    a plugin's format that cannot be imported is a
    :class:`~pitstop.errors.DependencyError` naming its target."""
    known = formats(reporters)
    target = known.get(fmt)
    if target is None:
        raise UsageError(f"unknown report format {fmt!r}",
                         hint=f"choose one of {', '.join(sorted(known))}")
    from pitstop.capability import load_target

    try:
        func = load_target(target)
    except Exception as exc:  # a broken plugin is named, never a traceback
        raise DependencyError(
            f"the report format {fmt!r} ({target}) cannot be loaded: "
            f"{type(exc).__name__}: {exc}",
            hint="reinstall the plugin that provides it, or choose another format") from exc
    if not callable(func):
        raise DependencyError(f"the report format {fmt!r} ({target}) is not a function "
                              "render(report, redact) -> str")
    return func  # type: ignore[no-any-return]


def render(report: ScanReport, fmt: str = "text", redact: bool = True, *,
           reporters: Mapping[str, str] | None = None) -> str:
    """The report in format ``fmt`` (text, json, sarif, junit or a plugin's)."""
    func = reporter(fmt, reporters)
    try:
        text = func(report, redact)
    except Exception as exc:  # a plugin's bug is named, never a traceback
        if formats(reporters)[fmt].startswith("pitstop.scan.reporters."):
            raise  # a bug of pitstop's own: the crash report, not a plugin's error
        raise ScanError(f"the report format {fmt!r} ({formats(reporters)[fmt]}) failed: "
                        f"{type(exc).__name__}: {exc}",
                        hint="report the bug to the plugin's authors, or choose another "
                             "format") from exc
    if not isinstance(text, str):
        raise ScanError(f"the report format {fmt!r} returned {type(text).__name__}, not text")
    return text


__all__ = ["Reporter", "builtin", "formats", "render", "reporter"]
