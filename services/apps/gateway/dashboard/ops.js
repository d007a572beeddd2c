// Spine ops dashboard: projection lag, live.
//
// GET /v1/ops/projections?history=600 seeds the table and the chart; the server-sent events of
// GET /v1/ops/stream ("sample", about one a second) then keep both current. While the stream is
// down the page polls /v1/ops/projections, so it never shows old data silently, and the
// connection indicator says which of the two it is doing. Dead letters and the services'
// instances (active or standby) are polled every few seconds.

import { withAccessToken } from "./auth.js";
import { LagChart } from "./chart.js";
import { DeadLetters } from "./dead_letters.js";
import { getJSON, isNum, setAttr, setText } from "./format.js";
import { History } from "./history.js";
import { Instances } from "./instances.js";
import { ProjectorTable, SummaryCards } from "./table.js";

const ROOT = document.body.dataset.root || "";
const API = {
  sample: `${ROOT}/v1/ops/projections`,
  history: `${ROOT}/v1/ops/projections?history=600`,
  stream: `${ROOT}/v1/ops/stream`,
  deadLetters: `${ROOT}/v1/ops/dead-letters`,
  instances: `${ROOT}/v1/ops/instances`,
};
const HISTORY_CAPACITY = 1800; // samples kept: 30 minutes at one a second
const STALE_AFTER_MS = 5000; // "live" but no sample for this long: the monitor is stuck
const POLL_MS = 2000; // the fallback while the stream is down
const DEAD_LETTERS_MS = 5000;
const INSTANCES_MS = 2000;
const REQUEST_TIMEOUT_MS = 4000;
const MAX_RETRY_MS = 15000;
// Fixed colours for the projectors we know, so the page reads the same every day; legible on the
// dark and the light theme, and distinct from one another for colour-blind readers.
const KNOWN_COLOURS = {
  manifest: "#4c8dff",
  finra_otc: "#e8589c",
  quality: "#1fa98c",
  reference: "#a277ff",
  process_manager: "#f08c2e",
};
const SPARE_COLOURS = ["#22b5d6", "#b89200", "#8e9aaf", "#ff6f61", "#6ccf5a"];
const CONNECTION_LABEL = {
  connecting: "Connecting…",
  live: "Live",
  stale: "Live · no new sample",
  reconnecting: "Reconnecting…",
  polling: "Reconnecting · polling",
  offline: "Gateway unreachable",
  unauthorized: "Token needed",
};

const colours = new Map();
function colourOf(name) {
  let colour = colours.get(name);
  if (!colour) {
    colour = KNOWN_COLOURS[name] || SPARE_COLOURS[colours.size % SPARE_COLOURS.length];
    colours.set(name, colour);
  }
  return colour;
}

const byTestId = (testid) => document.querySelector(`[data-testid="${testid}"]`);
const history = new History(HISTORY_CAPACITY);
const cards = new SummaryCards();
const table = new ProjectorTable(document.getElementById("projector-rows"), colourOf);
const chart = new LagChart(
  { canvas: byTestId("lag-chart"), tip: byTestId("chart-tip"), emptyNote: byTestId("chart-empty"), legend: byTestId("chart-legend") },
  history,
  colourOf,
);
const deadLetters = new DeadLetters(API.deadLetters, REQUEST_TIMEOUT_MS);
const instances = new Instances(API.instances, REQUEST_TIMEOUT_MS);
const indicator = { node: byTestId("connection"), label: byTestId("connection-label") };
const state = {
  connection: "connecting",
  receivedAt: NaN, // browser clock: for staleness
  sampledAt: NaN, // server clock of the same sample: ages are measured on it
  source: null,
  retryMs: 1000,
  retryTimer: 0,
  pollTimer: 0,
};

function setConnection(next) {
  state.connection = next;
  setAttr(indicator.node, "data-state", next);
  setText(indicator.label, CONNECTION_LABEL[next]);
}

function onSample(sample) {
  if (!sample || !Array.isArray(sample.projectors)) return;
  state.receivedAt = Date.now();
  const sampledAt = Date.parse(sample.sampled_at);
  state.sampledAt = isNum(sampledAt) ? sampledAt : state.receivedAt; // no sampled_at: chart on our own clock
  history.push(
    state.sampledAt / 1000,
    sample.projectors.map((p) => [p.name, p]),
  );
  cards.render(sample);
  table.render(sample.projectors);
  chart.renderLegend();
  chart.schedule();
  renderAges();
}

function seedHistory(items) {
  if (!Array.isArray(items)) return;
  const ordered = items.filter((x) => x && isNum(x.t) && x.projectors).sort((a, b) => a.t - b.t);
  for (const item of ordered) history.push(item.t, Object.entries(item.projectors));
}

function renderAges() {
  const now = Date.now();
  cards.renderAge(state.receivedAt, now);
  table.renderAges(isNum(state.sampledAt) ? state.sampledAt + (now - state.receivedAt) : now);
}

// ------------------------------------------------------------------ the stream, and polling as its fallback
function connect() {
  clearTimeout(state.retryTimer);
  if (state.source) state.source.close();
  if (!("EventSource" in window)) {
    startPolling();
    return;
  }
  const source = new EventSource(withAccessToken(API.stream));
  state.source = source;
  source.addEventListener("open", () => {
    state.retryMs = 1000;
    setConnection("live");
    stopPolling();
  });
  source.addEventListener("sample", (event) => {
    let sample;
    try {
      sample = JSON.parse(event.data);
    } catch {
      return; // one bad frame; the next comes in a second
    }
    if (state.connection !== "live") setConnection("live");
    stopPolling();
    onSample(sample);
  });
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CLOSED) {
      // The browser gave up (an HTTP error, not an event stream): retry ourselves, backing off.
      source.close();
      if (state.source === source) state.source = null;
      state.retryTimer = setTimeout(connect, state.retryMs);
      state.retryMs = Math.min(state.retryMs * 2, MAX_RETRY_MS);
    } // else CONNECTING: the browser reconnects by itself.
    if (state.connection === "live" || state.connection === "stale" || state.connection === "connecting") {
      setConnection("reconnecting");
    }
    startPolling();
  });
}

function startPolling() {
  if (state.pollTimer) return;
  const poll = async () => {
    try {
      const body = await getJSON(API.sample, REQUEST_TIMEOUT_MS);
      if (!state.pollTimer) return; // the stream came back meanwhile
      onSample(body.data);
      setConnection("polling");
    } catch (error) {
      if (state.pollTimer) setConnection(error.status === 401 || error.status === 403 ? "unauthorized" : "offline");
    }
  };
  state.pollTimer = setInterval(poll, POLL_MS);
  poll();
}

function stopPolling() {
  if (!state.pollTimer) return;
  clearInterval(state.pollTimer);
  state.pollTimer = 0;
}

function tick() {
  renderAges();
  if (state.connection === "live" && Date.now() - state.receivedAt > STALE_AFTER_MS) setConnection("stale");
}

async function start() {
  chart.bind();
  setInterval(tick, 1000);
  try {
    const body = await getJSON(API.history, REQUEST_TIMEOUT_MS);
    seedHistory(body.history);
    onSample(body.data);
  } catch {
    // The stream, or the polling fallback, brings the first sample.
  }
  connect();
  deadLetters.refresh();
  setInterval(() => deadLetters.refresh(), DEAD_LETTERS_MS);
  instances.refresh();
  setInterval(() => instances.refresh(), INSTANCES_MS);
}

start();
