"""The test API server (fake_apiserver.py) in a network namespace, for the
Python tests: start it, post to its control API, stop it."""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
import run_e2e as e2e  # noqa: E402


class TestApiServer:
    """Runs in namespace `ns`; WORK/kubeconfig points podwalld at it."""

    def __init__(self, ns, work):
        self.ns = ns
        self.work = work
        self.proc = subprocess.Popen(
            e2e.in_ns(ns, "/usr/bin/python3", os.path.join(HERE, "fake_apiserver.py"), work),
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.port = int(self.proc.stdout.readline().split()[1])

    def post(self, path, body):
        """POST `body` (JSON) to `path` with the test token; raises on an
        HTTP error."""
        code = (
            "import json, ssl, sys, urllib.request\n"
            f"ctx = ssl.create_default_context(cafile='{self.work}/ca.crt')\n"
            f"r = urllib.request.Request('https://127.0.0.1:{self.port}{path}', "
            "data=sys.stdin.read().encode(), method='POST', headers={"
            "'Authorization': 'Bearer podwall-test-token'})\n"
            "urllib.request.urlopen(r, context=ctx).read()\n")
        e2e.run(e2e.in_ns(self.ns, "/usr/bin/python3", "-c", code), input=json.dumps(body))

    def stop(self):
        self.proc.kill()
        self.proc.wait()
