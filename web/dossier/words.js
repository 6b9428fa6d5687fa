// Small pieces of wording shared by the dossier pages: statuses, urgency, sex, sizes, dates.
import { h } from '../dom.js';
import { t, currentLang, formatTime } from '../i18n.js';

const STATUSES = ['draft', 'submitted', 'scheduled', 'decided', 'withdrawn', 'no_quorum', 'tied'];

/** A status as a badge, in the page's language (the class keeps the wire value). */
export function statusBadge(status) {
  const text = STATUSES.includes(status) ? t(`dossier.status.${status}`) : status;
  return h('span', { class: `badge status-${status}` }, text);
}

export function urgencyText(urgency) {
  return urgency === 'priority' ? t('dossier.urgency.priority') : t('dossier.urgency.routine');
}

export function sexText(sex) {
  return ['female', 'male', 'other', 'unknown'].includes(sex) ? t(`dossier.sex.${sex}`) : '';
}

export function kindText(kind) {
  return ['imaging', 'note', 'report', 'other'].includes(kind) ? t(`attach.kind.${kind}`) : kind;
}

/** A date and time in the reader's local time, or a dash. */
export function when(iso) {
  return iso ? formatTime(iso) : '—';
}

const UNITS = [['byte', 1], ['kilobyte', 1e3], ['megabyte', 1e6], ['gigabyte', 1e9], ['terabyte', 1e12]];

/** A size as people read it: « 1,5 Mo » in French, "1.5 MB" in English (decimal units). */
export function formatSize(bytes) {
  const n = Number(bytes) || 0;
  let [unit, scale] = UNITS[0];
  for (const [u, s] of UNITS) if (n >= s) [unit, scale] = [u, s];
  const value = n / scale;
  const locale = currentLang() === 'fr' ? 'fr-FR' : 'en-GB';
  return new Intl.NumberFormat(locale, {
    style: 'unit', unit, unitDisplay: unit === 'byte' ? 'long' : 'short',
    maximumFractionDigits: unit === 'byte' || value >= 100 ? 0 : 1,
  }).format(value);
}
