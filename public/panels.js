const byId = (id) => document.getElementById(id);

const set = (id, value) => {
  byId(id).textContent = value === null || value === undefined ? '–' : String(value);
};

const clock = (iso) => new Date(iso).toLocaleTimeString();

const HEALTH_FIGURES = ['health-cpu', 'health-memory', 'health-response', 'health-errors'];
const COUNT_FIGURES = [
  'memories-total',
  'searches',
  'memories-created',
  'memories-updated',
  'memories-deleted',
  'average-search',
  'active-connections',
];

/**
 * When each panel's figures were taken: a reading fetched from the API may come back after a
 * newer one arrived on the stream, and must not replace it.
 */
const shownAt = { health: 0, analytics: 0 };

const isNewer = (panel, iso) => {
  const at = Date.parse(iso);
  if (at < shownAt[panel]) return false;
  shownAt[panel] = at;
  return true;
};

/** The service status panel, from `system.health` or `GET /api/v1/system/health`. */
export function showHealth(data) {
  if (!isNewer('health', data.timestamp)) return;
  const status = byId('health-status');
  status.dataset.status = data.status;
  status.textContent = data.status;
  const services = Object.entries(data.services ?? {}).map(([name, state]) => {
    const item = document.createElement('li');
    item.dataset.status = state;
    item.textContent = `${name}: ${state}`;
    return item;
  });
  byId('health-services').replaceChildren(...services);
  set('health-cpu', `${data.metrics.cpu_usage} %`);
  set('health-memory', `${data.metrics.memory_usage} %`);
  set('health-response', `${data.metrics.response_time} ms`);
  set('health-errors', `${data.metrics.error_rate} %`);
  set('health-updated', `As of ${clock(data.timestamp)}`);
}

/**
 * The counts panel, from `analytics.update` or `GET /api/v1/analytics` (counts over a window, the
 * total now).
 */
export function showAnalytics(data) {
  if (!isNewer('analytics', data.timestamp)) return;
  set('memories-total', data.memories_total);
  set('searches', data.searches);
  set('memories-created', data.memories_created);
  set('memories-updated', data.memories_updated);
  set('memories-deleted', data.memories_deleted);
  set(
    'average-search',
    data.average_search_time === null ? null : `${data.average_search_time} ms`,
  );
  set('active-connections', data.active_connections);
  set(
    'counts-updated',
    `Memories: the total now. The rest: the last ${data.window_seconds} s, to ${clock(data.timestamp)}.`,
  );
}

/** Empties both panels: their figures belonged to a connection that is gone. */
export function clearPanels() {
  shownAt.health = 0;
  shownAt.analytics = 0;
  const status = byId('health-status');
  status.dataset.status = 'unknown';
  status.textContent = 'Not connected';
  byId('health-services').replaceChildren();
  for (const id of [...HEALTH_FIGURES, ...COUNT_FIGURES]) set(id, null);
  byId('health-updated').textContent = '';
  byId('counts-updated').textContent = '';
}

/** Reads a panel's figures from the API with the key, for `show`; says so when it cannot. */
export async function loadPanel(path, apiKey, show, note) {
  try {
    const response = await fetch(path, { headers: { Authorization: `Bearer ${apiKey}` } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.message ?? `HTTP ${response.status}`);
    show(body);
  } catch (error) {
    byId(note).textContent = `Could not load: ${error.message}`;
  }
}
