// Building the page from data. Every value goes in as text (textContent, never HTML), so
// that a participant's name holding markup is shown, not run.

export const $ = (id) => document.getElementById(id);

/** An element with text (or child elements) and attributes; never parses HTML. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

export function show(sectionId) {
  for (const id of ['loading', 'sign-in', 'search', 'client']) $(id).hidden = id !== sectionId;
}

export const FIELD_NAMES = {
  Surname: 'Фамилия',
  Name: 'Имя',
  Patronymic: 'Отчество',
  Phone: 'Телефон',
  Email: 'E-mail',
  Birthdate: 'Дата рождения',
  Gender: 'Пол',
  AllowSms: 'Согласие на SMS',
  AllowEmail: 'Согласие на e-mail',
  AllowEmailOnlineCheque: 'Онлайн-чеки на e-mail',
  ContragentId: 'ContragentId',
};

const GENDERS = { 1: 'мужской', '-1': 'женский', 0: 'не определен' };

export function dateTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString('ru-RU', { dateStyle: 'short', timeStyle: 'medium' });
}

/** A consent's state. */
export function consentText(v) {
  return v === true || v === 'true' ? 'дано' : v === false || v === 'false' ? 'отозвано' : 'не задано';
}

/** A stored value as text, as the history and the profile show it. */
export function valueText(field, v) {
  if (v === null || v === undefined || v === '') return '—';
  if (field === 'Gender') return GENDERS[String(v)] ?? String(v);
  if (field.startsWith('Allow')) return consentText(v);
  if (field === 'Birthdate') return String(v).slice(0, 10);
  return String(v);
}

/** 'manager cashier (token 5001)' → 'менеджер cashier (токен 5001)'; 'client 1' → 'сам участник'. */
export function initiatorText(initiator) {
  const m = /^manager (.*) \(token (.*)\)$/.exec(initiator);
  if (m) return `менеджер ${m[1]} (токен ${m[2]})`;
  return /^client \d+$/.test(initiator) ? 'сам участник' : initiator;
}

/** Through which point of sale or widget, if any. */
export function channelText(entry) {
  const via = [];
  if (entry.PosCode) via.push(`торговую точку ${entry.PosCode}`);
  if (entry.SiteCode) via.push(`виджет ${entry.SiteCode}`);
  return via.length ? `через ${via.join(' и ')}` : 'через API';
}

export const STATUS_TEXT = { pending: 'ожидает доставки', delivered: 'доставлено', failed: 'не доставлено' };

/** A phone as +7 916 123-45-67 (Russian numbers), other numbers as +digits. */
export function phoneText(phone) {
  if (phone === null || phone === undefined) return '—';
  const s = String(phone);
  const m = /^7(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(s);
  return m ? `+7 ${m[1]} ${m[2]}-${m[3]}-${m[4]}` : `+${s}`;
}
