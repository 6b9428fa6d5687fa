// « Depuis le PACS » (API.md section 15): searching the hospital's PACS and importing a study,
// or chosen series of it, into the dossier, with the import's progress. Shown when the service
// has a PACS, to whoever may add attachments. The patient's name and ID the PACS returns are
// shown to pick the right study and kept nowhere (no storage, no draft, no address).
import { api, get, query } from '../api.js';
import { h, replace } from '../dom.js';
import { t, currentLang } from '../i18n.js';
import { formField, problemText } from './fields.js';
import { formatSize } from './words.js';

const MODALITIES = ['MR', 'CT', 'CR', 'DX', 'US', 'PT', 'MG', 'XA'];
const POLL_MS = 700;
const FIELD_NAMES = { patient_id: 'pacs.field.patient_id', accession_number: 'pacs.field.accession', study_date: 'pacs.field.date', modality: 'pacs.field.modality' };

const locale = () => (currentLang() === 'fr' ? 'fr-FR' : 'en-GB');
const count = (n) => new Intl.NumberFormat(locale()).format(n);
const plural = (n) => (new Intl.PluralRules(locale()).select(n) === 'one' ? 'one' : 'other');

/** « 20261115 » → « 15 novembre 2026 » (the PACS's date, no time zone). */
export function studyDateText(value) {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(value || '');
  if (!m) return value || t('pacs.study.no_date');
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])).toLocaleDateString(locale(), { dateStyle: 'long', timeZone: 'UTC' });
}

/** Why the PACS failed (the server's English `detail` or import `error`), in the page's words. */
export function pacsReason(detail) {
  const text = String(detail || '');
  const pacs = (/the PACS at (\S+)/.exec(text) || [])[1] || 'PACS';
  const known = [[/answered (\d+)/, 'answered'], [/cannot be reached/, 'unreachable'], [/did not answer in time/, 'timeout'],
    [/larger than the upload limit/, 'too_large'], [/broke off|multipart|unreadable/, 'broken'], [/sent no instance/, 'empty'],
    [/interrupted/, 'interrupted']];
  for (const [re, key] of known) {
    const m = re.exec(text);
    if (m) return t(`pacs.why.${key}`, { pacs, status: m[1] });
  }
  return text || t('pacs.why.unknown');
}
const sentence = (s) => s.charAt(0).toUpperCase() + s.slice(1);

/** A DICOM person name « DUPONT^MARIE » as « DUPONT MARIE ». */
const personName = (pn) => (pn ? pn.split('=')[0].split('^').map((s) => s.trim()).filter(Boolean).join(' ') : '');

/** Two date inputs (YYYY-MM-DD, either empty) → the `study_date` filter: a day or a range. */
export function dateFilter(from, to) {
  const [a, b] = [from.replaceAll('-', ''), to.replaceAll('-', '')];
  if (!a && !b) return '';
  return a === b ? a : `${a}-${b}`;
}

// Busy buttons keep the focus (no `disabled`): they say so, and ignore clicks.
const setBusy = (button, busy) => { button.setAttribute('aria-busy', String(busy)); button.setAttribute('aria-disabled', String(busy)); };
const isBusy = (button) => button.getAttribute('aria-disabled') === 'true';

/**
 * pacsPanel({ current, onImported }): `current()` is the dossier as last loaded; `onImported()`
 * reloads it once an import has ended. Returns { el, stop }: the section (hidden until the
 * service says a PACS is configured) and what stops its polling when the page goes.
 */
export function pacsPanel({ current, onImported }) {
  let job = null; // the import followed: { id, ended }
  let timer = null;
  let stopped = false;

  // Identifiers typed here are not remembered by the browser (autocomplete off) nor by drafts.js.
  const input = (id, field, extra = {}) => h('input', { id, type: 'text', 'data-field': field, autocomplete: 'off', spellcheck: 'false', ...extra });
  const patientId = input('pacs-patient-id', 'patient_id', { maxlength: 64 });
  const accession = input('pacs-accession', 'accession_number', { maxlength: 16 });
  const dateFrom = h('input', { id: 'pacs-date-from', type: 'date', 'data-field': 'study_date', autocomplete: 'off' });
  const dateTo = h('input', { id: 'pacs-date-to', type: 'date', autocomplete: 'off' });
  const modality = h('select', { id: 'pacs-modality', 'data-field': 'modality' },
    h('option', { value: '' }, t('pacs.modality.all')),
    MODALITIES.map((m) => h('option', { value: m }, t('pacs.modality.option', { code: m, name: t(`pacs.modality.${m}`) }))));
  const searchButton = h('button', { type: 'submit', id: 'pacs-search-button', 'aria-busy': 'false' }, t('pacs.search'));
  const form = h('form', { id: 'pacs-search', novalidate: true, autocomplete: 'off', 'data-draft': 'off' },
    h('div', { class: 'row' },
      formField(t('pacs.field.patient_id'), patientId),
      formField(t('pacs.field.accession'), accession)),
    h('fieldset', { class: 'pacs-dates', 'aria-describedby': 'pacs-dates-hint' },
      h('legend', {}, t('pacs.field.date')),
      h('div', { class: 'row' }, formField(t('pacs.field.date_from'), dateFrom), formField(t('pacs.field.date_to'), dateTo)),
      h('div', { class: 'hint', id: 'pacs-dates-hint' }, t('pacs.field.date_hint'))),
    h('div', { class: 'row' }, formField(t('pacs.field.modality'), modality)),
    h('div', { class: 'actions' }, searchButton));

  const alert = h('p', { class: 'form-error', role: 'alert', id: 'pacs-error', tabindex: '-1', hidden: true });
  const found = h('p', { role: 'status', id: 'pacs-found', class: 'muted' });
  const list = h('ul', { class: 'pacs-studies', id: 'pacs-studies' });
  const progress = h('progress', { id: 'pacs-progress', max: 1, 'aria-label': t('pacs.progress.label') });
  const progressText = h('p', { id: 'pacs-progress-text', class: 'pacs-progress-text' });
  const status = h('p', { id: 'pacs-import-status', role: 'status', tabindex: '-1' });
  const importAlert = h('p', { class: 'form-error', role: 'alert', id: 'pacs-import-error', tabindex: '-1', hidden: true });
  const cancel = h('button', { type: 'button', class: 'danger-outline secondary', id: 'pacs-cancel', hidden: true, 'aria-busy': 'false' }, t('pacs.cancel'));
  const importProblem = (text) => { importAlert.textContent = text; importAlert.hidden = false; };
  const importBox = h('div', { class: 'pacs-import', id: 'pacs-import', hidden: true },
    h('h4', {}, t('pacs.progress.title')), progress, progressText, status, importAlert, h('div', { class: 'actions' }, cancel));
  const intro = h('p', { class: 'hint', id: 'pacs-intro' });
  const el = h('section', { class: 'card pacs-panel', id: 'pacs-panel', 'aria-labelledby': 'pacs-h', hidden: true },
    h('h3', { id: 'pacs-h' }, t('pacs.title')), intro, form, alert, found, list, importBox);

  function clearErrors() {
    alert.hidden = true;
    alert.textContent = '';
    for (const box of form.querySelectorAll('.field-error')) { box.textContent = ''; box.hidden = true; }
    for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
  }

  /** An error in the alert; next to its control too when it names a field of the form. */
  function showError(message, field) {
    const control = field ? form.querySelector(`[data-field="${field}"]`) : null;
    alert.textContent = control ? t('pacs.error.item', { field: t(FIELD_NAMES[field]), message }) : message;
    alert.hidden = false;
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      const box = form.querySelector(`#${control.id}-error`);
      if (box) { box.textContent = message; box.hidden = false; }
      control.focus();
    }
  }

  /** A failure of the PACS (502, 504), or of the service, in words. */
  function failure(err) {
    if (err && (err.status === 502 || err.status === 504)) return t('pacs.error.pacs', { why: sentence(pacsReason(err.message)) });
    return problemText(err);
  }

  function searchProblem(err) {
    if (err && err.status === 404) return { message: t('pacs.error.not_configured') };
    if (!err || err.status !== 400) return { message: failure(err) };
    const field = FIELD_NAMES[err.field] ? err.field : null;
    if (!field) return { message: /at least one/.test(err.message) ? t('pacs.error.no_filter') : err.message };
    let m;
    if ((m = /at most (\d+) characters/.exec(err.message))) return { field, message: t('pacs.error.too_long', { max: m[1] }) };
    if (/wildcard|control character/.test(err.message)) return { field, message: t('pacs.error.wildcard') };
    if (field === 'study_date') return { field, message: t('pacs.error.date') };
    if (field === 'modality') return { field, message: t('pacs.error.modality') };
    return { field, message: err.message };
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (isBusy(searchButton)) return;
    clearErrors();
    const filters = { patient_id: patientId.value.trim(), accession_number: accession.value.trim(),
      study_date: dateFilter(dateFrom.value, dateTo.value), modality: modality.value };
    if (dateFrom.value && dateTo.value && dateFrom.value > dateTo.value) { showError(t('pacs.error.date_order'), 'study_date'); return; }
    if (!Object.values(filters).some(Boolean)) { showError(t('pacs.error.no_filter')); patientId.focus(); return; }
    setBusy(searchButton, true);
    found.textContent = t('pacs.searching');
    try {
      showStudies((await get(`/api/pacs/studies${query(filters)}`)).items);
    } catch (err) {
      found.textContent = '';
      const { field, message } = searchProblem(err);
      showError(message, field);
    } finally {
      setBusy(searchButton, false);
    }
  });

  function showStudies(items) {
    found.textContent = items.length === 0 ? t('pacs.found.none')
      : items.length >= 50 ? t('pacs.found.limit', { count: items.length }) : t(`pacs.found.${plural(items.length)}`, { count: items.length });
    replace(list, items.map((study, i) => studyItem(study, i)));
    refreshImportButtons();
  }

  function studyItem(study, index) {
    const hid = `pacs-study-${index}-h`;
    const boxes = study.series.map((s, j) => h('input', { type: 'checkbox', id: `pacs-series-${index}-${j}`, value: s.series_uid, checked: true }));
    const all = h('input', { type: 'checkbox', id: `pacs-all-${index}`, class: 'pacs-all', checked: true });
    const sync = () => {
      const ticked = boxes.filter((b) => b.checked).length;
      all.checked = ticked === boxes.length && ticked > 0;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    };
    all.addEventListener('change', () => { for (const b of boxes) b.checked = all.checked; sync(); });
    for (const b of boxes) b.addEventListener('change', sync);
    const selection = h('button', { type: 'button', class: 'pacs-import-button', 'aria-describedby': hid }, t('pacs.import.selection'));
    const whole = h('button', { type: 'button', class: 'secondary pacs-import-button', 'aria-describedby': hid }, t('pacs.import.study'));
    selection.addEventListener('click', () => startImport(study, boxes.filter((b) => b.checked).map((b) => b.value), selection));
    whole.addEventListener('click', () => startImport(study, null, whole));
    const patient = [personName(study.patient_name), study.patient_id ? t('pacs.study.patient_id', { id: study.patient_id }) : '']
      .filter(Boolean).join(' — ');
    const title = [studyDateText(study.study_date), study.description || t('pacs.study.no_description')].join(' — ');
    return h('li', { class: 'pacs-study' },
      h('h4', { id: hid }, title),
      h('dl', { class: 'facts pacs-facts' },
        h('dt', {}, t('pacs.study.patient')), h('dd', { class: 'pacs-patient' }, patient || '—'),
        h('dt', {}, t('pacs.study.accession')), h('dd', {}, study.accession_number || '—'),
        h('dt', {}, t('pacs.study.modalities')), h('dd', {}, study.modalities.join(', ') || '—')),
      study.series.length ? h('fieldset', { class: 'pacs-series' },
        h('legend', {}, t('pacs.series.legend')),
        h('div', { class: 'pacs-check pacs-check-all' }, all, h('label', { for: all.id }, t('pacs.series.all'))),
        h('ul', {}, study.series.map((s, j) => h('li', { class: 'pacs-check' }, boxes[j], h('label', { for: boxes[j].id },
          [s.modality, s.description || t('pacs.series.no_description'), t(`pacs.images.${plural(s.instances)}`, { count: count(s.instances) })]
            .filter(Boolean).join(' — '))))))
        : h('p', { class: 'muted' }, t('pacs.series.none')),
      h('div', { class: 'actions' }, study.series.length ? selection : null, whole));
  }

  /** The import buttons say they wait while an import runs (they stay focusable). */
  function refreshImportButtons() {
    for (const b of list.querySelectorAll('.pacs-import-button')) {
      if (b.getAttribute('aria-busy') !== 'true') b.setAttribute('aria-disabled', job && !job.ended ? 'true' : 'false');
    }
  }

  async function startImport(study, seriesUids, button) {
    if (isBusy(button) || (job && !job.ended)) return;
    clearErrors();
    if (seriesUids && !seriesUids.length) { showError(t('pacs.error.no_series')); return; }
    setBusy(button, true);
    try {
      const body = seriesUids ? { study_uid: study.study_uid, series_uids: seriesUids } : { study_uid: study.study_uid };
      follow(await api('POST', `/api/dossiers/${encodeURIComponent(current().id)}/imports`, body));
    } catch (err) {
      showError(err && err.status === 404 ? t('pacs.error.import_not_found') : failure(err));
    } finally {
      setBusy(button, false);
      refreshImportButtons();
    }
  }

  function showProgress(imp) {
    const total = Number(imp.instances_total) || 0;
    const done = Number(imp.instances_done) || 0;
    if (total > 0) { progress.max = total; progress.value = Math.min(done, total); } else progress.removeAttribute('value');
    progressText.textContent = total === 0 && imp.status === 'queued' ? t('pacs.progress.queued')
      : t(`pacs.progress.${plural(done)}`, { done: count(done), total: count(total), size: formatSize(imp.bytes) });
  }

  function follow(imp, { focus = true } = {}) {
    job = { id: imp.id, ended: false };
    importBox.hidden = false;
    cancel.hidden = false;
    status.className = '';
    status.textContent = t('pacs.import.running');
    importAlert.hidden = true;
    showProgress(imp);
    refreshImportButtons();
    if (focus) cancel.focus();
    if (['queued', 'running'].includes(imp.status)) schedule(job); else finish(job, imp);
  }

  function schedule(current) {
    clearTimeout(timer);
    timer = setTimeout(() => poll(current), POLL_MS);
  }

  async function poll(current) {
    if (stopped || current.ended) return;
    try {
      const imp = await get(`/api/imports/${encodeURIComponent(current.id)}`);
      if (current.ended) return;
      showProgress(imp);
      if (['queued', 'running'].includes(imp.status)) schedule(current); else await finish(current, imp);
    } catch (err) {
      if (err && err.status === 401) return; // the pages ask to sign in again
      if (err && (err.status === 403 || err.status === 404)) { // no longer ours to follow
        current.ended = true;
        cancel.hidden = true;
        refreshImportButtons();
        return importProblem(problemText(err));
      }
      schedule(current); // a lost answer: ask again
    }
  }

  async function finish(current, imp) {
    if (current.ended) return;
    current.ended = true;
    clearTimeout(timer);
    cancel.hidden = true;
    showProgress(imp);
    refreshImportButtons();
    const n = (imp.attachment_ids || []).length;
    if (imp.status === 'done' && !(Number(imp.instances_total) > 0)) progress.max = 1;
    if (imp.status === 'done') progress.value = progress.max;
    const [cls, words] = { done: ['ok', t(`pacs.import.done.${plural(n)}`, { count: n })], cancelled: ['warning-text', t('pacs.import.cancelled')] }[imp.status] || ['', ''];
    status.className = cls;
    status.textContent = words;
    importAlert.textContent = words ? '' : t('pacs.import.failed', { why: pacsReason(imp.error) });
    importAlert.hidden = Boolean(words);
    // The page is drawn again with the new attachments: the focus stays in the panel.
    const hadFocus = el.contains(document.activeElement) || document.activeElement === document.body;
    if (!stopped) await onImported();
    if (hadFocus && !el.contains(document.activeElement)) (words ? status : importAlert).focus();
  }

  cancel.addEventListener('click', async () => {
    if (!job || job.ended || isBusy(cancel)) return;
    const current = job;
    setBusy(cancel, true);
    clearTimeout(timer);
    try {
      await finish(current, await api('DELETE', `/api/imports/${encodeURIComponent(current.id)}`));
    } catch (err) {
      // 409: it ended meanwhile; the next look says how.
      if (err && err.status !== 409) importProblem(problemText(err));
      if (!current.ended) schedule(current);
    } finally {
      setBusy(cancel, false);
    }
  });

  get('/api/pacs').then(async (info) => {
    if (stopped || !info || !info.configured) return;
    intro.textContent = t('pacs.intro', { pacs: info.name || t('pacs.unnamed') });
    el.hidden = false;
    // An import still under way (started before a reload, or in another tab) is followed again.
    const mine = await get(`/api/dossiers/${encodeURIComponent(current().id)}/imports`);
    const open = ((mine && mine.items) || []).find((i) => ['queued', 'running'].includes(i.status));
    if (open && !stopped && !job) follow(open, { focus: false });
  }).catch(() => { /* no PACS here: the panel stays hidden */ });

  return { el, stop() { stopped = true; clearTimeout(timer); } };
}
