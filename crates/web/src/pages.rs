//! Shared page data for templates, form errors and the error page.

use crate::ctx::Ctx;
use crate::i18n::{Lang, Tr};
use askama::Template;
use rodtrad_domain::Role;

/// A link in the main navigation.
#[derive(Debug, Clone)]
pub struct NavItem {
    /// Target.
    pub href: &'static str,
    /// Label (translated).
    pub label: String,
    /// Whether this is the current section.
    pub current: bool,
}

/// A language choice in the switcher.
#[derive(Debug, Clone)]
pub struct LangChoice {
    /// Code.
    pub code: &'static str,
    /// Own name.
    pub name: &'static str,
    /// Currently chosen.
    pub selected: bool,
}

/// Data every page template gets as `p`.
#[derive(Debug, Clone)]
pub struct Page {
    /// Translator.
    pub tr: Tr,
    /// Page title (also the `h1` unless the page says otherwise).
    pub title: String,
    /// CSRF token for forms.
    pub csrf: String,
    /// Current path (for the language switcher's return).
    pub path: String,
    /// Signed-in user's name.
    pub user_name: Option<String>,
    /// The signed-in user's unread notifications.
    pub unread_notifications: i64,
    /// Main navigation.
    pub nav: Vec<NavItem>,
    /// Language switcher choices.
    pub langs: Vec<LangChoice>,
}

impl Page {
    /// Builds page data for the request.
    pub fn new(ctx: &Ctx, title: String, section: &'static str) -> Self {
        let tr = ctx.tr.clone();
        let mut nav = Vec::new();
        if let Some(user) = &ctx.signed_in {
            for e in crate::navigation().iter().filter(|e| (e.visible)(&user.actor)) {
                nav.push(NavItem { href: e.href, label: tr.t(e.key), current: section == e.section });
            }
        }
        let langs = Lang::ALL
            .into_iter()
            .map(|l| LangChoice { code: l.code(), name: l.native_name(), selected: l == tr.lang })
            .collect();
        Self {
            tr,
            title,
            csrf: ctx.csrf.clone(),
            path: ctx.path.clone(),
            user_name: ctx.signed_in.as_ref().map(|s| s.user.display_name.clone()),
            unread_notifications: ctx.signed_in.as_ref().map_or(0, |s| s.unread_notifications),
            nav,
            langs,
        }
    }

    /// Whether the main navigation offers `href` to the caller (so a link to it may be shown).
    pub fn has_nav(&self, href: &str) -> bool {
        self.nav.iter().any(|n| n.href == href)
    }

    /// Translated role label.
    pub fn role(&self, role: &Role) -> String {
        self.tr.t(role.label_key())
    }
}

/// Validation messages per form field, in the user's language.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(pub Vec<(&'static str, String)>);

impl FieldErrors {
    /// The message for `field`.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }

    /// Adds a message.
    pub fn add(&mut self, field: &'static str, message: String) {
        self.0.push((field, message));
    }

    /// No messages.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorTemplate {
    /// Page data.
    pub p: Page,
    /// HTTP status.
    pub status: u16,
    /// Message for the user.
    pub message: String,
}
