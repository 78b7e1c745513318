"""
moto's server, as `moto_server -H unix://<socket>` runs it, plus its state kept in one file: what every service
holds (pools, users, roles, functions, APIs, buckets and objects...) and the front's own stores, which the front
sends with each save. The file is read when the server starts and written, atomically and durably (a temporary file,
fsync, rename, fsync of the folder), when the front asks (`POST /moto-api/local-cloud/save`, with the front's state as
the body) and when the server is stopped (SIGTERM, SIGINT). The front serves no path under /moto-api/ to anyone, so
only this user's processes, through the socket, can ask.

Usage: python3 server.py -H unix://<socket path> [--state <state file>]

The state is moto's own objects, pickled: exact, ids and all, and fast (milliseconds for a stage with a hundred
users), but tied to this moto version. A file from another moto version, or one that does not read, is moved aside
(`<file>.unreadable-<time>`), the server starts with nothing, and `GET /moto-api/local-cloud/front` says so in its
`x-local-cloud-note` header, for the front to print.
"""

import argparse
import collections
import copyreg
import importlib
import io
import os
import pickle
import signal
import sys
import threading
import time
import weakref

from joserfc.jwk import RSAKey
from werkzeug.serving import run_simple

import moto
from moto.core.base_backend import BackendDict
from moto.server import DomainDispatcherApplication, create_backend_app

# What this file holds and which moto wrote it: the front checks both before it lets the server read a file.
FORMAT = "api-auth-cognito-local-cloud-state/1"
SAVE_PATH = "/moto-api/local-cloud/save"
FRONT_PATH = "/moto-api/local-cloud/front"
HEALTH_PATH = "/moto-api/"

# Objects moto holds that pickle cannot take as they are: a user pool's signing key (the same published test key for
# every pool) by its JWK, and Lambda's index of functions by ARN, whose values the functions' own records keep alive.
copyreg.pickle(RSAKey, lambda key: (RSAKey.import_key, (key.as_dict(private=True),)))
copyreg.pickle(weakref.WeakValueDictionary, lambda index: (weakref.WeakValueDictionary, (dict(index),)))


class StatePickler(pickle.Pickler):
    """Pickles moto's state; a `defaultdict` whose factory is a lambda gets the empty container that lambda makes."""

    def reducer_override(self, obj):
        if type(obj) is collections.defaultdict and getattr(obj.default_factory, "__name__", "") == "<lambda>":
            empty = obj.default_factory()
            if type(empty) in (dict, list, set) and not empty:
                return (collections.defaultdict, (type(empty), dict(obj)))
            raise TypeError(f"cannot keep a defaultdict whose factory makes {type(empty).__name__}")
        return NotImplemented


class Persistence:
    """The WSGI app of moto, one request at a time, with the state kept in `state_file`."""

    def __init__(self, app, state_file):
        self.app = app
        self.state_file = state_file
        self.front = b""
        # Why the state file was not read, when it was moved aside instead.
        self.note = ""
        # moto's objects are not safe to pickle while a request changes them: requests and saves take turns.
        self.lock = threading.RLock()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if self.state_file and path == SAVE_PATH and environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            front = environ["wsgi.input"].read(length) if length else b""
            with self.lock:
                size = self.save(front)
            return self.answer(start_response, "200 OK", str(size).encode())
        if self.state_file and path == FRONT_PATH and environ.get("REQUEST_METHOD") == "GET":
            return self.answer(start_response, "200 OK", self.front, [("x-local-cloud-note", self.note)] if self.note else [])
        if path == HEALTH_PATH:
            # The front's health check: answered even while a long request or a save has its turn.
            return self.app(environ, start_response)
        with self.lock:
            # The whole answer is made inside the turn: moto builds it from its objects.
            return list(self.app(environ, start_response))

    @staticmethod
    def answer(start_response, status, body, headers=()):
        start_response(status, [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(body))), *headers])
        return [body]

    def load(self):
        """
        Reads the state file, if there is one, into moto and keeps the front's part for the front to fetch. A file
        this moto cannot read is moved aside, with a note saying so, and moto starts with nothing.
        """
        if not self.state_file or not os.path.exists(self.state_file):
            return
        try:
            with open(self.state_file, "rb") as file:
                header = pickle.load(file)
                if header != {"format": FORMAT, "moto": moto.__version__}:
                    written = header.get("moto", "?") if isinstance(header, dict) else "?"
                    raise ValueError(f"it was written by moto {written}, this is moto {moto.__version__}")
                state = pickle.load(file)
            for name, accounts in state["moto"].items():
                live = live_backend(name)
                live.clear()
                live.update(accounts)
                if live not in BackendDict._instances:
                    BackendDict._instances.append(live)
            self.front = state["front"]
        except Exception as error:  # noqa: BLE001: whatever the file holds, the cloud starts
            aside = unused(f"{self.state_file}.unreadable-{time.strftime('%Y%m%dT%H%M%S')}")
            os.replace(self.state_file, aside)
            BackendDict.reset()
            self.front = b""
            reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
            self.note = f"the local cloud's state {self.state_file} could not be read ({reason}): moved it aside to {aside}, starting with nothing"

    def save(self, front=None):
        """Writes moto's state and the front's (`front`, else the last the front sent) to the state file; its size."""
        if front is not None:
            self.front = front
        buffer = io.BytesIO()
        pickle.dump({"format": FORMAT, "moto": moto.__version__}, buffer)
        StatePickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump({"moto": services_in_use(), "front": self.front})
        temporary = f"{self.state_file}.{os.getpid()}.tmp"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(buffer.getvalue())
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.state_file)
        folder = os.open(os.path.dirname(self.state_file) or ".", os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
        return buffer.tell()


def unused(path):
    """`path`, or `path-2`, `path-3`, ... when it is taken: a file moved aside never replaces another."""
    candidate, number = path, 1
    while os.path.exists(candidate):
        number += 1
        candidate = f"{path}-{number}"
    return candidate


def services_in_use():
    """Every service backend that holds something, by `<module>:<attribute>`, as moto's modules name them."""
    in_use = {id(backend) for backend in BackendDict._instances}
    found = {}
    for module_name, module in list(sys.modules.items()):
        if not module_name.startswith("moto.") or module is None:
            continue
        for attribute, value in list(vars(module).items()):
            if isinstance(value, BackendDict) and id(value) in in_use:
                found[f"{module_name}:{attribute}"] = dict(value)
    return found


def live_backend(name):
    """The service backend `services_in_use` named `name`."""
    module_name, attribute = name.split(":")
    return getattr(importlib.import_module(module_name), attribute)


def main():
    parser = argparse.ArgumentParser(description="moto's server on a Unix socket, its state kept in a file")
    parser.add_argument("-H", "--host", required=True, help="unix://<socket path>")
    parser.add_argument("--state", help="the state file: read at start, written on each save and at stop")
    args = parser.parse_args()
    app = DomainDispatcherApplication(create_backend_app)
    persistence = Persistence(app, args.state)
    persistence.load()

    def stop(_signal, _frame):
        if args.state:
            with persistence.lock:
                persistence.save()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    run_simple(args.host, 0, persistence, threaded=True)


if __name__ == "__main__":
    main()
