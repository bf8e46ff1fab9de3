//! Pure domain types and rules for Rødtråd. No I/O, no async.
//!
//! Errors carry message keys (resolved by the web layer's i18n) so a rule's
//! message reads the same in bokmål, nynorsk and English.

/// An enum of stored codes, each with its message key, and its parser naming the form field.
macro_rules! coded {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $code:literal / $key:literal),+ $(,)? }, $err:literal, $field:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in the order of the form.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored code.
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            /// The message key of its name.
            pub fn label_key(self) -> &'static str {
                match self {
                    $($name::$variant => $key),+
                }
            }

            /// Parses a stored or typed code.
            pub fn parse(code: &str) -> Result<Self, RuleError> {
                match code.trim() {
                    $($code => Ok($name::$variant),)+
                    _ => Err(RuleError::new($err).on($field)),
                }
            }
        }

        impl $crate::Coded for $name {
            fn code(self) -> &'static str {
                $name::code(self)
            }
            fn label_key(self) -> &'static str {
                $name::label_key(self)
            }
        }

        impl TryFrom<String> for $name {
            type Error = RuleError;
            fn try_from(code: String) -> Result<Self, RuleError> {
                $name::parse(&code)
            }
        }
    };
}

pub mod access;
pub mod agreements;
pub mod annual_cycle;
pub mod audits;
pub mod dashboard;
pub mod deviations;
pub mod economy;
pub mod followup;
pub mod indicators;
pub mod internal_control;
pub mod letters;
pub mod lida;
pub mod municipality;
pub mod norwegian_time;
pub mod org;
pub mod plan;
pub mod programme;
pub mod query;
pub mod regions;
pub mod reports;
pub mod risk;
pub mod sdg;
pub mod text;
pub mod thread;
pub mod throttle;
pub mod u4ssc;
pub mod unit_plans;

pub use access::{Actor, Role};
pub use municipality::Kommunenummer;
pub use org::{AuthorityLevel, LeaderLevel, OrgUnitKind};
pub use text::{Email, Name};

/// A value stored as a code, with the message key of its name: the enums of [`coded!`], which
/// forms offer as choices.
pub trait Coded: Copy {
    /// The stored code.
    fn code(self) -> &'static str;
    /// The message key of its name.
    fn label_key(self) -> &'static str;
}

/// A broken rule, as a message key plus named arguments for the translator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}")]
pub struct RuleError {
    /// Fluent message id, e.g. `err-name-empty`.
    pub key: &'static str,
    /// Named arguments for the message.
    pub args: Vec<(&'static str, String)>,
    /// The input field the rule is about, when there is one (`deadline`, `sdg_targets`): the page
    /// shows the message beside that field and the API names it, with no table mapping keys back.
    pub field: Option<&'static str>,
}

impl RuleError {
    /// A rule error without arguments.
    pub fn new(key: &'static str) -> Self {
        Self { key, args: Vec::new(), field: None }
    }

    /// Names the input field the error is about.
    pub fn on(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }

    /// Adds a named argument.
    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.args.push((name, value.into()));
        self
    }
}
