"""Borrowing analytics: hot books by period, borrowing rates by period and subject."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from catalog_adapter.analytics import Period
from experience_server.auth.roles import Principal
from experience_server.dependencies import PrincipalDep, ServicesDep, require
from experience_server.policy import Action

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])
Subject = Annotated[str | None, Query(max_length=200, description="Primary subject heading.")]


@router.get("/hot")
async def hot(
    services: ServicesDep,
    _: PrincipalDep,
    period: Period = "month",
    date: Annotated[
        dt.date | None, Query(description="A day in the period (default: today).")
    ] = None,
    subject: Subject = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """The most borrowed records in the day, week, month or year containing `date`."""
    ending = date or dt.datetime.now(dt.UTC).date()
    start, end, books = await asyncio.to_thread(
        services.library.hot, period, ending, subject, limit
    )
    return {
        "period": period,
        "from": start.isoformat(),
        "until": end.isoformat(),
        "books": [asdict(b) for b in books],
    }


@router.get("/borrowing")
async def borrowing(
    services: ServicesDep,
    _: Annotated[Principal, Depends(require(Action.analytics_borrowing))],
    start: Annotated[dt.date, Query(alias="from")],
    end: Annotated[dt.date, Query(alias="until", description="Exclusive.")],
    period: Period = "month",
    subject: Subject = None,
    by: Literal["subject", "total"] = "subject",
) -> dict[str, Any]:
    """Loans and the borrowing rate (loans per print item held) per period and subject,
    for acquisitions."""
    points = await asyncio.to_thread(
        services.library.rates, period, start, end, subject, by == "subject"
    )
    return {
        "period": period,
        "from": start.isoformat(),
        "until": end.isoformat(),
        "series": [asdict(p) for p in points],
    }
