//! Login throttling by growing delays: after a number of free failures each further failure doubles
//! the wait before the next attempt, up to a ceiling. Nothing is ever locked: once the wait has run
//! out an attempt is answered again, and the right password signs in. One throttle counts the
//! failures from a source address, one those for an account from devices that never signed in to it,
//! and one those from each device that did (OWASP, "Slow Down Online Guessing Attacks with Device
//! Cookies").

/// How one throttle answers failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    /// Failures answered without a wait.
    pub free_failures: i64,
    /// The wait after the first failure beyond the free ones, in seconds; each further one doubles it.
    pub first_delay_secs: i64,
    /// The longest wait, in seconds.
    pub max_delay_secs: i64,
    /// Failures older than this are forgotten, in minutes.
    pub window_minutes: i64,
}

impl Throttle {
    /// Per account, counting only devices that never signed in to it: five free failures, then 30
    /// seconds, doubling up to 15 minutes; a day's failures count.
    pub const ACCOUNT: Self =
        Self { free_failures: 5, first_delay_secs: 30, max_delay_secs: 15 * 60, window_minutes: 24 * 60 };

    /// Per source address, for any account and device: thirty free failures an hour (a town hall's
    /// staff may share one address), then 30 seconds, doubling up to 15 minutes.
    pub const ADDRESS: Self =
        Self { free_failures: 30, first_delay_secs: 30, max_delay_secs: 15 * 60, window_minutes: 60 };

    /// The wait that follows `failures` failures, in seconds.
    pub fn delay_secs(&self, failures: i64) -> i64 {
        if failures < self.free_failures {
            return 0;
        }
        let doublings = (failures - self.free_failures).min(32) as u32;
        self.first_delay_secs.saturating_mul(1_i64 << doublings).min(self.max_delay_secs)
    }

    /// Seconds still to wait when the last of `failures` failures was `elapsed_secs` ago; 0 when the
    /// next attempt may be made now.
    pub fn wait_secs(&self, failures: i64, elapsed_secs: i64) -> i64 {
        (self.delay_secs(failures) - elapsed_secs.max(0)).max(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_after_the_free_failures_and_stop_at_the_ceiling() {
        let t = Throttle::ACCOUNT;
        assert_eq!((0..5).map(|n| t.delay_secs(n)).collect::<Vec<_>>(), [0, 0, 0, 0, 0]);
        assert_eq!((5..11).map(|n| t.delay_secs(n)).collect::<Vec<_>>(), [30, 60, 120, 240, 480, 900]);
        assert_eq!(t.delay_secs(1_000_000), 900, "a flood of failures never gives more than the ceiling");
        assert!((1..200).all(|n| t.delay_secs(n) >= t.delay_secs(n - 1)), "delays never shrink");
    }

    #[test]
    fn the_wait_runs_out() {
        let t = Throttle::ADDRESS;
        assert_eq!(t.wait_secs(29, 0), 0);
        assert_eq!(t.wait_secs(30, 0), 30);
        assert_eq!(t.wait_secs(30, 10), 20);
        assert_eq!(t.wait_secs(30, 30), 0, "when the delay has run, the next attempt is answered");
        assert_eq!(t.wait_secs(31, -5), 60, "a clock a little behind does not lengthen the wait");
    }
}
