// Formatting for people and small DOM helpers that write only what changed.

import { apiToken, askForToken, authHeaders } from "./auth.js";

const intFmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export const isNum = (v) => typeof v === "number" && Number.isFinite(v);
export const fmtInt = (v) => (isNum(v) ? intFmt.format(v) : "—");
const pad2 = (n) => (n < 10 ? `0${n}` : `${n}`);

/** 4.2 s, 42 s, 3 m 05 s, 2 h 10 m, 1 d 4 h. */
export function fmtDuration(s) {
  if (!isNum(s)) return "—";
  if (s <= 0) return "0 s";
  if (s < 10) return `${oneDecimal.format(s)} s`;
  if (s < 60) return `${Math.round(s)} s`;
  const total = Math.round(s);
  if (total < 3600) return `${Math.floor(total / 60)} m ${pad2(total % 60)} s`;
  if (total < 86400) return `${Math.floor(total / 3600)} h ${pad2(Math.floor((total % 3600) / 60))} m`;
  return `${Math.floor(total / 86400)} d ${Math.floor((total % 86400) / 3600)} h`;
}

export function fmtRate(v) {
  if (!isNum(v)) return "—";
  return `${v >= 100 || v === 0 ? intFmt.format(v) : oneDecimal.format(v)} ev/s`;
}

const trim = (v) => String(Number.isInteger(v) ? v : Number(v.toFixed(Math.abs(v) < 10 ? 1 : 0)));

/** Axis labels: 950, 1.2k, 35k, 1.5M. */
export function fmtCompact(v) {
  const a = Math.abs(v);
  if (a >= 1e9) return `${trim(v / 1e9)}G`;
  if (a >= 1e6) return `${trim(v / 1e6)}M`;
  if (a >= 1e3) return `${trim(v / 1e3)}k`;
  return trim(v);
}

/** Local wall-clock time, 24 h. */
export function fmtClock(date, seconds = true) {
  const hm = `${pad2(date.getHours())}:${pad2(date.getMinutes())}`;
  return seconds ? `${hm}:${pad2(date.getSeconds())}` : hm;
}

export function fmtAgo(ms) {
  if (!isNum(ms)) return "—";
  const s = Math.max(0, ms / 1000);
  if (s < 1.5) return "just now";
  if (s < 60) return `${Math.round(s)} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} m ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export function fmtTimestamp(iso) {
  const t = Date.parse(iso);
  if (!isNum(t)) return "—";
  const d = new Date(t);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${fmtClock(d)}`;
}

export function el(tag, attrs, text) {
  const node = document.createElement(tag);
  if (attrs) for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** Set (or, with null, remove) an attribute, touching the DOM only on a change. */
export function setAttr(node, name, value) {
  if (value === null || value === undefined) {
    if (node.hasAttribute(name)) node.removeAttribute(name);
  } else if (node.getAttribute(name) !== value) {
    node.setAttribute(name, value);
  }
}

/** A number cell: formatted text for people, the raw value in data-value for machines (tests, copy). */
export function setNumber(node, value, text) {
  setText(node, text);
  setAttr(node, "data-value", isNum(value) ? String(value) : "");
}

export function swatch(colour) {
  const node = el("span", { class: "swatch", "aria-hidden": "true" });
  node.style.setProperty("--series", colour);
  return node;
}

export async function getJSON(url, timeoutMs) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const headers = { Accept: "application/json", ...authHeaders() };
    const response = await fetch(url, { headers, cache: "no-store", signal: controller.signal });
    if (response.status === 401) {
      askForToken(apiToken() ? "That token was not accepted: enter another." : "");
    } else if (response.status === 403) {
      askForToken("That token may not read the ops data (it needs the read scope): enter another.");
    }
    if (!response.ok) throw Object.assign(new Error(`HTTP ${response.status}`), { status: response.status });
    return await response.json();
  } finally {
    clearTimeout(timer);
  }
}
