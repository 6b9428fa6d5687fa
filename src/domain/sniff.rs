//! What the bytes of an upload say it is, whatever its name and declared type: a DICOM file
//! (with or without its preamble), a zip archive, a format that could hide DICOM and that we do
//! not open, or something else. An upload stored as it is is also watched as it streams by
//! ([`ContentScan`]) for a DICOM file or a zip archive hidden behind other bytes. No I/O here.

use memchr::memmem;

/// What the first bytes of an upload (or of an archive entry) say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// A DICOM Part-10 file: `DICM` after the 128-byte preamble, or at the very start (a file
    /// written without its preamble) followed by a file meta element.
    Dicom,
    /// A zip archive (it may hold DICOM files).
    Zip,
    /// Something that may hold identifying DICOM headers and that is not opened: refused.
    Refused(Refusal),
    Other,
}

/// Why an upload is refused on its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A compressed file or an archive other than zip (named): it could hide a DICOM file,
    /// and it is not opened to check.
    Archive(&'static str),
    /// A DICOM data set without the Part-10 header (no `DICM`, no file meta group).
    BareDataSet,
}

impl Refusal {
    /// What a clinician reads, after "the file" or "entry NAME".
    pub fn reason(&self) -> String {
        match self {
            Refusal::Archive(format) => format!(
                "is a {format} archive; only zip archives are opened and checked for \
                 identifying DICOM headers: send a zip archive or the files themselves"
            ),
            Refusal::BareDataSet => "looks like a DICOM data set without its Part-10 header; \
                 export it as a DICOM file (Part 10) and send that"
                .to_string(),
        }
    }
}

/// Bytes needed to tell what an upload is (a tar header says `ustar` at byte 257).
pub const SNIFF_BYTES: usize = 264;

const DICM: &[u8] = b"DICM";
/// `DICM` then the tag of a file meta element (group 0002, little endian): the signature of a
/// DICOM Part-10 header wherever it is.
const PART10_SIGNATURE: &[u8] = b"DICM\x02\x00";

/// Magic numbers of the compressed files and archives we do not open.
const REFUSED_MAGIC: &[(usize, &[u8], &str)] = &[
    (0, b"\x1f\x8b", "gzip"),
    (0, b"\x1f\x9d", "compress (.Z)"),
    (0, b"BZh", "bzip2"),
    (0, b"\xfd7zXZ\x00", "xz"),
    (0, b"\x28\xb5\x2f\xfd", "zstd"),
    (0, b"7z\xbc\xaf\x27\x1c", "7-Zip"),
    (0, b"Rar!\x1a\x07", "RAR"),
    (0, b"LZIP", "lzip"),
    (0, b"\x04\x22\x4d\x18", "LZ4"),
    (0, b"MSCF\x00\x00\x00\x00", "cabinet"),
    (257, b"ustar", "tar"),
];

pub fn sniff(head: &[u8]) -> Sniffed {
    if head.len() >= 132 && &head[128..132] == DICM || head.starts_with(PART10_SIGNATURE) {
        return Sniffed::Dicom;
    }
    // A local file header, or the end record of an empty archive.
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Sniffed::Zip;
    }
    for (at, magic, format) in REFUSED_MAGIC {
        if head.len() >= at + magic.len() && &head[*at..at + magic.len()] == *magic {
            return Sniffed::Refused(Refusal::Archive(format));
        }
    }
    if looks_like_bare_data_set(head) {
        return Sniffed::Refused(Refusal::BareDataSet);
    }
    Sniffed::Other
}

/// Value representations, for telling a data set from other binary data.
const VRS: &[&[u8; 2]] = &[
    b"AE", b"AS", b"AT", b"CS", b"DA", b"DS", b"DT", b"FD", b"FL", b"IS", b"LO", b"LT", b"OB",
    b"OD", b"OF", b"OL", b"OV", b"OW", b"PN", b"SH", b"SL", b"SQ", b"SS", b"ST", b"SV", b"TM",
    b"UC", b"UI", b"UL", b"UN", b"UR", b"US", b"UT", b"UV",
];

/// A data set written without preamble and file meta group starts with a low element of group
/// 0002 or 0008 (little endian), followed by a value representation (explicit VR) or a small
/// length (implicit VR).
fn looks_like_bare_data_set(head: &[u8]) -> bool {
    if head.len() < 8 {
        return false;
    }
    let group = u16::from_le_bytes([head[0], head[1]]);
    let element = u16::from_le_bytes([head[2], head[3]]);
    if !matches!(group, 0x0002 | 0x0008) || element > 0x00FF {
        return false;
    }
    let vr = [head[4], head[5]];
    let implicit_len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
    VRS.contains(&&vr) || implicit_len < 0x1_0000
}

/// What [`ContentScan`] found in bytes about to be stored as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hidden {
    /// A DICOM Part-10 header at this byte offset.
    Dicom { at: u64 },
    /// The end record of a zip archive: a zip with other bytes before it.
    ZipArchive,
}

impl Hidden {
    /// What a clinician reads, after "the file" or "entry NAME".
    pub fn reason(&self) -> String {
        match self {
            Hidden::Dicom { at } => format!(
                "holds a DICOM file at byte {at} inside another format; send the DICOM file \
                 itself so that it can be de-identified"
            ),
            Hidden::ZipArchive => "ends like a zip archive but has other bytes before it; \
                 send the zip archive itself"
                .to_string(),
        }
    }
}

/// Bytes at the end of a zip archive that can hold its end record: the record (22 bytes) and
/// a comment of up to 65,535 bytes.
const ZIP_TAIL_BYTES: usize = 22 + 0xFFFF;

/// Watches a stream, chunk by chunk, for a DICOM Part-10 signature anywhere (also across chunk
/// boundaries) and for a zip end record near its end. Memory: the last 64 KiB.
#[derive(Debug, Default)]
pub struct ContentScan {
    seen: u64,
    /// The last bytes of the previous chunks, for a signature cut by a chunk boundary.
    carry: Vec<u8>,
    tail: Vec<u8>,
    dicom_at: Option<u64>,
}

impl ContentScan {
    pub fn new() -> ContentScan {
        ContentScan::default()
    }

    pub fn feed(&mut self, chunk: &[u8]) {
        if chunk.is_empty() {
            return;
        }
        if self.dicom_at.is_none() {
            let keep = PART10_SIGNATURE.len() - 1;
            // The boundary: the carried bytes and the start of this chunk.
            let mut joint = self.carry.clone();
            joint.extend_from_slice(&chunk[..chunk.len().min(keep)]);
            let carried = self.carry.len() as u64;
            if let Some(i) = memmem::find(&joint, PART10_SIGNATURE) {
                self.dicom_at = Some(self.seen - carried + i as u64);
            } else if let Some(i) = memmem::find(chunk, PART10_SIGNATURE) {
                self.dicom_at = Some(self.seen + i as u64);
            }
            joint.extend_from_slice(&chunk[chunk.len().min(keep)..]);
            let from = joint.len().saturating_sub(keep);
            self.carry = joint.split_off(from);
        }
        if chunk.len() >= ZIP_TAIL_BYTES {
            self.tail.clear();
            self.tail
                .extend_from_slice(&chunk[chunk.len() - ZIP_TAIL_BYTES..]);
        } else {
            self.tail.extend_from_slice(chunk);
            let excess = self.tail.len().saturating_sub(ZIP_TAIL_BYTES);
            self.tail.drain(..excess);
        }
        self.seen += chunk.len() as u64;
    }

    /// What the bytes fed so far hide, if anything.
    pub fn finish(&self) -> Option<Hidden> {
        if let Some(at) = self.dicom_at {
            return Some(Hidden::Dicom { at });
        }
        has_zip_end_record(&self.tail).then_some(Hidden::ZipArchive)
    }
}

/// Whether `tail` holds a plausible zip end record: its signature, single-disk numbers (or the
/// zip64 markers) and as many entries on this disk as in total, its comment within the tail.
/// Random bytes pass this with a chance of about 2^-64 per position.
fn has_zip_end_record(tail: &[u8]) -> bool {
    memmem::find_iter(tail, b"PK\x05\x06").any(|p| {
        let Some(record) = tail.get(p..p + 22) else {
            return false;
        };
        let u16_at = |i: usize| u16::from_le_bytes([record[i], record[i + 1]]);
        let single_disk =
            (u16_at(4) == 0 && u16_at(6) == 0) || (u16_at(4) == 0xFFFF && u16_at(6) == 0xFFFF);
        single_disk && u16_at(8) == u16_at(10) && p + 22 + usize::from(u16_at(20)) <= tail.len()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dicom_with_or_without_preamble() {
        let mut dicom = vec![0u8; 128];
        dicom.extend_from_slice(b"DICM\x02\x00");
        assert_eq!(sniff(&dicom), Sniffed::Dicom);
        assert_eq!(sniff(&dicom[128..]), Sniffed::Dicom);
        assert_eq!(sniff(b"DICM is a word"), Sniffed::Other);
        assert_eq!(sniff(&dicom[..100]), Sniffed::Other);
    }

    #[test]
    fn archives() {
        assert_eq!(sniff(b"PK\x03\x04rest"), Sniffed::Zip);
        assert_eq!(sniff(b"PK\x05\x06\0\0\0\0"), Sniffed::Zip);
        assert_eq!(
            sniff(b"\x1f\x8b\x08\x00"),
            Sniffed::Refused(Refusal::Archive("gzip"))
        );
        assert_eq!(
            sniff(b"BZh91AY&SY"),
            Sniffed::Refused(Refusal::Archive("bzip2"))
        );
        let mut tar = vec![b'a'; 512];
        tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(sniff(&tar), Sniffed::Refused(Refusal::Archive("tar")));
        assert_eq!(sniff(b"%PDF-1.7"), Sniffed::Other);
    }

    #[test]
    fn bare_data_sets() {
        // (0008,0005) CS, explicit VR; (0008,0000) UL 4, implicit VR.
        assert_eq!(
            sniff(b"\x08\x00\x05\x00CS\x0a\x00ISO_IR 100"),
            Sniffed::Refused(Refusal::BareDataSet)
        );
        assert_eq!(
            sniff(b"\x08\x00\x00\x00\x04\x00\x00\x00\x10\x00\x00\x00"),
            Sniffed::Refused(Refusal::BareDataSet)
        );
        assert_eq!(sniff(b"\x08\x00\x05\x01abcdefgh"), Sniffed::Other);
    }

    #[test]
    fn signatures_across_chunks() {
        let mut data = vec![b'x'; 10_000];
        data.extend_from_slice(b"DICM\x02\x00\x00\x00UL");
        data.extend(vec![b'y'; 1000]);
        for chunk in [1, 3, 5, 6, 7, 4096, 20_000] {
            let mut scan = ContentScan::new();
            for c in data.chunks(chunk) {
                scan.feed(c);
            }
            assert_eq!(scan.finish(), Some(Hidden::Dicom { at: 10_000 }), "{chunk}");
        }
        let mut scan = ContentScan::new();
        scan.feed(b"DICM\x03\x00 and DICM alone");
        assert_eq!(scan.finish(), None);
    }

    #[test]
    fn zip_end_records() {
        let mut end = b"PK\x05\x06\0\0\0\0\x01\x00\x01\x00".to_vec();
        end.extend_from_slice(&[0x30, 0, 0, 0, 0x40, 0, 0, 0, 0, 0]);
        let mut data = vec![b'z'; 200_000];
        data.extend_from_slice(&end);
        for chunk in [1000, 65_536, 300_000] {
            let mut scan = ContentScan::new();
            for c in data.chunks(chunk) {
                scan.feed(c);
            }
            assert_eq!(scan.finish(), Some(Hidden::ZipArchive), "{chunk}");
        }
        // The signature with inconsistent fields, or too far from the end, is not one.
        let mut scan = ContentScan::new();
        scan.feed(b"PK\x05\x06\x01\x00\x00\x00\x01\x00\x02\x00 and more bytes here");
        assert_eq!(scan.finish(), None);
        let mut scan = ContentScan::new();
        scan.feed(&end);
        scan.feed(&vec![b'z'; ZIP_TAIL_BYTES]);
        assert_eq!(scan.finish(), None);
    }
}
