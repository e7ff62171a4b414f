import { announce, report } from './alert.js';
import { ApiError, call, describeError, getJson, namespace, paths, type FunctionStatus } from './api.js';
import { clearFieldError, field, fill, h, pairsText, parsePairs, showFieldError } from './dom.js';
import type { View } from './view.js';

const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function deployView(ns = namespace.get(), existing?: string): View {
  const updating = existing !== undefined;
  const f = {
    name: field(
      'Name',
      h('input', {
        name: 'service',
        required: true,
        autocomplete: 'off',
        value: existing ?? '',
        readonly: updating,
      }),
      "lowercase letters, digits and '-'",
    ),
    image: field(
      'Image',
      h('input', {
        name: 'image',
        required: true,
        autocomplete: 'off',
        placeholder: 'ghcr.io/openfaas/figlet:latest',
      }),
    ),
    namespace: field(
      'Namespace',
      h('select', { name: 'namespace', disabled: updating }, h('option', {}, ns)),
    ),
    envProcess: field(
      'Process (fprocess)',
      h('input', { name: 'envProcess', autocomplete: 'off' }),
      'optional: the command the watchdog runs',
    ),
    env: field(
      'Environment',
      h('textarea', { name: 'envVars', rows: 3, placeholder: 'KEY=value' }),
      'one KEY=value per line',
    ),
    labels: field(
      'Labels',
      h('textarea', { name: 'labels', rows: 2, placeholder: 'key=value' }),
      'one key=value per line',
    ),
    annotations: field(
      'Annotations',
      h('textarea', { name: 'annotations', rows: 2, placeholder: 'key=value' }),
      'one key=value per line',
    ),
    memory: field(
      'Memory limit',
      h('input', { name: 'limits.memory', autocomplete: 'off', placeholder: '128Mi' }),
    ),
    cpu: field('CPU limit', h('input', { name: 'limits.cpu', autocomplete: 'off', placeholder: '500m' })),
  };
  const readOnly = h('input', { type: 'checkbox', id: 'readonly', name: 'readOnlyRootFilesystem' });
  const secretsBox = h(
    'fieldset',
    { class: 'secrets', 'aria-describedby': 'secrets-error' },
    h('legend', {}, 'Secrets'),
    h('p', { class: 'hint' }, 'Loading…'),
  );
  const secretsError = h('p', { class: 'field-error', id: 'secrets-error', hidden: true });
  const secrets = { control: secretsBox as HTMLElement, error: secretsError };
  const formError = h('p', { class: 'field-error', role: 'alert', hidden: true });
  const submitBtn = h('button', { type: 'submit' }, updating ? 'Update' : 'Deploy');

  const loadSecrets = async (chosen: string[]) => {
    const list = await getJson<{ name: string }[]>(paths.secrets(f.namespace.control.value));
    fill(
      secretsBox,
      h('legend', {}, 'Secrets'),
      list.length === 0 ? h('p', { class: 'hint' }, 'No secrets in this namespace.') : null,
      list.map((s) =>
        h(
          'label',
          { class: 'check' },
          h('input', { type: 'checkbox', name: 'secret', value: s.name, checked: chosen.includes(s.name) }),
          s.name,
        ),
      ),
    );
  };
  const chosenSecrets = () =>
    [...secretsBox.querySelectorAll<HTMLInputElement>('input[name=secret]:checked')].map((i) => i.value);

  void getJson<string[]>('/system/namespaces')
    .then((names) =>
      fill(
        f.namespace.control,
        [...new Set([ns, ...names])].sort().map((n) => h('option', { selected: n === ns }, n)),
      ),
    )
    .catch((err: unknown) => report(err, 'Namespaces'));
  f.namespace.control.addEventListener(
    'change',
    () => void loadSecrets(chosenSecrets()).catch((err: unknown) => report(err, 'Secrets')),
  );

  const prefill = async () => {
    if (!existing) return loadSecrets([]);
    const cur = await getJson<FunctionStatus>(paths.fn(existing, ns));
    f.image.control.value = cur.image;
    f.envProcess.control.value = cur.envProcess ?? '';
    f.env.control.value = pairsText(cur.envVars);
    f.labels.control.value = pairsText(cur.labels);
    f.annotations.control.value = pairsText(cur.annotations);
    f.memory.control.value = cur.limits?.memory ?? '';
    f.cpu.control.value = cur.limits?.cpu ?? '';
    readOnly.checked = cur.readOnlyRootFilesystem ?? false;
    await loadSecrets(cur.secrets ?? []);
  };
  void prefill().catch((err: unknown) => report(err, existing ? `Describe ${existing}` : 'Secrets'));

  // The gateway names the wrong field (X-Error-Field); the message goes beside it.
  const byApiField: Record<string, { control: HTMLElement; error: HTMLElement }> = {
    service: f.name,
    image: f.image,
    namespace: f.namespace,
    name: f.namespace,
    envProcess: f.envProcess,
    envVars: f.env,
    labels: f.labels,
    annotations: f.annotations,
    secrets,
    'limits.memory': f.memory,
    'limits.cpu': f.cpu,
    limits: f.memory,
  };
  const all = [...Object.values(f), secrets];

  const submit = async () => {
    for (const x of all) clearFieldError(x);
    formError.hidden = true;
    const fail = (target: { control: HTMLElement; error: HTMLElement } | undefined, message: string) => {
      if (target) {
        showFieldError(target, message);
        target.control.focus();
      } else {
        formError.textContent = message;
        formError.hidden = false;
      }
    };
    const name = f.name.control.value.trim();
    if (!DNS1123.test(name) || name.length > 63)
      return fail(
        f.name,
        `"${name}" is not a valid name: use lowercase letters, digits and '-' (at most 63)`,
      );
    if (!f.image.control.value.trim()) return fail(f.image, 'an image is required');
    const body: Record<string, unknown> = {
      service: name,
      image: f.image.control.value.trim(),
      namespace: f.namespace.control.value,
      secrets: chosenSecrets(),
      readOnlyRootFilesystem: readOnly.checked,
    };
    for (const [key, fld, what] of [
      ['envVars', f.env, 'Environment'],
      ['labels', f.labels, 'Labels'],
      ['annotations', f.annotations, 'Annotations'],
    ] as const) {
      try {
        body[key] = parsePairs(fld.control.value, what);
      } catch (err) {
        return fail(fld, (err as Error).message);
      }
    }
    if (f.envProcess.control.value.trim()) body.envProcess = f.envProcess.control.value.trim();
    const limits = {
      ...(f.memory.control.value.trim() ? { memory: f.memory.control.value.trim() } : {}),
      ...(f.cpu.control.value.trim() ? { cpu: f.cpu.control.value.trim() } : {}),
    };
    if (Object.keys(limits).length) body.limits = limits;
    submitBtn.disabled = true;
    try {
      await call(updating ? 'PUT' : 'POST', '/system/functions', body);
      announce(`${updating ? 'Updated' : 'Deployed'} ${name}`);
      location.hash = `#/function/${encodeURIComponent(String(body.namespace))}/${encodeURIComponent(name)}`;
    } catch (err) {
      if (err instanceof ApiError && err.status === 409)
        return fail(f.name, `${err.message}: open it and choose Update`);
      if (err instanceof ApiError && err.status === 400)
        return fail(err.field ? byApiField[err.field] : undefined, err.message);
      fail(undefined, describeError(err));
    } finally {
      submitBtn.disabled = false;
    }
  };

  const form = h(
    'form',
    { class: 'grid', novalidate: true, 'aria-label': updating ? `Update ${existing}` : 'Deploy a function' },
    f.name.row,
    f.image.row,
    f.namespace.row,
    f.envProcess.row,
    f.env.row,
    f.labels.row,
    f.annotations.row,
    h('div', {}, secretsBox, secretsError),
    f.memory.row,
    f.cpu.row,
    h('div', { class: 'field' }, h('label', { class: 'check' }, readOnly, 'Read-only root filesystem')),
    formError,
    h('div', { class: 'actions' }, submitBtn),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void submit();
  });
  const title = updating ? `Update ${existing}` : 'Deploy a function';
  return {
    title,
    el: h(
      'section',
      { 'aria-labelledby': 'view-title' },
      h('h1', { id: 'view-title', tabindex: -1 }, title),
      form,
    ),
  };
}
