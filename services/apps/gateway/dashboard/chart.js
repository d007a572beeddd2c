// The lag chart: one line per projector over the last minutes, drawn on a <canvas> by hand.
//
// It redraws at most once per animation frame and only when asked (a new sample, a resize, the
// pointer); the loops read the history's typed arrays in place. What it drew is published on the
// canvas as data-points / data-series (for tests) and as an aria-label (for screen readers).

import { el, fmtClock, fmtCompact, fmtDuration, fmtInt, isNum, setAttr, setText, swatch } from "./format.js";

const METRIC_LABEL = { events_behind: "events behind", seconds_behind: "seconds behind" };
const GAP_S = 5; // a hole in the samples longer than this breaks the line
const TIME_STEPS = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];
const PAD = { left: 62, right: 18, top: 24, bottom: 30 };
const MIN_SPAN_S = 60;

function niceStep(span, target) {
  const raw = span / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const nice = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10;
  return nice * mag;
}

export class LagChart {
  constructor({ canvas, tip, emptyNote, legend }, history, colourOf) {
    this.canvas = canvas;
    this.box = canvas.parentElement;
    this.tip = tip;
    this.emptyNote = emptyNote;
    this.legend = legend;
    this.history = history;
    this.colourOf = colourOf;
    this.ctx = canvas.getContext("2d");
    this.metric = "events_behind";
    this.windowS = 600;
    this.hidden = new Set();
    this.hoverX = null;
    this.width = 0;
    this.height = 0;
    this.dpr = 1;
    this.scheduled = false;
    this.theme = null;
    this.legendItems = new Map();
    this.order = []; // [max in view, name], reused across frames
    this.span = this.windowS;
    this.draw = this.draw.bind(this);
  }

  bind() {
    for (const button of document.querySelectorAll("[data-metric]")) {
      button.addEventListener("click", () => {
        this.metric = button.dataset.metric;
        for (const b of document.querySelectorAll("[data-metric]")) b.setAttribute("aria-pressed", String(b === button));
        this.renderLegend();
        this.schedule();
      });
    }
    for (const button of document.querySelectorAll("[data-window]")) {
      button.addEventListener("click", () => {
        this.windowS = Number(button.dataset.window);
        for (const b of document.querySelectorAll("[data-window]")) b.setAttribute("aria-pressed", String(b === button));
        this.schedule();
      });
    }
    this.canvas.addEventListener("pointermove", (event) => {
      this.hoverX = event.clientX - this.canvas.getBoundingClientRect().left;
      this.schedule();
    });
    this.canvas.addEventListener("pointerleave", () => {
      this.hoverX = null;
      this.schedule();
    });
    new ResizeObserver(() => this.resize()).observe(this.box);
    window.matchMedia("(prefers-color-scheme: light)").addEventListener("change", () => {
      this.theme = null;
      this.schedule();
    });
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) this.schedule();
    });
    this.resize();
  }

  schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(this.draw);
  }

  resize() {
    const rect = this.box.getBoundingClientRect();
    this.dpr = window.devicePixelRatio || 1;
    this.width = Math.max(0, Math.floor(rect.width));
    this.height = Math.max(0, Math.floor(rect.height));
    const w = Math.round(this.width * this.dpr);
    const h = Math.round(this.height * this.dpr);
    if (this.canvas.width !== w) this.canvas.width = w;
    if (this.canvas.height !== h) this.canvas.height = h;
    this.schedule();
  }

  readTheme() {
    const css = getComputedStyle(document.documentElement);
    const v = (name) => css.getPropertyValue(name).trim();
    this.theme = { text: v("--text"), muted: v("--muted"), grid: v("--grid"), border: v("--border"), font: v("--sans") };
  }

  format(v) {
    return this.metric === "seconds_behind" ? fmtDuration(v) : fmtInt(v);
  }

  draw() {
    this.scheduled = false;
    const { ctx, width: w, height: h, history } = this;
    if (!w || !h) return;
    if (!this.theme) this.readTheme();
    const theme = this.theme;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);

    const plotW = Math.max(10, w - PAD.left - PAD.right);
    const plotH = Math.max(10, h - PAD.top - PAD.bottom);
    const metric = this.metric;
    const n = history.size;
    const tEnd = n ? history.lastTime : Date.now() / 1000;
    // Until the history fills the window, the samples it has span the width (a minute at least).
    const span = n ? Math.min(this.windowS, Math.max(MIN_SPAN_S, tEnd - history.timeAt(0))) : this.windowS;
    const tStart = tEnd - span;
    const first = n ? history.lowerBound(tStart) : 0;

    let yMax = 0;
    const order = this.order;
    order.length = 0;
    for (const [name, s] of history.series) {
      if (this.hidden.has(name)) continue;
      const values = s[metric];
      let seriesMax = 0;
      for (let i = first; i < n; i++) {
        const v = values[history.slot(i)];
        if (v > seriesMax) seriesMax = v;
      }
      if (seriesMax > yMax) yMax = seriesMax;
      order.push([seriesMax, name]);
    }
    // Flat series first, so a line at zero never hides the one that is lagging.
    order.sort((a, b) => a[0] - b[0]);
    const yStep = niceStep(yMax > 0 ? yMax : metric === "seconds_behind" ? 1 : 10, 4);
    const yTop = Math.max(yStep, Math.ceil(yMax / yStep) * yStep);
    this.span = span;
    const frame = {
      tStart,
      span,
      first,
      plotW,
      plotH,
      x: (t) => PAD.left + ((t - tStart) / span) * plotW,
      y: (v) => PAD.top + plotH - (v / yTop) * plotH,
    };
    this.drawAxes(frame, tEnd, yTop, yStep);
    const { points, drawn } = this.drawSeries(frame);
    this.drawHover(frame);

    setAttr(this.canvas, "data-points", String(points));
    setAttr(this.canvas, "data-series", String(drawn));
    setAttr(this.canvas, "data-metric", metric);
    setAttr(this.canvas, "data-y-max", String(yTop));
    this.emptyNote.hidden = points > 0;
    setAttr(this.canvas, "aria-label", this.summary());
  }

  drawAxes(frame, tEnd, yTop, yStep) {
    const { ctx, theme } = this;
    const { plotW, plotH } = frame;
    ctx.font = `11px ${theme.font}`;
    ctx.lineWidth = 1;
    ctx.textBaseline = "middle";
    ctx.textAlign = "right";
    ctx.fillStyle = theme.muted;
    ctx.strokeStyle = theme.grid;
    ctx.beginPath();
    for (let v = 0; v <= yTop + yStep / 2; v += yStep) {
      const y = Math.round(frame.y(v)) + 0.5;
      ctx.moveTo(PAD.left, y);
      ctx.lineTo(PAD.left + plotW, y);
      ctx.fillText(this.metric === "seconds_behind" ? `${fmtCompact(v)} s` : fmtCompact(v), PAD.left - 8, y);
    }
    ctx.stroke();

    // Time ticks fall on round clock times, about six across whatever the window.
    const step = TIME_STEPS.find((s) => frame.span / s <= 7) || 3600;
    const baseline = Math.round(PAD.top + plotH) + 0.5;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    ctx.beginPath();
    for (let t = Math.ceil(frame.tStart / step) * step; t <= tEnd; t += step) {
      const x = Math.round(frame.x(t)) + 0.5;
      ctx.moveTo(x, baseline);
      ctx.lineTo(x, baseline + 4);
      const label = fmtClock(new Date(t * 1000), step < 60);
      const half = ctx.measureText(label).width / 2;
      ctx.fillText(label, Math.min(x, this.width - 2 - half), baseline + 8); // the last label stays inside
    }
    ctx.stroke();
    ctx.strokeStyle = theme.border;
    ctx.beginPath();
    ctx.moveTo(PAD.left, baseline);
    ctx.lineTo(PAD.left + plotW, baseline);
    ctx.stroke();

    ctx.textAlign = "left";
    ctx.textBaseline = "alphabetic";
    ctx.fillText(METRIC_LABEL[this.metric], PAD.left, PAD.top - 10);
  }

  drawSeries(frame) {
    const { ctx, history } = this;
    const n = history.size;
    ctx.save();
    ctx.beginPath();
    ctx.rect(PAD.left, PAD.top - 3, frame.plotW + 3, frame.plotH + 6); // a line entering from the left stays inside
    ctx.clip();
    ctx.lineWidth = 2;
    ctx.lineJoin = "round";
    ctx.lineCap = "round";
    let points = 0;
    let drawn = 0;
    const from = Math.max(0, frame.first - 1);
    for (const [, name] of this.order) {
      const values = history.series.get(name)[this.metric];
      const colour = this.colourOf(name);
      ctx.strokeStyle = colour;
      ctx.beginPath();
      let penDown = false;
      let prevT = -Infinity;
      let count = 0;
      let lastX = NaN;
      let lastY = NaN;
      for (let i = from; i < n; i++) {
        const slot = history.slot(i);
        const v = values[slot];
        if (!isNum(v)) {
          penDown = false;
          continue;
        }
        const t = history.times[slot];
        const x = frame.x(t);
        const y = frame.y(v);
        if (penDown && t - prevT <= GAP_S) ctx.lineTo(x, y);
        else ctx.moveTo(x, y);
        penDown = true;
        prevT = t;
        lastX = x;
        lastY = y;
        if (t >= frame.tStart) count += 1;
      }
      ctx.stroke();
      if (isNum(lastX)) {
        ctx.fillStyle = colour;
        ctx.beginPath();
        ctx.arc(lastX, lastY, 3, 0, Math.PI * 2);
        ctx.fill();
      }
      points += count;
      if (count) drawn += 1;
    }
    ctx.restore();
    return { points, drawn };
  }

  drawHover(frame) {
    const { history, tip, ctx } = this;
    const n = history.size;
    const inside = this.hoverX !== null && this.hoverX >= PAD.left && this.hoverX <= PAD.left + frame.plotW;
    if (!inside || n === 0 || frame.first >= n) {
      if (!tip.hidden) tip.hidden = true;
      return;
    }
    const t = frame.tStart + ((this.hoverX - PAD.left) / frame.plotW) * frame.span;
    let i = Math.min(n - 1, Math.max(frame.first, history.lowerBound(t)));
    if (i > frame.first && Math.abs(history.timeAt(i - 1) - t) < Math.abs(history.timeAt(i) - t)) i -= 1;
    const slot = history.slot(i);
    const ts = history.times[slot];
    const x = Math.round(frame.x(ts)) + 0.5;
    ctx.strokeStyle = this.theme.muted;
    ctx.setLineDash([3, 3]);
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(x, PAD.top);
    ctx.lineTo(x, PAD.top + frame.plotH);
    ctx.stroke();
    ctx.setLineDash([]);

    tip.replaceChildren(el("div", { class: "tip-time" }, fmtClock(new Date(ts * 1000))));
    for (const [name, s] of history.series) {
      if (this.hidden.has(name)) continue;
      const v = s[this.metric][slot];
      if (isNum(v)) {
        ctx.fillStyle = this.colourOf(name);
        ctx.beginPath();
        ctx.arc(x, frame.y(v), 3.5, 0, Math.PI * 2);
        ctx.fill();
      }
      const label = el("span");
      label.append(swatch(this.colourOf(name)), document.createTextNode(name));
      const row = el("div", { class: "tip-row" });
      row.append(label, el("span", null, this.format(v)));
      tip.append(row);
    }
    tip.hidden = false;
    const left = x + 14 + tip.offsetWidth > this.width ? x - 14 - tip.offsetWidth : x + 14;
    tip.style.left = `${Math.max(0, left)}px`;
  }

  summary() {
    if (!this.history.size) return "Lag chart: no data yet";
    const parts = [];
    for (const name of this.history.series.keys()) {
      const v = this.history.latest(name, this.metric);
      if (isNum(v)) parts.push(`${name} ${this.format(v)}`);
    }
    return `Lag chart, ${METRIC_LABEL[this.metric]} over the last ${fmtDuration(this.span)}; now: ${parts.join(", ")}`;
  }

  /** One toggle button per series, with its latest value; built once per projector. */
  renderLegend() {
    for (const name of this.history.series.keys()) {
      let item = this.legendItems.get(name);
      if (!item) {
        const button = el("button", { type: "button", "aria-pressed": "true", "data-series": name, "data-testid": `legend-${name}` });
        const value = el("span", { class: "legend-value" });
        button.append(swatch(this.colourOf(name)), document.createTextNode(name), value);
        button.addEventListener("click", () => {
          const hide = !this.hidden.has(name);
          if (hide) this.hidden.add(name);
          else this.hidden.delete(name);
          button.setAttribute("aria-pressed", String(!hide));
          this.schedule();
        });
        const li = el("li");
        li.append(button);
        this.legend.append(li);
        item = { value };
        this.legendItems.set(name, item);
      }
      const v = this.history.latest(name, this.metric);
      setText(item.value, isNum(v) ? this.format(v) : "");
    }
  }
}
