"""`readingroom catalog ...`: MARC import, OAI-PMH harvest, loans and recommendations, run
against the data directory directly (safe while the server runs: SQLite in WAL mode)."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from catalog_adapter.errors import CatalogError
from catalog_adapter.importer import ImportReport
from catalog_adapter.loans_csv import read_loans_csv
from experience_server.services import build_library
from experience_server.settings import Settings

app = typer.Typer(
    help="Catalog: MARC import, OAI-PMH harvest, loans, recommendations.", no_args_is_help=True
)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
SHOWN_PROBLEMS = 20


def _fail(message: str) -> None:
    typer.echo(f"readingroom: {message}", err=True)
    raise typer.Exit(2)


def _print_import(report: ImportReport) -> None:
    typer.echo(
        f"read {report.read} records in {report.seconds:.1f} s: {report.imported} new, "
        f"{report.updated} updated, {report.deleted} deleted, "
        f"{len(report.rejected)} rejected, {len(report.warnings)} warnings"
    )
    for bad in report.rejected[:SHOWN_PROBLEMS]:
        where = f"record {bad.position}"
        if bad.offset is not None:
            where += f" (byte {bad.offset})"
        if bad.line is not None:
            where += f" (line {bad.line})"
        number = f" 001={bad.control_number}" if bad.control_number else ""
        typer.echo(f"  rejected {where}{number}: {bad.reason}")
    if len(report.rejected) > SHOWN_PROBLEMS:
        typer.echo(f"  ... and {len(report.rejected) - SHOWN_PROBLEMS} more (see --json)")


@app.command("import-marc")
def import_marc(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="Binary MARC21, MARCXML or MARC-in-JSON.",
        ),
    ],
    format: Annotated[
        Literal["marc", "marcxml", "json"] | None,
        typer.Option(help="Default: detected from the content."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Import (or update, keyed by 001) MARC records; reports each bad record's position."""
    library = build_library(Settings())
    try:
        with file.open("rb") as stream:
            if as_json or not sys.stderr.isatty():
                report = library.import_marc(stream, format)
            else:
                columns = (
                    TextColumn("importing"),
                    BarColumn(),
                    DownloadColumn(),
                    TimeRemainingColumn(),
                )
                with Progress(*columns, transient=True) as bar:
                    task = bar.add_task("import", total=file.stat().st_size)
                    report = library.import_marc(stream, format, lambda n: bar.advance(task, n))
    except CatalogError as exc:
        _fail(str(exc))
        return
    finally:
        library.close()
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        _print_import(report)


@app.command()
def harvest(
    url: Annotated[str, typer.Argument(help="The repository's OAI-PMH base URL.")],
    prefix: Annotated[str, typer.Option(help="metadataPrefix of MARCXML records.")] = "marc21",
    set_spec: Annotated[str | None, typer.Option("--set", help="Harvest one set.")] = None,
    from_: Annotated[
        str | None,
        typer.Option("--from", help="Default: after the last harvest of this repository."),
    ] = None,
    until: Annotated[str | None, typer.Option(help="Up to this date (inclusive).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Harvest MARC records over OAI-PMH, incrementally."""
    library = build_library(Settings())
    try:
        report = library.harvest(
            url, metadata_prefix=prefix, set_spec=set_spec, from_=from_, until=until
        )
    except CatalogError as exc:
        _fail(str(exc))
        return
    finally:
        library.close()
    if as_json:
        body = asdict(report)
        body["import_report"] = report.import_report.as_dict()
        typer.echo(json.dumps(body, ensure_ascii=False))
    else:
        typer.echo(
            f"harvested from {report.from_ or 'the beginning'}; next harvest from "
            f"{report.next_from}"
        )
        _print_import(report.import_report)


@app.command("import-loans")
def import_loans(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="CSV with columns patron, item or record, loaned_at (ISO 8601).",
        ),
    ],
    as_json: JsonOpt = False,
) -> None:
    """Load loans from the ILS (patron ids are stored only as keyed hashes), then rebuild
    the 'also borrowed' table."""
    library = build_library(Settings())
    try:
        loans = library.add_loans(read_loans_csv(file))
        build = library.build_also_borrowed()
    except (ValueError, KeyError) as exc:
        _fail(f"{file}: {exc}")
        return
    finally:
        library.close()
    body: dict[str, Any] = {"loans": asdict(loans), "also_borrowed": asdict(build)}
    if as_json:
        typer.echo(json.dumps(body))
    else:
        typer.echo(
            f"{loans.stored} loans stored, {loans.counted_only} older than the retention period "
            f"counted into statistics only ({loans.duplicates} already known, "
            f"{len(loans.rejected)} rejected); {build.pairs_kept} 'also borrowed' pairs "
            f"with at least {build.k} patrons, built in {build.seconds:.1f} s"
        )
