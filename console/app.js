// The operator console: sign-in, search, and the participant page (docs/console.md).
// Plain DOM, no framework; views are chosen by the location hash: #search/<query>, #client/<id>.
import { SignedOut, call, currentLogin, refresh, signIn, signOut } from './api.js';
import { $, FIELD_NAMES, STATUS_TEXT, channelText, consentText, dateTime, el, initiatorText, phoneText, show, valueText } from './view.js';

const PAGE = 20;

/** The form field each refusal of ClientUpdate concerns (13 names its field in the message). */
const ERROR_FIELDS = { 6: 'Phone', 7: 'Phone', 8: 'Email', 9: 'Email', 10: 'Birthdate', 11: 'Gender', 12: 'ContragentId' };

function signedOut() {
  $('who').hidden = true;
  $('sign-out').hidden = true;
  show('sign-in');
  $('login').focus();
}

function signedIn() {
  $('who').textContent = currentLogin();
  $('who').hidden = false;
  $('sign-out').hidden = false;
}

/** Runs a view; a session that ended brings back the sign-in form, any other failure is reported. */
async function guarded(work) {
  $('failure').textContent = '';
  try {
    await work();
  } catch (err) {
    if (err instanceof SignedOut) signedOut();
    else $('failure').textContent = `Не удалось выполнить запрос (${err.message}). Повторите попытку.`;
  }
}

// ---- routing ---------------------------------------------------------------------------

async function route() {
  const hash = decodeURIComponent(location.hash.slice(1));
  const client = /^client\/(\d+)$/.exec(hash);
  if (client) return guarded(() => openClient(Number(client[1])));
  const query = hash.startsWith('search/') ? hash.slice('search/'.length) : '';
  return guarded(() => search(query));
}

// ---- search ----------------------------------------------------------------------------

async function search(query) {
  show('search');
  $('query').value = query;
  const results = $('results');
  results.replaceChildren();
  $('search-status').textContent = '';
  if (!query) {
    $('query').focus();
    return;
  }
  $('search-status').textContent = 'Поиск…';
  const answer = await call('ClientSearch', { Query: query });
  if (answer.ErrorCode !== 0) {
    $('search-status').textContent = answer.Message;
    return;
  }
  $('search-status').textContent = answer.Clients.length === 0 ? 'Никого не найдено' : `Найдено: ${answer.Clients.length}${answer.Clients.length >= 50 ? ' (первые 50)' : ''}`;
  for (const c of answer.Clients) {
    const name = [c.Surname, c.Name, c.Patronymic].filter(Boolean).join(' ') || `Участник № ${c.Client}`;
    results.append(
      el('li', {},
        el('a', { href: `#client/${c.Client}` }, name),
        el('span', { class: 'meta' }, `№ ${c.Client}`),
        el('span', { class: 'meta' }, phoneText(c.Phone)),
        el('span', { class: 'meta' }, c.Email ?? '—'),
        el('span', { class: 'meta' }, `рег. ${dateTime(c.RegDate)}`),
      ),
    );
  }
}

// ---- participant page ------------------------------------------------------------------

let current = null; // { id, data }: the participant shown and its stored values

async function openClient(id) {
  show('client');
  for (const list of ['profile', 'history', 'consents', 'consent-ledger', 'deliveries']) $(list).replaceChildren();
  $('client-error').textContent = '';
  $('edit-status').textContent = '';
  clearRefusals();
  const answer = await call('GetClient', { ClientID: id });
  if (answer.ErrorCode !== 0) {
    current = null;
    $('client-title').textContent = `Участник № ${id}`;
    $('client-error').textContent = answer.Message;
    $('client-body').hidden = true;
    return;
  }
  $('client-body').hidden = false;
  current = { id, data: answer.ClientData };
  renderProfile(answer.ClientData);
  fillForm(answer.ClientData);
  await Promise.all([history.reload(), consents.reload(), deliveries.reload()]);
}

function renderProfile(d) {
  $('client-title').textContent = [d.lastname, d.firstname, d.middlename].filter(Boolean).join(' ') || `Участник № ${d.id}`;
  const rows = [
    ['Идентификатор', d.id],
    ['Фамилия', valueText('Surname', d.lastname)],
    ['Имя', valueText('Name', d.firstname)],
    ['Отчество', valueText('Patronymic', d.middlename)],
    ['Телефон', phoneText(d.phone)],
    ['E-mail', valueText('Email', d.email)],
    ['Дата рождения', valueText('Birthdate', d.birthdate)],
    ['Пол', valueText('Gender', d.gender)],
    ['Согласие на SMS', consentText(d.allowsms)],
    ['Согласие на e-mail', consentText(d.allowemail)],
    ['Онлайн-чеки на e-mail', consentText(d.allowemailonlinecheque)],
    ['ContragentId', valueText('ContragentId', d.contragentid)],
    ['Дата регистрации', dateTime(d.regdate)],
  ];
  $('profile').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

/** The form's fields with the stored values, as ClientUpdate names them. */
function storedValues(d) {
  return {
    Surname: d.lastname ?? '',
    Name: d.firstname ?? '',
    Patronymic: d.middlename ?? '',
    Phone: d.phone === null ? '' : String(d.phone),
    Email: d.email ?? '',
    Birthdate: d.birthdate ? d.birthdate.slice(0, 10) : '',
    Gender: String(d.gender ?? 0),
    AllowSms: d.allowsms === null ? '' : String(d.allowsms),
    AllowEmail: d.allowemail === null ? '' : String(d.allowemail),
    AllowEmailOnlineCheque: d.allowemailonlinecheque === null ? '' : String(d.allowemailonlinecheque),
    ContragentId: d.contragentid ?? '',
  };
}

function fillForm(d) {
  for (const [name, value] of Object.entries(storedValues(d))) $(`f-${name}`).value = value;
}

function clearRefusals() {
  for (const name of Object.keys(FIELD_NAMES)) {
    $(`e-${name}`).textContent = '';
    $(`f-${name}`).removeAttribute('aria-invalid');
  }
  $('edit-error').textContent = '';
}

function refuse(field, message) {
  if (field && $(`e-${field}`)) {
    $(`e-${field}`).textContent = message;
    $(`f-${field}`).setAttribute('aria-invalid', 'true');
    $(`f-${field}`).focus();
  } else {
    $('edit-error').textContent = message;
  }
}

/** The changed fields as a ClientUpdate body; an empty field cannot clear a value (the API reads it as absent). */
function changes() {
  const stored = storedValues(current.data);
  const body = {};
  for (const name of Object.keys(stored)) {
    const value = $(`f-${name}`).value.trim();
    if (value === stored[name] || value === '') continue;
    if (name === 'Gender') {
      if (value !== '0') body.Gender = Number(value); // 0 reads as "unchanged" in ClientUpdate
    }
    else if (name.startsWith('Allow')) body[name] = value === 'true';
    else body[name] = value;
  }
  return { body };
}

async function save(event) {
  event.preventDefault();
  if (!current) return;
  clearRefusals();
  $('edit-status').textContent = '';
  const { body, refused, message } = changes();
  if (refused) return refuse(refused, message);
  if (Object.keys(body).length === 0) {
    $('edit-status').textContent = 'Нет изменений';
    return;
  }
  const answer = await call('ClientUpdate', { Client: current.id, ...body });
  if (answer.ErrorCode !== 0) {
    const named =
      answer.ErrorCode === 13 ? Object.keys(FIELD_NAMES).find((f) => answer.Message.endsWith(` ${f}`))
      : answer.ErrorCode === 100 ? Object.keys(FIELD_NAMES).find((f) => answer.Message.includes(`поле ${f}:`))
      : ERROR_FIELDS[answer.ErrorCode];
    return refuse(named, answer.Message);
  }
  await openClient(current.id);
  $('edit-status').textContent = 'Изменения сохранены';
}

/** A list read page by page (Limit/Offset) with a "show more" button. */
function pagedList(listId, moreId, load, render, empty) {
  let offset = 0;
  const more = async () => {
    const items = await load(offset);
    if (offset === 0 && items.length === 0) $(listId).append(el('li', { class: 'empty' }, empty));
    $(listId).append(...items.map(render));
    offset += items.length;
    $(moreId).hidden = items.length < PAGE;
  };
  $(moreId).addEventListener('click', () => guarded(more));
  return {
    reload: async () => {
      offset = 0;
      $(listId).replaceChildren();
      await more();
    },
  };
}

const history = pagedList(
  'history',
  'history-more',
  async (offset) => (await call('ClientHistory', { Client: current.id, Limit: PAGE, Offset: offset })).Changes ?? [],
  (c) =>
    el('li', {},
      el('p', { class: 'when' }, dateTime(c.Time), ' · ', initiatorText(c.Initiator), ' · ', channelText(c)),
      el('ul', { class: 'fields' }, ...c.Fields.map((f) => el('li', {}, el('b', {}, FIELD_NAMES[f.Field] ?? f.Field), ': ', valueText(f.Field, f.Old), ' → ', valueText(f.Field, f.New)))),
    ),
  'Изменений нет',
);

const consents = pagedList(
  'consent-ledger',
  'consents-more',
  async (offset) => {
    const answer = await call('ClientConsents', { Client: current.id, Limit: PAGE, Offset: offset });
    if (offset === 0) $('consents').replaceChildren(...(answer.Consents ?? []).map((s) => el('tr', {}, el('td', {}, FIELD_NAMES[s.Consent] ?? s.Consent), el('td', {}, consentText(s.Given)))));
    return answer.Changes ?? [];
  },
  (c) =>
    el('li', {},
      el('p', { class: 'when' }, dateTime(c.Time), ' · ', initiatorText(c.Initiator), ' · ', channelText(c)),
      el('p', {}, el('b', {}, FIELD_NAMES[c.Consent] ?? c.Consent), ': ', consentText(c.Previous), ' → ', consentText(c.Given)),
    ),
  'Согласия не менялись',
);

const deliveries = pagedList(
  'deliveries',
  'deliveries-more',
  async (offset) => (await call('ClientDeliveries', { Client: current.id, Limit: PAGE, Offset: offset })).Deliveries ?? [],
  (d) =>
    el('li', {},
      el('p', { class: 'when' }, dateTime(d.Time), ' · событие ', d.EventId),
      el('p', {}, el('b', { class: `status-${d.Status}` }, STATUS_TEXT[d.Status] ?? d.Status), d.DeliveredAt ? ` ${dateTime(d.DeliveredAt)}` : '', ` · вебхук № ${d.Webhook} ${d.Url}`),
      el('p', {}, 'Поля: ', d.Fields.map((f) => FIELD_NAMES[f] ?? f).join(', ')),
      d.Attempts > 0 ? el('p', {}, `Неудачных попыток: ${d.Attempts}`, d.LastError ? ` · ${d.LastError}` : '', d.NextAttempt ? ` · следующая ${dateTime(d.NextAttempt)}` : '') : '',
    ),
  'Уведомлений нет',
);

// ---- start -----------------------------------------------------------------------------

$('sign-in-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('sign-in-error').textContent = '';
  const message = await signIn($('login').value.trim(), $('password').value);
  if (message) {
    $('sign-in-error').textContent = message;
    return;
  }
  $('password').value = '';
  signedIn();
  await route();
});

$('search-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const query = $('query').value.trim();
  const target = `#search/${encodeURIComponent(query)}`;
  if (location.hash === target) void route();
  else location.hash = target;
});

$('edit-form').addEventListener('submit', (event) => void guarded(() => save(event)));

$('sign-out').addEventListener('click', async () => {
  await signOut();
  current = null;
  location.hash = '';
  signedOut();
});

window.addEventListener('hashchange', () => {
  if (!$('sign-out').hidden) void route();
});

// A page reload keeps the session through the refresh cookie; the access token is never stored.
if (await refresh()) {
  signedIn();
  await route();
} else {
  signedOut();
}
