import { announce, report } from './alert.js';
import { ApiError, call, getJson, namespace, paths } from './api.js';
import { clearFieldError, confirmDialog, field, fill, h, showFieldError } from './dom.js';
import { namespaceSelect } from './functions.js';
import type { View } from './view.js';

/** Secrets by name: create, update, delete. A value goes to the gateway and is never shown back. */
export function secretsView(): View {
  const body = h('tbody', {}, h('tr', { class: 'placeholder' }, h('td', { colspan: 2 }, 'Loading…')));
  const name = field(
    'Name',
    h('input', { name: 'name', required: true, autocomplete: 'off' }),
    "lowercase letters, digits and '-'",
  );
  const value = field(
    'Value',
    h('textarea', { name: 'value', rows: 2, required: true, autocomplete: 'off', spellcheck: 'false' }),
    'write-only: it is never shown again',
  );
  const mode = h('input', { type: 'hidden', value: 'create' });
  const submitBtn = h('button', { type: 'submit' }, 'Create');
  const cancel = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Cancel');

  const reset = () => {
    mode.value = 'create';
    (name.control as HTMLInputElement).readOnly = false;
    name.control.value = '';
    value.control.value = '';
    submitBtn.textContent = 'Create';
    cancel.hidden = true;
  };
  cancel.addEventListener('click', reset);

  const refresh = async () => {
    const list = await getJson<{ name: string }[]>(paths.secrets(namespace.get()));
    if (!list.length) {
      fill(body, h('tr', { class: 'placeholder' }, h('td', { colspan: 2 }, 'No secrets in this namespace.')));
      return;
    }
    fill(
      body,
      list
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((s) =>
          h(
            'tr',
            { 'data-secret': s.name },
            h('th', { scope: 'row', 'data-label': 'Name' }, s.name),
            h(
              'td',
              { 'data-label': 'Actions', class: 'actions' },
              h(
                'button',
                {
                  type: 'button',
                  class: 'secondary',
                  'aria-label': `Update ${s.name}`,
                  onclick: () => edit(s.name),
                },
                'Update',
              ),
              h(
                'button',
                {
                  type: 'button',
                  class: 'danger',
                  'aria-label': `Delete ${s.name}`,
                  onclick: () => void remove(s.name),
                },
                'Delete',
              ),
            ),
          ),
        ),
    );
  };
  const edit = (n: string) => {
    mode.value = 'update';
    name.control.value = n;
    (name.control as HTMLInputElement).readOnly = true;
    value.control.value = '';
    submitBtn.textContent = 'Update';
    cancel.hidden = false;
    value.control.focus();
  };
  const remove = async (n: string) => {
    if (
      !(await confirmDialog(
        `Delete secret ${n}?`,
        'Functions that use it keep their copy until they are updated.',
        'Delete',
      ))
    )
      return;
    try {
      await call('DELETE', '/system/secrets', { name: n, namespace: namespace.get() });
      announce(`Deleted secret ${n}`);
      await refresh();
    } catch (err) {
      report(err, `Delete secret ${n}`);
    }
  };

  const form = h(
    'form',
    { class: 'grid', novalidate: true, 'aria-label': 'Create or update a secret' },
    mode,
    name.row,
    value.row,
    h('div', { class: 'actions' }, submitBtn, cancel),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearFieldError(name);
    clearFieldError(value);
    const n = name.control.value.trim();
    const update = mode.value === 'update';
    void call(update ? 'PUT' : 'POST', '/system/secrets', {
      name: n,
      namespace: namespace.get(),
      value: value.control.value,
    })
      .then(async () => {
        announce(`${update ? 'Updated' : 'Created'} secret ${n}`);
        reset();
        await refresh();
      })
      .catch((err: unknown) => {
        if (err instanceof ApiError && (err.status === 400 || err.status === 409))
          showFieldError(err.field === 'value' || err.field === 'rawValue' ? value : name, err.message);
        else report(err, 'Secret');
      });
  });
  void refresh().catch((err: unknown) => report(err, 'Secrets'));
  const el = h(
    'section',
    { 'aria-labelledby': 'view-title' },
    h('h1', { id: 'view-title', tabindex: -1 }, 'Secrets'),
    h(
      'div',
      { class: 'toolbar' },
      namespaceSelect(() => void refresh().catch((err: unknown) => report(err, 'Secrets'))),
    ),
    h(
      'table',
      { class: 'secrets' },
      h('caption', { class: 'visually-hidden' }, 'Secrets'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Actions'))),
      body,
    ),
    h('section', { class: 'panel', 'aria-label': 'Create or update' }, form),
  );
  return { title: 'Secrets', el };
}
