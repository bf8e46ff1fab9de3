//! Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"): a successful
//! login leaves a long-lived cookie `user.nonce.signature` in the browser, signed with a key kept in
//! the database. A later login to the same account from that browser is spared the account's
//! throttle, so someone guessing passwords elsewhere cannot keep the owner out; the device has a
//! throttle of its own, and the per-address throttle applies to everyone.

use sha2::{Digest, Sha256};

/// The cookie's name.
pub const DEVICE_COOKIE: &str = "rodtrad_device";
/// The key's name in `server_keys`.
pub const KEY_NAME: &str = "device-cookie";
/// How long a device is remembered, in days.
pub const DEVICE_DAYS: i64 = 365;

/// HMAC-SHA-256 (RFC 2104).
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > block.len() {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner = Sha256::new().chain_update(block.map(|b| b ^ 0x36)).chain_update(message).finalize();
    Sha256::new().chain_update(block.map(|b| b ^ 0x5c)).chain_update(inner).finalize().into()
}

fn signature(key: &str, user_id: i64, nonce: &str) -> String {
    hex::encode(hmac_sha256(key.as_bytes(), format!("device|{user_id}|{nonce}").as_bytes()))
}

/// A new device cookie value for `user_id`.
pub fn issue(key: &str, user_id: i64) -> String {
    let nonce = rodtrad_store::random_token(16);
    format!("{user_id}.{nonce}.{}", signature(key, user_id, &nonce))
}

/// The account and nonce of a device cookie whose signature holds.
pub fn verify(key: &str, value: &str) -> Option<(i64, String)> {
    let mut parts = value.split('.');
    let (user, nonce, sig) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || nonce.len() != 32 {
        return None;
    }
    let user_id: i64 = user.parse().ok()?;
    crate::ctx::constant_time_eq(&signature(key, user_id, nonce), sig).then(|| (user_id, nonce.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 2.
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex::encode(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        // Test case 6: a key longer than the block.
        let mac = hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First");
        assert_eq!(hex::encode(mac), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    }

    #[test]
    fn only_a_cookie_signed_with_the_key_names_its_account() {
        let cookie = issue("nøkkel", 42);
        let (user, nonce) = verify("nøkkel", &cookie).unwrap();
        assert_eq!((user, nonce.len()), (42, 32));
        assert_ne!(issue("nøkkel", 42), cookie, "each login gets its own nonce");
        assert_eq!(verify("en annen nøkkel", &cookie), None);
        // Another account's number with the same signature, or any change, is refused.
        assert_eq!(verify("nøkkel", &cookie.replacen("42.", "43.", 1)), None);
        let mut tampered = cookie.clone();
        tampered.pop();
        tampered.push(if cookie.ends_with('0') { '1' } else { '0' });
        assert_eq!(verify("nøkkel", &tampered), None);
        for junk in ["", "42", "42.abc", "x.y.z", &format!("{cookie}.x")] {
            assert_eq!(verify("nøkkel", junk), None, "{junk:?}");
        }
    }
}
