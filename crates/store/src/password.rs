//! Password hashing with argon2id (PHC strings; parameters travel with each hash).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};
use rodtrad_domain::RuleError;

/// Shortest password we accept.
pub const MIN_LENGTH: usize = 10;
/// Longest password we accept (bounds hashing cost).
pub const MAX_LENGTH: usize = 256;

/// Cost parameters for new hashes.
#[derive(Debug, Clone, Copy)]
pub struct HashCost {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Iterations.
    pub iterations: u32,
}

impl Default for HashCost {
    /// OWASP's recommended argon2id minimum: 19 MiB, 2 iterations, 1 lane.
    fn default() -> Self {
        Self { memory_kib: 19 * 1024, iterations: 2 }
    }
}

/// Checks a new password against the policy.
pub fn check_policy(password: &str) -> Result<(), RuleError> {
    let n = password.chars().count();
    if n < MIN_LENGTH {
        return Err(RuleError::new("err-password-short").with("min", MIN_LENGTH.to_string()));
    }
    if n > MAX_LENGTH {
        return Err(RuleError::new("err-password-long").with("max", MAX_LENGTH.to_string()));
    }
    Ok(())
}

thread_local! {
    /// argon2 runs (hashes and verifications) on this thread, for tests that count the work a path does.
    static ARGON2_RUNS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many argon2 runs (hashes and verifications) this thread has done. A login must cost the same
/// number whether the account exists or not; counting runs checks that without measuring time.
pub fn argon2_runs_on_this_thread() -> u64 {
    ARGON2_RUNS.with(std::cell::Cell::get)
}

fn count_argon2_run() {
    ARGON2_RUNS.with(|runs| runs.set(runs.get() + 1));
}

/// Hashes a password with argon2id.
pub fn hash(password: &str, cost: HashCost) -> String {
    count_argon2_run();
    let params = Params::new(cost.memory_kib, cost.iterations, 1, None).unwrap_or_default();
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let salt = SaltString::generate(&mut OsRng);
    argon.hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).unwrap_or_default()
}

/// Verifies a password against a stored hash; false for malformed hashes.
pub fn verify(password: &str, stored: &str) -> bool {
    if password.len() > MAX_LENGTH * 4 {
        return false;
    }
    PasswordHash::new(stored).is_ok_and(|h| {
        count_argon2_run();
        Argon2::default().verify_password(password.as_bytes(), &h).is_ok()
    })
}

/// The hash of a random password nobody knows, made once at start-up at the configured cost: a login
/// for an account that does not exist verifies against it, so that it costs one argon2 run like a
/// login for an account that does, and the answer's timing does not tell which e-mails have accounts.
#[derive(Debug, Clone)]
pub struct DummyHash(String);

impl DummyHash {
    /// Hashes a random password at `cost` (one argon2 run).
    pub fn new(cost: HashCost) -> Self {
        Self(hash(&crate::random_token(16), cost))
    }
}

/// Checks a login's password against the account's stored hash, or against `dummy` when there is no
/// such account (always false then). Either way exactly one argon2 verification runs.
pub fn verify_login(password: &str, stored: Option<&str>, dummy: &DummyHash) -> bool {
    match stored {
        Some(stored) => verify(password, stored),
        None => {
            verify(password, &dummy.0);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let cost = HashCost { memory_kib: 1024, iterations: 1 };
        let a = hash("korrekt hest batteri", cost);
        let b = hash("korrekt hest batteri", cost);
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b);
        assert!(verify("korrekt hest batteri", &a));
        assert!(!verify("feil passord", &a));
        assert!(!verify("korrekt hest batteri", "not a hash"));
    }

    #[test]
    fn a_login_costs_one_argon2_run_whether_the_account_exists_or_not() {
        let cost = HashCost { memory_kib: 1024, iterations: 1 };
        let runs = |f: &dyn Fn() -> bool| {
            let before = argon2_runs_on_this_thread();
            let ok = f();
            (ok, argon2_runs_on_this_thread() - before)
        };
        let (_, made) = runs(&|| {
            DummyHash::new(cost);
            true
        });
        assert_eq!(made, 1, "the dummy hash is made once, at start-up");
        let dummy = DummyHash::new(cost);
        let stored = hash("korrekt hest batteri", cost);
        assert_eq!(runs(&|| verify_login("korrekt hest batteri", Some(&stored), &dummy)), (true, 1));
        assert_eq!(runs(&|| verify_login("feil passord", Some(&stored), &dummy)), (false, 1));
        assert_eq!(runs(&|| verify_login("korrekt hest batteri", None, &dummy)), (false, 1));
        assert_eq!(runs(&|| verify_login(&dummy.0, None, &dummy)), (false, 1));
    }

    #[test]
    fn the_dummy_hash_has_the_configured_cost() {
        let cost = HashCost { memory_kib: 2048, iterations: 3 };
        let dummy = DummyHash::new(cost);
        let parsed = PasswordHash::new(&dummy.0).unwrap();
        let params = Params::try_from(&parsed).unwrap();
        assert_eq!((params.m_cost(), params.t_cost()), (2048, 3));
    }

    #[test]
    fn policy_bounds_length() {
        assert_eq!(check_policy("kort").unwrap_err().key, "err-password-short");
        assert!(check_policy("langt nok passord").is_ok());
        assert_eq!(check_policy(&"x".repeat(MAX_LENGTH + 1)).unwrap_err().key, "err-password-long");
    }
}
