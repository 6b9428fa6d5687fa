//! First renders, side by side with Orthanc, and cached serves.

use std::time::Duration;

use anyhow::{Context, ensure};

use crate::orthanc::Orthanc;
use crate::report::{Table, kib, p, verdict};
use crate::server::{Room, canned_server, mean_difference, png_get, timed_get};
use crate::{Args, MR_WINDOW, XR_WINDOW};

/// What the measurements run against: both servers, holding the same files.
pub struct Servers<'a> {
    pub client: &'a reqwest::Client,
    pub api: &'a str,
    pub room: &'a Room,
    pub orthanc: &'a Orthanc,
    /// Orthanc's ids of the first `--cold` MR slices and of the measured X-rays.
    pub mr_ids: &'a [String],
    pub xr_ids: &'a [String],
    pub args: &'a Args,
}

impl Servers<'_> {
    fn frame_url(&self, attachment: &str, series: &str, n: usize, query: &str) -> String {
        crate::server::frame_url(self.api, attachment, series, n, query)
    }
}

/// Frames that no cache holds: a new slice or file each time, and a new window on one frame.
pub async fn first_renders(s: &Servers<'_>, table: &mut Table) -> anyhow::Result<()> {
    let Servers {
        client,
        room,
        orthanc,
        mr_ids,
        xr_ids,
        args,
        ..
    } = *s;
    let token = room.chair.as_str();
    let frame_url = |a: &str, series: &str, n: usize, q: &str| s.frame_url(a, series, n, q);
    // Interleaved, so that both servers see the same moments of the machine's load, with a
    // pause after each request so that neither server's work spills into the other's sample.
    let pause = || tokio::time::sleep(Duration::from_millis(args.pause_ms));
    let mut mr_new = Vec::new();
    let mut mr_orthanc_first = Vec::new();
    let (mut mr_png, mut mr_orthanc_png) = (0, 0);
    let (mut mr_diff, mut xr_diff) = (f64::NAN, f64::NAN);
    for (i, id) in mr_ids.iter().enumerate() {
        let ours = png_get(
            client,
            &frame_url(&room.mr, &room.mr_series, i, ""),
            Some(token),
            512,
        )
        .await?;
        pause().await;
        let theirs = png_get(client, &orthanc.rendered(id), None, 512).await?;
        pause().await;
        if i == 0 {
            mr_diff = mean_difference(&ours.body, &theirs.body)?;
        }
        mr_new.push(ours.ms);
        mr_orthanc_first.push(theirs.ms);
        (mr_png, mr_orthanc_png) = (ours.body.len(), theirs.body.len());
    }
    let mut mr_window = Vec::new();
    let mut mr_orthanc_again = Vec::new();
    for i in 0..args.cold {
        // A window never asked for before: the frame's render caches miss (the instance's
        // bytes are in memory).
        let query = format!(
            "?wc={}&ww={}",
            MR_WINDOW.0 + 7.0 * (i + 1) as f64,
            MR_WINDOW.1
        );
        let ours = png_get(
            client,
            &frame_url(&room.mr, &room.mr_series, 0, &query),
            Some(token),
            512,
        )
        .await?;
        pause().await;
        let theirs = png_get(client, &orthanc.rendered(&mr_ids[0]), None, 512).await?;
        pause().await;
        mr_window.push(ours.ms);
        mr_orthanc_again.push(theirs.ms);
    }
    let mut xr_new = Vec::new();
    let mut xr_orthanc_first = Vec::new();
    let (mut xr_png, mut xr_orthanc_png) = (0, 0);
    for (i, id) in xr_ids.iter().enumerate() {
        let (attachment, series) = &room.xrays[i];
        let ours = png_get(
            client,
            &frame_url(attachment, series, 0, ""),
            Some(token),
            2048,
        )
        .await?;
        pause().await;
        let theirs = png_get(client, &orthanc.rendered(id), None, 2048).await?;
        pause().await;
        if i == 0 {
            xr_diff = mean_difference(&ours.body, &theirs.body)?;
        }
        xr_new.push(ours.ms);
        xr_orthanc_first.push(theirs.ms);
        (xr_png, xr_orthanc_png) = (ours.body.len(), theirs.body.len());
    }
    let mut xr_window = Vec::new();
    let mut xr_orthanc_again = Vec::new();
    for i in 0..args.cold.max(10) {
        let query = format!(
            "?wc={}&ww={}",
            XR_WINDOW.0 + 11.0 * (i + 1) as f64,
            XR_WINDOW.1
        );
        let (attachment, series) = &room.xrays[0];
        let ours = png_get(
            client,
            &frame_url(attachment, series, 0, &query),
            Some(token),
            2048,
        )
        .await?;
        pause().await;
        let theirs = png_get(client, &orthanc.rendered(&xr_ids[0]), None, 2048).await?;
        pause().await;
        xr_window.push(ours.ms);
        xr_orthanc_again.push(theirs.ms);
    }
    println!(
        "PNG sizes: MR Consilium {:.0} KiB, Orthanc {:.0} KiB; X-ray Consilium {:.0} KiB, Orthanc {:.0} KiB",
        kib(mr_png),
        kib(mr_orthanc_png),
        kib(xr_png),
        kib(xr_orthanc_png)
    );
    println!(
        "the same pictures: mean |difference| between the two servers' renders of one frame, \
         in grey levels (0-255): MR {mr_diff:.2}, X-ray {xr_diff:.2}"
    );
    println!("first renders (p50 over {} samples each):", args.cold);
    let first = |table: &mut Table, what: &str, ours: &[f64], theirs: &[f64]| {
        let (a, b) = (p(ours, 50.0), p(theirs, 50.0));
        table.row(
            what,
            format!("{a:.1} ms (p95 {:.1})", p(ours, 95.0)),
            format!("{b:.1} ms (p95 {:.1})", p(theirs, 95.0)),
            format!("{:.2}", a / b),
            &format!("≤ 0.5: {}", verdict(a <= b / 2.0)),
        );
    };
    first(
        table,
        "MR 512² first render, a new slice each time (p50)",
        &mr_new,
        &mr_orthanc_first,
    );
    first(
        table,
        "MR 512² first render, same slice, a new window each time (p50)",
        &mr_window,
        &mr_orthanc_again,
    );
    first(
        table,
        "X-ray 2048² first render, a new file each time (p50)",
        &xr_new,
        &xr_orthanc_first,
    );
    first(
        table,
        "X-ray 2048² first render, same file, a new window each time (p50)",
        &xr_window,
        &xr_orthanc_again,
    );

    Ok(())
}

/// The same URL again (200), and with `If-None-Match` (304); and the floor: the same bytes
/// from a bare HTTP server in this process.
pub async fn cached(s: &Servers<'_>, table: &mut Table) -> anyhow::Result<()> {
    let Servers {
        client, room, args, ..
    } = *s;
    let token = room.chair.as_str();
    let frame_url = |a: &str, series: &str, n: usize, q: &str| s.frame_url(a, series, n, q);
    println!("cached serve ({} requests each):", args.cached);
    let xr = &room.xrays[0];
    for (what, url, size) in [
        (
            "MR 512²",
            frame_url(&room.mr, &room.mr_series, 0, ""),
            512u32,
        ),
        ("X-ray 2048²", frame_url(&xr.0, &xr.1, 0, ""), 2048),
        // What a viewer 900 px wide asks for.
        (
            "X-ray at ?size=1024",
            frame_url(&xr.0, &xr.1, 0, "?size=1024"),
            1024,
        ),
    ] {
        let first = png_get(client, &url, Some(token), size).await?;
        let etag = first.etag.clone().context("no ETag")?;
        let mut full = Vec::new();
        let mut not_modified = Vec::new();
        let mut floor = Vec::new();
        for _ in 0..args.cached {
            full.push(png_get(client, &url, Some(token), size).await?.ms);
        }
        for _ in 0..args.cached {
            let got = timed_get(client, &url, Some(token), Some(&etag)).await?;
            ensure!(got.status == 304, "If-None-Match: {}", got.status);
            not_modified.push(got.ms);
        }
        let canned = canned_server(first.body.clone()).await?;
        for _ in 0..args.cached {
            floor.push(png_get(client, &canned, None, size).await?.ms);
        }
        let png_kib = kib(first.body.len());
        for (kind, v) in [
            (format!("200, whole PNG of {png_kib:.0} KiB"), &full),
            ("304, If-None-Match".to_string(), &not_modified),
        ] {
            let (p50, p95) = (p(v, 50.0), p(v, 95.0));
            table.row(
                &format!("{what} cached, {kind} (p50 / p95)"),
                format!("{p50:.2} / {p95:.2} ms"),
                "—".into(),
                "—".into(),
                &format!(
                    "≤ 2 ms: p50 {}, p95 {}",
                    verdict(p50 <= 2.0),
                    verdict(p95 <= 2.0)
                ),
            );
        }
        table.row(
            &format!(
                "{what}: the floor, the same {png_kib:.0} KiB from a bare HTTP server in the bench (p50 / p95)"
            ),
            format!("{:.2} / {:.2} ms", p(&floor, 50.0), p(&floor, 95.0)),
            "—".into(),
            "—".into(),
            "(reference)",
        );
    }
    Ok(())
}
