"""A projector asks for as many messages as fit its fetch budget at the size messages have had
lately: the whole batch for small events, a few dozen while row blocks stream; and it applies
what arrived in transactions of bounded bytes."""

from __future__ import annotations

from dataclasses import dataclass

from services.apps.projector.fetching import FETCH_BYTES, SLOW_START, FetchSize, by_size


@dataclass
class Msg:
    data: bytes


def test_small_events_open_up_to_the_whole_batch_and_row_blocks_get_a_budget_s_worth() -> None:
    size = FetchSize(256)
    assert size.next() == SLOW_START
    asked = []
    for _ in range(6):  # a backlog of small events: 16, 32, 64, 128, 256, 256
        asked.append(size.next())
        size.saw([Msg(b"x" * 400)] * size.next())
    assert asked == [16, 32, 64, 128, 256, 256]
    size.saw([Msg(b"x" * 400)] * 200 + [Msg(b"b" * 768 * 1024)])
    assert size.next() == FETCH_BYTES // (768 * 1024) == 21
    assert size.next() * 768 * 1024 <= FETCH_BYTES


def test_an_idle_projector_asks_for_little_so_a_burst_of_blocks_cannot_fill_its_memory() -> None:
    size = FetchSize(256)
    for _ in range(100):  # quiet: small events one at a time, for long
        size.saw([Msg(b"x" * 300)])
    assert size.next() == SLOW_START  # the next fetch may bring row blocks: 16 of them at most
    size.saw([])
    assert size.next() == SLOW_START


def test_the_estimate_stays_up_through_a_run_of_blocks_and_falls_after_it() -> None:
    size = FetchSize(256)
    size.saw([Msg(b"b" * 768 * 1024)] * 16)
    for _ in range(5):  # a pause between blocks (a StageCompleted, say) does not reopen the batch
        size.saw([Msg(b"x" * 300)] * 20)
    assert size.next() < 40
    for _ in range(60):
        size.saw([Msg(b"x" * 300)] * size.next())
    assert size.next() == 256


def test_a_fetch_never_asks_for_nothing() -> None:
    size = FetchSize(256, budget=1024)
    size.saw([Msg(b"b" * 10_000)])
    assert size.next() == 1


def test_groups_keep_order_and_stay_within_the_limit() -> None:
    msgs = [Msg(bytes([i]) * n) for i, n in enumerate([5, 5, 5, 20, 1, 1])]
    groups = by_size(msgs, 10)
    assert [m for g in groups for m in g] == msgs
    assert [[len(m.data) for m in g] for g in groups] == [[5, 5], [5], [20], [1, 1]]
    assert by_size([], 10) == [[]]
