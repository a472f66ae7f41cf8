"""Private PostgreSQL and Redis servers for the benchmarks, from Debian's packages.

    with services.postgres() as database_url, services.redis() as redis_url:
        ...

Each server runs in its own temporary folder on a free port of 127.0.0.1, and is stopped and
removed on exit (also on errors and Ctrl-C). A missing package is installed with apt-get.
"""

import contextlib
import glob
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HOST = "127.0.0.1"
DB_USER = DB_NAME = "participation"
_apt_updated = False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def apt_install(*packages: str) -> None:
    global _apt_updated
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    quiet = {"env": env, "check": True, "stdout": subprocess.DEVNULL}
    if not _apt_updated:
        subprocess.run(["apt-get", "update", "-qq"], **quiet)
        _apt_updated = True
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages], **quiet
    )


def postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version_key)
    if not found:
        apt_install("postgresql")
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version_key)
    return Path(found[-1]).parent


def redis_bin() -> str:
    if not shutil.which("redis-server"):
        apt_install("redis-server")
    return shutil.which("redis-server")


def _version_key(path: str) -> int:
    return int(Path(path).parts[4])


def _as_postgres(command: list) -> list:
    # PostgreSQL refuses to run as root: Debian's package creates the "postgres" user.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def _workdir(prefix: str, owner: str | None = None):
    path = Path(tempfile.mkdtemp(prefix=prefix))
    if owner and os.geteuid() == 0:
        shutil.chown(path, owner)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def postgres(*, fsync: bool = True):
    """A fresh PostgreSQL cluster with an empty database; yields its URL.

    Keep fsync on to measure writes with real durability; turn it off to generate data fast.
    """
    pgbin = postgres_bin()
    port = free_port()
    with _workdir("bench-pg-", owner="postgres") as work:
        data = work / "data"
        run = {"check": True, "stdout": subprocess.DEVNULL}
        initdb = [str(pgbin / "initdb"), "-D", str(data), "-U", DB_USER, "--auth=trust"]
        subprocess.run(_as_postgres(initdb), **run)
        # Sized for a small machine (2 cores, a few GiB): enough connections for a few app
        # servers with persistent connections, a quarter-ish of a small memory for buffers.
        options = (
            f"-p {port} -k {work} -c listen_addresses={HOST} -c fsync={'on' if fsync else 'off'}"
            " -c max_connections=100 -c shared_buffers=256MB -c effective_cache_size=1GB"
            " -c work_mem=8MB -c maintenance_work_mem=128MB"
        )
        pg_ctl = [str(pgbin / "pg_ctl"), "-D", str(data), "-l", str(work / "server.log")]
        subprocess.run(_as_postgres([*pg_ctl, "-w", "-o", options, "start"]), **run)
        try:
            createdb = [str(pgbin / "createdb"), "-h", HOST, "-p", str(port), "-U", DB_USER]
            subprocess.run([*createdb, DB_NAME], **run)
            yield f"postgres://{DB_USER}@{HOST}:{port}/{DB_NAME}"
        finally:
            stop = [*pg_ctl, "-m", "immediate" if not fsync else "fast", "-w", "stop"]
            subprocess.run(_as_postgres(stop), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@contextlib.contextmanager
def redis():
    """A Redis server without persistence; yields its URL."""
    server = redis_bin()
    port = free_port()
    with _workdir("bench-redis-") as work:
        command = [server, "--port", str(port), "--bind", HOST, "--dir", str(work)]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_for_port(port, process)
            yield f"redis://{HOST}:{port}/0"
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with status {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"Nothing listens on {HOST}:{port} after {timeout} s")


def machine() -> dict:
    """The machine and the versions the figures were measured with."""
    import django
    import wagtail

    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": round(_memory_bytes() / 2**30, 1),
        "os": _os_name(),
        "python": platform.python_version(),
        "django": django.__version__,
        "wagtail": wagtail.__version__,
        "postgres": _command_version([str(postgres_bin() / "postgres"), "--version"]),
        "redis": _command_version([redis_bin(), "--version"]),
    }


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _memory_bytes() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def _os_name() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    return platform.platform()


def _command_version(command: list) -> str:
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return output.strip()


if __name__ == "__main__":
    import json

    json.dump(machine(), sys.stdout, indent=2)
    print()
