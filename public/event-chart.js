import uPlot from './vendor/uplot.esm.js';

/** How far back the chart looks. */
export const WINDOW_SECONDS = 300;
const HEIGHT = 180;
/** Seconds per bar: one where there is room, more on a phone so that each bar stays visible. */
const BAR_SECONDS = [1, 2, 5, 10];
const MIN_BAR_PX = 3;

/** One colour per event type, kept apart for colour-blind readers where possible. */
const COLORS = {
  'memory.created': '#0f9f8f',
  'memory.updated': '#3b82f6',
  'memory.deleted': '#c53030',
  'search.performed': '#7c3aed',
  'user.activity': '#d97706',
  'system.health': '#64748b',
  'analytics.update': '#111827',
};

const nowSecond = () => Math.floor(Date.now() / 1000);

/**
 * Events per second by type over the last few minutes, drawn by uPlot (served from its npm
 * package), with a legend of its own that counts each type over the window and wraps on a phone.
 */
export class EventChart {
  #types;
  #plot;
  #legend;
  #total;
  /** second (Unix) -> type -> events that second. */
  #buckets = new Map();
  #drawPending = false;
  #barSeconds = 1;

  constructor({ container, legend, total, types }) {
    this.#types = types;
    this.#legend = legend;
    this.#total = total;
    this.#plot = new uPlot(this.#options(container.clientWidth), this.#data().columns, container);
    new ResizeObserver(() =>
      this.#plot.setSize({ width: container.clientWidth, height: HEIGHT }),
    ).observe(container);
    this.#legend.replaceChildren(...types.map((type) => this.#legendItem(type)));
    this.#render();
    // The window slides every second, events or not.
    setInterval(() => this.#render(), 1000);
  }

  count(type) {
    if (!this.#types.includes(type)) return;
    const second = nowSecond();
    const counts = this.#buckets.get(second) ?? new Map();
    counts.set(type, (counts.get(type) ?? 0) + 1);
    this.#buckets.set(second, counts);
    // A burst (a resume replays hundreds at once) is drawn once, on the next frame.
    if (this.#drawPending) return;
    this.#drawPending = true;
    requestAnimationFrame(() => {
      this.#drawPending = false;
      this.#render();
    });
  }

  /** Forgets every count: the figures belonged to a connection that is gone. */
  reset() {
    this.#buckets.clear();
    this.#render();
  }

  #options(width) {
    return {
      width,
      height: HEIGHT,
      legend: { show: false },
      cursor: { show: false },
      scales: {
        // Each bar covers its seconds, so the newest one needs room to the right of its start.
        x: { time: true, range: (_plot, min, max) => [min, max + this.#barSeconds] },
        y: { range: (_plot, _min, max) => [0, Math.max(2, Math.ceil(max * 1.1))] },
      },
      axes: [{ space: 60 }, { label: 'events / s', size: 44, space: 24 }],
      // Stacked bars: the top of each stack is drawn first, each type below it over it, so each
      // type shows as its own band and none hides another.
      series: [
        {},
        ...this.#types.toReversed().map((type) => ({
          label: type,
          fill: COLORS[type],
          stroke: COLORS[type],
          width: 0,
          points: { show: false },
          paths: uPlot.paths.bars({ size: [1, Infinity], gap: 0, align: 1 }),
        })),
      ],
    };
  }

  /** The fewest seconds per bar that keep bars MIN_BAR_PX wide in the plot's width. */
  #chooseBarSeconds() {
    const width = this.#plot?.over.clientWidth ?? 0;
    const fits = (seconds) => (width * seconds) / WINDOW_SECONDS >= MIN_BAR_PX;
    return BAR_SECONDS.find(fits) ?? BAR_SECONDS.at(-1);
  }

  /** Events of each type per bar over the window: bar start times, then counts per type. */
  #counts() {
    const size = this.#chooseBarSeconds();
    this.#barSeconds = size;
    const newest = Math.floor(nowSecond() / size) * size;
    const start = newest - WINDOW_SECONDS + size;
    for (const second of this.#buckets.keys()) if (second < start) this.#buckets.delete(second);
    const bars = Array.from({ length: WINDOW_SECONDS / size }, (_, i) => start + i * size);
    const inBar = (bar, type) => {
      let count = 0;
      for (let second = bar; second < bar + size; second++) {
        count += this.#buckets.get(second)?.get(type) ?? 0;
      }
      return count;
    };
    return { bars, perType: this.#types.map((type) => bars.map((bar) => inBar(bar, type))) };
  }

  /** uPlot's columns: bar times, then the stacks' tops per second, the tallest (every type) first. */
  #data() {
    const { bars, perType } = this.#counts();
    const stacks = [];
    let below = bars.map(() => 0);
    for (const counts of perType) {
      below = below.map((sum, i) => sum + counts[i] / this.#barSeconds);
      stacks.push(below);
    }
    return { columns: [bars, ...stacks.toReversed()], perType };
  }

  #render() {
    const { columns, perType } = this.#data();
    this.#plot.setData(columns);
    let total = 0;
    this.#types.forEach((type, index) => {
      const sum = perType[index].reduce((a, b) => a + b, 0);
      total += sum;
      this.#legend.querySelector(`[data-type="${type}"] .count`).textContent = String(sum);
    });
    this.#total.textContent = `${total} ${total === 1 ? 'event' : 'events'} in the last ${WINDOW_SECONDS / 60} minutes`;
    this.#total.dataset.total = String(total);
  }

  #legendItem(type) {
    const item = document.createElement('li');
    item.dataset.type = type;
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = COLORS[type];
    const name = document.createElement('span');
    name.textContent = type;
    const count = document.createElement('span');
    count.className = 'count';
    item.append(swatch, name, count);
    return item;
  }
}
