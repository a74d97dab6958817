"""A hostile HTTP server on 127.0.0.1, in a background thread: every way a download fails."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import threading
from typing import Self

from aiohttp import web

CAP = 64_000
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
SCRIPTS_ONLY = (
    "<!doctype html><html><head><title>Rien</title><style>body { color: red }</style>"
    "<script>var tracker = 1;</script></head><body><script>document.write('x')</script>"
    "<style>p { margin: 0 }</style><noscript></noscript></body></html>"
)
FRENCH = (
    "L’été à la campagne\n\n"
    "À côté de l’école, le garçon déjà âgé mangeait une crème brûlée près de la forêt. "
    "Sa sœur, élève très sérieuse, préférait le cœur d’artichaut et les œufs à la coque.\n\n"
    "Ça ne l’empêchait pas d’être ému : « Où est passé le maïs ? » demanda-t-il à l’hôtesse. "
    "Le député répondit qu’il n’en savait rien et qu’il fallait être patient.\n"
)


class ThreadedSite:
    """An aiohttp site on 127.0.0.1 (a free port) served by a thread of its own, for the
    ``with`` block; a subclass answers every GET in ``_handle``."""

    def __init__(self, name: str) -> None:
        self.base = ""
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._error: BaseException | None = None

    def __enter__(self) -> Self:
        self._thread.start()
        if not self._ready.wait(10) or self._error:
            raise RuntimeError(f"{self._thread.name} did not start: {self._error}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop and self._stop:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    @property
    def port(self) -> int:
        """The TCP port the site listens on."""
        return int(self.base.rsplit(":", 1)[1])

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raise NotImplementedError

    def _serve(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:  # reported by __enter__
            self._error = error
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        app = web.Application()
        app.router.add_route("GET", "/{name:.*}", self._handle)
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        self.base = f"http://127.0.0.1:{port}"
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()


class LocalServer(ThreadedSite):
    """An HTTP server on 127.0.0.1 in a thread, answering every way a download can go wrong."""

    def __init__(self, cap: int = CAP) -> None:
        super().__init__("stress-http")
        self.cap = cap
        self.requested: list[str] = []

    def url(self, path: str) -> str:
        """The address of ``path`` on this server."""
        return f"{self.base}{path}"

    async def _linger(self, seconds: float) -> None:
        # Longer than the client's timeout, but never past the server's own shutdown.
        if self._stop is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        self.requested.append(request.path)
        big = b"<p>" + b"Trop long. " * (self.cap // 10) + b"</p>"
        if name == "not-found":
            return web.Response(status=404, text="not found")
        if name == "error":
            return web.Response(status=500, text="boom")
        if name == "slow":
            await self._linger(10)
            return web.Response(text="trop tard", content_type="text/html")
        if name == "drip":
            response = web.StreamResponse(headers={"Content-Type": "text/html"})
            await response.prepare(request)
            try:
                for _ in range(100):
                    await response.write(b"<p>goutte</p>")
                    await self._linger(0.2)
            except ConnectionError:  # the client gave up, as it should
                pass
            return response
        if name == "loop":
            raise web.HTTPFound("/loop")
        if name in ("ping", "pong"):
            raise web.HTTPFound("pong" if name == "ping" else "/ping")
        if name == "to-file":
            raise web.HTTPFound("file:///etc/passwd")
        if name == "to-ftp":
            raise web.HTTPFound("ftp://127.0.0.1/article.txt")
        if name == "redirect":
            raise web.HTTPFound(request.query["to"])
        if name == "redirect-verbatim":
            # HTTPFound would rewrite a Unicode host to its IDNA form; a hostile server does not.
            return web.Response(status=302, headers={"Location": request.query["to"]})
        if name == "no-location":
            return web.Response(status=302)
        if name in ("photo", "photo.txt", "photo.html"):
            return web.Response(body=PNG, content_type="image/png")
        if name == "binary-page":
            return web.Response(body=PNG * 10, content_type="text/html")
        if name == "empty-page":
            return web.Response(body=b"", content_type="text/html")
        if name == "scripts-page":
            return web.Response(text=SCRIPTS_ONLY, content_type="text/html")
        if name == "huge":
            return web.Response(body=big, content_type="text/html")
        if name == "huge-chunked":
            response = web.StreamResponse(headers={"Content-Type": "text/html"})
            response.enable_chunked_encoding()
            await response.prepare(request)
            for start in range(0, len(big) * 3, 16_384):
                await response.write((big * 3)[start : start + 16_384])
            await response.write_eof()
            return response
        if name == "gzip-bomb":
            body = gzip.compress(b"<p>" + b" " * 20_000_000 + b"</p>", compresslevel=9)
            return web.Response(
                body=body,
                headers={"Content-Type": "text/html", "Content-Encoding": "gzip"},
            )
        page = "".join(f"<p>{p}</p>" for p in FRENCH.split("\n\n")[1:])
        return web.Response(text=f"<html><body>{page}</body></html>", content_type="text/html")
