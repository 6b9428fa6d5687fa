// A small DICOM series for the viewer's tests: explicit VR little endian Part-10 files, 16-bit
// MONOCHROME2, with the geometry that orders slices (ImagePositionPatient, ImageOrientationPatient)
// and a bright square whose place tells the slice: on slice i it starts at column markerX(i).
// The files are shuffled in the zip, so that the server's ordering by position is what counts.
import { element, part10MrImage, randomUid as uid } from './dicom.js';
import { zip } from './zip.js';

export const MARKER = 6; // the square's side, in pixels
export const MARKER_Y = 29;

/** The column where slice `i`'s square starts (slices 0 to 9 fit a 64-pixel row). */
export function markerX(i) { return 2 + MARKER * i; }

function us(n) {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n, 0);
  return b;
}

function slice({ i, size, studyUid, seriesUid, description }) {
  const pixels = Buffer.alloc(size * size * 2);
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const inMarker = x >= markerX(i) && x < markerX(i) + MARKER && y >= MARKER_Y && y < MARKER_Y + MARKER;
      pixels.writeUInt16LE(inMarker ? 4000 : 100 + 3 * x, (y * size + x) * 2);
    }
  }
  return part10MrImage([
    element(0x0008, 0x0060, 'CS', 'MR'),
    element(0x0008, 0x1030, 'LO', 'IRM cerebrale'),
    element(0x0008, 0x103e, 'LO', description),
    element(0x0010, 0x0010, 'PN', 'DUPONT^MARIE'),
    element(0x0010, 0x0020, 'LO', 'IPP-0042-7781'),
    element(0x0020, 0x000d, 'UI', studyUid),
    element(0x0020, 0x000e, 'UI', seriesUid),
    element(0x0020, 0x0013, 'IS', String(i + 1)),
    element(0x0020, 0x0032, 'DS', `0\\0\\${(i * 5).toFixed(1)}`),
    element(0x0020, 0x0037, 'DS', '1\\0\\0\\0\\1\\0'),
    element(0x0028, 0x0002, 'US', us(1)),
    element(0x0028, 0x0004, 'CS', 'MONOCHROME2'),
    element(0x0028, 0x0010, 'US', us(size)),
    element(0x0028, 0x0011, 'US', us(size)),
    element(0x0028, 0x0030, 'DS', '1\\1'),
    element(0x0028, 0x0100, 'US', us(16)),
    element(0x0028, 0x0101, 'US', us(16)),
    element(0x0028, 0x0102, 'US', us(15)),
    element(0x0028, 0x0103, 'US', us(0)),
    element(0x0028, 0x1050, 'DS', '2048'),
    element(0x0028, 0x1051, 'DS', '4096'),
    element(0x7fe0, 0x0010, 'OW', pixels),
  ]);
}

/** A zip of `slices` files of one MR series (64 × 64), shuffled. */
export function dicomSeriesZip({ slices = 10, size = 64, description = 'T2 FLAIR axial' } = {}) {
  const studyUid = uid();
  const seriesUid = uid();
  const files = [...Array(slices)].map((_, i) => ({
    name: `IM${String(i + 1).padStart(4, '0')}.dcm`,
    data: slice({ i, size, studyUid, seriesUid, description }),
  }));
  for (let i = files.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [files[i], files[j]] = [files[j], files[i]];
  }
  return { zip: zip(files), seriesUid, studyUid };
}
