//! The entropy-coded data of a sequential Huffman JPEG: the bit reader, the Huffman tables
//! and one block's coefficients.

use super::{JpegError, ZIGZAG};

/// One block's coefficients, dequantized, in natural order.
pub(super) fn decode_block(
    bits: &mut BitReader,
    dc: &Huffman,
    ac: &Huffman,
    quant: &[u16; 64],
    predictor: &mut i32,
    out: &mut [i32; 64],
) -> Result<(), JpegError> {
    let size = dc.decode(bits)?;
    if size > 16 {
        return Err(JpegError::Corrupt("a DC difference of more than 16 bits"));
    }
    *predictor = predictor.wrapping_add(bits.receive_extend(size));
    out[0] = predictor.saturating_mul(i32::from(quant[0]));
    let mut k = 1;
    while k < 64 {
        let rs = ac.decode(bits)?;
        let (run, size) = (usize::from(rs >> 4), rs & 15);
        if size == 0 {
            if run != 15 {
                break; // end of block
            }
            k += 16;
            continue;
        }
        k += run;
        if k > 63 {
            return Err(JpegError::Corrupt("a coefficient beyond the block"));
        }
        let value = bits.receive_extend(size);
        out[usize::from(ZIGZAG[k])] = value.saturating_mul(i32::from(quant[k]));
        k += 1;
    }
    Ok(())
}

/// Bits of the entropy-coded data: stuffed zero bytes removed; at a marker (or the end of the
/// data) zeros, as the standard's decoders do.
pub(super) struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
    acc: u64,
    count: u32,
    at_marker: bool,
}

impl<'a> BitReader<'a> {
    pub(super) fn new(data: &'a [u8]) -> BitReader<'a> {
        BitReader {
            data,
            pos: 0,
            acc: 0,
            count: 0,
            at_marker: false,
        }
    }

    fn fill(&mut self) {
        while self.count <= 56 {
            let mut byte = 0;
            if !self.at_marker {
                match (self.data.get(self.pos), self.data.get(self.pos + 1)) {
                    (Some(0xFF), Some(0x00)) => {
                        byte = 0xFF;
                        self.pos += 2;
                    }
                    (Some(0xFF), _) | (None, _) => self.at_marker = true,
                    (Some(&b), _) => {
                        byte = b;
                        self.pos += 1;
                    }
                }
            }
            self.acc = (self.acc << 8) | u64::from(byte);
            self.count += 8;
        }
    }

    /// The next `n` bits (1 ..= 16) without consuming them.
    fn peek(&mut self, n: u32) -> u32 {
        if self.count < n {
            self.fill();
        }
        ((self.acc >> (self.count - n)) & ((1 << n) - 1)) as u32
    }

    fn consume(&mut self, n: u32) {
        self.count -= n;
        self.acc &= if self.count == 0 {
            0
        } else {
            u64::MAX >> (64 - self.count)
        };
    }

    /// `size` bits as a signed coefficient (the standard's RECEIVE then EXTEND).
    fn receive_extend(&mut self, size: u8) -> i32 {
        if size == 0 {
            return 0;
        }
        let n = u32::from(size);
        let v = self.peek(n) as i32;
        self.consume(n);
        if v < 1 << (n - 1) {
            v - (1 << n) + 1
        } else {
            v
        }
    }

    /// Moves past the restart marker that ends an interval.
    pub(super) fn restart(&mut self) -> Result<(), JpegError> {
        self.acc = 0;
        self.count = 0;
        self.at_marker = false;
        while let Some(&b) = self.data.get(self.pos) {
            if b == 0xFF {
                match self.data.get(self.pos + 1) {
                    Some(0xD0..=0xD7) => {
                        self.pos += 2;
                        return Ok(());
                    }
                    Some(0xFF) | Some(0x00) => {}
                    _ => break,
                }
            }
            self.pos += 1;
        }
        Err(JpegError::Corrupt("a restart marker is missing"))
    }
}

/// Bits looked up at once when decoding a Huffman code.
const LOOKAHEAD: u32 = 9;

/// A Huffman table: a lookup of the short codes, then the standard's code-length search.
pub(super) struct Huffman {
    /// For each `LOOKAHEAD`-bit prefix: the code's length (0 when longer) and its value.
    fast: Vec<(u8, u8)>,
    max_code: [i32; 17],
    min_code: [i32; 17],
    first_value: [usize; 17],
    values: Vec<u8>,
}

impl Huffman {
    pub(super) fn new(counts: &[u8; 16], values: &[u8]) -> Result<Huffman, JpegError> {
        let mut table = Huffman {
            fast: vec![(0, 0); 1 << LOOKAHEAD],
            max_code: [-1; 17],
            min_code: [0; 17],
            first_value: [0; 17],
            values: values.to_vec(),
        };
        let (mut code, mut k) = (0i32, 0usize);
        for len in 1..=16usize {
            let count = usize::from(counts[len - 1]);
            table.first_value[len] = k;
            table.min_code[len] = code;
            for _ in 0..count {
                if code >= 1 << len {
                    return Err(JpegError::Corrupt("a Huffman table with too many codes"));
                }
                if len as u32 <= LOOKAHEAD {
                    let shift = LOOKAHEAD - len as u32;
                    let start = (code as usize) << shift;
                    for slot in &mut table.fast[start..start + (1 << shift)] {
                        *slot = (len as u8, values[k]);
                    }
                }
                code += 1;
                k += 1;
            }
            if count > 0 {
                table.max_code[len] = code - 1;
            }
            code <<= 1;
        }
        Ok(table)
    }

    fn decode(&self, bits: &mut BitReader) -> Result<u8, JpegError> {
        let (len, value) = self.fast[bits.peek(LOOKAHEAD) as usize];
        if len > 0 {
            bits.consume(u32::from(len));
            return Ok(value);
        }
        let all = bits.peek(16) as i32;
        for len in LOOKAHEAD as usize + 1..=16 {
            let code = all >> (16 - len);
            if code <= self.max_code[len] {
                bits.consume(len as u32);
                let index = self.first_value[len] + (code - self.min_code[len]) as usize;
                return self
                    .values
                    .get(index)
                    .copied()
                    .ok_or(JpegError::Corrupt("a bad Huffman code"));
            }
        }
        Err(JpegError::Corrupt("a bad Huffman code"))
    }
}
