import { EventList } from './event-list.js';
import { DATA_EVENT_TYPES, LiveStream } from './live-stream.js';
import { showAnalytics, showHealth } from './panels.js';

/** Only when the user ticks "Remember": otherwise the key lives in this page's memory alone. */
const STORAGE_KEY = 'mnemo.apiKey';

const byId = (id) => document.getElementById(id);
const form = byId('key-form');
const keyInput = byId('api-key');
const remember = byId('remember');
const disconnect = byId('disconnect');
const connectButton = byId('connect');

const LABELS = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  stopped: 'Stopped',
};

let stream = null;

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

function showState(state, detail) {
  const pill = byId('connection');
  pill.dataset.state = state;
  byId('connection-label').textContent = LABELS[state];
  if (detail || state !== 'live') byId('connection-detail').textContent = detail;
  const running = state !== 'stopped' && state !== 'idle';
  connectButton.hidden = running;
  disconnect.hidden = !running;
  keyInput.disabled = running;
  if (state === 'stopped') byId('key-message').textContent = detail;
}

function received(type, id, data) {
  if (type === 'heartbeat') {
    byId('connection-detail').textContent =
      `${data.connection_id} · heartbeat ${new Date(data.timestamp).toLocaleTimeString()}`;
    return;
  }
  if (type === 'system.health') showHealth(data);
  if (type === 'analytics.update') showAnalytics(data);
  events.add(type, id, data);
}

function connect(key) {
  stream?.stop();
  byId('key-message').textContent = '';
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

disconnect.addEventListener('click', () => stream?.stop('Disconnected'));

const remembered = storage.read();
if (remembered) {
  keyInput.value = remembered;
  remember.checked = true;
  connect(remembered);
}
