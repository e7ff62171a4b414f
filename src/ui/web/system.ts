import { announce, report } from './alert.js';
import { getJson, type Overview } from './api.js';
import { fill, h, type Child } from './dom.js';
import type { View } from './view.js';

interface ProviderInfo {
  provider?: string;
  orchestration?: string;
  version?: { sha?: string; release?: string; commit_message?: string };
}

function copyable(label: string, text: string): HTMLElement {
  const code = h('code', { class: 'copy' }, text);
  const btn = h('button', { type: 'button', class: 'secondary', 'aria-label': `Copy ${label}` }, 'Copy');
  btn.addEventListener('click', () => {
    void navigator.clipboard.writeText(text).then(
      () => announce(`Copied ${label}`),
      (err: unknown) => report(err, `Copy ${label}`),
    );
  });
  return h('div', { class: 'copy-row' }, code, btn);
}

const state = (s: string, good: boolean): Child => h('span', { class: good ? 'ok' : 'bad' }, s);

export function systemView(): View {
  const gateway = location.origin;
  const services = h('tbody', {}, h('tr', { class: 'placeholder' }, h('td', { colspan: 3 }, 'Loading…')));
  const cli = h('div', { class: 'cli' }, copyable('gateway URL', gateway));
  const about = h('dl', { class: 'describe' }, h('dt', {}, 'Loading…'), h('dd', {}, ''));
  const hint = h('p', { class: 'hint' }, '');

  const load = async () => {
    const [info, ov] = await Promise.all([
      getJson<ProviderInfo>('/system/info').catch((err: unknown) => err as Error),
      getJson<Overview>('/ui/api/overview'),
    ]);
    const providerOk = !(info instanceof Error);
    const rows: [string, Child, string][] = [
      [
        'gateway',
        state('running', true),
        `serving this page since ${new Date(ov.startedAt).toLocaleString()}`,
      ],
      [
        'provider',
        providerOk ? state('running', true) : state('unreachable', false),
        providerOk ? `${info.provider ?? ''} on ${info.orchestration ?? ''}` : info.message,
      ],
      [
        'queue (NATS)',
        ov.async === 'on' ? state('connected', true) : state('off', false),
        'async invocations',
      ],
      [
        'metrics (Prometheus)',
        ov.prometheus === 'up' ? state('running', true) : state(ov.prometheus, false),
        'invocation counts',
      ],
      ...(ov.services ?? []).map((svc): [string, Child, string] => [
        svc.name,
        state(svc.state, svc.state === 'running'),
        [
          svc.image,
          `restarts ${svc.restarts}`,
          svc.startedAt ? `up since ${new Date(svc.startedAt).toLocaleString()}` : '',
        ]
          .filter(Boolean)
          .join(' · '),
      ]),
    ];
    hint.textContent = ov.services
      ? 'Containers of the compose file, as `faasd service list` shows them.'
      : 'This gateway cannot see the compose services: run `faasd service list` on the host.';
    fill(
      services,
      rows.map(([n, s, d]) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row', 'data-label': 'Service' }, n),
          h('td', { 'data-label': 'State' }, s),
          h('td', { 'data-label': 'Detail' }, d),
        ),
      ),
    );
    fill(
      cli,
      copyable('gateway URL', gateway),
      copyable(
        'login command',
        `sudo cat /var/lib/faasd/secrets/basic-auth-password | faas-cli login --username ${ov.user} --password-stdin --gateway ${gateway}`,
      ),
    );
    const v = providerOk ? info.version : undefined;
    fill(
      about,
      [
        ['faasd-ts', `${ov.version} (${ov.commit})`],
        ['Provider', providerOk ? `${info.provider ?? '–'} ${v?.release ?? ''} (${v?.sha ?? '–'})` : '–'],
        ['Orchestration', providerOk ? (info.orchestration ?? '–') : '–'],
        ['Gateway URL', gateway],
        ['User', ov.user],
      ].map(([k, val]) => [h('dt', {}, k), h('dd', {}, val)]),
    );
  };
  void load().catch((err: unknown) => report(err, 'System'));

  const el = h(
    'section',
    { 'aria-labelledby': 'view-title' },
    h('h1', { id: 'view-title', tabindex: -1 }, 'System'),
    about,
    h('h2', {}, 'Core services'),
    h(
      'table',
      { class: 'services' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Service', 'State', 'Detail'].map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      services,
    ),
    hint,
    h('h2', {}, 'faas-cli'),
    cli,
  );
  return { title: 'System', el };
}
