//! Which series and frames a DICOM attachment holds, as the room asks before a frame is shown
//! (`view`) or marked (`mark`). The series index lives with the attachment in the object store
//! and is built by the imaging module; the room knows it only through [`FrameCatalogue`].

use crate::db::{Db, attachments};
use crate::domain::room_access;
use crate::error::AppResult;

#[async_trait::async_trait]
pub trait FrameCatalogue: Send + Sync {
    /// Frames of `series_uid` in the DICOM attachment `attachment_id`; None if no such series.
    async fn frame_count(&self, attachment_id: &str, series_uid: &str) -> AppResult<Option<u32>>;
}

/// The frame exists in the catalogue (`not_found` on the series or on the frame otherwise).
/// Asked once the caller's rules have passed, so that it tells nothing about attachments the
/// caller may not use.
pub async fn check_frame(
    catalogue: &dyn FrameCatalogue,
    attachment_id: &str,
    series_uid: &str,
    frame: u32,
) -> AppResult<()> {
    let frames = catalogue.frame_count(attachment_id, series_uid).await?;
    Ok(room_access::frame_exists(frames, frame)?)
}

/// What a frame count of [`DicomRowCatalogue`] means: the series was not looked at.
pub const NOT_COUNTED: u32 = u32::MAX;

// provisional until src/imaging lands: the lead engineer replaces this with the series index.
/// Answers from the attachment row only: a DICOM attachment has every series and "not counted"
/// ([`NOT_COUNTED`]) frames; any other attachment, or none, has no series.
pub struct DicomRowCatalogue {
    pub db: Db,
}

#[async_trait::async_trait]
impl FrameCatalogue for DicomRowCatalogue {
    async fn frame_count(&self, attachment_id: &str, _series_uid: &str) -> AppResult<Option<u32>> {
        let id = attachment_id.to_string();
        let row = self.db.read(move |c| attachments::by_id(c, &id)).await?;
        Ok(row.filter(|a| a.dicom().is_some()).map(|_| NOT_COUNTED))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;

    /// A catalogue that knows one series of three frames.
    struct ThreeFrames;

    #[async_trait::async_trait]
    impl FrameCatalogue for ThreeFrames {
        async fn frame_count(&self, _: &str, series_uid: &str) -> AppResult<Option<u32>> {
            Ok((series_uid == "1.2.3").then_some(3))
        }
    }

    #[tokio::test]
    async fn frames_are_checked_against_the_catalogue() {
        assert!(check_frame(&ThreeFrames, "a", "1.2.3", 2).await.is_ok());
        let beyond = check_frame(&ThreeFrames, "a", "1.2.3", 3).await;
        assert!(
            matches!(&beyond, Err(AppError::NotFound(m)) if m == "frame of this series not found"),
            "{beyond:?}"
        );
        let unknown = check_frame(&ThreeFrames, "a", "1.2.4", 0).await;
        assert!(
            matches!(&unknown, Err(AppError::NotFound(m)) if m == "series not found"),
            "{unknown:?}"
        );
    }
}
