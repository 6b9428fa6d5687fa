//! Studies as a PACS holds them: real identifying values (a patient's name, identifiers,
//! birth date, the accession number, the institution) that must never reach what Consilium
//! stores.

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};

pub const PATIENT_NAME: &str = "DUPONT^MARIE^CLAIRE";
pub const PATIENT_ID: &str = "PID-7731904";
pub const ACCESSION: &str = "ACC55120X";
pub const BIRTH_DATE: &str = "19670412";
pub const INSTITUTION: &str = "Clinique Saint-Exupery Lyon";
/// Every identifying value above: none may be found in what the service stores.
pub const IDENTIFYING: [&str; 5] = ["DUPONT", PATIENT_ID, ACCESSION, BIRTH_DATE, "Saint-Exupery"];

pub struct SeriesSpec {
    pub uid: String,
    pub modality: &'static str,
    pub description: &'static str,
    pub instances: usize,
    /// Square images of this side, 16 bits.
    pub side: u16,
}

pub struct StudySpec {
    pub uid: String,
    pub series: Vec<SeriesSpec>,
}

impl StudySpec {
    /// A brain MRI: a T2 series of 6 images and a FLAIR of 4, 64×64.
    pub fn small(tag: u32) -> StudySpec {
        let uid = format!("1.2.826.0.1.3680043.10.{tag}");
        StudySpec {
            series: vec![
                SeriesSpec {
                    uid: format!("{uid}.1"),
                    modality: "MR",
                    description: "T2 axial",
                    instances: 6,
                    side: 64,
                },
                SeriesSpec {
                    uid: format!("{uid}.2"),
                    modality: "MR",
                    description: "FLAIR",
                    instances: 4,
                    side: 64,
                },
            ],
            uid,
        }
    }

    /// A study of `series` series of `instances` images of `side`² (2 bytes a pixel).
    pub fn sized(tag: u32, series: usize, instances: usize, side: u16) -> StudySpec {
        let uid = format!("1.2.826.0.1.3680043.11.{tag}");
        StudySpec {
            series: (0..series)
                .map(|s| SeriesSpec {
                    uid: format!("{uid}.{}", s + 1),
                    modality: "CT",
                    description: "Thorax",
                    instances,
                    side,
                })
                .collect(),
            uid,
        }
    }

    /// Every instance as a Part-10 file.
    pub fn files(&self) -> Vec<Vec<u8>> {
        self.series
            .iter()
            .flat_map(|s| (0..s.instances).map(move |i| self.instance(s, i)))
            .collect()
    }

    pub fn instance(&self, series: &SeriesSpec, index: usize) -> Vec<u8> {
        let sop = format!("{}.{}", series.uid, index + 1);
        let side = series.side;
        let text = |tag, vr, v: &str| DataElement::new(tag, vr, PrimitiveValue::from(v));
        let uint = |tag, v: u16| DataElement::new(tag, VR::US, PrimitiveValue::from(v));
        let pixels: Vec<u8> = (0..u32::from(side) * u32::from(side))
            .flat_map(|p| (((p + index as u32 * 7) % 4000) as u16).to_le_bytes())
            .collect();
        let obj = InMemDicomObject::from_element_iter([
            text(tags::SOP_CLASS_UID, VR::UI, "1.2.840.10008.5.1.4.1.1.4"),
            text(tags::SOP_INSTANCE_UID, VR::UI, &sop),
            text(tags::STUDY_DATE, VR::DA, "20261115"),
            text(tags::ACCESSION_NUMBER, VR::SH, ACCESSION),
            text(tags::MODALITY, VR::CS, series.modality),
            text(tags::INSTITUTION_NAME, VR::LO, INSTITUTION),
            text(tags::STUDY_DESCRIPTION, VR::LO, "IRM cerebrale"),
            text(tags::SERIES_DESCRIPTION, VR::LO, series.description),
            text(tags::PATIENT_NAME, VR::PN, PATIENT_NAME),
            text(tags::PATIENT_ID, VR::LO, PATIENT_ID),
            text(tags::PATIENT_BIRTH_DATE, VR::DA, BIRTH_DATE),
            text(tags::PATIENT_SEX, VR::CS, "F"),
            text(tags::STUDY_INSTANCE_UID, VR::UI, &self.uid),
            text(tags::SERIES_INSTANCE_UID, VR::UI, &series.uid),
            text(tags::INSTANCE_NUMBER, VR::IS, &(index + 1).to_string()),
            text(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2"),
            uint(tags::SAMPLES_PER_PIXEL, 1),
            uint(tags::ROWS, side),
            uint(tags::COLUMNS, side),
            uint(tags::BITS_ALLOCATED, 16),
            uint(tags::BITS_STORED, 16),
            uint(tags::HIGH_BIT, 15),
            uint(tags::PIXEL_REPRESENTATION, 0),
            DataElement::new(tags::PIXEL_DATA, VR::OW, PrimitiveValue::U8(pixels.into())),
        ]);
        let file = obj
            .with_meta(
                FileMetaTableBuilder::new()
                    .transfer_syntax("1.2.840.10008.1.2.1")
                    .media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.4")
                    .media_storage_sop_instance_uid(&sop),
            )
            .unwrap();
        let mut out = Vec::new();
        file.write_all(&mut out).unwrap();
        out
    }
}

/// The places of the identifying values found in `bytes` (empty: none).
pub fn identifying_in(bytes: &[u8]) -> Vec<&'static str> {
    IDENTIFYING
        .iter()
        .copied()
        .filter(|v| memchr::memmem::find(bytes, v.as_bytes()).is_some())
        .collect()
}

/// Every file under `dir` that holds an identifying value, with the values.
pub fn scan_dir(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<&'static str>)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                let hits = identifying_in(&bytes);
                if !hits.is_empty() {
                    found.push((path, hits));
                }
            }
        }
    }
    found
}
