"""The envelopes every JSON route answers with: ``{"data": [...], "meta": {...}}`` for lists,
``{"data": {...}}`` (``meta`` where the route has one) for single items, and for the listings
that can grow without bound ``{"data": [...], "meta": {...}, "links": {"next": ...}}``."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ApiModel",
    "Timestamp",
    "Day",
    "Uuid",
    "CountMeta",
    "PageMeta",
    "CalcRef",
    "CaptureInput",
    "CaptureMeta",
    "Envelope",
    "ListEnvelope",
    "PageLinks",
    "PagedListEnvelope",
]


class ApiModel(BaseModel):
    """Base of every response model.

    Extra keys are kept, not dropped: the rows come from read-model queries that other changes
    may widen (a new column, a paging cursor), and a contract that silently removed them would
    be worse than one that allows them. Every key the gateway sends today is declared.
    """

    model_config = ConfigDict(extra="allow")


# Times travel as the strings the read models produce (``2025-11-14T10:00:00.123456+00:00``):
# declared with their formats, not re-parsed, so the bytes on the wire stay as they were.
Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"}, examples=["2025-11-21T14:03:07.5+00:00"])]
Day = Annotated[str, Field(json_schema_extra={"format": "date"}, examples=["2025-11-14"])]
Uuid = Annotated[str, Field(json_schema_extra={"format": "uuid"}, examples=["523eca07-c3a3-45ca-a54a-1e9c17a7e99a"])]

T = TypeVar("T")
M = TypeVar("M")


class CountMeta(ApiModel):
    count: int = Field(description="items in `data`")


class PageMeta(CountMeta):
    total: int = Field(description="items matching, over every page")
    limit: int
    offset: int


class CalcRef(ApiModel):
    name: str
    version: str | None


class CaptureInput(ApiModel):
    """A capture a derived result was computed from."""

    role: str
    pipeline: str
    capture_id: Uuid
    partition_key: str


class CaptureMeta(CountMeta):
    """The capture a data response serves, with the three clocks and the calc it came from."""

    capture_id: Uuid
    pipeline: str
    week_ending: Day | None
    tier: str | None
    captured_at: Timestamp = Field(description="capture time")
    source_updated: Day | None = Field(description="the source's latest publication date behind the rows")
    latest_capture: bool = Field(description="false when `capture_id` or `as_of` chose an earlier capture")
    calc: CalcRef | None = Field(default=None, description="derived results only")
    inputs: list[CaptureInput] | None = Field(default=None, description="derived results only")


class Envelope(ApiModel, Generic[T]):
    """One item."""

    data: T


class ListEnvelope(ApiModel, Generic[T, M]):
    """A list of items and what describes it."""

    data: list[T]
    meta: M


class PageLinks(ApiModel):
    next: str | None = Field(
        description="The next page: a URL relative to this gateway's origin, with this request's query and "
        "the keyset cursor after this page's last item, so every page costs the same however deep. "
        "Null on the last page. Follow it as it is; the cursor's form is the listing's own.",
        examples=["/v1/data/venue-volume?week_ending=2025-11-14&tier=NMS_TIER_1&limit=1000&after_line=1000"],
    )


class PagedListEnvelope(ListEnvelope[T, M], Generic[T, M]):
    """A page of a listing that can grow without bound, and the link to the next page."""

    links: PageLinks
