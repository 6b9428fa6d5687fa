//! `consilium export`: the same export as the API, for coordinators and operators who script.
//! The command line has the database's full access, so it exports every board unless told one.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;
use futures_util::StreamExt;

use super::Format;
use super::stream::pieces;
use crate::db::Db;
use crate::db::exports::{self, Scope};
use crate::input::{date_bound, field_id};

pub async fn run(
    db: &Db,
    format: Format,
    board: Option<String>,
    from: Option<String>,
    to: Option<String>,
    out: Option<PathBuf>,
) -> anyhow::Result<()> {
    let board = board
        .as_deref()
        .map(|b| field_id("--board", b))
        .transpose()?;
    if let Some(b) = board.clone() {
        db.read(move |conn| crate::db::boards::get(conn, &b))
            .await?;
    }
    let scope = Scope {
        boards: board.map(|b| vec![b]),
        from: from
            .as_deref()
            .map(|f| date_bound("--from", f, false))
            .transpose()?,
        to: to
            .as_deref()
            .map(|t| date_bound("--to", t, true))
            .transpose()?,
    };
    let total = {
        let s = scope.clone();
        db.read(move |conn| exports::count(conn, &s)).await? as u64
    };
    let progress = match &out {
        Some(_) if std::io::stderr().is_terminal() => {
            let bar = indicatif::ProgressBar::new(total);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} decisions ({eta} left)",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            Some(bar)
        }
        _ => None,
    };
    // Write next to the target and rename at the end: a failed export never leaves half a file
    // where a good one is expected.
    let (mut sink, temp): (Box<dyn Write>, Option<(PathBuf, PathBuf)>) = match &out {
        Some(path) => {
            let temp = path.with_extension("partial");
            let file = std::fs::File::create(&temp)
                .with_context(|| format!("cannot write {}", temp.display()))?;
            (
                Box::new(std::io::BufWriter::new(file)),
                Some((temp, path.clone())),
            )
        }
        None => (
            Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            None,
        ),
    };
    let mut written = 0;
    let mut export = std::pin::pin!(pieces(db.clone(), scope, super::Renderer::new(format)));
    while let Some(piece) = export.next().await {
        let piece = piece?;
        sink.write_all(&piece.bytes)?;
        written += piece.decisions;
        if let Some(bar) = &progress {
            bar.inc(piece.decisions);
        }
    }
    sink.flush()?;
    drop(sink);
    if let Some(bar) = progress {
        bar.finish();
    }
    if let Some((temp, path)) = temp {
        std::fs::rename(&temp, &path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("exported {written} decisions to {}", path.display());
    }
    Ok(())
}
