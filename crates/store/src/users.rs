//! Municipalities, user accounts, roles, sessions, login throttling, API tokens, and
//! loading the [`Actor`] that authorisation rules work on.

use crate::{Author, Db, Result, StoreError, audit_in_tx, now, on_db, random_token, token_hash};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rodtrad_domain::{Actor, Email, Kommunenummer, Name, Role, RuleError};
use serde::Serialize;

/// Which failed login attempts a throttle counts.
#[derive(Debug, Clone, Copy)]
pub enum AttemptKey<'a> {
    /// Every attempt from a source address.
    Address(&'a str),
    /// Attempts for an account (by e-mail) from devices that never signed in to it.
    Account(&'a str),
    /// Attempts from one device cookie (its nonce).
    Device(&'a str),
}

/// Failed attempts counted by a throttle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    /// How many.
    pub count: i64,
    /// When the last one was.
    pub last: Option<DateTime<Utc>>,
}

/// A municipality (tenant).
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Municipality {
    /// Id.
    pub id: i64,
    /// Name, e.g. "Asker kommune".
    pub name: String,
    /// Four-digit kommunenummer.
    pub number: String,
    /// Optimistic-locking version.
    pub version: i64,
}

/// A user account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    /// Id.
    pub id: i64,
    /// Municipality the account belongs to.
    pub municipality_id: i64,
    /// Linked person.
    pub person_id: Option<i64>,
    /// Login e-mail.
    pub email: String,
    /// Name shown in the UI and the audit log.
    pub display_name: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// UI language: `nb`, `nn` or `en`.
    pub locale: String,
    /// Can log in.
    pub active: bool,
}

/// The account behind a request with what every request needs: see [`Db::principal`].
#[derive(Debug, Clone)]
pub struct Principal {
    /// The account.
    pub user: User,
    /// The account's version, raised with its roles, person or active flag.
    pub user_version: i64,
    /// The municipality's organisation generation, raised with units, people and delegations.
    pub org_generation: i64,
    /// The municipality's plan generation.
    pub plan_generation: i64,
    /// Unread in-app notifications.
    pub unread_notifications: i64,
    /// The session's CSRF token (empty for an API token).
    pub csrf_token: String,
    /// When the session or token expires (a token may never expire).
    pub expires_at: Option<DateTime<Utc>>,
}

const PRINCIPAL_SELECT: &str = "SELECT u.id, u.municipality_id, u.person_id, u.email, u.display_name, u.password_hash,
        u.locale, u.active, u.version AS user_version, m.org_generation, m.plan_generation,
        (SELECT COUNT(*) FROM notifications n WHERE n.user_id = u.id AND n.read_at IS NULL) AS unread_notifications";

#[derive(sqlx::FromRow)]
struct PrincipalRow {
    #[sqlx(flatten)]
    user: User,
    user_version: i64,
    org_generation: i64,
    plan_generation: i64,
    unread_notifications: i64,
    csrf_token: String,
    expires_at: Option<DateTime<Utc>>,
}

impl PrincipalRow {
    fn into_principal(self) -> Principal {
        Principal {
            user: self.user,
            user_version: self.user_version,
            org_generation: self.org_generation,
            plan_generation: self.plan_generation,
            unread_notifications: self.unread_notifications,
            csrf_token: self.csrf_token,
            expires_at: self.expires_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct TokenPrincipalRow {
    #[sqlx(flatten)]
    principal: PrincipalRow,
    last_used_at: Option<DateTime<Utc>>,
}

/// An API token as listed on the profile page (the secret is shown once, at creation).
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ApiToken {
    /// Id.
    pub id: i64,
    /// Label.
    pub name: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Expiry, if any.
    pub expires_at: Option<DateTime<Utc>>,
    /// Last use.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Municipality.
    pub municipality_id: i64,
    /// Linked person.
    pub person_id: Option<i64>,
    /// Login e-mail.
    pub email: Email,
    /// Display name.
    pub display_name: Name,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Roles.
    pub roles: Vec<Role>,
}

const USER_COLUMNS: &str = "id, municipality_id, person_id, email, display_name, password_hash, locale, active";

impl Db {
    /// Creates a municipality (tenant) and its root organisation unit; returns its id.
    pub async fn municipality_create(&self, name: &Name, number: &Kommunenummer, actor_name: &str) -> Result<i64> {
        let ts = now();
        let result: Result<i64> = on_db!(self, pool => {
            async {
                let mut tx = pool.begin().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO municipalities (name, number, created_at) VALUES ($1, $2, $3) RETURNING id",
                )
                .bind(name.as_str())
                .bind(number.as_str())
                .bind(ts)
                .fetch_one(&mut *tx)
                .await?;
                let root: i64 = sqlx::query_scalar(
                    "INSERT INTO org_units (municipality_id, parent_id, kind, name, valid_from, created_at, updated_at)
                     VALUES ($1, NULL, 'municipality', $2, $3, $4, $4) RETURNING id",
                )
                .bind(id)
                .bind(name.as_str())
                .bind(NaiveDate::from_ymd_opt(2020, 1, 1))
                .bind(ts)
                .fetch_one(&mut *tx)
                .await?;
                let author = Author { municipality_id: id, user_id: None, name: actor_name.to_owned() };
                let after = serde_json::json!({"name": name.as_str(), "number": number.as_str()});
                audit_in_tx!(tx, &author, "municipality", id, "create", None, Some(after.clone()));
                audit_in_tx!(tx, &author, "org_unit", root, "create", None, Some(after));
                tx.commit().await?;
                Ok(id)
            }
            .await
        });
        result.map_err(|e| e.unique_as("err-kommunenummer-taken"))
    }

    /// A municipality by number.
    pub async fn municipality_by_number(&self, number: &str) -> Result<Option<Municipality>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Municipality>("SELECT id, name, number, version FROM municipalities WHERE number = $1")
                .bind(number)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// A municipality by id.
    pub async fn municipality(&self, id: i64) -> Result<Municipality> {
        let row = on_db!(self, pool => {
            sqlx::query_as::<_, Municipality>("SELECT id, name, number, version FROM municipalities WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// Creates an account with roles.
    pub async fn user_create(&self, author: &Author, new: &NewUser) -> Result<i64> {
        let result: Result<i64> = on_db!(self, pool => {
            async {
                let mut tx = pool.begin().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO users (municipality_id, person_id, email, display_name, password_hash, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(new.municipality_id)
                .bind(new.person_id)
                .bind(new.email.as_str())
                .bind(new.display_name.as_str())
                .bind(&new.password_hash)
                .bind(now())
                .fetch_one(&mut *tx)
                .await?;
                for role in &new.roles {
                    sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
                        .bind(id)
                        .bind(role.code())
                        .execute(&mut *tx)
                        .await?;
                }
                let roles: Vec<&str> = new.roles.iter().map(|r| r.code()).collect();
                let after = serde_json::json!({"email": new.email.as_str(), "display_name": new.display_name.as_str(),
                    "person_id": new.person_id, "roles": roles});
                audit_in_tx!(tx, author, "user", id, "create", None, Some(after));
                tx.commit().await?;
                Ok(id)
            }
            .await
        });
        result.map_err(|e| e.unique_as("err-email-taken"))
    }

    /// An account by login e-mail (any municipality: e-mails are unique per installation).
    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, User>(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1")))
                .bind(email.trim().to_lowercase())
                .fetch_optional(pool)
                .await?
        }))
    }

    /// An account by id.
    pub async fn user(&self, id: i64) -> Result<User> {
        let row = on_db!(self, pool => {
            sqlx::query_as::<_, User>(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1")))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// Roles of an account.
    pub async fn user_roles(&self, user_id: i64) -> Result<Vec<Role>> {
        let codes: Vec<String> = on_db!(self, pool => {
            sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role")
                .bind(user_id)
                .fetch_all(pool)
                .await?
        });
        Ok(codes.iter().filter_map(|c| Role::parse(c).ok()).collect())
    }

    /// Sets a new password hash, ends every session of the account, and audits it.
    pub async fn user_set_password(&self, author: &Author, user_id: i64, password_hash: &str) -> Result<()> {
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("UPDATE users SET password_hash = $1, version = version + 1 WHERE id = $2")
                .bind(password_hash)
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM login_attempts WHERE email = (SELECT email FROM users WHERE id = $1)")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            audit_in_tx!(tx, author, "user", user_id, "password", None, None);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Sets the account's UI language.
    pub async fn user_set_locale(&self, author: &Author, user_id: i64, locale: &str) -> Result<()> {
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let before: Option<String> = sqlx::query_scalar("SELECT locale FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
            let before = before.ok_or(StoreError::NotFound)?;
            // Choosing the language already chosen is not a change: nothing to write or log.
            if before == locale {
                return Ok(());
            }
            sqlx::query("UPDATE users SET locale = $1 WHERE id = $2").bind(locale).bind(user_id).execute(&mut *tx).await?;
            audit_in_tx!(tx, author, "user", user_id, "update",
                Some(serde_json::json!({"locale": before})), Some(serde_json::json!({"locale": locale})));
            tx.commit().await?;
        });
        Ok(())
    }

    /// Everything the authorisation rules need to know about an account, as of `today`.
    pub async fn actor(&self, user: &User, today: NaiveDate) -> Result<Actor> {
        let roles = self.user_roles(user.id).await?;
        let mut actor = Actor {
            user_id: user.id,
            municipality_id: user.municipality_id,
            person_id: user.person_id,
            roles: roles.into_iter().collect(),
            ..Actor::default()
        };
        if let Some(person_id) = user.person_id {
            let (own_unit, led, delegated): (Option<i64>, Vec<i64>, Vec<i64>) = on_db!(self, pool => {
                let own: Option<Option<i64>> = sqlx::query_scalar("SELECT unit_id FROM people WHERE id = $1 AND active = TRUE")
                    .bind(person_id).fetch_optional(pool).await?;
                let led: Vec<i64> = sqlx::query_scalar(
                    "SELECT id FROM org_units WHERE leader_person_id = $1 AND valid_from <= $2 AND (valid_to IS NULL OR valid_to >= $2)")
                    .bind(person_id).bind(today).fetch_all(pool).await?;
                let delegated: Vec<i64> = sqlx::query_scalar(
                    "SELECT unit_id FROM delegations WHERE person_id = $1 AND revoked_at IS NULL AND valid_to >= $2")
                    .bind(person_id).bind(today).fetch_all(pool).await?;
                (own.flatten(), led, delegated)
            });
            actor.own_unit = own_unit;
            actor.led_units = led.into_iter().collect();
            actor.delegated_units = delegated.into_iter().collect();
        }
        Ok(actor)
    }

    /// Starts a session; returns the secret cookie value. Only its hash is stored.
    pub async fn session_create(&self, user_id: i64, ttl: Duration) -> Result<String> {
        let token = random_token(32);
        let ts = now();
        on_db!(self, pool => {
            sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(token_hash(&token))
                .bind(user_id)
                .bind(random_token(32))
                .bind(ts)
                .bind(ts + ttl)
                .execute(pool)
                .await?;
        });
        Ok(token)
    }

    /// Who a session's requests are, in one statement: the live session, its account, the
    /// generations the per-process caches are keyed by, and the unread notifications the header
    /// shows. One round trip instead of one per table, since every signed-in request needs it.
    pub async fn principal(&self, token: &str) -> Result<Option<Principal>> {
        let sql = format!(
            "{PRINCIPAL_SELECT}, s.csrf_token, s.expires_at FROM sessions s
             JOIN users u ON u.id = s.user_id JOIN municipalities m ON m.id = u.municipality_id
             WHERE s.token_hash = $1 AND s.expires_at > $2"
        );
        let row: Option<PrincipalRow> = on_db!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(token_hash(token)).bind(now()).fetch_optional(pool).await?
        });
        Ok(row.map(PrincipalRow::into_principal))
    }

    /// Who an API token's requests are, as [`Db::principal`] for a session. The token's last use is
    /// written at most once a minute, so reading with a token does not take the write lock each time.
    pub async fn api_token_principal(&self, secret: &str) -> Result<Option<Principal>> {
        let ts = now();
        let hash = token_hash(secret);
        let sql = format!(
            "{PRINCIPAL_SELECT}, '' AS csrf_token, t.expires_at, t.last_used_at FROM api_tokens t
             JOIN users u ON u.id = t.user_id JOIN municipalities m ON m.id = u.municipality_id
             WHERE t.token_hash = $1 AND (t.expires_at IS NULL OR t.expires_at > $2)"
        );
        let row: Option<TokenPrincipalRow> = on_db!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(&hash).bind(ts).fetch_optional(pool).await?
        });
        let Some(row) = row else { return Ok(None) };
        if row.last_used_at.is_none_or(|t| t < ts - Duration::minutes(1)) {
            on_db!(self, pool => {
                sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
                    .bind(ts).bind(&hash).execute(pool).await?;
            });
        }
        Ok(Some(row.principal.into_principal()))
    }

    /// Ends a session.
    pub async fn session_delete(&self, token: &str) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash(token)).execute(pool).await?;
        });
        Ok(())
    }

    /// Moves a session's expiry to `ttl` from now (sliding expiry).
    pub async fn session_touch(&self, token: &str, ttl: Duration) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query("UPDATE sessions SET expires_at = $1 WHERE token_hash = $2")
                .bind(now() + ttl)
                .bind(token_hash(token))
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Removes expired sessions and old login attempts.
    pub async fn sessions_prune(&self) -> Result<u64> {
        let ts = now();
        let n = on_db!(self, pool => {
            let a = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(ts).execute(pool).await?.rows_affected();
            let b = sqlx::query("DELETE FROM login_attempts WHERE at < $1").bind(ts - Duration::days(1)).execute(pool).await?.rows_affected();
            a + b
        });
        Ok(n)
    }

    /// Records a login attempt for throttling; `device` names the device cookie of this account the
    /// attempt came with, if any.
    pub async fn login_attempt_record(&self, email: &str, ip: &str, success: bool, device: Option<&str>) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query("INSERT INTO login_attempts (email, ip, success, at, device) VALUES ($1, $2, $3, $4, $5)")
                .bind(email.trim().to_lowercase())
                .bind(ip)
                .bind(success)
                .bind(now())
                .bind(device)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The failed attempts a throttle counts since `since`: how many, and when the last was. For an
    /// account only failures after its last successful login from an unknown device count (a login
    /// from a known device does not give guessers elsewhere a fresh start); for a device, after its
    /// last successful login. Times are whole seconds, so failures in the same second count.
    pub async fn login_failures(&self, key: AttemptKey<'_>, since: DateTime<Utc>) -> Result<Failures> {
        let (sql, value) = match key {
            AttemptKey::Address(ip) => (
                "SELECT COUNT(*), MAX(at) FROM login_attempts WHERE ip = $1 AND success = FALSE AND at >= $2",
                ip.to_owned(),
            ),
            AttemptKey::Account(email) => (
                "SELECT COUNT(*), MAX(at) FROM login_attempts
                 WHERE email = $1 AND device IS NULL AND success = FALSE AND at >= $2
                   AND at >= COALESCE((SELECT MAX(at) FROM login_attempts WHERE email = $1 AND device IS NULL AND success = TRUE), $2)",
                email.trim().to_lowercase(),
            ),
            AttemptKey::Device(device) => (
                "SELECT COUNT(*), MAX(at) FROM login_attempts
                 WHERE device = $1 AND success = FALSE AND at >= $2
                   AND at >= COALESCE((SELECT MAX(at) FROM login_attempts WHERE device = $1 AND success = TRUE), $2)",
                device.to_owned(),
            ),
        };
        let (count, last): (i64, Option<DateTime<Utc>>) = on_db!(self, pool => {
            sqlx::query_as(sql).bind(&value).bind(since).fetch_one(pool).await?
        });
        Ok(Failures { count, last })
    }

    /// The secret called `name`, made at its first use and shared by every application process on
    /// this database (it signs the login device cookies).
    pub async fn server_key(&self, name: &str) -> Result<String> {
        let select = "SELECT secret FROM server_keys WHERE name = $1";
        Ok(on_db!(self, pool => {
            match sqlx::query_scalar::<_, String>(select).bind(name).fetch_optional(pool).await? {
                Some(secret) => secret,
                None => {
                    // Two processes starting together both try; the first one's key is kept.
                    sqlx::query("INSERT INTO server_keys (name, secret, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
                        .bind(name).bind(random_token(32)).bind(now()).execute(pool).await?;
                    sqlx::query_scalar::<_, String>(select).bind(name).fetch_one(pool).await?
                }
            }
        }))
    }

    /// Creates an API token; returns `(id, secret)`. The secret is not stored.
    pub async fn api_token_create(
        &self,
        author: &Author,
        user_id: i64,
        name: &Name,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<(i64, String)> {
        let secret = format!("rt_{}", random_token(24));
        let id = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                .bind(user_id)
                .bind(name.as_str())
                .bind(token_hash(&secret))
                .bind(now())
                .bind(expires_at)
                .fetch_one(&mut *tx)
                .await?;
            audit_in_tx!(tx, author, "api_token", id, "create", None,
                Some(serde_json::json!({"name": name.as_str(), "user_id": user_id, "expires_at": expires_at})));
            tx.commit().await?;
            id
        });
        Ok((id, secret))
    }

    /// The account's API tokens.
    pub async fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, ApiToken>(
                "SELECT id, name, created_at, expires_at, last_used_at FROM api_tokens WHERE user_id = $1 ORDER BY id")
                .bind(user_id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Deletes one of the account's API tokens.
    pub async fn api_token_revoke(&self, author: &Author, user_id: i64, token_id: i64) -> Result<()> {
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("DELETE FROM api_tokens WHERE id = $1 AND user_id = $2")
                .bind(token_id).bind(user_id).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            audit_in_tx!(tx, author, "api_token", token_id, "revoke", None, None);
            tx.commit().await?;
        });
        Ok(())
    }
}

/// An account as listed on the user admin page.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct UserSummary {
    /// Id.
    pub id: i64,
    /// Login e-mail.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Linked person.
    pub person_id: Option<i64>,
    /// Can log in.
    pub active: bool,
    /// Optimistic-locking version.
    pub version: i64,
}

/// Editable values of an account.
#[derive(Debug, Clone)]
pub struct UserChange {
    /// Display name.
    pub display_name: Name,
    /// Linked person.
    pub person_id: Option<i64>,
    /// Can log in.
    pub active: bool,
    /// Roles (replaces the current set).
    pub roles: Vec<Role>,
}

impl Db {
    /// Accounts of a municipality, by name.
    pub async fn users(&self, municipality_id: i64) -> Result<Vec<UserSummary>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, UserSummary>(
                "SELECT id, email, display_name, person_id, active, version FROM users
                 WHERE municipality_id = $1 ORDER BY display_name, id")
                .bind(municipality_id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// One account of a municipality.
    pub async fn user_summary(&self, municipality_id: i64, id: i64) -> Result<UserSummary> {
        let row = on_db!(self, pool => {
            sqlx::query_as::<_, UserSummary>(
                "SELECT id, email, display_name, person_id, active, version FROM users WHERE municipality_id = $1 AND id = $2")
                .bind(municipality_id)
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// Changes an account's name, person, roles and active flag if `expected_version` is current.
    /// Deactivating ends the account's sessions and API tokens.
    pub async fn user_update(
        &self,
        author: &Author,
        id: i64,
        expected_version: i64,
        change: &UserChange,
    ) -> Result<()> {
        let before = self.user_summary(author.municipality_id, id).await?;
        let before_roles: Vec<&str> = self.user_roles(id).await?.iter().map(|r| r.code()).collect();
        if let Some(person) = change.person_id {
            self.person(author.municipality_id, person).await.map_err(|_| RuleError::new("err-person-unknown"))?;
        }
        let roles: Vec<&str> = change.roles.iter().map(|r| r.code()).collect();
        let result: Result<()> = on_db!(self, pool => {
            async {
                let mut tx = pool.begin().await?;
                let n = sqlx::query(
                    "UPDATE users SET display_name = $1, person_id = $2, active = $3, version = version + 1
                     WHERE id = $4 AND municipality_id = $5 AND version = $6")
                    .bind(change.display_name.as_str())
                    .bind(change.person_id)
                    .bind(change.active)
                    .bind(id)
                    .bind(author.municipality_id)
                    .bind(expected_version)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n == 0 {
                    return Err(StoreError::Conflict);
                }
                sqlx::query("DELETE FROM user_roles WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
                for role in &roles {
                    sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)").bind(id).bind(*role).execute(&mut *tx).await?;
                }
                if !change.active {
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
                    sqlx::query("DELETE FROM api_tokens WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
                }
                let before = serde_json::json!({"display_name": before.display_name, "person_id": before.person_id,
                    "active": before.active, "roles": before_roles});
                let after = serde_json::json!({"display_name": change.display_name.as_str(), "person_id": change.person_id,
                    "active": change.active, "roles": roles});
                audit_in_tx!(tx, author, "user", id, "update", Some(before), Some(after));
                tx.commit().await?;
                Ok(())
            }
            .await
        });
        result
    }
}
