//! The fuzz targets on stable, briefly: each target over its seeds and a
//! bounded number of seeded random mutations of them (byte flips,
//! insertions, deletions, splices of another seed). `FUZZ_SMOKE_RUNS`
//! sets the mutations per target (default 20000); `scripts/fuzz.sh` runs
//! the coverage-guided targets for as long as asked.

use std::panic;

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(target);
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read(e.path()).ok())
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no seeds in {}", dir.display());
    out
}

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const INTERESTING: &[&[u8]] = &[
    b"\"", b"{", b"}", b"[", b"]", b",", b":", b"null", b"-1", b"1e999", b"18446744073709551616", b"\\u0000", b"\\ud800",
    b"%", b"%zz", b"&", b"=", b"+", b"\n", b"\nHINT: ", b"\nSQLSTATE: ", b"http://", b"169.254.169.254", b"[::1]:",
    b"\xff", b"\xc3", b"true", b"\"id\"", b"\"total_count\":", b"\"data\":",
];

fn mutate(rng: &mut Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..=rng.below(4) {
        match rng.below(5) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 => {
                let i = rng.below(v.len() + 1);
                let piece = INTERESTING[rng.below(INTERESTING.len())];
                v.splice(i..i, piece.iter().copied());
            }
            2 if !v.is_empty() => {
                let i = rng.below(v.len());
                let n = rng.below(v.len() - i).min(16) + 1;
                v.drain(i..(i + n).min(v.len()));
            }
            3 if !other.is_empty() => {
                let cut = rng.below(v.len() + 1);
                let from = rng.below(other.len());
                v.truncate(cut);
                v.extend_from_slice(&other[from..]);
            }
            _ => {
                let i = rng.below(v.len() + 1);
                let n = rng.below(4) + 1;
                for _ in 0..n {
                    v.insert(i, rng.next() as u8);
                }
            }
        }
    }
    v
}

fn run(target: &str, f: fn(&[u8])) {
    let runs: usize = std::env::var("FUZZ_SMOKE_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(20000);
    let seeds = seeds(target);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ target.len() as u64);
    let mut inputs: Vec<Vec<u8>> = seeds.clone();
    for _ in 0..runs {
        let a = &seeds[rng.below(seeds.len())];
        let b = &seeds[rng.below(seeds.len())];
        inputs.push(mutate(&mut rng, a, b));
    }
    for input in inputs {
        let result = panic::catch_unwind(|| f(&input));
        assert!(result.is_ok(), "{target} panicked on input {:?}", String::from_utf8_lossy(&input));
    }
}

#[test]
fn decode() {
    run("decode", clerk_fuzz::decode);
}

#[test]
fn options() {
    run("options", clerk_fuzz::options);
}

#[cfg(feature = "host")]
#[test]
fn host_strings() {
    run("host_strings", clerk_fuzz::host_strings);
}

#[cfg(feature = "emulator")]
#[test]
fn query_string() {
    run("query_string", clerk_fuzz::query_string);
}
