"""Asking the OSV service through pip-audit's library (``pitstop[audit]``).

pip-audit's :class:`OsvService` sends one query per package (``{"package": {"name",
"ecosystem": "PyPI"}, "version"}``) to the configured endpoint, caches the answers
under ``.pitstop/cache/osv``, and returns each advisory's id, aliases and fixed
versions.  It drops the advisories' ratings and matches their package names
exactly, so the answers are also kept here (a response hook on its HTTP session) and
evaluated as the offline database is: the same ranges, rating and first fix whichever
way an advisory spells the name.  Queries run on a few
threads, each with its own service and session.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pitstop.audit.osv import Vulnerability, advisory_severity, evaluate, merge, parse_version
from pitstop.audit.packages import Package
from pitstop.errors import ConnectError, DependencyError

if TYPE_CHECKING:
    from pitstop.capability import Progress

WORKERS = 8


def _require() -> None:
    try:
        import pip_audit  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        raise DependencyError(
            "auditing dependencies against the OSV service needs pip-audit",
            hint="pip install 'pitstop[audit]', or set [audit] osv_db to an offline copy "
                 "of OSV's PyPI export") from None


class _Service:
    """One pip-audit ``OsvService`` per thread, and the advisories its answers carried
    (by id)."""

    def __init__(self, url: str, timeout: float, cache_dir: Path) -> None:
        self.url, self.timeout, self.cache_dir = url, timeout, cache_dir
        self.local = threading.local()
        self.advisories: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()

    def _record(self, response: Any, *_args: Any, **_kwargs: Any) -> None:
        try:
            data = response.json()
        except ValueError:
            return
        if not isinstance(data, dict):
            return
        for vuln in data.get("vulns") or ():
            if isinstance(vuln, dict) and isinstance(vuln.get("id"), str):
                with self.lock:
                    self.advisories[vuln["id"]] = vuln

    def get(self) -> Any:
        service = getattr(self.local, "service", None)
        if service is None:
            from pip_audit._service import OsvService  # type: ignore[import-untyped]

            service = OsvService(cache_dir=self.cache_dir, timeout=int(max(self.timeout, 1)),
                                 osv_url=self.url)
            service.session.hooks["response"].append(self._record)
            self.local.service = service
        return service


def _query(service: _Service, package: Package) -> list[Vulnerability]:
    import requests
    from pip_audit._service import ResolvedDependency, ServiceError
    from pip_audit._service.interface import (  # type: ignore[import-untyped]
        ConnectionError as OsvConnectionError,
    )

    version = parse_version(package.version)
    assert version is not None  # the caller skips versions packaging cannot read
    try:
        _spec, results = service.get().query(ResolvedDependency(package.name, version))
    except (OsvConnectionError, requests.ConnectionError, requests.Timeout) as exc:
        raise ConnectError(f"cannot reach the OSV service at {service.url}: {_reason(exc)}",
                           hint="check the network (or a proxy), or audit offline with "
                                "[audit] osv_db") from None
    except (ServiceError, requests.RequestException, ValueError) as exc:
        raise ConnectError(f"the OSV service at {service.url} failed on {package.name} "
                           f"{package.version}: {_reason(exc)}",
                           hint="try again later, or audit offline with [audit] osv_db"
                           ) from None
    found = []
    for result in results:
        ids = [str(result.id), *sorted(str(a) for a in result.aliases)]
        raw = next((service.advisories[i] for i in ids if i in service.advisories), None)
        # the advisory as OSV sent it, evaluated as offline: ranges under any spelling of
        # the name, the first fix above the installed version, the rating
        own = evaluate(raw, package.canonical, package.version) if raw is not None else None
        if own is not None:
            found.append(dataclasses.replace(own, aliases=tuple(sorted(set(ids) - {own.id}))))
            continue
        fixed = sorted(v for v in result.fix_versions if v > version)
        found.append(Vulnerability(ids[0], tuple(ids[1:]), str(result.description),
                                   advisory_severity(raw) if raw is not None else None,
                                   str(fixed[0]) if fixed else None))
    return merge(found)


def _reason(exc: BaseException) -> str:
    cause = exc.__cause__ or exc.__context__
    text = str(exc) or (str(cause) if cause else "") or type(exc).__name__
    return text.splitlines()[0][:300]


def query_service(packages: Sequence[Package], *, url: str, timeout: float, cache_dir: Path,
                  progress: Progress | None = None
                  ) -> dict[Package, list[Vulnerability]]:
    """Every package's advisories from the OSV service at ``url``."""
    _require()
    service = _Service(url, timeout, cache_dir)
    found: dict[Package, list[Vulnerability]] = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = {pool.submit(_query, service, p): p for p in packages}
        try:
            for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
                found[futures[future]] = future.result()
                if progress is not None:
                    progress(done, len(futures))
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return found
