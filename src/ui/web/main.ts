import { clearReport, report } from './alert.js';
import { getJson, namespace, type Overview } from './api.js';
import { fill } from './dom.js';
import { deployView } from './deploy.js';
import { detailView } from './detail.js';
import { functionsView } from './functions.js';
import { invokeView } from './invoke.js';
import { secretsView } from './secrets.js';
import { systemView } from './system.js';
import type { View } from './view.js';

const routes: Record<string, (args: string[]) => View> = {
  functions: () => functionsView(),
  function: ([ns, name]) => detailView(ns ?? '', name ?? ''),
  invoke: ([ns, name]) => invokeView(ns, name),
  deploy: ([ns, name]) => deployView(ns, name),
  secrets: () => secretsView(),
  system: () => systemView(),
};

let current: View | undefined;

function render(): void {
  const [head = 'functions', ...args] = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const route = routes[head] ?? routes.functions;
  const main = document.getElementById('main');
  if (!route || !main) return;
  current?.dispose?.();
  clearReport();
  current = route(args);
  fill(main, current.el);
  document.title = `${current.title} · faasd`;
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a')) {
    if (a.dataset.view === (routes[head] ? head : 'functions')) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  // Keyboard and screen-reader users land on the new view's heading.
  main.querySelector<HTMLElement>('h1')?.focus();
}

// Sign-out: a request the gateway always refuses makes the browser drop the credentials it holds for
// this realm; the reload then asks for them again.
document.getElementById('signout')?.addEventListener('click', () => {
  void fetch('/ui/logout', { cache: 'no-store' })
    .catch((err: unknown) => report(err, 'Sign out'))
    .finally(() => location.assign('/ui/logout'));
});

window.addEventListener('unhandledrejection', (ev) => report(ev.reason));
// The gateway's default namespace first, so the first view asks for the right one.
void getJson<Overview>('/ui/api/overview')
  .then((ov) => namespace.setDefault(ov.namespace))
  .catch((err: unknown) => report(err, 'Gateway'))
  .finally(() => {
    window.addEventListener('hashchange', render);
    render();
  });
