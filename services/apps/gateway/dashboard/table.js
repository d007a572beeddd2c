// The summary cards and the projector table. Rows are built once per projector; a sample then
// changes only the texts and attributes whose value moved.

import { el, fmtAgo, fmtClock, fmtDuration, fmtInt, fmtRate, isNum, setAttr, setNumber, setText, swatch } from "./format.js";

const STATUS_RANK = { OK: 0, LAGGING: 1, STALLED: 2, FAILED: 3 };
const ROW_CLASS = { LAGGING: "is-lagging", STALLED: "is-stalled", FAILED: "is-failed" };
const NUMBER_COLUMNS = [
  ["position", "position"],
  ["behind", "events-behind"],
  ["pending", "pending"],
  ["seconds", "seconds-behind"],
  ["rate", "rate"],
  ["eta", "eta"],
  ["deadLetters", "dead-letters"],
  ["applied", "applied"],
  ["updated", "updated"],
];
const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);

export class SummaryCards {
  constructor() {
    this.head = $("head");
    this.relay = $("relay-position");
    this.relayGap = $("relay-gap");
    this.overall = $("overall-status");
    this.overallSub = $("overall-sub");
    this.sampledAt = $("sampled-at");
    this.age = $("sample-age");
  }

  render(sample) {
    setNumber(this.head, sample.head, fmtInt(sample.head));
    const relay = sample.relay_position;
    setNumber(this.relay, relay, fmtInt(relay));
    if (!isNum(relay)) {
      setText(this.relayGap, "NATS unreachable: the bus position is unknown");
      this.relayGap.className = "kpi-sub bad";
    } else if (isNum(sample.head) && sample.head > relay) {
      setText(this.relayGap, `${fmtInt(sample.head - relay)} events not yet published`);
      this.relayGap.className = "kpi-sub warn";
    } else {
      setText(this.relayGap, "in step with the event store");
      this.relayGap.className = "kpi-sub";
    }

    const projectors = sample.projectors;
    const counts = { OK: 0, LAGGING: 0, STALLED: 0, FAILED: 0 };
    let worst = null;
    let deadLetters = 0;
    for (const p of projectors) {
      if (p.status in STATUS_RANK) {
        counts[p.status] += 1;
        if (worst === null || STATUS_RANK[p.status] > STATUS_RANK[worst]) worst = p.status;
      }
      if (isNum(p.dead_letters)) deadLetters += p.dead_letters;
    }
    setAttr(this.overall, "data-status", worst || "");
    setText(this.overall, worst || (projectors.length ? "—" : "none"));
    const parts = [];
    if (!projectors.length) parts.push("no projector reported");
    else if (counts.OK === projectors.length) parts.push(`${projectors.length} of ${projectors.length} caught up`);
    else for (const s of ["FAILED", "STALLED", "LAGGING", "OK"]) if (counts[s]) parts.push(`${counts[s]} ${s.toLowerCase()}`);
    parts.push(`${fmtInt(deadLetters)} dead letter${deadLetters === 1 ? "" : "s"}`);
    setText(this.overallSub, parts.join(" · "));

    const sampled = Date.parse(sample.sampled_at);
    if (isNum(sampled)) {
      setText(this.sampledAt, fmtClock(new Date(sampled)));
      setAttr(this.sampledAt, "title", sample.sampled_at);
    }
  }

  renderAge(receivedAt, now) {
    setText(this.age, isNum(receivedAt) ? `received ${fmtAgo(now - receivedAt)}` : "no sample yet");
  }
}

export class ProjectorTable {
  constructor(tbody, colourOf) {
    this.tbody = tbody;
    this.colourOf = colourOf;
    this.rows = new Map(); // name -> {tr, cells, updatedAt}
  }

  createRow(name) {
    const tr = el("tr", { "data-testid": `projector-row-${name}`, "data-name": name });
    const nameCell = el("th", { scope: "row" });
    const label = el("span", { class: "projector-name" });
    label.append(swatch(this.colourOf(name)), el("span", null, name));
    const noConsumer = el("span", { class: "tag", hidden: "", title: "no JetStream consumer exists for this projector" }, "no consumer");
    const stateTag = el("span", { class: "tag", hidden: "", "data-testid": `state-${name}` });
    nameCell.append(label, noConsumer, stateTag);

    const statusCell = el("td", { class: "status-col" });
    const statusBox = el("div", { class: "status-cell" });
    const badge = el("span", { class: "badge", "data-testid": `status-${name}`, "data-status": "" }, "—");
    const reason = el("span", { class: "status-reason", "data-testid": `status-reason-${name}` });
    statusBox.append(badge, reason);
    statusCell.append(statusBox);
    tr.append(nameCell, statusCell);

    const cells = { badge, reason, noConsumer, stateTag };
    for (const [key, testid] of NUMBER_COLUMNS) {
      const td = el("td", { class: "num", "data-testid": `${testid}-${name}`, "data-value": "" }, "—");
      if (key === "behind" || key === "seconds") td.classList.add("behind");
      if (key === "deadLetters") td.classList.add("dl");
      cells[key] = td;
      tr.append(td);
    }
    return { tr, cells, updatedAt: NaN };
  }

  render(projectors) {
    const placeholder = this.tbody.querySelector(".placeholder-row");
    if (placeholder && projectors.length) placeholder.remove();
    const seen = new Set();
    let index = 0;
    for (const p of projectors) {
      if (!p || typeof p.name !== "string") continue;
      seen.add(p.name);
      let row = this.rows.get(p.name);
      if (!row) {
        row = this.createRow(p.name);
        this.rows.set(p.name, row);
      }
      // Keep the server's order; moves happen only when it changes.
      const current = this.tbody.children[index];
      if (current !== row.tr) this.tbody.insertBefore(row.tr, current || null);
      index += 1;
      this.update(row, p);
    }
    for (const [name, row] of this.rows) {
      if (!seen.has(name)) {
        row.tr.remove();
        this.rows.delete(name);
      }
    }
    if (!this.tbody.children.length) {
      const tr = el("tr", { class: "placeholder-row" });
      tr.append(el("td", { colspan: "11" }, "No projector reported"));
      this.tbody.append(tr);
    }
  }

  update(row, p) {
    const c = row.cells;
    const status = typeof p.status === "string" ? p.status : "";
    setAttr(c.badge, "data-status", status);
    setText(c.badge, status || "—");
    const reason = p.status_reason || "";
    setText(c.reason, reason);
    setAttr(c.badge, "title", reason || null);
    setAttr(c.reason, "title", reason || null);
    const rowClass = ROW_CLASS[status] || "";
    if (row.tr.className !== rowClass) row.tr.className = rowClass;
    setAttr(c.noConsumer, "hidden", p.consumer === false ? null : "");
    // The projector's own word on itself: shown when it is anything but running (e.g. paused by a replay).
    const unusual = typeof p.state === "string" && p.state !== "running" ? p.state : "";
    setText(c.stateTag, unusual);
    setAttr(c.stateTag, "hidden", unusual ? null : "");

    const behind = p.events_behind;
    const caughtUp = behind === 0;
    setNumber(c.position, p.position, fmtInt(p.position));
    setNumber(c.behind, behind, fmtInt(behind));
    c.behind.classList.toggle("nonzero", isNum(behind) && behind > 0);
    setNumber(c.pending, p.pending, fmtInt(p.pending));
    setNumber(c.seconds, p.seconds_behind, fmtDuration(p.seconds_behind));
    c.seconds.classList.toggle("nonzero", isNum(p.seconds_behind) && p.seconds_behind > 0);
    setNumber(c.rate, p.rate, fmtRate(p.rate));
    setNumber(c.eta, p.eta_s, caughtUp ? "—" : isNum(p.eta_s) ? `~${fmtDuration(p.eta_s)}` : "—");
    setAttr(c.eta, "title", caughtUp ? "caught up" : isNum(p.eta_s) ? null : "no progress to extrapolate from");
    setNumber(c.deadLetters, p.dead_letters, fmtInt(p.dead_letters));
    c.deadLetters.classList.toggle("nonzero", isNum(p.dead_letters) && p.dead_letters > 0);
    setNumber(c.applied, p.events_applied, fmtInt(p.events_applied));
    row.updatedAt = Date.parse(p.updated_at);
    setAttr(c.updated, "title", p.updated_at || null);
    setAttr(c.updated, "data-value", p.updated_at || "");
  }

  /** "3 s ago" moves with the clock, not with samples: one cheap pass a second. */
  renderAges(serverNow) {
    for (const row of this.rows.values()) {
      setText(row.cells.updated, isNum(row.updatedAt) ? fmtAgo(serverNow - row.updatedAt) : "—");
    }
  }
}
