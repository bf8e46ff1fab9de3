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

/// Hashes a password with argon2id.
pub fn hash(password: &str, cost: HashCost) -> String {
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
    PasswordHash::new(stored).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash of a random password: used to spend the same time when an account does not exist.
pub fn dummy_hash(cost: HashCost) -> String {
    hash(&crate::random_token(16), cost)
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
    fn policy_bounds_length() {
        assert_eq!(check_policy("kort").unwrap_err().key, "err-password-short");
        assert!(check_policy("langt nok passord").is_ok());
        assert_eq!(check_policy(&"x".repeat(MAX_LENGTH + 1)).unwrap_err().key, "err-password-long");
    }
}
