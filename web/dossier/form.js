// The dossier's content as a form: the new-dossier page and the edit form of a draft share it.
// It checks what it can before sending (every error at once), and knows what submission needs.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { formField, marksLegend, errorSummary } from './fields.js';
import { templateGroup, templateApplies, templateMissing, EMPTY_TEMPLATE } from './template.js';

// The server's bounds (src/domain/dossier.rs); the server checks them again.
export const LIMITS = { title: 200, pseudonym: 64, question: 4000, history: 20000, minBirthYear: 1900 };

function select(id, field, options, value) {
  return h('select', { id, name: field, 'data-field': field },
    options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)));
}

/**
 * buildDossierForm({ prefix, dossier, boards, templates }) → { form, controls, body(), check(forSubmit),
 * fieldChanges(original), activeTemplate() }.
 * `boards` given: a board choice is part of the form (creation, and the edit form of a draft,
 * where it starts on the dossier's board). `dossier` given: filled with it. `templates` (a Map
 * from board id, see template.js): the fields each board asks for; the form holds the fields of
 * every board it offers and shows those of the board chosen (so that what is typed for one board
 * survives switching to another and back, and a kept draft comes back whole).
 */
export function buildDossierForm({ prefix, dossier = null, boards = null, templates = new Map(), id, label, buttons, card = true }) {
  const p = (dossier && dossier.patient) || {};
  const c = {};
  if (boards) {
    const current = dossier ? dossier.board_id : '';
    const options = boards.map((b) => [b.id, b.name]);
    // A board the list does not hold (not expected): kept as it is rather than moved silently.
    if (current && !boards.some((b) => b.id === current)) options.unshift([current, t('dossier.field.board.unlisted')]);
    c.board = select(`${prefix}-board`, 'board_id',
      current ? options : [['', t('dossier.field.board.choose')], ...options], current);
  }
  c.title = h('input', { id: `${prefix}-title`, type: 'text', name: 'title', maxlength: LIMITS.title, 'data-field': 'title', value: dossier ? dossier.title : '' });
  c.pseudonym = h('input', {
    id: `${prefix}-pseudonym`, type: 'text', name: 'pseudonym', maxlength: LIMITS.pseudonym, autocomplete: 'off',
    'data-field': 'patient.pseudonym', value: p.pseudonym || '',
  });
  c.birthYear = h('input', {
    id: `${prefix}-birth-year`, type: 'text', name: 'birth_year', inputmode: 'numeric', maxlength: 4, autocomplete: 'off',
    'data-field': 'patient.birth_year', value: p.birth_year ? String(p.birth_year) : '',
  });
  c.sex = select(`${prefix}-sex`, 'patient.sex', [['', t('dossier.sex.none')], ['female', t('dossier.sex.female')],
    ['male', t('dossier.sex.male')], ['other', t('dossier.sex.other')], ['unknown', t('dossier.sex.unknown')]], p.sex || '');
  c.urgency = select(`${prefix}-urgency`, 'urgency', [['routine', t('dossier.urgency.routine')], ['priority', t('dossier.urgency.priority')]],
    dossier ? dossier.urgency : 'routine');
  c.question = h('textarea', { id: `${prefix}-question`, name: 'question', maxlength: LIMITS.question, 'data-field': 'question', rows: 4 });
  c.question.value = dossier ? dossier.question : '';
  c.history = h('textarea', { id: `${prefix}-history`, name: 'history', maxlength: LIMITS.history, 'data-field': 'history', rows: 6 });
  c.history.value = dossier ? dossier.history : '';
  c.consent = h('input', {
    id: `${prefix}-consent`, type: 'checkbox', name: 'consent', 'data-field': 'consent', checked: dossier ? dossier.consent : false,
    'data-summary-name': t('dossier.field.consent_short'),
  });

  // The template fields: one group per board the form may send the dossier to.
  const groupBoards = c.board ? [...c.board.options].map((o) => o.value).filter(Boolean) : (dossier ? [dossier.board_id] : []);
  const groups = new Map(groupBoards.map((boardId) => {
    const template = templates.get(boardId) || EMPTY_TEMPLATE;
    const own = Boolean(dossier && dossier.board_id === boardId);
    const applies = !own || templateApplies(dossier, template);
    return [boardId, templateGroup({
      prefix, boardId, template, applies,
      values: own ? dossier.fields || {} : {},
      note: own && !applies ? t('dossier.tpl.version_differs', { theirs: dossier.template_version, current: template.version }) : null,
    })];
  }));
  const activeBoardId = () => (c.board ? c.board.value : (dossier ? dossier.board_id : ''));
  const activeGroup = () => groups.get(activeBoardId()) || null;
  function showActiveGroup() {
    const active = activeBoardId();
    for (const [boardId, g] of groups) g.setActive(boardId === active);
  }
  if (c.board) c.board.addEventListener('change', showActiveGroup);

  const form = h('form', { class: card ? 'card dossier-form' : 'dossier-form', novalidate: true, id, 'aria-label': label },
    errorSummary(),
    marksLegend({ submitMark: true }),
    c.board ? formField(t('dossier.field.board'), c.board, {
      hint: dossier ? t('dossier.field.board.edit_hint') : t('dossier.field.board.hint'), required: true,
    }) : null,
    formField(t('dossier.field.title'), c.title, { hint: t('dossier.field.title.hint'), required: true }),
    h('fieldset', {}, h('legend', {}, t('dossier.field.patient')),
      h('div', { class: 'row' },
        formField(t('dossier.field.pseudonym'), c.pseudonym, { hint: t('dossier.field.pseudonym.hint'), required: true }),
        formField(t('dossier.field.birth_year'), c.birthYear, { hint: t('dossier.field.birth_year.hint') }),
        formField(t('dossier.field.sex'), c.sex))),
    formField(t('dossier.field.urgency'), c.urgency),
    formField(t('dossier.field.question'), c.question, { hint: t('dossier.field.question.hint'), neededToSubmit: true }),
    formField(t('dossier.field.history'), c.history, { hint: t('dossier.field.history.hint') }),
    h('div', { class: 'template-groups' }, [...groups.values()].map((g) => g.el)),
    formField(t('dossier.field.consent'), c.consent, { hint: t('dossier.field.consent.hint'), neededToSubmit: true, inline: true }),
    h('div', { class: 'actions' }, buttons));

  showActiveGroup();

  /** The JSON body of POST /api/dossiers or PATCH, with the board when the form offers it. */
  function body() {
    const year = c.birthYear.value.trim();
    const patient = { pseudonym: c.pseudonym.value.trim() };
    if (year) patient.birth_year = Number(year);
    if (c.sex.value) patient.sex = c.sex.value;
    const out = {
      title: c.title.value.trim(), patient, question: c.question.value, history: c.history.value,
      urgency: c.urgency.value, consent: c.consent.checked,
    };
    if (c.board) out.board_id = c.board.value;
    return out;
  }

  /** Every error of the form at once: what saving needs, and with `forSubmit` what submitting needs. */
  function check({ forSubmit = false } = {}) {
    const errors = [];
    const year = c.birthYear.value.trim();
    const thisYear = new Date().getFullYear();
    if (c.board && !c.board.value) errors.push({ field: 'board_id', message: t('dossier.error.board') });
    if (!c.title.value.trim()) errors.push({ field: 'title', message: t('dossier.error.title') });
    if (!c.pseudonym.value.trim()) errors.push({ field: 'patient.pseudonym', message: t('dossier.error.pseudonym') });
    if (year && (!/^\d{4}$/.test(year) || Number(year) < LIMITS.minBirthYear || Number(year) > thisYear)) {
      errors.push({ field: 'patient.birth_year', message: t('dossier.error.birth_year', { min: LIMITS.minBirthYear, max: thisYear }) });
    }
    if (forSubmit && !c.question.value.trim()) errors.push({ field: 'question', message: t('dossier.error.question_to_submit') });
    if (c.question.value.trim().length > LIMITS.question) errors.push({ field: 'question', message: t('dossier.error.too_long', { max: LIMITS.question }) });
    if (c.history.value.trim().length > LIMITS.history) errors.push({ field: 'history', message: t('dossier.error.too_long', { max: LIMITS.history }) });
    if (forSubmit && !c.consent.checked) errors.push({ field: 'consent', message: t('dossier.error.consent_to_submit') });
    const group = activeGroup();
    if (group) errors.push(...group.check({ forSubmit }));
    return errors;
  }

  return {
    form,
    controls: c,
    body,
    check,
    /** The template values of the chosen board, none empty (a new dossier's `fields`). */
    fieldValues() { const g = activeGroup(); return g ? g.values() : {}; },
    /** What the chosen board's values change in `original` (a PATCH's `fields`; null clears). */
    fieldChanges(original) { const g = activeGroup(); return g ? g.changes(original) : {}; },
    /** The template of the board chosen in the form. */
    activeTemplate() { const g = activeGroup(); return g ? g.template : EMPTY_TEMPLATE; },
  };
}

/**
 * What a saved dossier still lacks to be submitted, as the server's `missing` names it (every
 * item at once): the question, the consent, then with `template` its required fields and
 * attachments.
 */
export function missingToSubmit(dossier, template = EMPTY_TEMPLATE) {
  const items = [];
  if (!String(dossier.question || '').trim()) items.push('question');
  if (!dossier.consent) items.push('consent');
  items.push(...templateMissing(dossier, template));
  return items;
}
