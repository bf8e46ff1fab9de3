//! Sending e-mail over SMTP (lettre): the configuration (host, port, sender, TLS mode, optional
//! login) and a mailer that sends one plain-text message in UTF-8.

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::{Deserialize, Serialize};

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain SMTP, for a relay on the same host or a test server on loopback.
    None,
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS, port 465).
    Tls,
}

/// SMTP settings (`[smtp]` in `rodtrad.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmtpConfig {
    /// Server host name.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// Sender, e.g. `Rødtråd <rodtrad@kommune.no>`.
    pub from: String,
    /// Connection protection.
    #[serde(default)]
    pub tls: TlsMode,
    /// Login name, if the server wants one.
    #[serde(default)]
    pub username: Option<String>,
    /// Password for the login.
    #[serde(default)]
    pub password: Option<String>,
}

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// A sender or recipient that is no e-mail address.
    #[error("invalid address {0:?}")]
    Address(String),
    /// The message could not be built.
    #[error("message: {0}")]
    Message(String),
    /// The SMTP server refused or could not be reached.
    #[error("smtp: {0}")]
    Smtp(String),
}

/// Sends messages with one SMTP configuration.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from.to_string()).finish_non_exhaustive()
    }
}

impl Mailer {
    /// A mailer for `config`; refuses a sender that is no address and TLS settings that cannot be made.
    pub fn new(config: &SmtpConfig) -> Result<Self, MailError> {
        let from: Mailbox = config.from.parse().map_err(|_| MailError::Address(config.from.clone()))?;
        let tls = |host: &str| TlsParameters::new(host.to_owned()).map_err(|e| MailError::Smtp(e.to_string()));
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host.clone())
            .port(config.port)
            .timeout(Some(std::time::Duration::from_secs(30)));
        builder = match config.tls {
            TlsMode::None => builder.tls(Tls::None),
            TlsMode::Starttls => builder.tls(Tls::Required(tls(&config.host)?)),
            TlsMode::Tls => builder.tls(Tls::Wrapper(tls(&config.host)?)),
        };
        if let (Some(user), Some(password)) = (&config.username, &config.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Self { transport: builder.build(), from })
    }

    /// Sends a plain-text message to one recipient.
    pub async fn send(&self, to_name: &str, to_address: &str, subject: &str, body: String) -> Result<(), MailError> {
        let address = to_address.parse().map_err(|_| MailError::Address(to_address.to_owned()))?;
        let to = Mailbox::new(Some(to_name.to_owned()), address);
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| MailError::Message(e.to_string()))?;
        self.transport.send(message).await.map_err(|e| MailError::Smtp(e.to_string()))?;
        Ok(())
    }
}
