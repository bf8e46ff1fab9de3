//! Route registration that remembers what it registered.
//!
//! axum's `Router` cannot list its routes, but the authorisation and CSRF tests must enumerate every
//! route from the router itself. Every module therefore registers through [`Routes`], which adds the
//! handler to the axum router and records the method and path in the same call, so a route cannot
//! exist without being listed in [`crate::route_table`].
//!
//! ```ignore
//! pub fn routes() -> Routes {
//!     Routes::new("plans").get("/plans", register).post("/plans", create_plan)
//! }
//! ```

use crate::state::AppState;
use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodRouter, delete, get, post, put};

/// One registered route: method, path pattern as written (`/plans/{id}`), and the module that owns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    /// HTTP method (GET routes also answer HEAD, as axum does).
    pub method: Method,
    /// axum path pattern, e.g. `/plans/{id}`.
    pub path: &'static str,
    /// The module name given to [`Routes::new`].
    pub module: &'static str,
}

/// An entry a feature contributes to the main navigation.
#[derive(Debug, Clone, Copy)]
pub struct NavEntry {
    /// Place in the navigation (lower first).
    pub order: u16,
    /// Target.
    pub href: &'static str,
    /// Message key of the label.
    pub key: &'static str,
    /// The section name pages pass to [`crate::pages::Page::new`] to mark it current.
    pub section: &'static str,
    /// Whether the signed-in actor sees it.
    pub visible: fn(&rodtrad_domain::Actor) -> bool,
}

impl NavEntry {
    /// An entry every signed-in user sees.
    pub const fn all(order: u16, href: &'static str, key: &'static str, section: &'static str) -> Self {
        Self { order, href, key, section, visible: |_| true }
    }
}

/// An axum router for [`AppState`] together with the list of the routes in it and the navigation
/// entries of the features that made it.
pub struct Routes {
    module: &'static str,
    router: Router<AppState>,
    table: Vec<RouteInfo>,
    nav: Vec<NavEntry>,
}

impl Routes {
    /// An empty set of routes owned by `module` (its name in the route table).
    pub fn new(module: &'static str) -> Self {
        Self { module, router: Router::new(), table: Vec::new(), nav: Vec::new() }
    }

    /// `GET` (and `HEAD`) `path` → `handler`.
    pub fn get<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, handler: H) -> Self {
        self.add(Method::GET, path, get(handler))
    }

    /// `POST` `path` → `handler`.
    pub fn post<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, handler: H) -> Self {
        self.add(Method::POST, path, post(handler))
    }

    /// `PUT` `path` → `handler`.
    pub fn put<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, handler: H) -> Self {
        self.add(Method::PUT, path, put(handler))
    }

    /// `DELETE` `path` → `handler`.
    pub fn delete<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, handler: H) -> Self {
        self.add(Method::DELETE, path, delete(handler))
    }

    /// Adds an entry to the main navigation.
    pub fn nav(mut self, entry: NavEntry) -> Self {
        self.nav.push(entry);
        self
    }

    /// Adds another module's routes (keeping their module names) and navigation entries.
    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self.nav.extend(other.nav);
        self
    }

    /// The navigation entries, in their order.
    pub fn navigation(&self) -> Vec<NavEntry> {
        let mut nav = self.nav.clone();
        nav.sort_by_key(|e| e.order);
        nav
    }

    /// The routes registered so far, in registration order.
    pub fn table(&self) -> &[RouteInfo] {
        &self.table
    }

    /// Splits into the axum router and the route list.
    pub fn into_parts(self) -> (Router<AppState>, Vec<RouteInfo>) {
        (self.router, self.table)
    }

    fn add(mut self, method: Method, path: &'static str, handler: MethodRouter<AppState>) -> Self {
        // axum merges method routers registered for the same path and panics on a duplicate method,
        // so the table cannot list a route twice either.
        self.router = self.router.route(path, handler);
        self.table.push(RouteInfo { method, path, module: self.module });
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn ok() -> &'static str {
        "ok"
    }

    #[test]
    fn records_every_registration_with_its_module() {
        let routes = Routes::new("a").get("/x", ok).post("/x", ok).merge(Routes::new("b").put("/y/{id}", ok));
        let listed: Vec<_> = routes.table().iter().map(|r| (r.method.as_str(), r.path, r.module)).collect();
        assert_eq!(listed, [("GET", "/x", "a"), ("POST", "/x", "a"), ("PUT", "/y/{id}", "b")]);
    }

    #[test]
    #[should_panic]
    fn the_same_method_and_path_twice_is_refused() {
        let _ = Routes::new("a").get("/x", ok).get("/x", ok);
    }
}
