"""Parts every registrar simulator here shares: the state file, the request log, fault counters,
the HTTP plumbing and the command line's common flags. Standard library only.

A simulator module imports this file from its own directory (run as a script, that directory is
on sys.path already).
"""

import json
import os
import signal
import socket
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


# --------------------------------------------------------------------------- state on disk

def atomic_write_json(path, data):
    """Write ``data`` as JSON to ``path`` so that a reader never sees a torn file and ``kill -9``
    loses nothing written: a temporary file in the same directory, fsync, rename, fsync the directory."""
    directory = os.path.dirname(os.path.abspath(path)) or "."
    fd, tmp = tempfile.mkstemp(prefix=".state-", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, 0o644)  # readable by the lab's publisher, like a plainly written file
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


# --------------------------------------------------------------------------- request log

class RequestLog(object):
    """One JSON object a line, flushed at once, so a client that has its answer finds the line."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.file = open(path, "a", encoding="utf-8")

    def write(self, entry):
        line = json.dumps(entry, sort_keys=True) + "\n"
        with self.lock:
            if self.file.closed:  # a request still in flight while the simulator stops
                return
            self.file.write(line)
            self.file.flush()

    def clear(self):
        with self.lock:
            self.file.close()
            self.file = open(self.path, "w", encoding="utf-8")

    def close(self):
        with self.lock:
            self.file.close()


# --------------------------------------------------------------------------- faults

class Faults(object):
    """Fault settings, changed by flags at start and by the admin endpoint.

    ``counted`` faults fire on every Nth API call counted since the fault was set (0 clears);
    ``numbers`` are plain non-negative numbers (0 clears); ``texts`` are strings ("" or null clears),
    one-shot ones are taken with ``take``. ``snapshot`` shows the settings and the call counters."""

    def __init__(self, counted=(), numbers=(), texts=()):
        self.counted = tuple(counted)
        self.numbers = tuple(numbers)
        self.texts = tuple(texts)
        self.lock = threading.Lock()
        self.values = {}
        self.calls = {}

    def update(self, body):
        """Apply a settings dict (``reset`` clears all first); ValueError/TypeError on bad values."""
        unknown = sorted(set(body) - set(self.counted + self.numbers + self.texts + ("reset",)))
        if unknown:
            raise ValueError("unknown fault %s" % ", ".join(unknown))
        with self.lock:
            if body.get("reset"):
                self.values = {}
                self.calls = {}
            for key in self.counted:
                if key in body:
                    value = int(body[key] or 0)
                    if value < 0:
                        raise ValueError("%s must not be negative" % key)
                    self._set(key, value or None)
                    if value:
                        self.calls[key] = 0
                    else:
                        self.calls.pop(key, None)
            for key in self.numbers:
                if key in body:
                    value = float(body[key] or 0)
                    if value < 0:
                        raise ValueError("%s must not be negative" % key)
                    self._set(key, value or None)
            for key in self.texts:
                if key in body:
                    self._set(key, str(body[key]) if body[key] else None)
        return self.snapshot()

    def _set(self, key, value):
        if value is None:
            self.values.pop(key, None)
        else:
            self.values[key] = value

    def snapshot(self):
        with self.lock:
            return dict(self.values, calls=dict(self.calls))

    def tick(self):
        """Count one API call; the counted faults that fire on it, in declaration order."""
        fired = []
        with self.lock:
            for key in self.counted:
                every = self.values.get(key)
                if not every:
                    continue
                self.calls[key] = self.calls.get(key, 0) + 1
                if self.calls[key] % every == 0:
                    fired.append(key)
        return fired

    def get(self, key, default=None):
        with self.lock:
            return self.values.get(key, default)

    def take(self, key):
        """A one-shot value: returned once, then cleared."""
        with self.lock:
            return self.values.pop(key, None)


# --------------------------------------------------------------------------- HTTP

class QuietHandler(BaseHTTPRequestHandler):
    """Keep-alive HTTP/1.1 without console noise; answers go out in one write."""

    protocol_version = "HTTP/1.1"
    # Keep-alive connections: without TCP_NODELAY the body (a second write after the headers)
    # waits for the client's delayed ACK, about 40 ms per answer.
    disable_nagle_algorithm = True

    def log_message(self, *args):  # quiet: the JSON-lines log is the record
        pass

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send_bytes(self, status, body, content_type, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self._headers_buffer.append(b"\r\n" + body)  # headers and body in one write
        self.flush_headers()

    def send_json(self, status, payload, headers=None, content_type="application/json"):
        self.send_bytes(status, json.dumps(payload).encode("utf-8"), content_type, headers)

    def drop_connection(self):
        """Close the connection without an answer, as a failing load balancer would."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def admin_body(self, body):
        """The admin call's JSON body, {} when empty; None (after a 400 answer) when not JSON."""
        try:
            return json.loads(body.decode("utf-8")) if body.strip() else {}
        except ValueError:
            self.send_json(400, {"error": "the body is not JSON"})
            return None


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128


# --------------------------------------------------------------------------- command line

def add_common_arguments(parser):
    """The flags every simulator takes, with the same meaning."""
    parser.add_argument("--listen", required=True, help="HOST:PORT (port 0: pick a free one)")
    parser.add_argument("--state", required=True, help="STATE.json (created from the seed when missing)")
    parser.add_argument("--seed", required=True, help="SEED.json, read only when STATE.json does not exist")
    parser.add_argument("--log", help="request log, JSON lines (default: STATE + .log.jsonl)")
    parser.add_argument("--ready-file", help="write HOST:PORT here once listening")


def serve(args, handler_class, worker, on_stop):
    """Listen on ``args.listen``, run ``worker`` in a daemon thread, write the ready file, print
    ``listening on http://HOST:PORT``, serve until SIGTERM/SIGINT, then call ``on_stop``. Returns 0."""
    host, unused, port = args.listen.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    server_class = Server
    if ":" in host:
        server_class = type("Server6", (Server,), {"address_family": socket.AF_INET6})
    server = server_class((host, int(port)), handler_class)
    actual_host, actual_port = server.server_address[:2]
    if ":" in actual_host:
        actual_host = "[%s]" % actual_host
    thread = threading.Thread(target=worker, name="worker", daemon=True)
    thread.start()

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    address = "%s:%d" % (actual_host, actual_port)
    if args.ready_file:
        tmp = args.ready_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(address + "\n")
        os.replace(tmp, args.ready_file)
    print("listening on http://%s" % address, flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        on_stop()
        thread.join(timeout=2)
    sys.stdout.flush()
    return 0
