#!/usr/bin/env python3
"""A stand-in Docker Engine on a unix socket, for the Docker source's unit
tests (controller/sources/docker_source_test.cc): it serves the captured
engine JSON under controller/sources/testdata/docker/ and streams events.

    fake_dockerd.py WORKDIR FIXTURES_DIR

Listens on WORKDIR/docker.sock; prints "ready" once it does. Engine API it answers:
    GET /containers/json                   the running containers
    GET /containers/json?all=1&filters=... one container by id (or none)
    GET /networks, GET /networks/ID        networks; one network
    GET /events?...                        a chunked stream of events
Test controls (not the engine's):
    GET /test/remove/ID   the container stops: it leaves the lists and a
                          "destroy" event goes to every open event stream
    GET /test/lose/ID     the container leaves the lists, and the event is
                          lost: no stream hears of it
"""
import json
import os
import queue
import socketserver
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler


class State:
    def __init__(self, fixtures):
        with open(os.path.join(fixtures, "containers.json")) as f:
            self.containers = json.load(f)
        with open(os.path.join(fixtures, "networks.json")) as f:
            self.networks = f.read()
        with open(os.path.join(fixtures, "network-bridge.json")) as f:
            self.network = f.read()
        self.lock = threading.Lock()
        self.streams = []
        self.events = []  # Replayed to every new stream, as ?since= would.

    def remove(self, prefix, announce=True):
        with self.lock:
            gone = [c["Id"] for c in self.containers
                    if c["Id"].startswith(prefix)]
            self.containers = [c for c in self.containers
                               if c["Id"] not in gone]
            for cid in gone if announce else []:
                event = json.dumps(
                    {"status": "destroy", "id": cid, "Type": "container",
                     "Action": "destroy", "Actor": {"ID": cid, "Attributes": {}},
                     "scope": "local", "time": 1, "timeNano": 1}) + "\n"
                self.events.append(event)
                for q in self.streams:
                    q.put(event)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, body, status=200):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        state = self.server.state
        url = urllib.parse.urlparse(self.path)
        params = urllib.parse.parse_qs(url.query)
        if url.path.startswith("/test/remove/"):
            state.remove(url.path.rsplit("/", 1)[1])
            return self.reply("{}")
        if url.path.startswith("/test/lose/"):
            state.remove(url.path.rsplit("/", 1)[1], announce=False)
            return self.reply("{}")
        if url.path == "/containers/json":
            with state.lock:
                listed = list(state.containers)
            if "filters" in params:
                ids = json.loads(params["filters"][0]).get("id", [])
                listed = [c for c in listed
                          if any(c["Id"].startswith(i) for i in ids)]
            return self.reply(json.dumps(listed))
        if url.path.startswith("/images/") and url.path.endswith("/json"):
            # The fixtures' image sets no labels.
            return self.reply('{"Id":"%s","Config":{"Labels":null}}'
                              % url.path.split("/")[2])
        if url.path == "/networks":
            return self.reply(state.networks)
        if url.path.startswith("/networks/"):
            return self.reply(state.network)
        if url.path == "/events":
            q = queue.Queue()
            with state.lock:
                state.streams.append(q)
                for event in state.events:
                    q.put(event)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.flush()
            try:
                while True:
                    line = q.get().encode()
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                with state.lock:
                    state.streams.remove(q)
            return
        self.reply('{"message":"page not found"}', 404)


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def main():
    path = os.path.join(sys.argv[1], "docker.sock")
    fixtures = sys.argv[2]
    if os.path.exists(path):
        os.unlink(path)
    server = Server(path, Handler)
    server.state = State(fixtures)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
