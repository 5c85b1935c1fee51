//! Delivery policy: retries with exponential backoff, and a rate limit per channel (a token
//! bucket). Times are milliseconds given by the caller.

/// When to try again after a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// Delay after the first failure.
    pub first_ms: u64,
    /// Longest delay between two attempts.
    pub max_ms: u64,
    /// Attempts in all before a message is failed for good.
    pub attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            first_ms: 5_000,
            max_ms: 10 * 60_000,
            attempts: 6,
        }
    }
}

/// What a failed attempt means for the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Try again at this many milliseconds from now.
    RetryIn(u64),
    /// Failed for good.
    GiveUp,
}

impl Backoff {
    /// After `attempts_made` attempts (the last one failed); a permanent failure (a refused
    /// address, a rejected request) is not retried.
    pub fn after_failure(&self, attempts_made: u32, permanent: bool) -> Outcome {
        if permanent || attempts_made >= self.attempts {
            return Outcome::GiveUp;
        }
        let shift = attempts_made.saturating_sub(1).min(30);
        Outcome::RetryIn(self.first_ms.saturating_mul(1 << shift).min(self.max_ms))
    }
}

/// A token bucket: `per_second` sustained, bursts of `burst`.
#[derive(Clone, Debug)]
pub struct RateLimit {
    per_second: f64,
    burst: f64,
    tokens: f64,
    at_ms: u64,
}

impl RateLimit {
    pub fn new(per_second: f64, burst: u32, now_ms: u64) -> RateLimit {
        let burst = f64::from(burst.max(1));
        RateLimit {
            per_second: per_second.max(0.001),
            burst,
            tokens: burst,
            at_ms: now_ms,
        }
    }

    /// Takes one token, or says how many milliseconds until one is there.
    pub fn take(&mut self, now_ms: u64) -> Result<(), u64> {
        let elapsed = now_ms.saturating_sub(self.at_ms) as f64 / 1000.0;
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.burst);
        self.at_ms = now_ms.max(self.at_ms);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err((((1.0 - self.tokens) / self.per_second) * 1000.0).ceil() as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_ceiling_then_gives_up() {
        let b = Backoff {
            first_ms: 1000,
            max_ms: 5000,
            attempts: 5,
        };
        assert_eq!(b.after_failure(1, false), Outcome::RetryIn(1000));
        assert_eq!(b.after_failure(2, false), Outcome::RetryIn(2000));
        assert_eq!(b.after_failure(3, false), Outcome::RetryIn(4000));
        assert_eq!(b.after_failure(4, false), Outcome::RetryIn(5000));
        assert_eq!(b.after_failure(5, false), Outcome::GiveUp);
        assert_eq!(b.after_failure(1, true), Outcome::GiveUp);
    }

    #[test]
    fn rate_limit_allows_a_burst_then_the_rate() {
        let mut r = RateLimit::new(10.0, 3, 0);
        assert!(r.take(0).is_ok());
        assert!(r.take(0).is_ok());
        assert!(r.take(0).is_ok());
        assert_eq!(r.take(0), Err(100));
        assert!(r.take(100).is_ok());
        assert!(r.take(100).is_err());
        // Over a long run, no more than the rate.
        let mut sent = 0;
        for ms in (1_000..11_000).step_by(10) {
            if r.take(ms).is_ok() {
                sent += 1;
            }
        }
        assert!((99..=104).contains(&sent), "{sent}");
    }
}
