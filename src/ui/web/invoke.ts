import { report } from './alert.js';
import { ApiError, getJson, namespace, paths, type FunctionStatus } from './api.js';
import { clearFieldError, field, fill, h, showFieldError } from './dom.js';
import type { View } from './view.js';

function parseHeaders(text: string): Headers {
  const headers = new Headers();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`line ${i + 1}: ${JSON.stringify(line)} is not "Name: value"`);
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  });
  return headers;
}

function prettyBody(text: string, type: string | null): string {
  if (!/json/i.test(type ?? '') && !/^\s*[[{]/.test(text)) return text;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export function invokeView(ns = namespace.get(), name?: string): View {
  const fnSelect = field(
    'Function',
    h('select', { name: 'function', required: true }, name ? h('option', { value: name }, name) : null),
  );
  const method = field(
    'Method',
    h(
      'select',
      { name: 'method' },
      ['POST', 'GET', 'PUT', 'PATCH', 'DELETE'].map((m) => h('option', {}, m)),
    ),
  );
  const path = field(
    'Path',
    h('input', { name: 'path', value: '/', autocomplete: 'off' }),
    'after /function/NAME',
  );
  const headers = field(
    'Headers',
    h('textarea', { name: 'headers', rows: 3, placeholder: 'X-Name: value' }),
    'one "Name: value" per line',
  );
  const kind = field(
    'Body is',
    h(
      'select',
      { name: 'kind' },
      h('option', { value: 'text' }, 'text'),
      h('option', { value: 'json' }, 'JSON'),
    ),
  );
  const body = field('Body', h('textarea', { name: 'body', rows: 5 }));
  const mode = field(
    'Mode',
    h(
      'select',
      { name: 'mode' },
      h('option', { value: 'sync' }, 'sync: wait for the answer'),
      h('option', { value: 'async' }, 'async: queue it (202)'),
    ),
  );
  const callback = field(
    'Callback URL',
    h('input', { name: 'callback', type: 'url', placeholder: 'http://…', disabled: true }),
    'async only: the result is POSTed there',
  );
  mode.control.addEventListener('change', () => {
    (callback.control as HTMLInputElement).disabled = mode.control.value !== 'async';
  });
  const result = h(
    'section',
    { class: 'panel result', 'aria-labelledby': 'result-title', 'aria-live': 'polite' },
    h('h2', { id: 'result-title' }, 'Response'),
    h('p', { class: 'hint' }, 'Nothing sent yet.'),
  );
  const send = h('button', { type: 'submit' }, 'Invoke');

  void getJson<FunctionStatus[]>(paths.functions(ns))
    .then((fns) =>
      fill(
        fnSelect.control,
        fns.map((f) => h('option', { value: f.name, selected: f.name === name }, f.name)),
      ),
    )
    .catch((err: unknown) => report(err, 'Function list'));

  const submit = async () => {
    for (const f of [headers, body, callback]) clearFieldError(f);
    let hdrs: Headers;
    try {
      hdrs = parseHeaders(headers.control.value);
    } catch (err) {
      showFieldError(headers, (err as Error).message);
      return;
    }
    const m = method.control.value;
    let payload: string | undefined = m === 'GET' ? undefined : body.control.value;
    if (kind.control.value === 'json' && payload !== undefined) {
      try {
        payload = JSON.stringify(JSON.parse(payload || 'null'));
      } catch (err) {
        showFieldError(body, `not valid JSON: ${(err as Error).message}`);
        return;
      }
      if (!hdrs.has('content-type')) hdrs.set('Content-Type', 'application/json');
    }
    const isAsync = mode.control.value === 'async';
    if (isAsync && callback.control.value) hdrs.set('X-Callback-Url', callback.control.value);
    const rest = path.control.value.startsWith('/') ? path.control.value : `/${path.control.value}`;
    const url = `/${isAsync ? 'async-function' : 'function'}/${encodeURIComponent(fnSelect.control.value)}.${encodeURIComponent(ns)}${rest}`;
    send.disabled = true;
    fill(result, h('h2', { id: 'result-title' }, 'Response'), h('p', { class: 'hint' }, 'Waiting…'));
    const started = performance.now();
    try {
      let res: Response;
      try {
        res = await fetch(url, {
          method: m,
          headers: hdrs,
          ...(payload === undefined ? {} : { body: payload }),
        });
      } catch (err) {
        throw new ApiError(0, (err as Error).message);
      }
      const text = await res.text();
      const ms = performance.now() - started;
      fill(
        result,
        h('h2', { id: 'result-title' }, 'Response'),
        h(
          'p',
          { class: res.ok ? 'ok' : 'bad' },
          h('strong', { 'data-status': res.status }, `${res.status} ${res.statusText}`),
          ` in ${ms.toFixed(0)} ms`,
        ),
        h('h3', {}, 'Headers'),
        h(
          'dl',
          { class: 'headers' },
          [...res.headers].map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
        ),
        h('h3', {}, 'Body'),
        h(
          'pre',
          { class: 'body', tabindex: 0 },
          prettyBody(text, res.headers.get('content-type')) || '(empty)',
        ),
      );
    } catch (err) {
      fill(result, h('h2', { id: 'result-title' }, 'Response'));
      report(err, 'Invoke');
    } finally {
      send.disabled = false;
    }
  };
  const form = h(
    'form',
    { class: 'grid', 'aria-label': 'Request' },
    fnSelect.row,
    method.row,
    path.row,
    mode.row,
    callback.row,
    kind.row,
    headers.row,
    body.row,
    h('div', { class: 'actions' }, send),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void submit();
  });
  const el = h(
    'section',
    { 'aria-labelledby': 'view-title' },
    h('h1', { id: 'view-title', tabindex: -1 }, `Invoke${name ? ` ${name}` : ''}`),
    h('p', { class: 'hint' }, `Namespace ${ns}`),
    form,
    result,
  );
  return { title: 'Invoke', el };
}
