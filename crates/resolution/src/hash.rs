//! Deterministic 64-bit hashing for keys (blocking keys, name keys), and a seeded generator.
//!
//! Keys must be the same in every run and on every machine, so that a resolution and an
//! index built later agree; std's `RandomState` is not. Hash maps keyed by input text still
//! use std's SipHash, so a crafted list cannot degrade them.

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a state: kept unfinished so that a hash of `a ++ b` can continue from `a`'s state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fnv(pub(crate) u64);

impl Fnv {
    pub(crate) fn new() -> Fnv {
        Fnv(FNV_OFFSET)
    }

    pub(crate) fn bytes(mut self, b: &[u8]) -> Fnv {
        for &x in b {
            self.0 ^= u64::from(x);
            self.0 = self.0.wrapping_mul(FNV_PRIME);
        }
        self
    }

    pub(crate) fn u64(self, v: u64) -> Fnv {
        self.bytes(&v.to_le_bytes())
    }

    /// The finished hash; never 0, which keys use to mean "absent".
    pub(crate) fn finish(self) -> u64 {
        let h = mix(self.0);
        if h == 0 { 1 } else { h }
    }
}

/// splitmix64's finaliser: spreads FNV's weak low bits.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

pub(crate) fn hash_bytes(b: &[u8]) -> u64 {
    Fnv::new().bytes(b).finish()
}

/// A 32-bit key from a 64-bit hash; never 0.
pub(crate) fn key32(h: u64) -> u32 {
    let k = (h ^ (h >> 32)) as u32;
    if k == 0 { 1 } else { k }
}

/// splitmix64: small, seeded, good enough to sample pairs.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }

    /// Uniform in `0..n` (n > 0); the modulo bias is below 2^-40 for any list we see.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concatenation_continues_from_a_prefix_state() {
        let whole = Fnv::new().bytes(b"muhammadnabi").finish();
        let parts = Fnv::new().bytes(b"muhammad").bytes(b"nabi").finish();
        assert_eq!(whole, parts);
        assert_ne!(hash_bytes(b"a"), hash_bytes(b"b"));
        assert_ne!(hash_bytes(b""), 0);
    }

    #[test]
    fn rng_is_seeded_and_bounded() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..100 {
            let x = a.below(10);
            assert_eq!(x, b.below(10));
            assert!(x < 10);
        }
    }
}
