"""Notebook kernels started by forking a process that has only imported modules.

A fresh ``python -m ipykernel_launcher`` spends about two CPU-seconds before the first cell's
own work: starting Python, importing ipykernel, then matplotlib.pyplot and this package (with
pandas, xarray, numba, scipy.special) in the first cell. The notebook tests start eight
kernels, so the suite paid that eight times.

Here a *template* process imports those modules once, runs nothing else, and waits. Each kernel
is ``os.fork()`` of the template followed by ipykernel's own launcher (``IPKernelApp``) on the
connection file jupyter_client wrote: a real Jupyter kernel in a process of its own, talking
to nbclient over ZeroMQ as a launched one does, with a new user namespace, its own working
folder, environment and process group. No notebook's code runs in the template and no kernel
outlives its notebook, so nothing one notebook does can reach another: each starts from the
state a fresh process has after the same imports (modules import the same way, in the same
order, from the same environment and working folder: a template is started with a kernel's
environment, ``JPY_PARENT_PID`` included, and folder, and forks only kernels that have both
(``PYTEST_CURRENT_TEST`` aside, whose value names the running test);
a kernel whose command is not this interpreter's ``-m ipykernel_launcher`` is launched the
usual way).

The template reaps the kernels it forked and the test session ends it, so every kernel's CPU
time is counted in the process tree as before (``/usr/bin/time`` on pytest includes it).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

# what every notebook imports first (with the package's own dependencies; xarray imports
# dask.array when it makes its first DataArray), and scipy.stats, which the package imports
# inside the functions half the notebooks call (solvers, the nowcast, the monitor, the back-test)
PRELOAD = ("ipykernel.kernelapp", "matplotlib.pyplot", "numpy", "pandas", "xarray", "dask.array", "actuarial",
           "scipy.stats")

_TEMPLATE = r"""
import importlib.util, json, os, signal, sys

if sys.path[0] == "":       # as ipykernel_launcher drops it, before any import
    del sys.path[0]
launcher = importlib.util.find_spec("ipykernel_launcher").origin
for name in sys.argv[1:]:
    __import__(name)

kernels = set()

def reap(*_):
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        kernels.discard(pid)

signal.signal(signal.SIGCHLD, reap)
requests, replies = sys.stdin.buffer, sys.stdout.buffer
for line in iter(requests.readline, b""):
    req = json.loads(line)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})   # reaped only once it is in 'kernels'
    pid = os.fork()
    if pid == 0:                                    # the kernel
        code = 1
        try:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
            os.setsid()                             # its own session, as jupyter_client starts a kernel
            null = os.open(os.devnull, os.O_RDWR)
            os.dup2(null, 0)                        # neither of the template's pipes stays open
            os.dup2(2, 1)
            os.close(null)
            os.chdir(req["cwd"])
            os.environ.clear()
            os.environ.update(req["env"])
            sys.argv = [launcher, *req["args"]]
            from ipykernel import kernelapp
            kernelapp.launch_new_instance()
            code = 0
        finally:
            os._exit(code)
    kernels.add(pid)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
    replies.write(b"%d\n" % pid)
    replies.flush()

# the session is over (or the process that asked for kernels is gone): no kernel outlives it
signal.signal(signal.SIGCHLD, signal.SIG_DFL)
for pid in list(kernels):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
"""

_TEMPLATES: dict[tuple, subprocess.Popen] = {}

# variables whose value changes from one notebook test to the next (pytest names the running test
# in it); a template serves every value, and each kernel gets its own in its environment
PER_TEST = {"PYTEST_CURRENT_TEST"}


def _template(env: dict, cwd: str) -> subprocess.Popen:
    """The template for kernels with this environment and working folder, started in them (so
    whatever a module reads from either when imported, it reads what a fresh kernel's would)."""
    key = (tuple(sorted((k, v if k not in PER_TEST else "") for k, v in env.items())), cwd)
    proc = _TEMPLATES.get(key)
    if proc is None or proc.poll() is not None:
        proc = subprocess.Popen([sys.executable, "-c", _TEMPLATE, *PRELOAD], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, env=env, cwd=cwd, start_new_session=True)
        _TEMPLATES[key] = proc
    return proc


def close() -> None:
    """End the templates (each reaps its kernels first); called at the end of the session."""
    for proc in _TEMPLATES.values():
        if proc.poll() is None:
            proc.stdin.close()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        proc.stdout.close()
    _TEMPLATES.clear()


class _Forked:
    """The part of ``subprocess.Popen`` the provisioner uses, for a kernel the template forked
    (a child of the template, which reaps it: once reaped, the pid is gone)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode = None

    def poll(self):
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = 0
        return self.returncode

    def wait(self, timeout=None):
        end = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if end is not None and time.monotonic() > end:
                raise subprocess.TimeoutExpired("kernel", timeout)
            time.sleep(0.01)
        return self.returncode

    def send_signal(self, sig):
        if self.poll() is None:
            os.kill(self.pid, sig)

    def kill(self):
        self.send_signal(signal.SIGKILL)

    def terminate(self):
        self.send_signal(signal.SIGTERM)


class ForkProvisioner(LocalProvisioner):
    """LocalProvisioner whose ``launch_kernel`` forks the template instead of starting Python,
    when the command is this interpreter's ``-m ipykernel_launcher``; anything else is
    launched as usual."""

    async def launch_kernel(self, cmd, **kwargs):
        if cmd[:3] != [sys.executable, "-m", "ipykernel_launcher"] or "env" not in kwargs:
            return await super().launch_kernel(cmd, **kwargs)
        env = {**kwargs["env"], "JPY_PARENT_PID": str(os.getpid())}   # as jupyter_client's launcher sets it
        request = {"args": cmd[3:], "env": env, "cwd": str(kwargs.get("cwd") or os.getcwd())}
        template = _template(env, request["cwd"])
        template.stdin.write(json.dumps(request).encode() + b"\n")
        template.stdin.flush()
        self.process = _Forked(int(template.stdout.readline()))
        self.pid = self.process.pid
        self.pgid = None            # signals go to the kernel itself, never to a group guessed too early
        self.cwd = request["cwd"]
        return self.connection_info


class ForkKernelManager(AsyncKernelManager):
    """nbclient's kernel manager (``NotebookClient(kernel_manager_class=...)``) with the fork
    provisioner; nbclient owns it, so it shuts the kernel down after the last cell as before."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.kernel_id = str(uuid.uuid4())
        self.provisioner = ForkProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
