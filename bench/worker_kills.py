"""kill -9 of workers during lifecycle runs: N plans driven from vision to closed (as bench.throughput
drives them) on the production shape (bench.cluster), while a chaos thread SIGKILLs a random worker with
every process below it (its flow runs' processes run in sessions of their own) at random moments, and
restarts it a moment later. Mail goes to a real SMTP server (aiosmtpd, in this process).

    python -m bench.worker_kills [--plans 50] [--workers 2] [--kill-every 8 25] [--down 1 4]
                                 [--reconcile-every 20] [--deliver-every 15] [--timeout S] [--seed 1]

The periodic flows run through their deployments as production runs them, only more often: the driver
starts a ``reconcile`` run every ``--reconcile-every`` seconds and a ``deliver-outbox`` run every
``--deliver-every`` seconds (production: 300 s and 60 s). A killed lifecycle run stays Running in
Prefect; the reconciler presumes it dead after COPRODUCE_LIFECYCLE_RUN_STALE_MINUTES (set to 1.5 here,
15 in production) and starts a fresh one. A sender killed mid-batch keeps its lease on the messages
until COPRODUCE_DELIVERY_LEASE_SECONDS (20 here, 300 in production).

Asserted once every plan is closed, the chaos stopped and the outbox emptied (exit status 1 otherwise):
  - every plan closed;
  - no decision lost and no audit event duplicated: every plan follows the same script, so every plan
    must have the same count of audit events of each kind, people's and the system's alike, and the
    same number of stage transitions; and no plan has two events alike in kind, actor, version and data;
  - no message lost: every outbox message is sent, and the SMTP server received each Message-ID;
  - no message duplicated, except with the same Message-ID (a kill between the server's acceptance and
    the outbox mark): the server received nothing that is not in the outbox, and the Message-IDs it
    received more than once are counted and reported as kills that hit that window.
"""

from __future__ import annotations

import argparse
import contextvars
import email
import email.policy
import json
import random
import socket
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from bench._common import machine
from bench.cluster import Cluster, cluster
from bench.throughput import create_plans, default_timeout, drive, wait_final

STALE_MINUTES = 1.5
LEASE_SECONDS = 20


class Mailbox:
    """What the SMTP server accepted: each message's Message-ID, in order."""

    def __init__(self) -> None:
        self.message_ids: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.message_ids.append(str(parsed["Message-ID"]))
        return "250 OK"


class Chaos(threading.Thread):
    """Kills a random worker (kill -9, with its flow runs) every so often and restarts it."""

    def __init__(self, c: Cluster, rng: random.Random, every: tuple[float, float], down: tuple[float, float]) -> None:
        super().__init__(daemon=True, name="chaos")
        self.c, self.rng, self.every, self.down = c, rng, every, down
        self.stopping = threading.Event()
        self.kills: list[dict[str, Any]] = []
        self.error: str | None = None

    def run(self) -> None:
        started = time.monotonic()
        try:
            while not self.stopping.wait(self.rng.uniform(*self.every)):
                i = self.rng.randrange(len(self.c.workers))
                pids = self.c.kill_worker(i)
                self.kills.append({"at_s": round(time.monotonic() - started, 1), "worker": i, "processes": len(pids)})
                time.sleep(self.rng.uniform(*self.down))
                self.c.start_worker(i)
        except Exception as exc:  # reported; the workers are restarted below
            self.error = f"{type(exc).__name__}: {exc}"


class Ticker(threading.Thread):
    """Starts a run of each periodic deployment every so often (their production schedules, faster)."""

    def __init__(self, every: dict[str, float]) -> None:
        super().__init__(daemon=True, name="ticker")
        self.every, self.started = every, Counter[str]()
        self.stopping = threading.Event()
        self.ctx = contextvars.copy_context()

    def run(self) -> None:
        due = {name: time.monotonic() + period for name, period in self.every.items()}
        while not self.stopping.wait(1):
            for name, at in due.items():
                if time.monotonic() >= at:
                    due[name] = time.monotonic() + self.every[name]
                    try:
                        self.ctx.run(_start, name)
                        self.started[name] += 1
                    except Exception:  # the server busy: the next tick tries again
                        self.started[f"{name} (failed to start)"] += 1


def _start(name: str) -> Any:
    from prefect.deployments import run_deployment

    return run_deployment(name, timeout=0, as_subflow=False, _sync=True).id


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _drain_outbox(timeout: float, echo: Any) -> int:
    """Start deliver-outbox runs until nothing waits (a killed sender's lease must run out first)."""
    from plans.delivery import waiting

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = waiting()
        if not left:
            return 0
        wait_final([_start("deliver-outbox/deliver-outbox")], timeout=180)
        time.sleep(2)
    return waiting()


def _audit_profiles(plan_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per plan: how many audit events of each kind, people's and the system's, and its transitions."""
    from sqlalchemy import select

    from plans.db import session_scope
    from plans.models import AuditEvent
    from plans.repositories.plans import PlanRepository

    out: dict[int, dict[str, int]] = {pid: Counter() for pid in plan_ids}
    with session_scope() as s:
        for plan_id, kind, actor_id in s.execute(
            select(AuditEvent.plan_id, AuditEvent.kind, AuditEvent.actor_id).where(AuditEvent.plan_id.in_(plan_ids))
        ):
            out[plan_id][f"{kind} ({'person' if actor_id else 'system'})"] += 1  # type: ignore[index]
        for pid in plan_ids:
            out[pid]["stage transitions"] = len(PlanRepository(s).entries(pid)) - 1
    return {pid: dict(c) for pid, c in out.items()}


def _identical_events(plan_ids: list[int]) -> dict[str, int]:
    """Audit events recorded twice with everything the same (plan, kind, who, version, data), by kind:
    what a repeated step that forgot its idempotency would leave, even if every plan did it alike."""
    from sqlalchemy import select

    from plans.db import session_scope
    from plans.models import AuditEvent

    seen: Counter[tuple[Any, ...]] = Counter()
    with session_scope() as s:
        for e in s.scalars(select(AuditEvent).where(AuditEvent.plan_id.in_(plan_ids))):
            seen[(e.plan_id, e.kind, e.actor_id, e.plan_version, json.dumps(e.data, sort_keys=True, default=str))] += 1
    out: Counter[str] = Counter()
    for key, n in seen.items():
        if n > 1:
            out[key[1]] += n - 1
    return dict(out)


def _outbox_check(mailbox: Mailbox) -> dict[str, Any]:
    from sqlalchemy import select

    from plans.db import session_scope
    from plans.models import OutboxMessage
    from plans.services.outbox import message_id_for

    with session_scope() as s:
        rows = s.execute(select(OutboxMessage.idempotency_key, OutboxMessage.sent_at)).all()
    expected = {message_id_for(key) for key, _ in rows}
    received = Counter(mailbox.message_ids)
    return {
        "outbox_messages": len(rows),
        "unsent": sum(1 for _, sent in rows if sent is None),
        "received": sum(received.values()),
        "lost": len(expected - set(received)),
        "unknown_received": len(set(received) - expected),
        "received_twice_same_message_id": sum(1 for n in received.values() if n > 1),
    }


def measure(
    plans: int = 50,
    workers: int = 2,
    limit: int = 4,
    threads: int = 4,
    kill_every: tuple[float, float] = (8.0, 25.0),
    down: tuple[float, float] = (1.0, 4.0),
    reconcile_every: float = 20.0,
    deliver_every: float = 15.0,
    timeout: float | None = None,
    seed: int = 1,
    keep_logs: bool = False,
    echo: Any = print,
) -> dict[str, Any]:
    """Run the scenario; returns what was checked (see the module docstring)."""
    from plans.config import settings

    timeout = default_timeout(plans, per_plan=90.0, floor=3600.0) if timeout is None else timeout
    mailbox = Mailbox()
    port = _free_port()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=port)
    smtp.start()
    env = {
        "COPRODUCE_SMTP_HOST": "127.0.0.1",
        "COPRODUCE_SMTP_PORT": str(port),
        "COPRODUCE_DELIVERY_LEASE_SECONDS": str(LEASE_SECONDS),
        "COPRODUCE_LIFECYCLE_RUN_STALE_MINUTES": str(STALE_MINUTES),
    }
    saved = (settings.smtp_host, settings.smtp_port, settings.delivery_lease_seconds, settings.wake_flows)
    settings.smtp_host, settings.smtp_port, settings.delivery_lease_seconds = "127.0.0.1", port, LEASE_SECONDS
    settings.wake_flows = True
    res: dict[str, Any] = {"machine": machine(), "plans": plans, "workers": workers, "seed": seed}
    try:
        with (
            cluster(workers, limit=limit, schedules=False, extra_env=env, keep_logs=keep_logs, echo=echo) as c,
            c.client(),
        ):
            driven = create_plans(plans, "kill")
            chaos = Chaos(c, random.Random(seed), kill_every, down)
            ticker = Ticker({"reconcile/reconcile": reconcile_every, "deliver-outbox/deliver-outbox": deliver_every})
            chaos.start()
            ticker.start()
            t0 = time.monotonic()
            try:
                res["wall_s"] = round(drive(driven, threads=threads, timeout=timeout, poll=0.5, echo=echo), 1)
            finally:
                chaos.stopping.set()
                chaos.join(60)
                ticker.stopping.set()
                ticker.join(30)
                for i, w in enumerate(c.workers):
                    if not w.running():
                        c.start_worker(i)
            echo(f"worker_kills: {plans} plans closed after {time.monotonic() - t0:.0f} s, {len(chaos.kills)} kills")
            res["left_unsent"] = _drain_outbox(LEASE_SECONDS * 6 + 120, echo)
            res.update(kills=chaos.kills, chaos_error=chaos.error, periodic_runs=dict(ticker.started))
            res["outbox"] = _outbox_check(mailbox)
            profiles = _audit_profiles([d.plan_id for d in driven])
            res.update(_compare(profiles))
            res["identical_events"] = _identical_events([d.plan_id for d in driven])
            res["closed"] = sum(1 for d in driven if d.done_at is not None)
    finally:
        smtp.stop()
        settings.smtp_host, settings.smtp_port, settings.delivery_lease_seconds, settings.wake_flows = saved
    return res


def _compare(profiles: dict[int, dict[str, int]]) -> dict[str, Any]:
    """The most common audit profile, and every plan that differs from it (a lost or doubled event)."""
    common, _ = Counter(json.dumps(p, sort_keys=True) for p in profiles.values()).most_common(1)[0]
    reference = json.loads(common)
    differing = {}
    for pid, p in profiles.items():
        diff = {
            k: (p.get(k, 0), reference.get(k, 0)) for k in set(p) | set(reference) if p.get(k, 0) != reference.get(k, 0)
        }
        if diff:
            differing[pid] = {k: f"{a} where the others have {b}" for k, (a, b) in diff.items()}
    return {"audit_profile": reference, "plans_differing": differing}


def ok(res: dict[str, Any]) -> bool:
    o = res["outbox"]
    return (
        res["closed"] == res["plans"]
        and not res["plans_differing"]
        and not res["identical_events"]
        and o["unsent"] == 0
        and o["lost"] == 0
        and o["unknown_received"] == 0
        and not res["chaos_error"]
    )


def rows(res: dict[str, Any]) -> list[tuple[str, str, str, str, str, bool | None]]:
    """(figure, value, reference, ratio, goal, passed) for the table of ``python -m bench``."""
    o = res["outbox"]
    return [
        (
            f"kill -9 of workers: {res['plans']} plans vision->closed",
            f"{res['closed']} closed, {len(res['kills'])} kills",
            f"{res['wall_s']:.0f} s wall; periodic runs {res['periodic_runs']}",
            "-",
            "all closed",
            res["closed"] == res["plans"],
        ),
        (
            "  decisions lost / audit events doubled",
            f"{len(res['plans_differing'])} plans differ, {sum(res['identical_events'].values())} events twice",
            f"every plan: {sum(res['audit_profile'].values())} events",
            "-",
            "0",
            not res["plans_differing"] and not res["identical_events"],
        ),
        (
            "  messages lost / sent twice",
            f"{o['lost']} lost, {o['unsent']} unsent, {o['unknown_received']} unknown",
            f"{o['outbox_messages']} in the outbox, {o['received']} received",
            "-",
            "0 lost; twice only with the same Message-ID",
            o["lost"] == 0 and o["unsent"] == 0 and o["unknown_received"] == 0,
        ),
        (
            "  kills between the SMTP acceptance and the outbox mark",
            str(o["received_twice_same_message_id"]),
            "Message-IDs received twice",
            "-",
            "-",
            None,
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.worker_kills", description=__doc__.split("\n")[0])
    ap.add_argument("--plans", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--limit", type=int, default=4)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--kill-every", type=float, nargs=2, default=(8.0, 25.0), metavar=("MIN", "MAX"))
    ap.add_argument("--down", type=float, nargs=2, default=(1.0, 4.0), metavar=("MIN", "MAX"))
    ap.add_argument("--reconcile-every", type=float, default=20.0)
    ap.add_argument("--deliver-every", type=float, default=15.0)
    ap.add_argument("--timeout", type=float, help="seconds of driving allowed (default 90 a plan, at least 3600)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep-logs", action="store_true")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args(argv)
    res = measure(
        a.plans,
        a.workers,
        a.limit,
        a.threads,
        tuple(a.kill_every),
        tuple(a.down),
        a.reconcile_every,
        a.deliver_every,
        a.timeout,
        a.seed,
        a.keep_logs,
    )
    for figure, value, ref, ratio, goal, passed in rows(res):
        mark = "" if passed is None else (" [met]" if passed else " [NOT MET]")
        print(f"{figure}: {value} | {ref} | {ratio} | {goal}{mark}")
    if res["plans_differing"]:
        print(json.dumps(res["plans_differing"], indent=1)[:3000])
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(res, indent=2, default=str), encoding="utf-8")
    return 0 if ok(res) else 1


if __name__ == "__main__":
    sys.exit(main())
