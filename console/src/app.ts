/**
 * The steward console: sign in with an API token, then pages chosen by the address's hash. The
 * token stays in this tab's session storage and goes only to the enclave that served the page.
 */
import { Api, ApiError } from './api.js';
import { announce, h } from './dom.js';
import { Principal, Role } from './types.js';
import { auditView } from './views/audit.js';
import { budgetView } from './views/budget.js';
import { consentsView } from './views/consents.js';
import { datasetsView } from './views/datasets.js';
import { jobsView } from './views/jobs.js';
import { queueView } from './views/queue.js';
import { runningView } from './views/running.js';
import { uploadsView } from './views/uploads.js';
import { View } from './views/view.js';
import { withheldView } from './views/withheld.js';

const TOKEN_KEY = 'jointlab.token';

const PAGES: { path: string; label: string; view: View; roles: Role[] }[] = [
  { path: 'queue', label: 'Review queue', view: queueView, roles: ['steward'] },
  { path: 'jobs', label: 'Jobs', view: jobsView, roles: ['steward', 'bank'] },
  { path: 'running', label: 'Running', view: runningView, roles: ['steward', 'bank'] },
  { path: 'withheld', label: 'Withheld', view: withheldView, roles: ['steward'] },
  { path: 'uploads', label: 'Uploads', view: uploadsView, roles: ['bank', 'steward'] },
  { path: 'budget', label: 'Budgets', view: budgetView, roles: ['bank', 'steward'] },
  { path: 'datasets', label: 'Datasets', view: datasetsView, roles: ['steward', 'bank', 'researcher', 'admin'] },
  { path: 'consents', label: 'Consents', view: consentsView, roles: ['steward'] },
  { path: 'audit', label: 'Audit log', view: auditView, roles: ['steward', 'admin'] },
];

let session: { api: Api; me: Principal } | undefined;
let timer: number | undefined;

const main = (): HTMLElement => document.getElementById('main')!;

function signInForm(): void {
  document.getElementById('nav')!.replaceChildren();
  document.getElementById('who')!.replaceChildren();
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'off', required: true, 'aria-describedby': 'token-help' });
  const form = h(
    'form',
    {
      class: 'signin',
      onsubmit: (e: Event) => {
        e.preventDefault();
        void signIn(input.value.trim());
      },
    },
    h('h2', {}, 'Sign in'),
    h('label', { for: 'token' }, 'API token'),
    input,
    h('p', { id: 'token-help', class: 'help' }, 'The token an administrator gave you (jointlab admin add-principal). It is kept in this tab only.'),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
  );
  main().replaceChildren(form);
  document.title = 'Sign in · jointlab console';
  input.focus();
}

async function signIn(token: string): Promise<void> {
  if (!token) {
    announce('Enter your API token to sign in.', 'error');
    return;
  }
  const api = new Api(token);
  try {
    const me = await api.get<Principal>('/v1/whoami');
    sessionStorage.setItem(TOKEN_KEY, token);
    session = { api, me };
    announce(`Signed in as ${me.name} (${me.role}, ${me.org}).`);
    drawFrame();
    if (!location.hash || location.hash === '#/') location.hash = `#/${pagesFor(me.role)[0].path}`;
    else void route();
  } catch (e) {
    sessionStorage.removeItem(TOKEN_KEY);
    announce(e instanceof ApiError ? e.message : 'Sign-in failed.', 'error');
    signInForm();
  }
}

function signOut(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  session = undefined;
  window.clearTimeout(timer);
  location.hash = '';
  announce('Signed out.');
  signInForm();
}

const pagesFor = (role: Role) => PAGES.filter((p) => p.roles.includes(role));

function drawFrame(): void {
  const { me } = session!;
  document.getElementById('nav')!.replaceChildren(h('ul', {}, ...pagesFor(me.role).map((p) => h('li', {}, h('a', { href: `#/${p.path}`, 'data-page': p.path }, p.label)))));
  document.getElementById('who')!.replaceChildren(`${me.name} · ${me.role} · ${me.org} `, h('button', { type: 'button', onclick: signOut }, 'Sign out'));
}

/** Counts navigations: a page whose data arrives after the user moved on must not replace the newer page. */
let navigation = 0;

async function route(): Promise<void> {
  const mine = ++navigation;
  window.clearTimeout(timer);
  if (!session) return signInForm();
  const [, path = '', param] = location.hash.split('/');
  const page = PAGES.find((p) => p.path === path) ?? pagesFor(session.me.role)[0];
  for (const a of document.querySelectorAll<HTMLAnchorElement>('#nav a')) {
    if (a.dataset.page === page.path) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const heading = h('h2', { id: 'page-title', tabindex: '-1' }, page.label);
  if (!page.roles.includes(session.me.role)) {
    main().replaceChildren(heading, h('p', { class: 'notice' }, `This page is for the ${page.roles.join(' and ')} role; you are signed in as ${session.me.role}.`));
    return;
  }
  const first = !main().querySelector(`[data-view="${page.path}${param ?? ''}"]`);
  try {
    const rendered = await page.view({ api: session.api, me: session.me, param, refresh: () => void route() });
    if (mine !== navigation) return;
    heading.textContent = rendered.title;
    const wrapper = h('div', { 'data-view': `${page.path}${param ?? ''}` }, heading, rendered.body);
    main().replaceChildren(wrapper);
    document.title = `${rendered.title} · jointlab console`;
    // Focus moves to the new page's heading for keyboard and screen-reader users; live redraws leave it alone.
    if (first) heading.focus();
    if (rendered.liveEvery) timer = window.setTimeout(() => void route(), rendered.liveEvery);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return signOut();
    if (mine !== navigation) return;
    main().replaceChildren(heading, h('p', { class: 'notice error', role: 'alert' }, e instanceof ApiError ? e.message : 'This page could not be drawn.'));
  }
}

window.addEventListener('hashchange', () => {
  // A message belongs to the page it was said on.
  announce('');
  void route();
});
const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) void signIn(saved);
else signInForm();
