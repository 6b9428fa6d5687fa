// A small DICOM Part-10 file (explicit VR little endian, no pixel data) with identifying
// patient data, for the de-identification and metadata shown by the pages; and the element and
// Part-10 writers the series of dicom-series.js are built with.

export function element(group, elem, vr, value) {
  let bytes = Buffer.isBuffer(value) ? value : Buffer.from(value, 'latin1');
  if (bytes.length % 2) bytes = Buffer.concat([bytes, Buffer.from(vr === 'UI' || vr === 'OB' ? [0] : [0x20])]);
  const long = ['OB', 'OW', 'SQ', 'UN', 'UT'].includes(vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(elem, 2);
  head.write(vr, 4, 'latin1');
  if (long) head.writeUInt32LE(bytes.length, 8);
  else head.writeUInt16LE(bytes.length, 6);
  return Buffer.concat([head, bytes]);
}

const MR_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.4';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

/** A new random UID under the 2.25 root. */
export function randomUid() {
  const hex = [...Array(24)].map(() => Math.floor(Math.random() * 16).toString(16)).join('');
  return `2.25.${BigInt(`0x${hex}`)}`;
}

/**
 * A Part-10 file of an MR image in explicit VR little endian: the preamble, the file meta
 * group, then the SOP class and instance UIDs followed by `elements` (written by `element`).
 */
export function part10MrImage(elements) {
  const instance = randomUid();
  const meta = Buffer.concat([
    element(0x0002, 0x0001, 'OB', Buffer.from([0, 1])),
    element(0x0002, 0x0002, 'UI', MR_IMAGE_STORAGE),
    element(0x0002, 0x0003, 'UI', instance),
    element(0x0002, 0x0010, 'UI', EXPLICIT_LE),
    element(0x0002, 0x0012, 'UI', '2.25.1234567890'),
  ]);
  const groupLength = Buffer.alloc(12);
  groupLength.writeUInt16LE(0x0002, 0);
  groupLength.writeUInt16LE(0x0000, 2);
  groupLength.write('UL', 4, 'latin1');
  groupLength.writeUInt16LE(4, 6);
  groupLength.writeUInt32LE(meta.length, 8);
  const dataset = Buffer.concat([
    element(0x0008, 0x0016, 'UI', MR_IMAGE_STORAGE),
    element(0x0008, 0x0018, 'UI', instance),
    ...elements,
  ]);
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), groupLength, meta, dataset]);
}

export function dicomFile({ patientName, modality, study, series }) {
  return part10MrImage([
    element(0x0008, 0x0060, 'CS', modality),
    element(0x0008, 0x0090, 'PN', 'DR^REFERRING'),
    element(0x0008, 0x1030, 'LO', study),
    element(0x0008, 0x103e, 'LO', series),
    element(0x0010, 0x0010, 'PN', patientName),
    element(0x0010, 0x0020, 'LO', 'IPP-0042-7781'),
    element(0x0010, 0x0030, 'DA', '19870312'),
  ]);
}
