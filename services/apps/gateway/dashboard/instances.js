// The instances panel: each instance of the relay, the projectors and the process manager —
// which one is active, which stand by, since when — polled every few seconds.

import { el, fmtAgo, fmtTimestamp, getJSON, isNum, setAttr, setText } from "./format.js";

const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);
const STATE_LABEL = { active: "ACTIVE", standby: "STANDBY", stopped: "STOPPED", gone: "GONE" };

export class Instances {
  constructor(url, timeoutMs) {
    this.url = url;
    this.timeoutMs = timeoutMs;
    this.panel = $("instances");
    this.note = $("instances-note");
    this.empty = $("instances-empty");
    this.emptyIcon = this.empty.querySelector(".empty-icon");
    this.emptyText = this.empty.querySelector(".empty-text");
    this.wrap = $("instances-table").parentElement;
    this.body = $("instances-table").tBodies[0];
    this.defaultNote = this.note.textContent;
    this.items = [];
    this.loaded = false;
    this.inFlight = false;
  }

  async refresh() {
    if (this.inFlight) return;
    this.inFlight = true;
    try {
      const body = await getJSON(this.url, this.timeoutMs);
      this.items = Array.isArray(body.data) ? body.data : [];
      this.render();
      this.loaded = true;
    } catch (error) {
      this.renderError(error);
    } finally {
      this.inFlight = false;
    }
  }

  render() {
    const items = this.items;
    const services = new Set(items.map((i) => i.service));
    const withoutActive = [...services].filter((s) => !items.some((i) => i.service === s && i.state === "active"));
    setAttr(this.panel, "data-count", String(items.length));
    setText(
      this.note,
      withoutActive.length ? `No active instance: ${withoutActive.join(", ")}` : this.defaultNote,
    );
    this.note.classList.toggle("is-warning", withoutActive.length > 0);
    if (!items.length) {
      this.empty.classList.remove("is-error");
      setText(this.emptyIcon, "·");
      setText(this.emptyText, "No instance has registered yet.");
      this.empty.hidden = false;
      this.wrap.hidden = true;
      this.body.replaceChildren();
      return;
    }
    this.empty.hidden = true;
    this.wrap.hidden = false;
    const now = Date.now();
    const fragment = document.createDocumentFragment();
    for (const i of items) {
      const state = String(i.state ?? "");
      const tr = el("tr", {
        "data-testid": `instance-row-${i.instance_id}`,
        "data-service": String(i.service ?? ""),
        "data-state": state,
        class: `is-${state}`,
      });
      const badge = el("span", { class: "badge", "data-status": state, "data-testid": `instance-state-${i.instance_id}` }, STATE_LABEL[state] || state || "—");
      const since = Date.parse(i.since);
      const seen = Date.parse(i.last_seen);
      tr.append(
        el("td", { class: "mono" }, String(i.service ?? "—")),
        el("td", { class: "mono", title: `${i.host ?? "?"} · pid ${i.pid ?? "?"}` }, String(i.instance_id ?? "—")),
        el("td", null),
        el("td", { class: "time", title: String(i.since ?? ""), "data-testid": `instance-since-${i.instance_id}` }, fmtTimestamp(i.since)),
        el("td", { class: "time muted" }, isNum(since) ? fmtAgo(now - since) : "—"),
        el("td", { class: "time", title: String(i.last_seen ?? "") }, isNum(seen) ? fmtAgo(now - seen) : "—"),
        el("td", { class: "mono muted" }, `${i.host ?? "?"} · ${i.pid ?? "?"}`),
      );
      tr.children[2].append(badge);
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
    setText(this.emptyText, `Instances unavailable: ${message}`);
    this.empty.hidden = false;
    this.wrap.hidden = true;
  }
}
