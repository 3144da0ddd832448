#!/usr/bin/python3
"""A test Kubernetes API server on loopback that speaks the real protocol
for the resources podwall reads.

    fake_apiserver.py WORKDIR   (prints "ready PORT" once listening)

- HTTPS with a CA and a server certificate generated in WORKDIR (openssl);
  WORKDIR/kubeconfig points at the server with a bearer token, and
  WORKDIR/kubeconfig-cert with a client certificate signed by the CA
  (CN=system:node:node-1) instead; requests with neither get 401.
- GET /api/v1/namespaces, /api/v1/pods, /api/v1/nodes,
  /apis/networking.k8s.io/v1/networkpolicies,
  /apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies (404
  while POST /test/crd {"installed": false}): paginated lists (limit,
  continue), items without kind/apiVersion, managedFields present, the
  list's metadata.resourceVersion.
- ?watch=1&resourceVersion=N: a chunked stream of {"type","object"} lines
  from N on (objects with kind/apiVersion), BOOKMARK events, and an ERROR
  event with a 410 Status when N is older than the last compaction.
- A control API for tests, on the same server with the same token:
  POST /test/apply (one JSON object), POST /test/bulk (a JSON list), POST /test/delete (kind, namespace,
  name), POST /test/compact (the next watches from older versions get
  410), POST /test/drop (closes every open watch stream; with
  {"hold": true} new watches get 503 until POST /test/resume),
  POST /test/down (every GET gets 503 until POST /test/resume),
  POST /test/watch-error {"code": C} (every watch answers one ERROR event
  with that code and ends; 0 turns it off),
  POST /test/slow {"seconds": S} (each GET waits S seconds before it
  answers), POST /test/silence {"on": bool} (watches send nothing at all,
  neither events nor bookmarks, and never end: a hung server),
  GET /test/stats ({"lists_Pod": N, "watches_Pod": M, ..., "connections": C}:
  requests and connections served).
"""

import copy
import json
import os
import ssl
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

TOKEN = "podwall-test-token"
CNP_PATH = "/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies"
RESOURCES = {
    "/api/v1/namespaces": ("Namespace", "v1", "NamespaceList"),
    "/api/v1/pods": ("Pod", "v1", "PodList"),
    "/apis/networking.k8s.io/v1/networkpolicies":
        ("NetworkPolicy", "networking.k8s.io/v1", "NetworkPolicyList"),
    "/api/v1/nodes": ("Node", "v1", "NodeList"),
    # Served only while the CRD is "installed" (POST /test/crd).
    CNP_PATH: ("ClusterNetworkPolicy", "policy.networking.k8s.io/v1alpha2",
               "ClusterNetworkPolicyList"),
}


class Store:
    def __init__(self):
        self.lock = threading.Condition()
        self.version = 100
        self.objects = {}   # (kind, ns, name) -> object
        self.events = []    # (version, kind, type, object)
        self.compacted = 0
        self.drop_generation = 0
        self.hold = False
        self.snapshots = {}  # kind -> (version, sorted items)
        self.down = False
        self.slow = 0.0
        self.silent = False
        self.watch_error = 0  # Non-zero: every watch answers ERROR <code>.
        self.crd_installed = True  # ClusterNetworkPolicy served.
        self.stats = {}  # "lists_Pod", "watches_Pod" -> count

    def apply(self, obj):
        with self.lock:
            self.version += 1
            meta = obj.setdefault("metadata", {})
            meta["resourceVersion"] = str(self.version)
            meta.setdefault("uid", f"uid-{self.version}")
            meta["managedFields"] = [{"manager": "kubectl", "operation": "Apply"}]
            key = (obj["kind"], meta.get("namespace", ""), meta["name"])
            kind = "MODIFIED" if key in self.objects else "ADDED"
            self.objects[key] = obj
            self.events.append((self.version, obj["kind"], kind, copy.deepcopy(obj)))
            self.lock.notify_all()

    def delete(self, kind, namespace, name):
        with self.lock:
            obj = self.objects.pop((kind, namespace, name), None)
            if obj is None:
                return False
            self.version += 1
            obj = copy.deepcopy(obj)
            obj["metadata"]["resourceVersion"] = str(self.version)
            self.events.append((self.version, kind, "DELETED", obj))
            self.lock.notify_all()
            return True


STORE = Store()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        with STORE.lock:  # One per TLS connection: keep-alive shows here.
            STORE.stats["connections"] = STORE.stats.get("connections", 0) + 1

    def log_message(self, *args):
        pass

    def send_json(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def status(self, code, reason, message):
        self.send_json(code, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                              "reason": reason, "message": message, "code": code})

    def authorized(self):
        cert = self.connection.getpeercert()
        subject = dict(x[0] for x in cert.get("subject", ())) if cert else {}
        if subject.get("commonName") == "system:node:node-1":
            return True
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self.status(401, "Unauthorized", "Unauthorized")
            return False
        return True

    def do_POST(self):
        if not self.authorized():
            return
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)) or 0)
        path = urlparse(self.path).path
        if path == "/test/apply":
            STORE.apply(json.loads(body))
        elif path == "/test/bulk":  # A JSON list of objects.
            for obj in json.loads(body):
                STORE.apply(obj)
        elif path == "/test/delete":
            d = json.loads(body)
            STORE.delete(d["kind"], d.get("namespace", ""), d["name"])
        elif path == "/test/compact":
            with STORE.lock:
                STORE.compacted = STORE.version
        elif path == "/test/drop":
            with STORE.lock:
                STORE.drop_generation += 1
                STORE.hold = bool(json.loads(body or b"{}").get("hold"))
                STORE.lock.notify_all()
        elif path == "/test/resume":
            with STORE.lock:
                STORE.hold = False
                STORE.down = False
        elif path == "/test/down":
            with STORE.lock:
                STORE.down = True
        elif path == "/test/slow":
            STORE.slow = float(json.loads(body)["seconds"])
        elif path == "/test/silence":
            with STORE.lock:
                STORE.silent = bool(json.loads(body)["on"])
                STORE.lock.notify_all()
        elif path == "/test/watch-error":
            with STORE.lock:
                STORE.watch_error = int(json.loads(body)["code"])
        elif path == "/test/crd":
            with STORE.lock:
                STORE.crd_installed = bool(json.loads(body)["installed"])
                STORE.drop_generation += 1  # Watches of it end.
                STORE.lock.notify_all()
        else:
            return self.status(404, "NotFound", path)
        self.send_json(200, {"version": STORE.version})

    def do_GET(self):
        if not self.authorized():
            return
        url = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/test/stats":
            with STORE.lock:
                return self.send_json(200, STORE.stats)
        if STORE.down:
            return self.status(503, "ServiceUnavailable", "down for the test")
        if STORE.slow:
            time.sleep(STORE.slow)
        if url.path not in RESOURCES or (url.path == CNP_PATH
                                         and not STORE.crd_installed):
            return self.status(404, "NotFound", url.path)
        kind, api_version, list_kind = RESOURCES[url.path]
        watching = q.get("watch") in ("1", "true")
        with STORE.lock:
            key = ("watches_" if watching else "lists_") + kind
            STORE.stats[key] = STORE.stats.get(key, 0) + 1
        if watching:
            if STORE.hold:
                return self.status(503, "ServiceUnavailable", "held by the test")
            return self.watch(kind, api_version, q)
        with STORE.lock:
            # Pages of one list see one snapshot (cached per version).
            cached = STORE.snapshots.get(kind)
            if not cached or cached[0] != STORE.version:
                cached = (STORE.version, sorted(
                    (k, o) for k, o in STORE.objects.items() if k[0] == kind))
                STORE.snapshots[kind] = cached
            version, items = cached
        start = int(q.get("continue") or 0)
        limit = int(q.get("limit") or 0) or len(items)
        page = items[start:start + limit]
        more = start + limit < len(items)
        out = []
        for _, o in page:
            o = copy.deepcopy(o)
            o.pop("kind", None)
            o.pop("apiVersion", None)
            out.append(o)
        self.send_json(200, {"kind": list_kind, "apiVersion": api_version,
                             "metadata": {"resourceVersion": str(version),
                                          "continue": str(start + limit) if more else ""},
                             "items": out})

    def watch(self, kind, api_version, q):
        since = int(q.get("resourceVersion") or 0)
        timeout = min(int(q.get("timeoutSeconds") or 60), 60)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def chunk(obj):
            data = (json.dumps(obj) + "\n").encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        try:
            with STORE.lock:
                if STORE.watch_error:
                    chunk({"type": "ERROR", "object": {
                        "kind": "Status", "apiVersion": "v1", "status": "Failure",
                        "reason": "InternalError", "code": STORE.watch_error,
                        "message": "etcd is unhappy"}})
                    self.wfile.write(b"0\r\n\r\n")
                    return
                if since < STORE.compacted:
                    chunk({"type": "ERROR", "object": {
                        "kind": "Status", "apiVersion": "v1", "status": "Failure",
                        "reason": "Expired", "code": 410,
                        "message": f"too old resource version: {since}"}})
                    self.wfile.write(b"0\r\n\r\n")
                    return
                drop = STORE.drop_generation
            deadline = time.monotonic() + timeout
            last_bookmark = time.monotonic()
            while time.monotonic() < deadline or STORE.silent:
                with STORE.lock:
                    if STORE.silent and STORE.drop_generation == drop:
                        STORE.lock.wait(0.5)
                        continue
                    pending = [e for e in STORE.events if e[0] > since and e[1] == kind]
                    if not pending and STORE.drop_generation == drop:
                        STORE.lock.wait(0.5)
                        pending = [e for e in STORE.events if e[0] > since and e[1] == kind]
                    dropped = STORE.drop_generation != drop
                    version = STORE.version
                if dropped:
                    self.close_connection = True
                    self.connection.shutdown(2)  # A dropped connection.
                    return
                for v, _, typ, obj in pending:
                    obj = copy.deepcopy(obj)
                    obj["kind"], obj["apiVersion"] = kind, api_version
                    chunk({"type": typ, "object": obj})
                    since = v
                if time.monotonic() - last_bookmark > 1:
                    chunk({"type": "BOOKMARK", "object": {
                        "kind": kind, "apiVersion": api_version,
                        "metadata": {"resourceVersion": str(max(since, version))}}})
                    since = max(since, version)
                    last_bookmark = time.monotonic()
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass


def make_certs(work):
    def ssl_cmd(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True)
    ssl_cmd("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=podwall-test-ca", "-keyout", f"{work}/ca.key", "-out", f"{work}/ca.crt")
    ssl_cmd("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
            "-keyout", f"{work}/server.key", "-out", f"{work}/server.csr")
    with open(f"{work}/ext.cnf", "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    ssl_cmd("x509", "-req", "-in", f"{work}/server.csr", "-CA", f"{work}/ca.crt",
            "-CAkey", f"{work}/ca.key", "-CAcreateserial", "-days", "2",
            "-extfile", f"{work}/ext.cnf", "-out", f"{work}/server.crt")
    ssl_cmd("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=system:node:node-1",
            "-keyout", f"{work}/client.key", "-out", f"{work}/client.csr")
    ssl_cmd("x509", "-req", "-in", f"{work}/client.csr", "-CA", f"{work}/ca.crt",
            "-CAkey", f"{work}/ca.key", "-CAcreateserial", "-days", "2",
            "-out", f"{work}/client.crt")


def main():
    work = sys.argv[1]
    os.makedirs(work, exist_ok=True)
    make_certs(work)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(f"{work}/server.crt", f"{work}/server.key")
    ctx.load_verify_locations(f"{work}/ca.crt")
    ctx.verify_mode = ssl.CERT_OPTIONAL  # A client certificate or a token.
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    port = server.server_address[1]
    # Two users of the same cluster: a bearer token, and a client
    # certificate signed by the CA.
    for name, user in (("kubeconfig", f"{{token: {TOKEN}}}"),
                       ("kubeconfig-cert",
                        "{client-certificate: client.crt, client-key: client.key}")):
        with open(f"{work}/{name}", "w") as f:
            f.write(f"""apiVersion: v1
kind: Config
current-context: test
clusters:
- name: test
  cluster: {{server: "https://127.0.0.1:{port}", certificate-authority: ca.crt}}
contexts:
- name: test
  context: {{cluster: test, user: test}}
users:
- name: test
  user: {user}
""")
    print(f"ready {port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
