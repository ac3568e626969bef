#!/usr/bin/env python3
"""send_crash.py: pg-send's crash test (issue 5), driven by tests/e2e/pg-send.bats.

    send_crash.py PG_SEND URL SPOOL RECV_LOG [--count N] [--kills K] [--parallel P]

Feeds N numbered deliveries ({"webhook":"crash","body":{"n":I}}) to pg-send
sending to URL (the receiver's /flaky endpoint), kills pg-send with SIGKILL
K times at random moments and starts it again. After each kill the feeder
re-sends what was neither spooled nor answered: the numbers it had written
to the pipe, less those in the receiver's log (answered 2xx) and those in
the spool (queued, dead, or a complete temp file pg-send recovers). Then the
last pg-send reads to the end of its input, and `pg-send --flush` runs until
the spool is empty.

Checks, and prints one line each (fails with status 1 on the first false):
every number was received at least once; the duplicates are no more than
requests in flight at a kill (K x P) plus answers the receiver gave later
than pg-send's timeout; what a kill lost (numbers re-sent) fits in what
pg-send had not parsed: the pipe and one read (2 x 64 KiB, plus one write of
the feeder); the spool is empty at the end, dead/ too (no kill left a
corrupt file).
"""

import argparse
import glob
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

TIMEOUT_S = 0.5
CHUNK = 50  # deliveries a write


def line(n):
    return b'{"webhook":"crash","body":{"n":%d}}\n' % n


def spooled(spool):
    """Numbers in SPOOL/crash: queued, dead, and complete temp files."""
    out = set()
    d = os.path.join(spool, "crash")
    for path in glob.glob(os.path.join(d, "*")) + glob.glob(os.path.join(d, ".*.tmp")) + \
            glob.glob(os.path.join(d, "dead", "*")):
        name = os.path.basename(path)
        if name.endswith(".reason") or os.path.isdir(path) or name in ("state", ".lock"):
            continue
        try:
            data = open(path, "rb").read()
        except OSError:
            continue  # removed meanwhile
        if not data.endswith(b"\n"):
            continue  # an incomplete temp file: pg-send drops it
        try:
            out.add(json.loads(data)["body"]["n"])
        except (ValueError, KeyError, TypeError):
            pass
    return out


def received(log):
    """The numbers answered 2xx, with repeats, and how many answers took longer than the timeout."""
    nums, late = [], 0
    with open(log) as f:
        for l in f:
            if not l.endswith("\n"):
                break  # being written
            o = json.loads(l)
            nums.append(json.loads(o["body"])["n"])
            late += o.get("took", 0) >= TIMEOUT_S * 0.8
    return nums, late


class Feeder(threading.Thread):
    """Writes numbers to a pg-send's stdin; `handed` gets each number it tried to write."""

    def __init__(self, proc, numbers, handed, rate):
        super().__init__(daemon=True)
        self.proc, self.numbers, self.handed, self.rate = proc, numbers, handed, rate
        self.done = False

    def run(self):
        start = time.time()
        sent = 0
        try:
            for i in range(0, len(self.numbers), CHUNK):
                part = self.numbers[i:i + CHUNK]
                self.handed.update(part)
                self.proc.stdin.write(b"".join(line(n) for n in part))
                self.proc.stdin.flush()
                sent += len(part)
                ahead = sent / self.rate - (time.time() - start)
                if ahead > 0:
                    time.sleep(ahead)
            self.proc.stdin.close()
            self.done = True
        except (BrokenPipeError, ValueError, OSError):
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pg_send")
    ap.add_argument("url")
    ap.add_argument("spool")
    ap.add_argument("recv_log")
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--kills", type=int, default=4)
    ap.add_argument("--parallel", type=int, default=8)
    ap.add_argument("--rate", type=float, default=800, help="deliveries a second the feeder writes")
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    common = [a.pg_send, "--url", a.url, "--webhook", "crash", "--spool", a.spool,
              "--timeout", f"{TIMEOUT_S}s", "--retry-base", "10ms", "--retry-max-delay", "0.5s"]
    argv = common + ["--parallel", str(a.parallel), "--drain-timeout", "3s"]
    err = open("pg-send.err", "ab")

    pending = list(range(1, a.count + 1))  # not yet written, in order
    handed = set()
    lost = []
    for run in range(a.kills + 1):
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stderr=err)
        feeder = Feeder(proc, pending, handed, a.rate)
        feeder.start()
        if run < a.kills:
            time.sleep(rnd.uniform(1.5, 3.5))
            proc.kill()
            proc.wait()
            feeder.join()
            # What the feeder wrote that is neither answered nor spooled goes again.
            got = set(received(a.recv_log)[0])
            kept = spooled(a.spool)
            missing = sorted(handed - got - kept)
            lost.append(len(missing))
            written = [n for n in pending if n in handed]
            pending = missing + [n for n in pending if n not in handed]
            handed.difference_update(missing)
            print(f"kill {run + 1}: after {len(written)} written this run, {len(got)} answered, "
                  f"{len(kept)} spooled, {len(missing)} neither (written again)", flush=True)
        else:
            feeder.join()
            try:
                status = proc.wait(timeout=240)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                status = "killed after 240 s"
            print(f"last run: input ended, pg-send exited {status}", flush=True)
    for i in range(10):
        status = subprocess.call(common + ["--flush", "--parallel", str(a.parallel), "--drain-timeout", "3s"],
                                 stderr=err, stdin=subprocess.DEVNULL)
        print(f"--flush {i + 1}: exited {status}", flush=True)
        if status == 0:
            break

    nums, late = received(a.recv_log)
    got = set(nums)
    absent = sorted(set(range(1, a.count + 1)) - got)
    dups = len(nums) - len(got)
    allowed = a.kills * a.parallel + late
    left = spooled(a.spool)
    dead = [n for n in glob.glob(os.path.join(a.spool, "crash", "dead", "*")) if not n.endswith(".reason")]
    line_len = len(line(a.count))
    max_lost = (2 * 65536 + CHUNK * line_len) // len(line(1)) + 1
    checks = [
        (f"every number received: {len(got)} of {a.count}" + (f", absent {absent[:10]}" if absent else ""),
         not absent),
        (f"duplicates {dups} <= {a.kills} kills x {a.parallel} in flight + {late} answers later than the timeout",
         dups <= allowed),
        (f"lost at each kill (written, not parsed) {lost} <= {max_lost} (two 64 KiB buffers)",
         all(n <= max_lost for n in lost)),
        (f"spool empty at the end: {len(left)} left", not left),
        (f"nothing in dead/ (a kill leaves no corrupt file): {len(dead)}", not dead),
    ]
    ok = True
    for what, good in checks:
        print(("ok: " if good else "FAILED: ") + what, flush=True)
        ok = ok and good
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
