// The board's settings on its page (API.md sections 5 and 16), for its coordinators and the
// administrators (`can.edit`): name, description, quorum rule, whether the referring
// physician reads the named ballots, and when the referrer is asked whether the advice was
// applied (`follow_up_days`, API.md section 13). Every faulty field is shown at once, next to itself,
// before anything is sent; what the server still refuses lands next to its field too.
import { api } from '../api.js';
import { h, field, clearErrors } from '../dom.js';
import { t } from '../i18n.js';
import { fieldError } from './ui.js';

// The server's bounds (src/domain/board.rs, src/domain/user.rs).
const NAME_MAX = 200;
const DESCRIPTION_MAX = 4000;
const VOTERS_MAX = 100;
const REQUIRED_MAX = 20;
const SPECIALTY_MAX = 100;
const FOLLOW_UP_MAX = 3650;

const key = (s) => s.trim().toLowerCase();

/** The required specialties typed one per line (commas also separate). */
export function parseSpecialties(text) {
  return text.split(/[\n,;]/).map((s) => s.trim()).filter(Boolean);
}

/** A whole number from a text field, or NaN. */
function wholeNumber(text) {
  const s = String(text).trim();
  return /^-?\d+$/.test(s) ? Number(s) : Number.NaN;
}

/**
 * Checks the form's values as the server will; returns every problem as
 * `[{ field: 'quorum.min_voters', message }]` (empty when all is well).
 */
export function validateSettings({ name, description, minVoters, minSpecialties, required, followUpDays }) {
  const problems = [];
  const add = (fieldName, message) => problems.push({ field: fieldName, message });
  if (!name.trim()) add('name', t('boards.settings.name.missing'));
  else if ([...name.trim()].length > NAME_MAX) add('name', t('boards.settings.name.long', { max: NAME_MAX }));
  if ([...description].length > DESCRIPTION_MAX) add('description', t('boards.settings.description.long', { max: DESCRIPTION_MAX }));
  const votersOk = Number.isInteger(minVoters) && minVoters >= 1 && minVoters <= VOTERS_MAX;
  if (!votersOk) add('quorum.min_voters', t('boards.settings.min_voters.range', { max: VOTERS_MAX }));
  if (!(Number.isInteger(minSpecialties) && minSpecialties >= 0 && minSpecialties <= VOTERS_MAX)) {
    add('quorum.min_specialties', t('boards.settings.min_specialties.range', { max: VOTERS_MAX }));
  } else if (Number.isInteger(minVoters) && minSpecialties > minVoters) {
    add('quorum.min_specialties', t('boards.settings.min_specialties.above'));
  }
  const seen = new Set();
  const twice = required.find((s) => (seen.has(key(s)) ? true : (seen.add(key(s)), false)));
  const tooLong = required.find((s) => [...s].length > SPECIALTY_MAX);
  if (required.length > REQUIRED_MAX) add('quorum.required_specialties', t('boards.settings.required.many', { max: REQUIRED_MAX }));
  else if (twice) add('quorum.required_specialties', t('boards.settings.required.twice', { specialty: twice }));
  else if (tooLong) add('quorum.required_specialties', t('boards.settings.required.long', { max: SPECIALTY_MAX }));
  else if (Number.isInteger(minVoters) && required.length > minVoters) {
    add('quorum.required_specialties', t('boards.settings.required.above_voters'));
  }
  if (followUpDays !== undefined && !(Number.isInteger(followUpDays) && followUpDays >= 0 && followUpDays <= FOLLOW_UP_MAX)) {
    add('follow_up_days', t('boards.settings.follow_up.range', { max: FOLLOW_UP_MAX }));
  }
  return problems;
}

/** The message shown next to a field the server refused (its own words are English). */
function serverMessage(fieldName) {
  return {
    name: t('boards.settings.name.invalid'),
    description: t('boards.settings.description.long', { max: DESCRIPTION_MAX }),
    'quorum.min_voters': t('boards.settings.min_voters.range', { max: VOTERS_MAX }),
    'quorum.min_specialties': t('boards.settings.min_specialties.above'),
    'quorum.required_specialties': t('boards.settings.required.invalid'),
    follow_up_days: t('boards.settings.follow_up.range', { max: FOLLOW_UP_MAX }),
  }[fieldName];
}

/** The settings card; `onSaved(board)` after a successful change. */
export function settingsCard(board, { onSaved }) {
  const q = board.quorum || {};
  const name = h('input', {
    id: 'bs-name', type: 'text', required: true, maxlength: NAME_MAX, 'data-field': 'name', value: board.name,
  });
  const description = h('textarea', { id: 'bs-description', 'data-field': 'description', rows: 3 });
  description.value = board.description || '';
  const minVoters = h('input', {
    id: 'bs-min-voters', type: 'number', min: 1, max: VOTERS_MAX, step: 1, required: true, inputmode: 'numeric',
    'data-field': 'quorum.min_voters', value: q.min_voters,
  });
  const minSpecialties = h('input', {
    id: 'bs-min-specialties', type: 'number', min: 0, max: VOTERS_MAX, step: 1, required: true, inputmode: 'numeric',
    'data-field': 'quorum.min_specialties', value: q.min_specialties,
  });
  const required = h('textarea', { id: 'bs-required', rows: 3, 'data-field': 'quorum.required_specialties' });
  required.value = (q.required_specialties || []).join('\n');
  const ballots = h('input', {
    id: 'bs-ballots', type: 'checkbox', 'data-field': 'show_ballots_to_referrer', checked: board.show_ballots_to_referrer === true,
  });
  // Boards of a server without follow-ups have no `follow_up_days`: the control is left out.
  const hasFollowUp = typeof board.follow_up_days === 'number';
  const followUp = h('input', {
    id: 'bs-follow-up', type: 'number', min: 0, max: FOLLOW_UP_MAX, step: 1, required: true, inputmode: 'numeric',
    'data-field': 'follow_up_days', value: hasFollowUp ? board.follow_up_days : '',
  });
  const save = h('button', { type: 'submit', id: 'bs-save' }, t('boards.settings.save'));
  const summary = h('div', { class: 'form-error', role: 'alert', id: 'bs-summary', hidden: true });
  const saved = h('p', { class: 'hint', role: 'status', id: 'bs-status', 'aria-live': 'polite' });
  const form = h('form', { novalidate: true, id: 'board-settings', 'aria-labelledby': 'settings-h' },
    summary,
    h('div', { class: 'row' }, field(t('boards.settings.name'), name)),
    h('div', { class: 'row' }, field(t('boards.settings.description'), description, { hint: t('boards.settings.description.hint') })),
    h('fieldset', { class: 'quorum-fieldset' },
      h('legend', {}, t('boards.settings.quorum')),
      h('p', { class: 'hint', id: 'bs-quorum-hint' }, t('boards.settings.quorum.hint')),
      h('div', { class: 'row' },
        field(t('boards.settings.min_voters'), minVoters, { hint: t('boards.settings.min_voters.hint', { max: VOTERS_MAX }) }),
        field(t('boards.settings.min_specialties'), minSpecialties, { hint: t('boards.settings.min_specialties.hint') })),
      h('div', { class: 'row' },
        field(t('boards.settings.required'), required, { hint: t('boards.settings.required.hint') }))),
    h('div', { class: 'checkbox-field' },
      field(t('boards.settings.ballots'), ballots, { hint: t('boards.settings.ballots.hint'), inline: true })),
    hasFollowUp ? h('div', { class: 'row follow-up-row' },
      field(t('boards.settings.follow_up'), followUp, { hint: t('boards.settings.follow_up.hint', { max: FOLLOW_UP_MAX }) })) : null,
    h('div', { class: 'actions' }, save),
    saved);

  const controls = {
    name, description, 'quorum.min_voters': minVoters, 'quorum.min_specialties': minSpecialties,
    'quorum.required_specialties': required, show_ballots_to_referrer: ballots, follow_up_days: followUp,
  };

  function showProblems(problems) {
    for (const p of problems) fieldError(controls[p.field], p.message);
    summary.replaceChildren(
      h('p', {}, problems.length === 1 ? t('boards.settings.errors.one') : t('boards.settings.errors.other', { count: problems.length })),
      h('ul', {}, problems.map((p) => h('li', {}, h('a', {
        href: `#${controls[p.field].id}`,
        onclick: (e) => { e.preventDefault(); controls[p.field].focus(); },
      }, t('boards.settings.errors.item', { label: controls[p.field].labels[0]?.textContent || p.field, message: p.message }))))));
    summary.hidden = false;
    controls[problems[0].field].focus();
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    summary.hidden = true;
    summary.replaceChildren();
    saved.textContent = '';
    const values = {
      name: name.value,
      description: description.value,
      minVoters: wholeNumber(minVoters.value),
      minSpecialties: wholeNumber(minSpecialties.value),
      required: parseSpecialties(required.value),
      followUpDays: hasFollowUp ? wholeNumber(followUp.value) : undefined,
    };
    const problems = validateSettings(values);
    if (problems.length) { showProblems(problems); return; }

    // Only what changed is sent.
    const body = {};
    if (values.name.trim() !== board.name) body.name = values.name.trim();
    if (values.description !== (board.description || '')) body.description = values.description;
    const quorum = { min_voters: values.minVoters, min_specialties: values.minSpecialties, required_specialties: values.required };
    if (quorum.min_voters !== q.min_voters || quorum.min_specialties !== q.min_specialties
      || quorum.required_specialties.join('\n') !== (q.required_specialties || []).join('\n')) body.quorum = quorum;
    if (ballots.checked !== (board.show_ballots_to_referrer === true)) body.show_ballots_to_referrer = ballots.checked;
    if (hasFollowUp && values.followUpDays !== board.follow_up_days) body.follow_up_days = values.followUpDays;
    if (!Object.keys(body).length) { saved.textContent = t('boards.settings.unchanged'); return; }

    save.disabled = true;
    save.setAttribute('aria-busy', 'true');
    try {
      const changed = await api('PATCH', `/api/boards/${board.id}`, body);
      await onSaved(changed);
    } catch (err) {
      const fieldName = err.field && Object.keys(controls).find((f) => err.field === f || err.field.startsWith(`${f}[`));
      const message = fieldName ? serverMessage(fieldName) : null;
      if (fieldName && message) showProblems([{ field: fieldName, message }]);
      else {
        summary.replaceChildren(h('p', {}, err.status === 403 ? t('boards.settings.forbidden') : t('boards.settings.failed', { detail: err.message })));
        summary.hidden = false;
      }
    } finally {
      save.disabled = false;
      save.removeAttribute('aria-busy');
    }
  });

  return h('section', { class: 'card', id: 'board-settings-card', 'aria-labelledby': 'settings-h' },
    h('h2', { id: 'settings-h' }, t('boards.settings.title')),
    form);
}
