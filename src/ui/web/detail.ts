import { announce, every, report } from './alert.js';
import { ApiError, call, getJson, paths, type FunctionStatus } from './api.js';
import { confirmDialog, fill, formatBytes, h, type Child } from './dom.js';
import { logPanel } from './logs.js';
import type { View } from './view.js';

function pairs(obj: Record<string, string> | undefined): Child {
  const entries = Object.entries(obj ?? {});
  if (!entries.length) return '–';
  return h(
    'ul',
    { class: 'pairs' },
    entries.map(([k, v]) => h('li', {}, h('code', {}, k), ' = ', h('code', {}, v))),
  );
}

function describeList(f: FunctionStatus): HTMLElement {
  const res = (r: { memory?: string; cpu?: string } | undefined) =>
    r && (r.memory || r.cpu)
      ? [r.memory && `memory ${r.memory}`, r.cpu && `cpu ${r.cpu}`].filter(Boolean).join(', ')
      : '–';
  const rows: [string, Child][] = [
    ['Image', h('code', {}, f.image)],
    ['Namespace', f.namespace ?? '–'],
    ['Replicas (ready/desired)', `${f.availableReplicas}/${f.replicas}`],
    ['Invocations', f.invocationCount],
    ['Created', f.createdAt ? new Date(f.createdAt).toLocaleString() : '–'],
    ['Memory in use', formatBytes(f.usage?.totalMemoryBytes)],
    ['Process (fprocess)', f.envProcess ? h('code', {}, f.envProcess) : '–'],
    ['Environment', pairs(f.envVars)],
    ['Labels', pairs(f.labels)],
    ['Annotations', pairs(f.annotations)],
    ['Secrets', f.secrets?.length ? f.secrets.join(', ') : '–'],
    ['Limits', res(f.limits)],
    ['Requests', res(f.requests)],
    ['Read-only root filesystem', f.readOnlyRootFilesystem ? 'yes' : 'no'],
    ['Constraints', f.constraints?.length ? f.constraints.join(', ') : '–'],
  ];
  return h(
    'dl',
    { class: 'describe' },
    rows.map(([k, v]) => [h('dt', {}, k), h('dd', { 'data-key': k }, v)]),
  );
}

export function detailView(ns: string, name: string): View {
  const info = h('div', { class: 'describe-slot' }, h('p', { class: 'placeholder' }, 'Loading…'));
  const replicas = h('input', {
    id: 'replicas',
    type: 'number',
    min: 0,
    max: 100,
    step: 1,
    value: 1,
    required: true,
  });
  const enc = `${encodeURIComponent(ns)}/${encodeURIComponent(name)}`;

  const refresh = async () => {
    const f = await getJson<FunctionStatus>(paths.fn(name, ns));
    fill(info, describeList(f));
    if (document.activeElement !== replicas) replicas.value = String(f.replicas);
  };

  const scale = async (n: number) => {
    try {
      // A scale still stopping the old replicas answers 409: wait for it (bounded), as a person would.
      for (let deadline = Date.now() + 60_000; ;) {
        try {
          await call('POST', paths.scale(name), { serviceName: name, namespace: ns, replicas: n });
          break;
        } catch (err) {
          if (!(err instanceof ApiError && err.status === 409) || Date.now() > deadline) throw err;
          announce(`Waiting for the previous change of ${name} to finish`);
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
      announce(`Scaled ${name} to ${n}`);
      await refresh();
    } catch (err) {
      report(err, `Scale ${name}`);
    }
  };

  const remove = async () => {
    if (
      !(await confirmDialog(
        `Delete ${name}?`,
        `The function ${name} in ${ns} is stopped and removed.`,
        'Delete',
      ))
    )
      return;
    try {
      await call('DELETE', '/system/functions', { functionName: name, namespace: ns });
      announce(`Deleted ${name}`);
      location.hash = '#/functions';
    } catch (err) {
      report(err, `Delete ${name}`);
    }
  };

  const scaleForm = h(
    'form',
    { class: 'toolbar', 'aria-label': 'Scale' },
    h('div', { class: 'field inline' }, h('label', { for: 'replicas' }, 'Replicas'), replicas),
    h('button', { type: 'submit' }, 'Scale'),
    h('button', { type: 'button', class: 'secondary', onclick: () => void scale(0) }, 'Scale to zero'),
  );
  scaleForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void scale(Number(replicas.value));
  });
  const logs = logPanel(name, ns);
  const stop = every(5000, refresh);
  const el = h(
    'section',
    { 'aria-labelledby': 'view-title' },
    h(
      'div',
      { class: 'view-head' },
      h('h1', { id: 'view-title', tabindex: -1 }, name),
      h(
        'div',
        { class: 'actions' },
        h('a', { class: 'button', href: `#/invoke/${enc}` }, 'Invoke'),
        h('a', { class: 'button secondary', href: `#/deploy/${enc}` }, 'Update'),
        h('button', { type: 'button', class: 'danger', onclick: () => void remove() }, 'Delete'),
      ),
    ),
    info,
    scaleForm,
    logs.el,
  );
  return {
    title: name,
    el,
    dispose: () => {
      stop();
      logs.dispose();
    },
  };
}
