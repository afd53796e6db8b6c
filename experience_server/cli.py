"""The `readingroom` command line."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import typer
import uvicorn

from experience_server import cli_catalog
from experience_server.auth.roles import Role
from experience_server.backup import BackupError, backup_data_dir, restore_data_dir
from experience_server.observability import configure_logging, uvicorn_log_config
from experience_server.services import build_issuer
from experience_server.settings import Settings

app = typer.Typer(
    name="readingroom",
    help="Immersive reading server: 3D books in shared virtual reading rooms.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

app.add_typer(cli_catalog.app, name="catalog")

HostOpt = Annotated[str | None, typer.Option(help="Address to bind (default: setting).")]
PortOpt = Annotated[int | None, typer.Option(help="Port to bind (default: setting).")]
WorkersOpt = Annotated[int, typer.Option(min=1, help="Server processes (needs Redis if > 1).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


#: Where each role's demo link lands: a room of the demo and the device mode that suits the
#: role (a kiosk visitor at a touchscreen, a teacher at the blackboard, a reader in a headset).
DEMO_LINKS: dict[Role, tuple[str, str]] = {
    Role.guest: ("european-literature", "touch"),
    Role.reader: ("european-literature", "headset"),
    Role.teacher: ("classroom", "blackboard"),
    Role.librarian: ("european-literature", "desktop"),
    Role.admin: ("european-literature", "desktop"),
}


def demo_links(settings: Settings, base: str) -> list[tuple[Role, str]]:
    """A link per role that opens a demo room ready to use (`/?room=&mode=&token=`)."""
    issuer = build_issuer(settings)
    links = []
    for role in Role:
        token = issuer.issue(f"demo-{role.name}", role, name=f"Demo {role.name.title()}")
        room, mode = DEMO_LINKS[role]
        links.append((role, f"{base}/?{urlencode({'room': room, 'mode': mode, 'token': token})}"))
    return links


def _fail(message: str) -> None:
    typer.echo(f"readingroom: {message}", err=True)
    raise typer.Exit(2)


def _serve(settings: Settings, host: str | None, port: int | None, workers: int) -> None:
    if workers > 1 and not settings.redis_url:
        _fail("--workers above 1 needs READINGROOM_REDIS_URL so that rooms span processes")
    configure_logging(settings.log_level)
    uvicorn.run(
        "experience_server.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        access_log=False,
        log_level=settings.log_level,
        log_config=uvicorn_log_config(),
        # A sync step 2 may be as large as a layer document (a client's offline work).
        ws_max_size=max(settings.sync_max_message_bytes, settings.sync_max_document_bytes)
        + 64 * 1024,
        ws_ping_interval=settings.ws_ping_interval_seconds,
        ws_ping_timeout=settings.ws_ping_timeout_seconds,
        # Live-session frames are small binary Yjs updates fanned out to many peers: deflate
        # would compress the same bytes once per peer (its context is per connection).
        ws_per_message_deflate=False,
    )


@app.command()
def serve(host: HostOpt = None, port: PortOpt = None, workers: WorkersOpt = 1) -> None:
    """Serve the API, the live sessions and the web client."""
    _serve(Settings(), host, port, workers)


@app.command()
def demo(
    host: HostOpt = None,
    port: PortOpt = None,
    workers: WorkersOpt = 1,
    build_only: Annotated[bool, typer.Option(help="Build the demo library, do not serve.")] = False,
) -> None:
    """Build the demo library once (cached under the data directory), then serve it."""
    from experience_server.demo.install import DemoInstaller, install_books, install_catalog
    from experience_server.demo.library import build_demo_library
    from experience_server.services import build_library

    settings = Settings()
    library = build_demo_library(settings.demo_dir, progress=True)
    typer.echo(f"demo library: {len(library.books)} books, catalog {library.marc_path}")
    installer = DemoInstaller(library, settings.demo_dir)
    catalog = build_library(settings)
    try:
        steps: tuple[Callable[[], dict[str, Any]], ...] = (
            lambda: install_catalog(installer, catalog),
            lambda: install_books(installer, settings, catalog, progress=True),
        )
        for step in steps:
            report = step()
            typer.echo(
                f"  {report['step']}: "
                + (
                    "up to date"
                    if report.get("skipped")
                    else ", ".join(f"{k} {v}" for k, v in report.items() if k != "step")
                )
            )
    finally:
        catalog.close()
    base = settings.public_url or f"http://{host or settings.host}:{port or settings.port}"
    typer.echo(f"readingroom demo at {base}/  (API docs at {base}/docs)")
    typer.echo("Open a link to enter a room signed in with that role:")
    for role, link in demo_links(settings, base):
        typer.echo(f"  {role.name:<9} {link}")
    typer.echo("  (mode= may be headset, touch, blackboard or desktop; without room= the lobby)")
    if not build_only:
        _serve(settings, host, port, workers)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Documents, or directories to walk.")],
    jobs: Annotated[
        int | None, typer.Option(min=1, help="Render worker processes (default: one per core).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add documents as books: page images, text layer, search index and 3D model."""
    from experience_server.books.batch import ingest_paths

    configure_logging("warning")
    reports = ingest_paths(Settings(), paths, jobs, show_progress=not as_json)
    for report in reports:
        if as_json:
            typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))
        elif report.error_code:
            typer.echo(f"refused  {report.path}: {report.error_message}", err=True)
        else:
            again = "" if report.created else " (already in the library)"
            typer.echo(
                f"{report.status:<8} {report.path} -> {report.id}, "
                f"{report.pages} pages: {report.title}{again}"
            )
    if any(report.error_code for report in reports):
        raise typer.Exit(1)


@app.command()
def token(
    user: Annotated[str, typer.Option(help="User id (the token subject).")],
    role: Annotated[str, typer.Option(help="guest, reader, teacher, librarian or admin.")],
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    ttl: Annotated[int | None, typer.Option(min=1, help="Lifetime in seconds.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Sign a token with the embedded issuer."""
    settings = Settings()
    if not settings.embedded_issuer:
        _fail("the embedded issuer is off (READINGROOM_EMBEDDED_ISSUER=false)")
    try:
        parsed = Role.parse(role)
    except ValueError:
        _fail(f"unknown role {role!r}; one of: {', '.join(r.name for r in Role)}")
        return
    signed = build_issuer(settings).issue(user, parsed, name=name, ttl_seconds=ttl)
    if as_json:
        typer.echo(json.dumps({"user": user, "role": parsed.name, "token": signed}))
    else:
        typer.echo(signed)


@app.command()
def backup(
    directory: Annotated[Path, typer.Argument(help="Empty or new directory to write to.")],
    as_json: JsonOpt = False,
) -> None:
    """Copy the database (online, consistent), the token secret and the assets."""
    try:
        report = backup_data_dir(Settings(), directory)
    except BackupError as exc:
        _fail(str(exc))
        return
    typer.echo(
        json.dumps(report) if as_json else f"backed up {report['files']} files to {directory}"
    )


@app.command()
def restore(
    directory: Annotated[Path, typer.Argument(help="A directory written by `backup`.")],
    as_json: JsonOpt = False,
) -> None:
    """Restore a backup into the (stopped) server's data directory."""
    try:
        report = restore_data_dir(Settings(), directory)
    except BackupError as exc:
        _fail(str(exc))
        return
    typer.echo(json.dumps(report) if as_json else f"restored {report['files']} files")


@app.command()
def view(
    url: Annotated[str, typer.Argument(help="The readingroom server, e.g. http://127.0.0.1:8000")],
    token: Annotated[
        str, typer.Option(help="Your token (from `readingroom token` or the campus).")
    ],
    room: Annotated[str | None, typer.Option(help="Room id (default: the first room).")] = None,
    xr: Annotated[bool, typer.Option("--xr", help="Render to a PC VR headset via OpenXR.")] = False,
    offscreen: Annotated[
        bool, typer.Option("--offscreen", help="Render without a window (no display needed).")
    ] = False,
    screenshot: Annotated[
        Path | None, typer.Option(help="Save a picture once the room is drawn, then exit.")
    ] = None,
    book: Annotated[str | None, typer.Option(help="Open this book (id) on arrival.")] = None,
    page: Annotated[int, typer.Option(min=1, help="Page to open --book at.")] = 1,
    width: Annotated[int, typer.Option(min=64, max=8192, help="Window width.")] = 1280,
    height: Annotated[int, typer.Option(min=64, max=8192, help="Window height.")] = 720,
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds to wait on the server.")] = 30.0,
) -> None:
    """Walk a reading room in the native viewer: desktop window, off screen, or a PC VR
    headset (--xr, OpenXR: SteamVR or Monado)."""
    # Imported here: the server never loads Panda3D or OpenXR.
    from clients.xr.cli import run_view
    from clients.xr.options import ViewOptions

    options = ViewOptions(
        url=url,
        token=token,
        room=room,
        xr=xr,
        offscreen=offscreen,
        screenshot=screenshot,
        book=book,
        page=page,
        size=(width, height),
        timeout=timeout,
    )
    raise typer.Exit(run_view(options))


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
