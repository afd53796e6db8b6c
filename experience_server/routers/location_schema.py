"""What the location endpoints take and give, and the presenters from domain results."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from catalog_adapter.location import CopyLocation, Guidance, RecordLocation
from catalog_adapter.rfid import Movement, Spot
from catalog_adapter.rfid_intake import IntakeReport, RawRead

Ident = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]


def _time(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


class RfidReadIn(BaseModel):
    """One read: reader and antenna (-> floor, range, shelf via the reader map), the tag's
    id, the copy's barcode (may be left out once the tag is bound), and when it was read."""

    model_config = ConfigDict(extra="forbid")

    reader: Ident
    antenna: Ident | Annotated[int, Field(ge=0)]
    tag: Ident
    item: Ident | None = None
    seen_at: AwareDatetime

    def raw(self) -> RawRead:
        return RawRead(
            self.reader, str(self.antenna), self.tag, self.item, self.seen_at.timestamp()
        )


class SpotOut(BaseModel):
    reader: str
    antenna: str


class MovementOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    item: str
    kind: Literal["arrived", "moved", "departed"]
    at: datetime
    origin: SpotOut | None = Field(serialization_alias="from")
    target: SpotOut | None = Field(serialization_alias="to")


class RefusalOut(BaseModel):
    index: int
    field: str
    reason: str


class IntakeOut(BaseModel):
    accepted: int = Field(description="reads applied")
    late: int = Field(description="reads older than one already applied; they changed nothing")
    refused: list[RefusalOut] = Field(description="only with skip_refused=true")
    movements: list[MovementOut]


class PlanOut(BaseModel):
    image: str | None
    width: float | None
    height: float | None


class GuidanceOut(BaseModel):
    source: Literal["rfid", "ils"]
    floor: str
    floor_name: str
    range: str | None
    shelf: str | None
    label: str
    x: float | None
    y: float | None
    plan: PlanOut
    reader: str | None
    antenna: str | None


class RfidOut(BaseModel):
    state: Literal["pending", "present", "departed"]
    reader: str | None
    antenna: str | None
    since: datetime | None
    last_seen_at: datetime | None
    age_seconds: float | None
    stale: bool


class IlsOut(BaseModel):
    status: str
    circulation_status: str | None = None
    circulation: str | None = None
    title: str | None = None
    permanent_location: str | None = None
    current_location: str | None = None
    due_date: str | None = None
    checked_at: datetime | None = None
    age_seconds: float | None = None


class CopyOut(BaseModel):
    item: str
    call_number: str | None
    home_location: str | None
    state: str
    on_shelf: bool | None
    summary: str
    guidance: GuidanceOut | None
    rfid: RfidOut | None
    ils: IlsOut
    notes: list[str]


class RecordLocationOut(BaseModel):
    record_id: str
    as_of: datetime
    summary: str
    copies: list[CopyOut]


def _spot(spot: Spot | None) -> SpotOut | None:
    return None if spot is None else SpotOut(reader=spot.reader, antenna=spot.antenna)


def present_movement(m: Movement) -> MovementOut:
    at = _time(m.at)
    assert at is not None
    return MovementOut(
        item=m.item, kind=m.kind, at=at, origin=_spot(m.origin), target=_spot(m.target)
    )


def present_intake(report: IntakeReport) -> IntakeOut:
    return IntakeOut(
        accepted=report.accepted,
        late=report.late,
        refused=[RefusalOut(index=r.index, field=r.field, reason=r.reason) for r in report.refused],
        movements=[present_movement(m) for m in report.movements],
    )


def _guidance(g: Guidance | None) -> GuidanceOut | None:
    if g is None:
        return None
    p = g.place
    return GuidanceOut(
        source=g.source, floor=p.floor, floor_name=g.floor_name, range=p.range, shelf=p.shelf,
        label=p.label, x=p.x, y=p.y,
        plan=PlanOut(image=g.plan_image, width=g.plan_width, height=g.plan_height),
        reader=g.spot.reader if g.spot else None, antenna=g.spot.antenna if g.spot else None,
    )  # fmt: skip


def _copy(c: CopyLocation) -> CopyOut:
    rfid = None
    if c.rfid is not None:
        r = c.rfid
        rfid = RfidOut(
            state=r.state, reader=r.spot.reader if r.spot else None,
            antenna=r.spot.antenna if r.spot else None, since=_time(r.since),
            last_seen_at=_time(r.last_seen),
            age_seconds=None if r.age_seconds is None else round(r.age_seconds, 3),
            stale=r.stale,
        )  # fmt: skip
    ils = IlsOut(status=c.ils.status)
    if c.ils.item is not None:
        i = c.ils.item
        ils = IlsOut(
            status=c.ils.status, circulation_status=i.circulation_status,
            circulation=i.circulation, title=i.title, permanent_location=i.permanent_location,
            current_location=i.current_location, due_date=i.due_date,
            checked_at=_time(i.checked_at),
            age_seconds=None if c.ils.age_seconds is None else round(c.ils.age_seconds, 3),
        )  # fmt: skip
    return CopyOut(
        item=c.item.barcode, call_number=c.item.call_number, home_location=c.item.home_location,
        state=c.state, on_shelf=c.on_shelf, summary=c.summary, guidance=_guidance(c.guidance),
        rfid=rfid, ils=ils, notes=c.notes,
    )  # fmt: skip


def present_location(answer: RecordLocation) -> RecordLocationOut:
    as_of = _time(answer.as_of)
    assert as_of is not None
    return RecordLocationOut(
        record_id=answer.record_id,
        as_of=as_of,
        summary=answer.summary,
        copies=[_copy(copy) for copy in answer.copies],
    )
