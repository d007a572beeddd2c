// The dead-letters panel: what projectors gave up on, polled every few seconds.

import { el, fmtInt, fmtTimestamp, getJSON, isNum, setAttr, setText } from "./format.js";

const MAX_ROWS = 200;
const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);

export class DeadLetters {
  constructor(url, timeoutMs) {
    this.url = url;
    this.timeoutMs = timeoutMs;
    this.panel = $("dead-letters");
    this.count = $("dead-letters-count");
    this.note = $("dead-letters-note");
    this.empty = $("dead-letters-empty");
    this.emptyIcon = this.empty.querySelector(".empty-icon");
    this.emptyText = this.empty.querySelector(".empty-text");
    this.wrap = $("dead-letters-table").parentElement;
    this.body = $("dead-letters-table").tBodies[0];
    this.defaultNote = this.note.textContent;
    this.signature = null;
    this.loaded = false;
    this.inFlight = false;
  }

  async refresh() {
    if (this.inFlight) return;
    this.inFlight = true;
    try {
      const body = await getJSON(this.url, this.timeoutMs);
      const items = Array.isArray(body.data) ? body.data : [];
      const count = body.meta && isNum(body.meta.count) ? body.meta.count : items.length;
      this.render(items, count);
      this.loaded = true;
    } catch (error) {
      this.renderError(error);
    } finally {
      this.inFlight = false;
    }
  }

  render(items, count) {
    setText(this.count, fmtInt(count));
    this.count.classList.toggle("nonzero", count > 0);
    setAttr(this.panel, "data-count", String(count));
    const capped = items.length > MAX_ROWS ? ` · showing the latest ${MAX_ROWS}` : "";
    setText(this.note, `${this.defaultNote}${capped}`);
    if (!items.length) {
      this.empty.classList.remove("is-error");
      setText(this.emptyIcon, "✓");
      setText(this.emptyText, "No dead-lettered events.");
      this.empty.hidden = false;
      this.wrap.hidden = true;
      this.body.replaceChildren();
      this.signature = "";
      return;
    }
    this.empty.hidden = true;
    this.wrap.hidden = false;
    const signature = JSON.stringify(items);
    if (signature === this.signature) return; // unchanged: leave the DOM (and any selection) alone
    this.signature = signature;
    const latestFirst = items.slice().sort((a, b) => String(b.last_failed_at).localeCompare(String(a.last_failed_at)));
    const fragment = document.createDocumentFragment();
    for (const d of latestFirst.slice(0, MAX_ROWS)) {
      const error = String(d.error ?? "");
      const tr = el("tr", { "data-testid": "dead-letter-row" });
      tr.append(
        el("td", { class: "mono" }, String(d.projection ?? "—")),
        el("td", { class: "num" }, fmtInt(d.position)),
        el("td", null, String(d.event_type ?? "—")),
        el("td", { class: "error-text", title: error }, error || "—"),
        el("td", { class: "num" }, fmtInt(d.attempts)),
        el("td", null, isNum(d.parked_behind) ? `${d.status ?? "—"} · parked behind ${fmtInt(d.parked_behind)}` : String(d.status ?? "—")),
        el("td", { class: "time", title: String(d.first_failed_at ?? "") }, fmtTimestamp(d.first_failed_at)),
        el("td", { class: "time", title: String(d.last_failed_at ?? "") }, fmtTimestamp(d.last_failed_at)),
      );
      fragment.append(tr);
    }
    this.body.replaceChildren(fragment);
  }

  renderError(error) {
    const message = error && error.name === "AbortError" ? "timed out" : String((error && error.message) || error);
    if (this.loaded) {
      setText(this.note, `Could not refresh (${message}); showing the last list received`);
      return;
    }
    this.empty.classList.add("is-error");
    setText(this.emptyIcon, "!");
    setText(this.emptyText, `Dead letters unavailable: ${message}`);
    this.empty.hidden = false;
    this.wrap.hidden = true;
  }
}
