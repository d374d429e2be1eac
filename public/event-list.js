const MAX_ROWS = 200;

const text = (value, max = 80) => {
  const s = String(value ?? '');
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
};

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** One line that says what happened. */
function summary(type, data) {
  switch (type) {
    case 'memory.created':
      return `${data.id} · ${text(data.title ?? data.content)} · by ${data.created_by}`;
    case 'memory.updated': {
      const changed = Object.keys(data.changes ?? {}).filter((field) => data.changes[field]);
      return `${data.id} · changed ${changed.join(', ') || 'nothing'} · by ${data.updated_by}`;
    }
    case 'memory.deleted':
      return `${data.id} · ${data.reason} · by ${data.deleted_by}`;
    case 'search.performed':
      return `“${text(data.query, 60)}” → ${plural(data.results_count, 'result')} in ${data.execution_time} ms`;
    case 'user.activity':
      return `${data.user_id} · ${data.action} · ${data.resource_id ?? data.resource_type}`;
    case 'system.health':
      return `${data.status} · database ${data.services?.database} · search ${data.services?.search}`;
    case 'analytics.update':
      return `${plural(data.memories_total, 'memory', 'memories')} · ${plural(data.searches, 'search', 'searches')} in ${data.window_seconds} s`;
    case 'stream.reset':
      return `Could not resume (${data.reason}): events may be missing`;
    default:
      return '';
  }
}

/** The live list: newest first, filtered by type, pausable. Text only: never HTML from events. */
export class EventList {
  #list;
  #empty;
  #pauseButton;
  #filter = '';
  #paused = false;
  #held = [];

  constructor({ list, empty, filter, pause, clear }) {
    this.#list = list;
    this.#empty = empty;
    this.#pauseButton = pause;
    filter.addEventListener('change', () => {
      this.#filter = filter.value;
      for (const row of this.#list.children) this.#applyFilter(row);
    });
    pause.addEventListener('click', () => this.#togglePause());
    clear.addEventListener('click', () => {
      this.#list.replaceChildren();
      this.#held = [];
      this.#updateChrome();
    });
  }

  add(type, id, data) {
    const row = this.#row(type, id, data);
    if (this.#paused) {
      this.#held.push(row);
      if (this.#held.length > MAX_ROWS) this.#held.shift();
    } else {
      this.#show(row);
    }
    this.#updateChrome();
  }

  #togglePause() {
    this.#paused = !this.#paused;
    if (!this.#paused) for (const row of this.#held.splice(0)) this.#show(row);
    this.#updateChrome();
  }

  #show(row) {
    this.#applyFilter(row);
    this.#list.prepend(row);
    while (this.#list.children.length > MAX_ROWS) this.#list.lastElementChild.remove();
  }

  #applyFilter(row) {
    row.hidden = this.#filter !== '' && row.dataset.type !== this.#filter;
  }

  #updateChrome() {
    this.#empty.hidden = this.#list.children.length > 0 || this.#held.length > 0;
    this.#pauseButton.setAttribute('aria-pressed', String(this.#paused));
    this.#pauseButton.textContent = this.#paused ? `Resume (${this.#held.length} new)` : 'Pause';
  }

  #row(type, id, data) {
    const row = document.createElement('li');
    row.className = 'event';
    row.dataset.type = type;
    row.dataset.id = id;
    const time = document.createElement('time');
    time.textContent = new Date().toLocaleTimeString();
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.textContent = type;
    const line = document.createElement('span');
    line.className = 'summary';
    line.textContent = summary(type, data);
    // A button and a full-width block rather than <details>: open, the data takes a row of its
    // own instead of squeezing the summary.
    const toggle = document.createElement('button');
    toggle.type = 'button';
    toggle.className = 'toggle';
    toggle.textContent = 'data';
    toggle.setAttribute('aria-expanded', 'false');
    const json = document.createElement('pre');
    json.hidden = true;
    json.textContent = JSON.stringify(data, null, 2);
    toggle.addEventListener('click', () => {
      json.hidden = !json.hidden;
      toggle.setAttribute('aria-expanded', String(!json.hidden));
    });
    row.append(time, badge, line, toggle, json);
    return row;
  }
}
