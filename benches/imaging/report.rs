//! Percentiles, and the table printed at the end.

use crate::common::percentile;

pub fn p(v: &[f64], q: f64) -> f64 {
    let mut v = v.to_vec();
    percentile(&mut v, q)
}

pub fn kib(n: usize) -> f64 {
    n as f64 / 1024.0
}

/// Table rows, printed at the end.
#[derive(Default)]
pub struct Table {
    pub rows: Vec<[String; 5]>,
}

impl Table {
    pub fn row(
        &mut self,
        what: &str,
        consilium: String,
        orthanc: String,
        ratio: String,
        target: &str,
    ) {
        println!("  {what}: Consilium {consilium}; Orthanc {orthanc}; {ratio} {target}");
        self.rows
            .push([what.into(), consilium, orthanc, ratio, target.into()]);
    }

    pub fn print(&self) {
        println!("\n| measurement | Consilium | Orthanc | Consilium / Orthanc | target |");
        println!("|---|---|---|---|---|");
        for r in &self.rows {
            println!("| {} | {} | {} | {} | {} |", r[0], r[1], r[2], r[3], r[4]);
        }
    }
}

pub fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}
