//! The inverse DCT of an 8×8 block.

use std::f32::consts::PI;

/// The inverse DCT of an 8×8 block, separable, in `f32`.
pub(super) struct Idct {
    /// `basis[x * 8 + u] = C(u) / 2 · cos((2x + 1) u π / 16)`.
    basis: [f32; 64],
}

impl Idct {
    pub(super) fn new() -> Idct {
        let mut basis = [0f32; 64];
        for x in 0..8 {
            for u in 0..8 {
                let c = if u == 0 {
                    std::f32::consts::FRAC_1_SQRT_2
                } else {
                    1.0
                };
                basis[x * 8 + u] = c / 2.0 * (((2 * x + 1) * u) as f32 * PI / 16.0).cos();
            }
        }
        Idct { basis }
    }

    pub(super) fn run(&self, coefficients: &[i32; 64], out: &mut [f32; 64]) {
        // Rows: tmp[v][x] = Σu F[v][u] · basis[x][u]; rows of zeros stay zero.
        let mut tmp = [0f32; 64];
        for v in 0..8 {
            let row = &coefficients[v * 8..v * 8 + 8];
            if row.iter().all(|&c| c == 0) {
                continue;
            }
            for x in 0..8 {
                let b = &self.basis[x * 8..x * 8 + 8];
                tmp[v * 8 + x] = (0..8).map(|u| row[u] as f32 * b[u]).sum();
            }
        }
        // Columns: out[y][x] = Σv basis[y][v] · tmp[v][x].
        for y in 0..8 {
            let b = &self.basis[y * 8..y * 8 + 8];
            for x in 0..8 {
                out[y * 8 + x] = (0..8).map(|v| b[v] * tmp[v * 8 + x]).sum();
            }
        }
    }
}
