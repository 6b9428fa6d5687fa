//! `consilium report`: a board's yearly activity report as JSON or as the PDF document, for
//! the coordinator who files it and the operator who scripts it. The command line has the
//! database's full access.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use chrono::Datelike;
use chrono_tz::Tz;

use super::activity_pdf::{ActivityContext, activity_report};
use super::record_text::Lang;
use crate::db::Db;
use crate::input::field_id;
use crate::usecase::exports::activity_for_operator;

/// What `consilium report` was asked for.
pub struct ReportArgs {
    pub board: String,
    pub year: Option<i32>,
    pub pdf: bool,
    pub lang: Lang,
    pub out: Option<PathBuf>,
}

pub async fn run(db: &Db, zone: Tz, args: ReportArgs) -> anyhow::Result<()> {
    let board = field_id("--board", &args.board)?;
    let year = args.year.unwrap_or_else(|| chrono::Utc::now().year());
    anyhow::ensure!(
        (2000..=2200).contains(&year),
        "--year: must be between 2000 and 2200"
    );
    let (report, name) = db
        .read(move |conn| activity_for_operator(conn, board, year))
        .await?;
    let bytes = if args.pdf {
        let ctx = ActivityContext {
            lang: args.lang,
            zone,
            board: name,
            generated_at: chrono::Utc::now(),
        };
        activity_report(&report, &ctx)
    } else {
        let mut json = serde_json::to_vec_pretty(&report)?;
        json.push(b'\n');
        json
    };
    match args.out {
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(&bytes)?;
            stdout.flush()?;
        }
        Some(path) => {
            // Written beside the target, then renamed: never half a file.
            let tmp = path.with_extension("part");
            std::fs::write(&tmp, &bytes).with_context(|| format!("writing {}", tmp.display()))?;
            std::fs::rename(&tmp, &path)
                .with_context(|| format!("renaming to {}", path.display()))?;
            eprintln!("wrote {} ({} bytes)", path.display(), bytes.len());
        }
    }
    Ok(())
}
