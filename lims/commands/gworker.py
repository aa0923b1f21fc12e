"""The gunicorn worker ``lims serve`` runs: threads, and request heads read before a thread is busy.

gunicorn's ``sync`` worker serves one connection at a time and reads a request while serving
nothing else: a few clients that send half a request and then nothing (a slow link, or the
"slowloris" attack) leave every worker waiting on them, and nobody else is answered.

gunicorn's ``gthread`` worker serves each request in a thread of a pool, but hands a connection
to a thread as soon as its first bytes arrive; the thread then waits for the rest, so as many
half-sent requests as there are threads starve the worker the same way.

:class:`HeadFirstWorker` is ``gthread`` with one change: the worker's main loop, which already
watches every connection with one ``selectors`` poller, reads what each connection sends without
blocking until the request's head is complete (the blank line after the headers); only then is
the connection given to a thread, which parses and serves it from those bytes. A half-sent head
costs an open socket, not a thread, and is dropped when it is not complete within
:data:`HEAD_TIMEOUT` seconds; the next request on a kept-alive connection goes the same way. A
body (a form, an upload) is read by the thread, each read waiting at most :data:`READ_TIMEOUT`
seconds. Behind nginx with request buffering on (docs/deployment.md) bodies arrive whole.

It subclasses gunicorn's ``ThreadWorker`` and uses its connection object (``TConn``) and
parser's read-back buffer (``parser.unreader.unread``): these are gunicorn's internals, hence
the version range in ``pyproject.toml`` and ``tests/web/test_slow_clients.py``, which starts
``lims serve`` for real.
"""
from __future__ import annotations

import errno
import selectors
import time
from functools import partial
from typing import Any

from gunicorn.http.parser import RequestParser
from gunicorn.workers.gthread import TConn, ThreadWorker

__all__ = ["HEAD_TIMEOUT", "KEEPALIVE", "READ_TIMEOUT", "HeadFirstWorker"]

#: Seconds a client has to send a request's whole head (request line and headers).
HEAD_TIMEOUT = 10.0
#: Seconds one read of a request body (or one write of the answer) may wait for the client.
READ_TIMEOUT = 30.0
#: Seconds an idle kept-alive connection stays open (gunicorn's ``keepalive``).
KEEPALIVE = 5
#: A head longer than this is handed to gunicorn's parser, whose limits refuse it (400/431).
MAX_HEAD = 64 * 1024


class Conn(TConn):
    """gthread's connection, with the bytes of the request head read so far."""

    head: bytearray = bytearray()


class HeadFirstWorker(ThreadWorker):
    """gunicorn's ``gthread`` worker reading each request's head in its main loop (see above)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Connections whose head is being read, with their deadline; insertion order is
        # deadline order (one timeout for all).
        self.heads: dict[Conn, float] = {}

    def accept(self, listener: Any) -> None:
        try:
            client, address = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        self._await_head(Conn(self.cfg, client, address, listener.getsockname()))  # non-blocking

    def on_client_socket_readable(self, conn: TConn, client: Any) -> None:
        """A kept-alive connection sends its next request: read its head first, like a new one."""
        if not isinstance(conn, Conn):  # not accepted here: as gthread does
            super().on_client_socket_readable(conn, client)
            return
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        conn.sock.setblocking(False)
        self._await_head(conn)

    def _await_head(self, conn: Conn) -> None:
        conn.head = bytearray()
        self.heads[conn] = time.monotonic() + HEAD_TIMEOUT
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._read_head, conn))

    def _read_head(self, conn: Conn, _sock: Any) -> None:
        try:
            data = conn.sock.recv(MAX_HEAD)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the client went away
            self._drop_head(conn)
            return
        conn.head += data
        if b"\r\n\r\n" not in conn.head and b"\n\n" not in conn.head and len(conn.head) < MAX_HEAD:
            return
        self.poller.unregister(conn.sock)
        del self.heads[conn]
        conn.data_ready = True  # gthread's own wait for a first byte is then skipped
        self.enqueue_req(conn)

    def _drop_head(self, conn: Conn) -> None:
        self.heads.pop(conn, None)
        try:
            self.poller.unregister(conn.sock)
        except (KeyError, ValueError, OSError):
            pass
        self.nr_conns -= 1
        conn.close()

    def murder_pending(self) -> None:
        """gunicorn's clean-up of waiting connections, and heads not complete in time."""
        super().murder_pending()
        now = time.monotonic()
        for conn, deadline in list(self.heads.items()):
            if deadline > now:
                break
            self._drop_head(conn)

    def handle(self, conn: TConn) -> Any:
        """In a thread: give the parser the head read by the main loop, then serve as gthread does."""
        head = bytes(conn.head) if isinstance(conn, Conn) else b""
        if isinstance(conn, Conn) and head:
            conn.head = bytearray()
            conn.sock.setblocking(True)
            conn.init()  # the HTTP/1 parser (lims serve binds plain HTTP; TLS ends at the proxy)
            if isinstance(conn.parser, RequestParser):
                conn.parser.unreader.unread(head)
        return super().handle(conn)

    def handle_request(self, req: Any, conn: TConn) -> Any:
        conn.sock.settimeout(READ_TIMEOUT)  # the body's reads and the answer's writes
        return super().handle_request(req, conn)
