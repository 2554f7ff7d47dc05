"""Periodic work on APScheduler 3.x (BackgroundScheduler), for capture and anyone else.

Every job runs inside a wrapper that logs a failure with its traceback, counts it and carries on:
one bad tick never stops the schedule. Jobs never overlap themselves (max_instances=1), missed
runs collapse into one (coalesce), and each job names the executor (thread pool) it runs on, so
work that must stay on one thread (an X connection, an mss instance) gets a one-thread pool.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from app.domain import utcnow
from app.errors import MemlociError

log = logging.getLogger(__name__)


@dataclass
class JobStats:
    runs: int = 0
    failures: int = 0
    last_error: str = ""
    last_run: datetime | None = None
    last_seconds: float = 0.0


@dataclass
class _Registry:
    stats: dict[str, JobStats] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Scheduler:
    """A BackgroundScheduler with named thread pools and error-surviving jobs."""

    def __init__(self, executors: dict[str, int] | None = None, name: str = "memloci") -> None:
        self.name = name
        self._pools = {"default": 2, **(executors or {})}
        self._scheduler: Any = None
        self._registry = _Registry()

    @property
    def running(self) -> bool:
        return self._scheduler is not None and self._scheduler.running

    def start(self) -> None:
        if self.running:
            return
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        self._scheduler = BackgroundScheduler(
            executors={name: ThreadPoolExecutor(size) for name, size in self._pools.items()},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
            timezone="UTC",
            daemon=True,
        )
        self._scheduler.start()

    def shutdown(self, wait: bool = True) -> None:
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=wait)
        self._scheduler = None

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        """`fn` with failures logged and counted instead of raised into APScheduler."""
        stats = self._registry.stats.setdefault(name, JobStats())

        def run(*args: Any, **kwargs: Any) -> Any:
            started = utcnow()
            try:
                return fn(*args, **kwargs)
            except MemlociError as error:
                stats.failures += 1
                stats.last_error = str(error)
                log.warning("job %s: %s", name, error)
            except Exception as error:
                stats.failures += 1
                stats.last_error = f"{error.__class__.__name__}: {error}"
                log.exception("job %s failed; it keeps its schedule", name)
            finally:
                with self._registry.lock:
                    stats.runs += 1
                    stats.last_run = started
                    stats.last_seconds = (utcnow() - started).total_seconds()
            return None

        run.__name__ = f"job_{name}"
        return run

    def every(
        self,
        name: str,
        seconds: float,
        fn: Callable[..., Any],
        *,
        executor: str = "default",
        first_in: float | None = None,
    ) -> None:
        """Run `fn` every `seconds` (first after `first_in`, default one period)."""
        self._require()
        start = utcnow() + timedelta(seconds=seconds if first_in is None else first_in)
        self._scheduler.add_job(
            self.wrap(name, fn),
            "interval",
            seconds=seconds,
            id=name,
            name=name,
            executor=executor,
            next_run_time=start,
            replace_existing=True,
        )

    def once(
        self,
        name: str,
        fn: Callable[..., Any],
        *,
        delay: float = 0.0,
        executor: str = "default",
        args: tuple[Any, ...] = (),
    ) -> None:
        """Run `fn` once after `delay`; scheduling the same name again replaces the pending run
        (which makes a debounce)."""
        self._require()
        self._scheduler.add_job(
            self.wrap(name, fn),
            "date",
            run_date=utcnow() + timedelta(seconds=delay),
            id=name,
            name=name,
            executor=executor,
            args=args,
            replace_existing=True,
            misfire_grace_time=None,
        )

    def run_soon(self, name: str) -> None:
        """Bring an interval job's next run forward to now."""
        if not self.running:
            return
        job = self._scheduler.get_job(name)
        if job is not None:
            job.modify(next_run_time=utcnow())

    def remove(self, name: str) -> None:
        if self.running and self._scheduler.get_job(name) is not None:
            self._scheduler.remove_job(name)

    def stats(self) -> dict[str, JobStats]:
        with self._registry.lock:
            return dict(self._registry.stats)

    def _require(self) -> None:
        if not self.running:
            raise RuntimeError("the scheduler is not running")
