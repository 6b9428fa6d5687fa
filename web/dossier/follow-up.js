// « Suivi de l'avis » (API.md section 13): some time after a decision, its referrer says whether
// the board's advice was applied (yes, partly, no: a reason unless yes) and how the patient did.
// The dossier page shows the form while the follow-up waits, then the answer (from the
// decision's `follow_up`); the dossier list names the follow-ups that are due.
import { get, post } from '../api.js';
import { h } from '../dom.js';
import { t, currentLang, formatTime } from '../i18n.js';
import { formField, errorSummary, showFormErrors, clearFormErrors, problemErrors, problemText } from './fields.js';
import { keepFormDraft } from './draft.js';

// The server's bound (src/domain/follow_up.rs); the server checks it again.
const NOTE_MAX = 2000;
const APPLIED = ['yes', 'partly', 'no'];

function appliedText(applied) {
  return APPLIED.includes(applied) ? t(`followup.applied.${applied}`) : String(applied);
}

/** The caller's follow-ups (GET /api/follow-ups, `due` only those due and unanswered); [] if unreadable. */
export async function myFollowUps({ due = false } = {}) {
  try {
    return (await get(due ? '/api/follow-ups?due=true' : '/api/follow-ups')).items || [];
  } catch {
    return [];
  }
}

/** An answered follow-up as facts. */
function answerFacts(answer) {
  const given = (text) => (text ? h('span', { class: 'prewrap' }, text) : h('span', { class: 'muted' }, t('dossier.page.not_given')));
  return h('dl', { class: 'facts followup-facts', id: 'follow-up-answer' },
    h('dt', {}, t('followup.answer.applied')), h('dd', { id: 'follow-up-applied' }, appliedText(answer.applied)),
    h('dt', {}, t('followup.answer.reason')), h('dd', {}, given(answer.reason)),
    h('dt', {}, t('followup.answer.note')), h('dd', {}, given(answer.outcome_note)),
    h('dt', {}, t('followup.answer.when')), h('dd', {}, formatTime(answer.answered_at)));
}

/**
 * The follow-up section of a decided dossier, or null when there is none to show.
 * `item`: the caller's follow-up of this decision (from GET /api/follow-ups), if any;
 * `onAnswered(message)`: reloads the dossier (whose decision then carries `follow_up`).
 */
export function followUpSection({ dossier, item, onAnswered }) {
  const decision = dossier.decision;
  if (!decision) return null;
  const answered = decision.follow_up && decision.follow_up.applied
    ? decision.follow_up
    : item && item.answered_at ? item : null;
  if (!answered && !item) return null;
  const heading = h('h2', { id: 'follow-up-h', tabindex: '-1' }, t('followup.title'));
  const section = h('section', { class: 'card follow-up', id: 'follow-up', lang: currentLang(), 'aria-labelledby': 'follow-up-h' }, heading);
  if (answered) {
    section.append(answerFacts(answered));
    return section;
  }

  const due = new Date(item.due_at).getTime() <= Date.now();
  section.append(h('p', { id: 'follow-up-due' }, due
    ? t('followup.due_since', { when: formatTime(item.due_at) })
    : t('followup.due_on', { when: formatTime(item.due_at) })));
  if (!due) section.append(h('p', { class: 'hint' }, t('followup.early')));

  const radios = APPLIED.map((value) => h('input', {
    type: 'radio', name: 'applied', value, id: `fu-applied-${value}`,
    ...(value === 'yes' ? { 'data-field': 'applied', 'data-summary-name': t('followup.question') } : {}),
  }));
  const reason = h('textarea', { id: 'fu-reason', name: 'reason', rows: 3, maxlength: NOTE_MAX, 'data-field': 'reason' });
  const note = h('textarea', { id: 'fu-note', name: 'outcome_note', rows: 3, maxlength: NOTE_MAX, 'data-field': 'outcome_note' });
  const button = h('button', { type: 'submit', id: 'follow-up-submit' }, t('followup.submit'));
  const chosen = () => (radios.find((r) => r.checked) || {}).value || null;
  const reasonField = formField(t('followup.reason'), reason, { hint: t('followup.reason.hint') });
  const reasonMark = h('span', { class: 'required-mark', 'aria-hidden': 'true', hidden: true }, ' *');
  reasonField.querySelector('label').append(reasonMark);
  // The reason is required unless the advice was applied: say so as soon as it is.
  function followChoice() {
    const needed = Boolean(chosen()) && chosen() !== 'yes';
    reasonMark.hidden = !needed;
    if (needed) reason.setAttribute('aria-required', 'true');
    else reason.removeAttribute('aria-required');
  }
  const form = h('form', { class: 'followup-form', novalidate: true, id: 'follow-up-form', 'aria-labelledby': 'follow-up-h' },
    errorSummary(),
    h('fieldset', { class: 'field df-group', 'aria-describedby': 'fu-applied-yes-error' },
      h('legend', {}, t('followup.question'), h('span', { class: 'required-mark', 'aria-hidden': 'true' }, ' *')),
      h('div', { class: 'choice-list' }, radios.map((r) => h('label', { class: 'choice' }, r, ' ', appliedText(r.value)))),
      h('div', { class: 'field-error', id: 'fu-applied-yes-error', hidden: true })),
    reasonField,
    formField(t('followup.note'), note, { hint: t('followup.note.hint') }),
    h('div', { class: 'actions' }, button));
  form.addEventListener('change', followChoice);
  section.append(form);
  const draft = keepFormDraft(form, `follow-up-${decision.id}`);
  followChoice();

  function check() {
    const errors = [];
    const applied = chosen();
    if (!applied) errors.push({ field: 'applied', message: t('followup.error.applied') });
    if (applied && applied !== 'yes' && !reason.value.trim()) errors.push({ field: 'reason', message: t('followup.error.reason') });
    if (reason.value.trim().length > NOTE_MAX) errors.push({ field: 'reason', message: t('dossier.error.too_long', { max: NOTE_MAX }) });
    if (note.value.trim().length > NOTE_MAX) errors.push({ field: 'outcome_note', message: t('dossier.error.too_long', { max: NOTE_MAX }) });
    return errors;
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(form);
    const errors = check();
    if (errors.length) { showFormErrors(form, errors); return; }
    const body = { applied: chosen() };
    if (reason.value.trim()) body.reason = reason.value.trim();
    if (note.value.trim()) body.outcome_note = note.value.trim();
    button.disabled = true;
    try {
      await post(`/api/decisions/${encodeURIComponent(decision.id)}/follow-up`, body);
      draft.clear();
      await onAnswered(t('followup.saved'));
      document.getElementById('follow-up-h')?.focus();
    } catch (err) {
      button.disabled = false;
      if (err && err.status === 409) {
        // Answered meanwhile (another tab): the answer on record is shown.
        draft.clear();
        await onAnswered(t('followup.already'));
        return;
      }
      showFormErrors(form, err && err.status === 400 && err.field ? problemErrors(err) : [{ field: null, message: problemText(err) }]);
    }
  });
  return section;
}

/**
 * « Suivis à renseigner (N) » on the dossier list: the follow-ups due and unanswered, each a
 * link to its dossier (titles from `dossiers` when known). Null when none is due.
 */
export function dueFollowUps(items, dossiers = []) {
  if (!items.length) return null;
  const byId = new Map(dossiers.map((d) => [d.id, d]));
  return h('section', { class: 'card follow-ups-due', id: 'follow-ups-due', 'aria-labelledby': 'follow-ups-due-h', lang: currentLang() },
    h('h2', { id: 'follow-ups-due-h' }, t('followup.list.title', { count: items.length })),
    h('p', { class: 'hint' }, t('followup.list.intro')),
    h('ul', { class: 'follow-up-list' }, items.map((f) => {
      const d = byId.get(f.dossier_id);
      return h('li', { 'data-dossier-id': f.dossier_id },
        h('a', { href: `#/dossiers/${f.dossier_id}` }, d
          ? t('dossier.page.heading', { reference: f.reference || d.reference, title: d.title })
          : (f.reference || d?.reference || f.dossier_id)),
        h('div', { class: 'hint' }, t('followup.list.due', { when: formatTime(f.due_at) })));
    })));
}
