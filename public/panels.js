const byId = (id) => document.getElementById(id);

const set = (id, value) => {
  byId(id).textContent = value === null || value === undefined ? '–' : String(value);
};

const clock = (iso) => new Date(iso).toLocaleTimeString();

/** The service status panel, from `system.health`. */
export function showHealth(data) {
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

/** The counts panel, from `analytics.update` (counts over its window, the total now). */
export function showAnalytics(data) {
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
