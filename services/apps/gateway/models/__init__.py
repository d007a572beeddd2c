"""The gateway's HTTP contract: response envelopes, resources and problem details (pydantic).

The models describe the JSON the routes have always returned; routes serialise with
``response_model_exclude_unset`` semantics so an optional field a resource does not carry is
absent, not ``null``.
"""

from services.apps.gateway.models.envelope import (
    ApiModel,
    CaptureMeta,
    CountMeta,
    Envelope,
    ListEnvelope,
    PagedListEnvelope,
    PageLinks,
    PageMeta,
    Timestamp,
)
from services.apps.gateway.models.problem import PROBLEM_MEDIA_TYPE, Problem, ProblemField, problem_responses

__all__ = [
    "ApiModel",
    "CaptureMeta",
    "CountMeta",
    "Envelope",
    "ListEnvelope",
    "PageLinks",
    "PageMeta",
    "PagedListEnvelope",
    "Timestamp",
    "PROBLEM_MEDIA_TYPE",
    "Problem",
    "ProblemField",
    "problem_responses",
]
