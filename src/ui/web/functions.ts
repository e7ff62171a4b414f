import { every } from './alert.js';
import { getJson, namespace, paths, type FunctionStatus, type Overview } from './api.js';
import { rateChart } from './chart.js';
import { fill, formatBytes, h } from './dom.js';
import type { View } from './view.js';

/** The namespace switcher shared by the list views: a labelled select, filled from /system/namespaces. */
export function namespaceSelect(onChange: (ns: string) => void): HTMLElement {
  const select = h('select', { id: 'ns', name: 'namespace' }, h('option', {}, namespace.get()));
  select.addEventListener('change', () => {
    namespace.set(select.value);
    onChange(select.value);
  });
  void getJson<string[]>('/system/namespaces').then((names) => {
    const ns = namespace.get();
    fill(select, ...[...new Set([ns, ...names])].sort().map((n) => h('option', { selected: n === ns }, n)));
  });
  return h('div', { class: 'field inline' }, h('label', { for: 'ns' }, 'Namespace'), select);
}

const fnHref = (verb: string, f: FunctionStatus, ns: string) =>
  `#/${verb}/${encodeURIComponent(f.namespace ?? ns)}/${encodeURIComponent(f.name)}`;

export function functionsView(): View {
  const search = h('input', {
    id: 'search',
    type: 'search',
    placeholder: 'name or image',
    autocomplete: 'off',
  });
  const body = h('tbody', {}, h('tr', { class: 'placeholder' }, h('td', { colspan: 7 }, 'Loading…')));
  const caption = h('caption', { class: 'visually-hidden' }, 'Functions');
  let list: FunctionStatus[] | undefined;
  let overview: Overview | undefined;

  const draw = () => {
    if (!list) return;
    const ns = namespace.get();
    const term = search.value.trim().toLowerCase();
    const shown = list.filter((f) => !term || f.name.includes(term) || f.image.toLowerCase().includes(term));
    caption.textContent = `Functions in ${ns}: ${shown.length} shown of ${list.length}`;
    if (shown.length === 0) {
      fill(
        body,
        h(
          'tr',
          { class: 'placeholder' },
          h(
            'td',
            { colspan: 7 },
            list.length ? 'No function matches.' : 'No functions in this namespace yet. ',
            list.length ? null : h('a', { href: '#/deploy' }, 'Deploy one'),
          ),
        ),
      );
      return;
    }
    const bucket = overview?.history.bucketSeconds ?? 10;
    fill(
      body,
      shown.map((f) =>
        h(
          'tr',
          { 'data-function': f.name },
          h(
            'th',
            { scope: 'row', 'data-label': 'Name' },
            h('a', { href: fnHref('function', f, ns) }, f.name),
          ),
          h('td', { 'data-label': 'Image', class: 'mono' }, f.image),
          h(
            'td',
            { 'data-label': 'Replicas', class: f.availableReplicas < f.replicas ? 'warn' : '' },
            `${f.availableReplicas}/${f.replicas}`,
          ),
          h('td', { 'data-label': 'Invocations', class: 'num' }, f.invocationCount),
          h(
            'td',
            { 'data-label': 'Last 5 min' },
            rateChart(overview?.history.functions[`${f.name}.${f.namespace ?? ns}`], bucket),
          ),
          h('td', { 'data-label': 'Memory', class: 'num' }, formatBytes(f.usage?.totalMemoryBytes)),
          h(
            'td',
            { 'data-label': 'Actions' },
            h(
              'a',
              { href: fnHref('invoke', f, ns) },
              'Invoke',
              h('span', { class: 'visually-hidden' }, ` ${f.name}`),
            ),
          ),
        ),
      ),
    );
  };

  const refresh = async () => {
    const [fns, ov] = await Promise.all([
      getJson<FunctionStatus[]>(paths.functions(namespace.get())),
      getJson<Overview>('/ui/api/overview'),
    ]);
    list = fns.sort((a, b) => a.name.localeCompare(b.name));
    overview = ov;
    draw();
  };
  search.addEventListener('input', draw);

  const el = h(
    'section',
    { 'aria-labelledby': 'view-title' },
    h(
      'div',
      { class: 'view-head' },
      h('h1', { id: 'view-title', tabindex: -1 }, 'Functions'),
      h('a', { class: 'button', href: '#/deploy' }, 'Deploy a function'),
    ),
    h(
      'div',
      { class: 'toolbar' },
      namespaceSelect(() => {
        list = undefined;
        void refresh();
      }),
      h('div', { class: 'field inline' }, h('label', { for: 'search' }, 'Search'), search),
    ),
    h(
      'table',
      { class: 'functions' },
      caption,
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          [
            'Name',
            'Image',
            'Replicas (ready/desired)',
            'Invocations',
            'Calls and errors, last 5 min',
            'Memory',
            'Actions',
          ].map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      body,
    ),
  );
  return { title: 'Functions', el, dispose: every(5000, refresh) };
}
