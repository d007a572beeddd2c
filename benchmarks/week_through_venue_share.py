"""The generated Tier 1 week through ``venue_share`` (ingest, normalize, venue share):
the time from the command to every read model, reported beside a plain COPY of the same file.

    uv run python -m benchmarks.week_through_venue_share --rows 1000000
"""

from __future__ import annotations

import asyncio

from benchmarks.figures import Figure, Outcome
from benchmarks.runs import run_once
from benchmarks.session import Session, run_alone
from spine_domains.finra_otc.workflow import WEEKLY_REFRESH

__all__ = ["LABELS", "NAME", "main", "measure"]

NAME = "venue_share"
_STAGES = len(WEEKLY_REFRESH.scope("venue_share"))
LABELS = (("through_venue_share_s", f"--through venue_share ({_STAGES} stages): command -> every read model"),)


def measure(session: Session) -> Outcome:
    bench = session.bench
    ref = session.week_ref()
    result = asyncio.run(run_once(bench.stack, ref, session.sizes.rows, "venue_share", every_read_model=True))
    copy = session.copy_baseline()
    print(
        f"through venue_share: {result['end_to_end_s']:.2f}s; per stage: "
        + ", ".join(f"{s['pipeline']} {s['seconds']:.2f}s" for s in result["per_stage"])
    )
    key, label = LABELS[0]
    figure = Figure(key, label, result["end_to_end_s"], "s", None, copy["copy_s"], "plain COPY of the file")
    return Outcome([figure], {"run": result, "copy_baseline": copy})


def main() -> None:
    run_alone(NAME, LABELS, measure, __doc__)


if __name__ == "__main__":
    main()
