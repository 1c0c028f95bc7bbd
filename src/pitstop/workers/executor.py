"""The Celery executor: a run's attempts sent to ``pitstop worker`` processes.

The run keeps everything it keeps locally — the DAG, ``--jobs``, retries with backoff,
``--keep-going``, Ctrl-C, the records — and only the attempt itself moves: it is sent
as one ``pitstop.attempt`` message to the task's queue, and this side waits on a reply
queue (one per thread of the run, kept for the run) for the worker's name, the output
(written to the task's log here, as a local run writes it), heartbeats and the outcome.

- Ctrl-C revokes the attempt (a running one is terminated with SIGTERM, which the
  worker turns into the same interrupt-then-kill of the command's process group).
- A worker that falls silent for ``[engine] lost_after`` — killed, its machine gone —
  is lost: the attempt fails naming it (status ``failed``, ``data.worker``) and is
  retried per the task's ``retries``; its message was acknowledged when it started,
  so the broker never hands it to another worker behind the run's back.
- An attempt no worker takes within ``queue_timeout`` fails, naming the queue.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pitstop.engine.runner import TaskResult
from pitstop.errors import EXIT_CONNECTION, EXIT_ERROR, EXIT_INTERRUPTED, DependencyError
from pitstop.redact import mask_url

if TYPE_CHECKING:
    from celery import Celery

    from pitstop.config import Settings
    from pitstop.engine.executors import AttemptRequest
    from pitstop.workers.settings import EngineSettings

CANCEL_GRACE = 10.0
"""How long an interrupted run waits for a worker to confirm it stopped the attempt."""
POLL = 0.1


def load_celery() -> None:
    try:
        import celery  # noqa: F401
    except ImportError as exc:
        raise DependencyError(
            "[engine] executor = \"celery\" needs Celery, which is not installed",
            hint="pip install 'pitstop[celery]'") from exc


class CeleryExecutor:
    """Runs each attempt on a Celery worker (see the module docstring)."""

    name = "celery"

    def __init__(self, settings: Settings, engine: EngineSettings) -> None:
        self.settings = settings
        self.engine = engine
        self.default_jobs: int | None = engine.jobs
        self._app: Celery | None = None
        self._local = threading.local()
        self._replies: list[_Reply] = []
        self._lock = threading.Lock()

    @property
    def app(self) -> Celery:
        if self._app is None:
            load_celery()
            from pitstop.workers.app import make_app

            self._app = make_app(self.engine)
        return self._app

    def open(self) -> None:
        from pitstop.workers.app import check_broker

        check_broker(self.app, self.engine.broker_url)

    def close(self) -> None:
        with self._lock:
            replies, self._replies = self._replies, []
        for reply in replies:
            reply.close()

    def reply(self) -> _Reply:
        """The calling thread's reply queue (each of a run's threads keeps one, with its
        broker connection, for the attempts it waits on)."""
        reply: _Reply | None = getattr(self._local, "reply", None)
        if reply is None:
            reply = _Reply(self.app, self.engine)
            self._local.reply = reply
            with self._lock:
                self._replies.append(reply)
        return reply

    def discard(self, reply: _Reply) -> None:
        """Forget a reply queue whose connection the broker broke (the thread's next
        attempt makes a new one)."""
        self._local.reply = None
        with self._lock:
            if reply in self._replies:
                self._replies.remove(reply)
        reply.close()

    def attempt(self, request: AttemptRequest, emit: Callable[[str], None],
                cancel: threading.Event) -> TaskResult:
        return _Attempt(self, request, emit, cancel).run()


class _Reply:
    """A queue of this run's on the ``pitstop.reply`` exchange, and the connection it is
    consumed on: workers report there, each message tagged with its attempt's id."""

    def __init__(self, app: Celery, engine: EngineSettings) -> None:
        from kombu.entity import Queue
        from kombu.messaging import Consumer

        from pitstop.workers.app import CONNECT_TIMEOUT, reply_exchange

        self.name = f"pitstop.reply.{uuid.uuid4().hex}"
        self.handler: Callable[[dict[str, Any]], None] | None = None
        self.conn = app.connection_for_read()
        try:
            self.conn.ensure_connection(max_retries=1, interval_start=0.2,
                                        timeout=CONNECT_TIMEOUT)
            self.channel = self.conn.channel()
            self.queue = Queue(self.name, exchange=reply_exchange(),  # type: ignore[no-untyped-call]
                               routing_key=self.name, durable=False, auto_delete=True,
                               expires=max(600.0, engine.queue_timeout * 2),
                               channel=self.channel)
            self.queue.declare()  # type: ignore[no-untyped-call]
            self.consumer = Consumer(self.channel,  # type: ignore[no-untyped-call]
                                     queues=[self.queue], callbacks=[self._on_message],
                                     accept=["json"], no_ack=True, auto_declare=False)
            self.consumer.consume()  # type: ignore[no-untyped-call]
        except BaseException:
            _quietly(self.conn.release)
            raise

    def _on_message(self, body: Any, _message: Any) -> None:
        if self.handler is not None and isinstance(body, dict):
            self.handler(body)

    def drain(self, timeout: float) -> None:
        try:
            self.conn.drain_events(timeout=timeout)
        except TimeoutError:  # socket.timeout: nothing came
            pass

    def close(self) -> None:
        _quietly(self.consumer.cancel)
        _quietly(self.queue.delete)  # else it expires on its own
        _quietly(self.channel.close)
        _quietly(self.conn.release)


class _Attempt:
    """One attempt on a worker, from this side."""

    def __init__(self, executor: CeleryExecutor, request: AttemptRequest,
                 emit: Callable[[str], None], cancel: threading.Event) -> None:
        self.executor = executor
        self.app = executor.app
        self.engine = executor.engine
        self.request = request
        self.emit = emit
        self.cancel = cancel
        self.name = request.task.name
        self.queue = request.task.spec.queue or executor.engine.queue
        self.task_id = uuid.uuid4().hex
        self.worker: dict[str, Any] | None = None
        self.outcome: dict[str, Any] | None = None
        self.heard = time.monotonic()

    # -- messages --------------------------------------------------------------------
    def on_message(self, body: dict[str, Any]) -> None:
        if body.get("id") != self.task_id:
            return  # a late word about an earlier attempt this thread gave up on
        self.heard = time.monotonic()
        kind = body.get("t")
        if kind == "started":
            self.worker = dict(body.get("worker") or {})
        elif kind == "lines":
            for line in body.get("lines") or ():
                self.emit(str(line))
        elif kind == "finished":
            self.outcome = dict(body.get("result") or {})
            self.worker = self.worker or dict(self.outcome.get("worker") or {})

    def payload(self, reply: str) -> dict[str, Any]:
        request = self.request
        return {"id": self.task_id, "reply": reply, "run_id": request.run_id,
                "target": request.target, "task": self.name, "attempt": request.attempt,
                "params": dict(request.params), "user": request.user,
                "command": request.task.command_text(),
                "outcomes": {k: dict(v) for k, v in request.outcomes.items()},
                "heartbeat": self.engine.heartbeat, "dry_run": self.executor.settings.dry_run}

    # -- the wait --------------------------------------------------------------------
    def run(self) -> TaskResult:
        from pitstop.workers.app import TASK_NAME

        reply = None
        try:
            reply = self.executor.reply()
            reply.handler = self.on_message
            try:
                self.app.send_task(TASK_NAME, kwargs={"payload": self.payload(reply.name)},
                                   queue=self.queue, task_id=self.task_id)
                return self._wait(reply, time.monotonic())
            finally:
                reply.handler = None
        except (OSError, ConnectionError) as exc:
            return self._broker_failed(exc, reply)
        except Exception as exc:  # kombu's OperationalError and the transports' own
            if type(exc).__module__.split(".")[0] in ("kombu", "amqp", "redis"):
                return self._broker_failed(exc, reply)
            raise

    def _wait(self, reply: _Reply, sent: float) -> TaskResult:
        revoked_at: float | None = None
        while self.outcome is None:
            reply.drain(POLL)
            if self.outcome is not None:
                break
            now = time.monotonic()
            if self.cancel.is_set() and revoked_at is None:
                revoked_at = now
                self._revoke(terminate=self.worker is not None)
                if self.worker is None:
                    return self._result("interrupted", EXIT_INTERRUPTED,
                                        "interrupted before a worker took it")
            if revoked_at is not None and now - revoked_at > CANCEL_GRACE:
                return self._result("interrupted", EXIT_INTERRUPTED,
                                    f"interrupted; {self._who()} did not confirm it stopped")
            if self.worker is None and revoked_at is None \
                    and now - sent > self.engine.queue_timeout:
                self._revoke(terminate=False)
                return self._result("failed", EXIT_ERROR,
                                    f"no worker took the task from queue '{self.queue}' within "
                                    f"{self.engine.queue_timeout:g}s (is `pitstop worker "
                                    f"--queues {self.queue}` running?)")
            if self.worker is not None and now - self.heard > self.engine.lost_after:
                self._revoke(terminate=True)
                return self._result("failed", EXIT_ERROR,
                                    f"{self._who()} was lost mid-task (its pool process "
                                    f"{(self.worker or {}).get('pid', '?')} silent for "
                                    f"{self.engine.lost_after:g}s)")
        return self._finished(self.outcome)

    def _revoke(self, *, terminate: bool) -> None:
        try:
            self.app.control.revoke(self.task_id, terminate=terminate, signal="SIGTERM")
        except Exception:  # noqa: BLE001 - a revoke that cannot be sent changes nothing here
            pass

    def _who(self) -> str:
        worker = self.worker or {}
        return (f"worker {worker.get('name') or '?'} (pid {worker.get('worker_pid', '?')} on "
                f"{worker.get('host') or '?'})")

    def _finished(self, outcome: dict[str, Any]) -> TaskResult:
        status = str(outcome.get("status") or "failed")
        message = str(outcome.get("message") or "")
        if status == "lost":
            status = "failed"
        data = dict(outcome.get("data") or {})
        return TaskResult(self.name, status, outcome.get("exit_code"),
                          outcome.get("command_exit_code"), message=message,
                          data={**data, "worker": self.worker} if self.worker else data)

    def _result(self, status: str, code: int, message: str) -> TaskResult:
        data: dict[str, Any] = {"worker": self.worker} if self.worker else {}
        if status != "interrupted":
            self.emit(f"[ERROR] {message}")
        return TaskResult(self.name, status, code, message=message, data=data)

    def _broker_failed(self, exc: BaseException, reply: _Reply | None) -> TaskResult:
        if reply is not None:
            self.executor.discard(reply)
        message = (f"lost the Celery broker {mask_url(self.engine.broker_url)}: "
                   f"{exc or type(exc).__name__}")
        return self._result("failed", EXIT_CONNECTION, message)


def _quietly(close: Callable[[], Any]) -> None:
    try:
        close()
    except Exception:  # noqa: BLE001 - closing what the broker may have dropped already
        pass
