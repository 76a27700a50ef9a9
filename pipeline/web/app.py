"""The workbench's routes: each reads its parameters, calls one view, renders one template.

`create_workbench` serves the pages and the JSON API side by side. The API keeps its paths
(and is also mounted at /api, where links from the pages point). A request for a path both
serve goes to the pages when the client asks for HTML (a browser's navigation does) and to
the API otherwise, so `curl /search?q=x` still gets JSON.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.types import ASGIApp, Receive, Scope, Send

from pipeline import __version__
from pipeline.api import create_app, store_session
from pipeline.errors import ConfigError, PipelineError, StoreError
from pipeline.store import Store
from pipeline.web import security, views
from pipeline.web.pageimage import PageImageError, page_image

# Paths only the pages serve, whatever the client accepts.
WEB_ONLY = ("/static/", "/page-images/", "/graph/", "/login", "/logout", "/api/")
TYPE_LABELS = {"actor": "ACT", "wallet": "WAL", "casino": "CAS", "amount": "AMT", "country": "CTY"}
_FORM_LIMIT = 64_000


class HttpError(Exception):
    """A page that cannot be shown, with the status and one sentence for the analyst."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("pipeline.web", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(version=__version__, type_labels=TYPE_LABELS, quote=quote)
    env.filters["urlencode_params"] = lambda params: urlencode(params)
    return env


def _cache_dir(location: str) -> Path:
    """Return where rendered page images are kept: beside the store file."""
    if location.startswith(("http://", "https://")):
        return Path(tempfile.gettempdir()) / "moneytrail-page-images"
    return Path(location).with_name(Path(location).name + ".pages")


def _wants_html(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"accept":
            return b"text/html" in value
    return False


class Dispatch:
    """Send each request to the pages or to the JSON API (see the module docstring)."""

    def __init__(self, web: ASGIApp, api: ASGIApp) -> None:
        self.web = web
        self.api = api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        to_web = scope["type"] != "http" or path.startswith(WEB_ONLY) or _wants_html(scope)
        await (self.web if to_web else self.api)(scope, receive, send)


def create_workbench(store_location: str, api_key: str | None = None) -> ASGIApp:
    """Build the pages and the JSON API over one store, guarded by the API key when given."""
    api = create_app(store_location, api_key)
    web = _web_app(store_location, api_key)
    web.mount("/api", api)
    return Dispatch(web, api)


def _web_app(location: str, api_key: str | None) -> FastAPI:
    env = _environment()
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(packages=[("pipeline.web", "static")]), name="static")

    def session() -> AbstractContextManager[Store]:
        # The pages write sentences: a capital first letter and a full stop.
        return store_session(
            location, lambda code, text: HttpError(code, f"{text[0].upper()}{text[1:]}.")
        )

    def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        body = env.get_template(name).render(
            request=request,
            csrf=request.state.csrf,
            guarded=api_key is not None and name != "login.html",
            **context,
        )
        return HTMLResponse(body, status)

    @app.middleware("http")
    async def guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        token = request.cookies.get(security.CSRF_COOKIE)
        fresh = token is None or not re.fullmatch(r"[A-Za-z0-9_-]{20,100}", token)
        request.state.csrf = security.new_csrf_token() if fresh else token
        path = request.url.path
        open_path = path.startswith(("/static/", "/login", "/api/"))
        if not open_path and not security.session_ok(
            request.cookies.get(security.SESSION_COOKIE), api_key
        ):
            if request.method == "GET" and not path.startswith(("/page-images/", "/graph/")):
                target = path + (f"?{request.url.query}" if request.url.query else "")
                response: Response = RedirectResponse("/login?" + urlencode({"next": target}), 303)
            else:
                response = JSONResponse({"error": {"status": 401, "message": "log in first"}}, 401)
        else:
            try:
                response = await call_next(request)
            except HttpError as exc:
                response = render(request, "error.html", exc.status, message=exc.message)
        if not path.startswith("/api/"):
            for name, value in security.HEADERS.items():
                response.headers[name] = value
        if fresh:
            response.set_cookie(
                security.CSRF_COOKIE, request.state.csrf, httponly=True, samesite="strict"
            )
        return response

    @app.exception_handler(HttpError)
    def http_error(request: Request, exc: HttpError) -> HTMLResponse:
        return render(request, "error.html", exc.status, message=exc.message)

    @app.exception_handler(404)
    def not_found(request: Request, exc: Exception) -> HTMLResponse:
        return render(request, "error.html", 404, message="There is no page here.")

    @app.exception_handler(RequestValidationError)
    def bad_parameters(request: Request, exc: RequestValidationError) -> HTMLResponse:
        names = sorted({str(e["loc"][-1]) for e in exc.errors()})
        message = f"The address has a bad value for {', '.join(names)}; correct it and reload."
        return render(request, "error.html", 400, message=message)

    @app.exception_handler(PipelineError)
    def pipeline_error(request: Request, exc: PipelineError) -> HTMLResponse:
        unavailable = isinstance(exc, StoreError | ConfigError)
        return render(request, "error.html", 503 if unavailable else 500, message=str(exc))

    async def form(request: Request) -> dict[str, list[str]]:
        """Read a url-encoded form and check its CSRF token (no multipart parser needed)."""
        body = await request.body()
        if len(body) > _FORM_LIMIT:
            raise HttpError(413, "The form is too large.")
        fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        submitted = next(iter(fields.get(security.CSRF_FIELD, [])), None)
        if not security.csrf_ok(request.cookies.get(security.CSRF_COOKIE), submitted):
            raise HttpError(403, "The form's security token is missing or stale; reload the page.")
        return fields

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/") -> HTMLResponse:
        return render(request, "login.html", next=_safe_next(next), failed=False)

    @app.post("/login", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        fields = await form(request)
        target = _safe_next((fields.get("next") or ["/"])[0])
        if api_key is None:
            return RedirectResponse(target, 303)
        if not security.key_matches(next(iter(fields.get("key", [])), None), api_key):
            return render(request, "login.html", 401, next=target, failed=True)
        response = RedirectResponse(target, 303)
        response.set_cookie(
            security.SESSION_COOKIE,
            security.session_value(api_key),
            httponly=True,
            samesite="strict",
        )
        return response

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        await form(request)
        response = RedirectResponse("/login", 303)
        response.delete_cookie(security.SESSION_COOKIE)
        return response

    @app.get("/", response_class=HTMLResponse)
    def overview(request: Request) -> HTMLResponse:
        with session() as store:
            data = views.overview_page(store)
        return render(request, "overview.html", **data)

    @app.get("/search", response_class=HTMLResponse)
    def search(
        request: Request,
        q: str = "",
        mode: str = "text",
        type: str | None = None,
        country: str | None = None,
        chain: str | None = None,
        actor: str | None = None,
        casino: str | None = None,
        page: int = 1,
    ) -> HTMLResponse:
        params = views.SearchParams(
            q=q.strip()[:1000],
            mode=mode if mode in views.MODES else "text",
            type=type if type in views.TYPES else None,
            country=country.upper() if country and re.fullmatch(r"[A-Za-z]{2}", country) else None,
            chain=chain.upper()[:16] if chain else None,
            actor=actor or None,
            casino=casino or None,
            page=min(max(page, 1), 10_000),
        )
        with session() as store:
            data = views.search_page(store, location, params)
        return render(request, "search.html", **data)

    @app.get("/documents/{document_id}", response_class=HTMLResponse)
    def document(
        request: Request,
        document_id: str,
        page: int = 1,
        entity: str | None = None,
        span: str | None = None,
        find: str | None = None,
    ) -> HTMLResponse:
        focus = {k: v for k, v in (("entity", entity), ("span", span), ("find", find)) if v}
        with session() as store:
            data = views.document_page(store, document_id, max(page, 1), focus)
        if data is None:
            raise HttpError(404, "No stored document has this id.")
        doc = data["document"]
        image = doc["kind"] == "pdf" and data["page"] is not None
        return render(request, "document.html", image=image, focus=focus, **data)

    @app.get("/page-images/{document_id}/{number}.png")
    def page_png(document_id: str, number: int) -> Response:
        with session() as store:
            found = store.document(document_id)
        if found is None or found["kind"] != "pdf":
            return Response(status_code=404)
        try:
            path = page_image(found, number, _cache_dir(location))
        except PageImageError as exc:
            return Response(str(exc), 404, media_type="text/plain")
        return Response(
            path.read_bytes(), media_type="image/png", headers={"Cache-Control": "max-age=3600"}
        )

    @app.get("/entities/{entity_id}", response_class=HTMLResponse)
    def entity(request: Request, entity_id: str, error: str | None = None) -> HTMLResponse:
        with session() as store:
            data = views.entity_page(store, entity_id)
        if data is None:
            raise HttpError(404, "No entity has this id.")
        return render(request, "entity.html", entity=data, error=error)

    @app.get("/graph/{entity_id}.json")
    def graph(entity_id: str) -> JSONResponse:
        with session() as store:
            data = views.graph_elements(store, entity_id)
        if data is None:
            return JSONResponse({"error": {"status": 404, "message": "no graph"}}, 404)
        return JSONResponse(data)

    @app.post("/entities/{entity_id}/{action}", response_class=HTMLResponse)
    async def judge(request: Request, entity_id: str, action: str) -> Response:
        from pipeline.link import judge as judging

        fields = await form(request)
        value = [v.strip() for v in fields.get("value", []) if v.strip()]
        with session() as store:
            try:
                if action == "merge" and value:
                    page = judging.merge(store, entity_id, value[0])  # type: ignore[arg-type]
                elif action == "split" and value:
                    page = judging.split(store, entity_id, value)  # type: ignore[arg-type]
                elif action == "rename" and value:
                    page = judging.rename(store, entity_id, value[0])  # type: ignore[arg-type]
                else:
                    raise judging.EntityError(f"{action} needs a value; fill in the form")
            except judging.EntityError as exc:
                target = f"/entities/{quote(entity_id, safe='')}?" + urlencode({"error": str(exc)})
                return RedirectResponse(target, 303)
        return RedirectResponse(f"/entities/{quote(page['id'], safe='')}", 303)

    @app.get("/wallets/{address}", response_class=HTMLResponse)
    def wallet(request: Request, address: str) -> HTMLResponse:
        with session() as store:
            data = views.wallet_page(store, address.strip())
        if data is None:
            raise HttpError(404, "No document mentions this address and no on-chain data has it.")
        return render(request, "wallet.html", **data)

    return app


def _safe_next(target: str) -> str:
    """Return a local path to go to after login; anything else becomes the overview."""
    if target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"
