"""podwalld's control socket from the Python tests: GET /v1/status, and
waiting until the status satisfies a condition."""

import json
import socket
import time


def status(socket_path):
    """The status as a dict, or None while the daemon does not answer."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
            c.settimeout(5)
            c.connect(socket_path)
            c.sendall(b"GET /v1/status HTTP/1.1\r\nHost: podwalld\r\n\r\n")
            data = b""
            while chunk := c.recv(65536):
                data += chunk
        return json.loads(data.split(b"\r\n\r\n", 1)[1])
    except (OSError, ValueError, IndexError):
        return None


def wait(proc, socket_path, done, what, timeout=10):
    """Polls until done(status); raises if the daemon exits or `timeout`
    seconds pass."""
    deadline = time.monotonic() + timeout
    s = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"podwalld exited ({proc.returncode}); see its log")
        s = status(socket_path)
        if s and done(s):
            return s
        time.sleep(0.01)
    raise RuntimeError(f"podwalld not {what} after {timeout}s: {s}")
