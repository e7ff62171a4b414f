import { report } from './alert.js';
import { call, paths } from './api.js';
import { h } from './dom.js';

const MAX_LINES = 500;

interface LogMessage {
  timestamp: string;
  text: string;
  instance?: string;
}

/**
 * A function's live log: follows /system/logs (ndjson) until paused; reconnects from the last line it
 * showed when the stream ends (the gateway closes an idle one); keeps the last MAX_LINES lines.
 */
export function logPanel(name: string, ns: string): { el: HTMLElement; dispose: () => void } {
  const out = h('ol', {
    class: 'log',
    role: 'log',
    'aria-live': 'polite',
    'aria-label': `Logs of ${name}`,
    tabindex: 0,
  });
  const toggle = h('button', { type: 'button', 'aria-pressed': 'true', class: 'secondary' }, 'Pause');
  const state = h('span', { class: 'hint', 'aria-live': 'polite' }, '');
  let following = true;
  let last = '';
  let seen = new Set<string>();
  let abort: AbortController | undefined;
  let disposed = false;

  const add = (m: LogMessage) => {
    // A reconnect asks from the last timestamp: lines at that very instant come twice.
    const key = `${m.timestamp} ${m.text}`;
    if (m.timestamp < last || (m.timestamp === last && seen.has(key))) return;
    if (m.timestamp > last) seen = new Set();
    seen.add(key);
    last = m.timestamp;
    out.append(h('li', {}, h('time', { datetime: m.timestamp }, m.timestamp.slice(11, 23)), ' ', m.text));
    while (out.childElementCount > MAX_LINES) out.firstElementChild?.remove();
    if (out.scrollHeight - out.scrollTop - out.clientHeight < 80) out.scrollTop = out.scrollHeight;
  };

  const follow = async () => {
    abort = new AbortController();
    state.textContent = 'Following';
    try {
      const res = await call('GET', paths.logs(name, ns, last || undefined), undefined, abort.signal);
      const reader = res.body?.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) break;
        buf += chunk.value;
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const l of lines) if (l.trim()) add(JSON.parse(l) as LogMessage);
      }
    } catch (err) {
      if (abort.signal.aborted) return;
      report(err, 'Logs');
    }
    if (following && !disposed) {
      state.textContent = 'Reconnecting…';
      window.setTimeout(() => void (following && !disposed && follow()), 1000);
    }
  };

  toggle.addEventListener('click', () => {
    following = !following;
    toggle.setAttribute('aria-pressed', String(following));
    toggle.textContent = following ? 'Pause' : 'Follow';
    if (following) void follow();
    else {
      abort?.abort();
      state.textContent = 'Paused';
    }
  });
  void follow();
  const el = h(
    'section',
    { 'aria-labelledby': 'logs-title', class: 'panel' },
    h('div', { class: 'view-head' }, h('h2', { id: 'logs-title' }, 'Logs'), h('div', {}, state, ' ', toggle)),
    out,
  );
  return {
    el,
    dispose: () => {
      disposed = true;
      abort?.abort();
    },
  };
}
