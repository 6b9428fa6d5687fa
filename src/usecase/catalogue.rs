//! Which series and frames a DICOM attachment holds, as the room asks before a frame is shown
//! (`view`) or marked (`mark`). The series index lives with the attachment in the object store
//! and is built by the imaging module; the room knows it only through [`FrameCatalogue`].

use std::sync::Arc;

use crate::db::{Db, attachments};
use crate::domain::room_access;
use crate::error::AppResult;
use crate::imaging::Imaging;

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

/// Answers from the attachment's series index (built at upload, or once on first use): a
/// DICOM attachment has the series its index lists; any other attachment, or none, has none.
pub struct IndexCatalogue {
    pub db: Db,
    pub imaging: Arc<Imaging>,
}

#[async_trait::async_trait]
impl FrameCatalogue for IndexCatalogue {
    async fn frame_count(&self, attachment_id: &str, series_uid: &str) -> AppResult<Option<u32>> {
        let id = attachment_id.to_string();
        let row = self.db.read(move |c| attachments::by_id(c, &id)).await?;
        let Some(row) = row.filter(super::imaging::is_imaging) else {
            return Ok(None);
        };
        let index = self.imaging.index(&super::imaging::source(row)).await?;
        Ok(index
            .series(series_uid)
            .map(|s| u32::try_from(s.frames.len()).unwrap_or(u32::MAX)))
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
