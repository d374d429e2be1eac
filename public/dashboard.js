import { EventChart } from './event-chart.js';
import { EventList } from './event-list.js';
import { DATA_EVENT_TYPES, LiveStream } from './live-stream.js';
import { clearPanels, loadPanel, showAnalytics, showHealth } from './panels.js';

/** Only when the user ticks "Remember": otherwise the key lives in this page's memory alone. */
const STORAGE_KEY = 'mnemo.apiKey';
/** Events that change the counts: the panel reads them again, at most this often. */
const COUNTS_REFRESH_MS = 2000;
const COUNTED_TYPES = new Set([
  'memory.created',
  'memory.updated',
  'memory.deleted',
  'search.performed',
]);

const byId = (id) => document.getElementById(id);
const form = byId('key-form');
const keyInput = byId('api-key');
const remember = byId('remember');
const disconnect = byId('disconnect');
const connectButton = byId('connect');
const message = byId('key-message');

const LABELS = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  waiting: 'Waiting',
  stopped: 'Stopped',
};

let stream = null;
let apiKey = '';
let countdown = null;
let countsRefresh = null;

const storage = {
  // Storage can be unavailable (privacy modes): the page then works without it.
  read() {
    try {
      return localStorage.getItem(STORAGE_KEY);
    } catch {
      return null;
    }
  },
  write(key) {
    try {
      if (key === null) localStorage.removeItem(STORAGE_KEY);
      else localStorage.setItem(STORAGE_KEY, key);
    } catch {
      // Not remembered; still connected.
    }
  },
};

for (const type of DATA_EVENT_TYPES) byId('type-filter').append(new Option(type, type));

const events = new EventList({
  list: byId('event-list'),
  empty: byId('events-empty'),
  filter: byId('type-filter'),
  pause: byId('pause'),
  clear: byId('clear'),
});

const chart = new EventChart({
  container: byId('chart'),
  legend: byId('chart-legend'),
  total: byId('chart-total'),
  types: DATA_EVENT_TYPES,
});

/** "retrying in 42 s", counted down each second until the stream tries again. */
function showCountdown(retryAt) {
  clearInterval(countdown);
  const detail = byId('connection-detail');
  const tick = () => {
    const seconds = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
    detail.textContent = `retrying in ${seconds} s`;
  };
  tick();
  countdown = setInterval(tick, 1000);
}

function showState(state, { message: reason = '', retryAt } = {}) {
  clearInterval(countdown);
  byId('connection').dataset.state = state;
  byId('connection-label').textContent = LABELS[state];
  if (state !== 'live') byId('connection-detail').textContent = '';
  if (retryAt !== undefined && retryAt - Date.now() >= 1000) showCountdown(retryAt);
  // Why it is not live, in words, where the key was typed; cleared once it is.
  message.dataset.tone = state === 'stopped' ? 'error' : 'warning';
  if (state === 'live' || state === 'idle' || reason) message.textContent = reason;
  const running = state !== 'stopped' && state !== 'idle';
  connectButton.hidden = running;
  disconnect.hidden = !running;
  keyInput.disabled = running;
  // The key reads them even while the stream waits for a free slot.
  if (state === 'live' || state === 'waiting') refreshPanels();
  if (!running) {
    clearPanels();
    chart.reset();
  }
}

/** Both panels from the API at once, rather than after the next periodic events. */
function refreshPanels() {
  const current = stream;
  const onlyIfCurrent = (show) => (data) => {
    if (stream === current) show(data);
  };
  void loadPanel('api/v1/system/health', apiKey, onlyIfCurrent(showHealth), 'health-updated');
  refreshCounts();
}

function refreshCounts() {
  clearTimeout(countsRefresh);
  countsRefresh = null;
  const current = stream;
  void loadPanel(
    'api/v1/analytics',
    apiKey,
    (data) => {
      if (stream === current) showAnalytics(data);
    },
    'counts-updated',
  );
}

function received(type, id, data) {
  if (type === 'heartbeat') {
    byId('connection-detail').textContent =
      `heartbeat ${new Date(data.timestamp).toLocaleTimeString()}`;
    return;
  }
  if (type === 'system.health') showHealth(data);
  if (type === 'analytics.update') showAnalytics(data);
  if (COUNTED_TYPES.has(type) && countsRefresh === null) {
    countsRefresh = setTimeout(refreshCounts, COUNTS_REFRESH_MS);
  }
  chart.count(type);
  events.add(type, id, data);
}

function connect(key) {
  stream?.close();
  apiKey = key;
  stream = new LiveStream(key, { event: received, state: showState });
  stream.start();
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const key = keyInput.value.trim();
  if (!key) return;
  storage.write(remember.checked ? key : null);
  connect(key);
});

// Unticking forgets a remembered key at once.
remember.addEventListener('change', () => {
  if (!remember.checked) storage.write(null);
});

disconnect.addEventListener('click', () => {
  stream?.close();
  stream = null;
  clearTimeout(countsRefresh);
  countsRefresh = null;
});

const remembered = storage.read();
if (remembered) {
  keyInput.value = remembered;
  remember.checked = true;
  connect(remembered);
}
