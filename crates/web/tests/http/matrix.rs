//! The authorisation matrix: every route of `route_table()` called as every subject (anonymous and
//! each role), in scope and out of scope, against one line per route in [`TABLE`]. A route without
//! a line fails the test, and so does a line without a route.

use crate::both;
use crate::harness::{Res, TestApp};
use crate::scene::{Scene, Scope, Subject, Token};
use Subject::*;
use axum::http::Method;
use rodtrad_web::RouteInfo;

/// What a subject gets from a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// GET: 200 (or a redirect elsewhere than the login page). Writes: anything but 403, 404, 500
    /// or the login page, i.e. the request got past authorisation.
    Allowed,
    /// 403 or 404, and a write leaves no audit row.
    Denied,
    /// A redirect to the login page (401 under `/api/`), and a write leaves no audit row.
    Login,
}

/// For each scope, the subjects allowed; every other signed-in subject gets `others` (denied,
/// except for logout). Anonymous callers get `anonymous` in every scope. `revised` and
/// `revised_draft` only count for routes on one plan or element ([`plan_route`]), which are also
/// called on the plan under revision.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    pub anonymous: Expect,
    pub own: &'static [Subject],
    pub other_unit: &'static [Subject],
    pub other_municipality: &'static [Subject],
    pub revised: &'static [Subject],
    pub revised_draft: &'static [Subject],
    pub others: Expect,
}

impl Policy {
    fn expect(&self, subject: Subject, scope: Scope) -> Expect {
        if subject == Anonymous {
            return self.anonymous;
        }
        let allowed = match scope {
            Scope::Own => self.own,
            Scope::OtherUnit => self.other_unit,
            Scope::OtherMunicipality => self.other_municipality,
            Scope::Revised => self.revised,
            Scope::RevisedDraft => self.revised_draft,
        };
        if allowed.contains(&subject) { Expect::Allowed } else { self.others }
    }
}

const SIGNED_IN: &[Subject] =
    &[SystemAdmin, ChiefExecutive, Management, Director, UnitLeader, DepartmentHead, Employee, Politician, Auditor, Hr];
const NOBODY: &[Subject] = &[];
const ADMIN: &[Subject] = &[SystemAdmin];
/// System administrators and the performance-management staff edit municipality-wide.
const WIDE_EDITORS: &[Subject] = &[SystemAdmin, Management];
/// Leaders whose subtree holds school X (and the department head for the department).
const EDITORS_OWN: &[Subject] = &[SystemAdmin, ChiefExecutive, Management, Director, UnitLeader, DepartmentHead];
/// Leaders whose subtree holds school Y.
const EDITORS_Y: &[Subject] = &[SystemAdmin, ChiefExecutive, Management, Director];
const READERS_OWN: &[Subject] =
    &[SystemAdmin, ChiefExecutive, Management, Director, UnitLeader, DepartmentHead, Employee, Auditor];
const READERS_Y: &[Subject] = &[SystemAdmin, ChiefExecutive, Management, Director, Auditor];
const AUDIT_READERS: &[Subject] = &[SystemAdmin, Auditor];
/// The administration, which works on drafts: every leader and the municipality-wide staff.
const ADMINISTRATION: &[Subject] = EDITORS_OWN;
/// Readers of school X's draft unit plan: the administration and the school's own employee, not
/// the politician or the auditor (`domain::access::Actor::plan_view`).
const DRAFT_READERS_OWN: &[Subject] =
    &[SystemAdmin, ChiefExecutive, Management, Director, UnitLeader, DepartmentHead, Employee];

/// The same subjects in every scope: for routes whose objects belong to no municipality or unit
/// (the caller's own session, the SDG catalogue, static files), so the scope changes nothing.
const fn everywhere(anonymous: Expect, who: &'static [Subject]) -> Policy {
    Policy {
        anonymous,
        own: who,
        other_unit: who,
        other_municipality: who,
        revised: NOBODY,
        revised_draft: NOBODY,
        others: Expect::Denied,
    }
}

/// Inside the caller's municipality only.
const fn municipality(own: &'static [Subject], other_unit: &'static [Subject]) -> Policy {
    Policy { own, other_unit, ..everywhere(Expect::Login, NOBODY) }
}

/// A route on one plan or element, inside the caller's municipality: who gets the unit plans
/// (drafts) of their own unit and another, the revised plan's adopted elements, and its element
/// added in the revision.
const fn plan(
    own: &'static [Subject],
    other_unit: &'static [Subject],
    revised: &'static [Subject],
    revised_draft: &'static [Subject],
) -> Policy {
    Policy { revised, revised_draft, ..municipality(own, other_unit) }
}

/// Open to everyone, signed in or not.
const PUBLIC: Policy = everywhere(Expect::Allowed, SIGNED_IN);
/// The caller's own account or the installation-wide catalogue: every signed-in subject.
const SIGNED_IN_ANYWHERE: Policy = everywhere(Expect::Login, SIGNED_IN);
/// Every signed-in subject, for objects of their own municipality.
const MUNICIPALITY: Policy = municipality(SIGNED_IN, SIGNED_IN);
/// Only system administrators, inside their municipality.
const ADMIN_ONLY: Policy = municipality(ADMIN, ADMIN);
/// System administrators and performance-management staff, inside their municipality.
const WIDE_EDIT: Policy = municipality(WIDE_EDITORS, WIDE_EDITORS);
/// Municipality-wide editing of settings that name no unit (labels, priorities, statistics).
const WIDE_SETTINGS: Policy = everywhere(Expect::Login, WIDE_EDITORS);
/// Whoever leads the unit (or a unit above it), and the municipality-wide editors.
const UNIT_EDIT: Policy = municipality(EDITORS_OWN, EDITORS_Y);
/// Delegating a unit's edit rights: its own leader only, and the municipality-wide editors.
const DELEGATE: Policy = municipality(&[SystemAdmin, Management, UnitLeader, DepartmentHead], WIDE_EDITORS);
/// Restricted unit data (people): the unit's own staff and leaders above, and municipality-wide readers.
const UNIT_READ: Policy = municipality(READERS_OWN, READERS_Y);
/// The audit log.
const AUDIT: Policy = municipality(AUDIT_READERS, AUDIT_READERS);
/// Reading a plan: drafts by the administration and the owner unit, the plan under revision by
/// everyone (the politician, the auditor and the employee get its adopted version).
const PLAN_READ: Policy = plan(DRAFT_READERS_OWN, ADMINISTRATION, SIGNED_IN, SIGNED_IN);
/// Reading an element: as its plan, and one added in a revision only by the administration.
const ELEMENT_READ: Policy = plan(DRAFT_READERS_OWN, ADMINISTRATION, SIGNED_IN, ADMINISTRATION);
/// Changing a plan or an element: its owner unit's leaders, and for the revised plan (no owner
/// unit) the municipality-wide editors.
const PLAN_EDIT: Policy = plan(EDITORS_OWN, EDITORS_Y, WIDE_EDITORS, WIDE_EDITORS);
/// The parties of a management dialogue: the leaders of its unit and of the units above it.
const DIALOGUE_PARTY: Policy =
    municipality(&[ChiefExecutive, Director, UnitLeader, DepartmentHead], &[ChiefExecutive, Director]);
/// Leaders and the municipality-wide staff, who are shown management dialogues at all.
const LEADERS_AND_STAFF: Policy = municipality(EDITORS_OWN, EDITORS_OWN);
/// The status overview: everyone who leads, acts for or works in a unit, and the wide readers.
const FOLLOWUP_OVERVIEW: Policy = municipality(READERS_OWN, READERS_OWN);
/// A unit plan's working papers (its analysis and workflow history): whoever reads its working copy,
/// i.e. the administration and the owner unit's employees, not politicians or the auditor.
const UNIT_PLAN_PAPERS: Policy = municipality(DRAFT_READERS_OWN, ADMINISTRATION);
/// Readers of the whole municipality's figures: the staff, the auditor and the chief executive.
const WHOLE_MUNICIPALITY: Policy = municipality(
    &[SystemAdmin, ChiefExecutive, Management, Auditor],
    &[SystemAdmin, ChiefExecutive, Management, Auditor],
);
/// Readers of a leadership agreement (personal data): its two parties, the leaders above them in
/// the line and HR; not the administrators, the staff, the auditor, politicians or employees.
const AGREEMENT_READ: Policy =
    municipality(&[ChiefExecutive, Director, UnitLeader, DepartmentHead, Hr], &[ChiefExecutive, Director, Hr]);
/// The two parties of an agreement, who start, edit and sign it (a reader who is no party gets past
/// authorisation when signing and is refused by the rule, 422).
const AGREEMENT_PARTY: Policy = municipality(&[Director, UnitLeader, DepartmentHead], &[Director]);
/// The list of assignment letters: everyone who may read some unit's letter (not politicians).
const LETTER_LIST: Policy = municipality(READERS_OWN, READERS_OWN);
/// Acknowledging receipt of a letter: the leader of the unit it is to, nobody else.
const ACK_LETTER: Policy = municipality(&[UnitLeader, DepartmentHead], NOBODY);
/// Whoever reads any economy: leaders and delegates (their units), the staff, the auditor, politicians
/// (the roll-up); not employees or HR.
const ECONOMY_OVERVIEW: Policy = municipality(ECONOMY_READERS, ECONOMY_READERS);
const ECONOMY_READERS: &[Subject] =
    &[SystemAdmin, ChiefExecutive, Management, Director, UnitLeader, DepartmentHead, Politician, Auditor];
/// A unit's economy: its leader and the leaders above, delegates, the staff and the auditor; not the
/// leader of another unit, employees or politicians.
const ECONOMY_UNIT: Policy = municipality(
    &[SystemAdmin, ChiefExecutive, Management, Director, UnitLeader, DepartmentHead, Auditor],
    &[SystemAdmin, ChiefExecutive, Management, Director, Auditor],
);
/// Readers of the risk picture aggregated up the tree (`Actor::can_read_risk_picture`): the staff,
/// the auditor, leaders and politicians; not employees or HR.
const RISK_PICTURE: Policy = municipality(ECONOMY_READERS, ECONOMY_READERS);
/// Readers of a draft council report: the administration (every leader writes or reads the
/// commentaries) and the auditor; not politicians, employees or HR.
const REPORT_DRAFT_READ: Policy = municipality(REPORT_DRAFT_READERS, REPORT_DRAFT_READERS);
const REPORT_DRAFT_READERS: &[Subject] =
    &[SystemAdmin, ChiefExecutive, Management, Director, UnitLeader, DepartmentHead, Auditor];
/// A service area's commentary: the area's director and the staff.
const REPORT_COMMENTARY: Policy =
    municipality(&[SystemAdmin, Management, Director], &[SystemAdmin, Management, Director]);
/// Readers of the deviation trends (`Actor::can_read_deviation_trends`): counts only, for the staff,
/// the auditor, leaders and politicians; not employees or HR.
const DEVIATION_TRENDS: Policy = municipality(ECONOMY_READERS, ECONOMY_READERS);
/// A unit's report upward on internal control (`Actor::can_read_control_report`): the leaders of the
/// line and the staff, and the auditor.
const CONTROL_REPORT_READ: Policy = municipality(
    &[SystemAdmin, ChiefExecutive, Management, Director, UnitLeader, DepartmentHead, Auditor],
    &[SystemAdmin, ChiefExecutive, Management, Director, Auditor],
);
/// Sending a unit's report upward: its own manager only (authority level 2 to 1).
const CONTROL_REPORT_SEND: Policy = municipality(&[UnitLeader, DepartmentHead], NOBODY);
/// Logging out sends everyone to the login page.
const LOGOUT: Policy = Policy { anonymous: Expect::Login, others: Expect::Login, ..everywhere(Expect::Login, NOBODY) };

/// One line per route. Adding a route means adding its line here.
const TABLE: &[(&str, &str, Policy)] = &[
    ("GET", "/", MUNICIPALITY),
    ("GET", "/login", PUBLIC),
    ("POST", "/login", PUBLIC),
    ("POST", "/logout", LOGOUT),
    ("POST", "/language", PUBLIC),
    ("GET", "/profile", MUNICIPALITY),
    ("POST", "/profile/password", SIGNED_IN_ANYWHERE),
    ("POST", "/profile/tokens", SIGNED_IN_ANYWHERE),
    ("POST", "/profile/tokens/{id}/revoke", municipality(SIGNED_IN, NOBODY)),
    ("POST", "/profile/calendar", SIGNED_IN_ANYWHERE),
    ("POST", "/profile/calendar/revoke", SIGNED_IN_ANYWHERE),
    ("GET", "/org", MUNICIPALITY),
    ("GET", "/org/{id}", MUNICIPALITY),
    ("POST", "/org/{id}", UNIT_EDIT),
    ("POST", "/org/{id}/units", UNIT_EDIT),
    ("POST", "/org/{id}/delegations", DELEGATE),
    ("POST", "/org/{id}/delegations/{delegation_id}/revoke", DELEGATE),
    ("GET", "/people", WIDE_EDIT),
    ("POST", "/people", WIDE_EDIT),
    ("GET", "/people/new", WIDE_EDIT),
    ("GET", "/people/{id}", UNIT_READ),
    ("POST", "/people/{id}", UNIT_EDIT),
    ("GET", "/plans", MUNICIPALITY),
    ("POST", "/plans", UNIT_EDIT),
    ("GET", "/plans/labels", WIDE_EDIT),
    ("POST", "/plans/labels", WIDE_SETTINGS),
    ("GET", "/plans/{id}", PLAN_READ),
    ("POST", "/plans/{id}", PLAN_EDIT),
    ("POST", "/plans/{id}/status", PLAN_EDIT),
    ("POST", "/plans/{id}/decisions", PLAN_EDIT),
    ("POST", "/plans/{id}/elements", PLAN_EDIT),
    ("POST", "/plans/{id}/inherit", PLAN_EDIT),
    ("GET", "/plans/{id}/versions", PLAN_READ),
    ("POST", "/plans/{id}/sections", PLAN_EDIT),
    ("POST", "/plans/{id}/sections/{section}", PLAN_EDIT),
    ("POST", "/elements/{id}/place", PLAN_EDIT),
    ("GET", "/plans/{id}/export.csv", PLAN_READ),
    ("GET", "/plans/{id}/export.xlsx", PLAN_READ),
    ("GET", "/elements/{id}", ELEMENT_READ),
    ("POST", "/elements/{id}", PLAN_EDIT),
    ("POST", "/elements/{id}/remove", PLAN_EDIT),
    ("POST", "/elements/{id}/acknowledge", PLAN_EDIT),
    ("POST", "/elements/{id}/assign", PLAN_EDIT),
    ("GET", "/red-thread", MUNICIPALITY),
    ("GET", "/sdg", MUNICIPALITY),
    ("POST", "/sdg/priorities", WIDE_SETTINGS),
    ("GET", "/sdg/{goal}", SIGNED_IN_ANYWHERE),
    ("POST", "/sdg/targets/{code}", everywhere(Expect::Login, ADMIN)),
    ("GET", "/statistics", MUNICIPALITY),
    ("GET", "/statistics/import", WIDE_EDIT),
    ("POST", "/statistics/import", WIDE_SETTINGS),
    ("POST", "/statistics/import/{token}", WIDE_EDIT),
    ("GET", "/statistics/imports/{id}", MUNICIPALITY),
    ("GET", "/statistics/tables/{id}", MUNICIPALITY),
    ("GET", "/statistics/series/{id}", MUNICIPALITY),
    ("POST", "/statistics/series/{id}/goals", WIDE_EDIT),
    ("GET", "/statistics/series/{id}/compare.csv", MUNICIPALITY),
    ("GET", "/statistics/series/{id}/compare.xlsx", MUNICIPALITY),
    ("GET", "/statistics/series/{id}/compare.json", MUNICIPALITY),
    ("GET", "/statistics/peer-groups", MUNICIPALITY),
    ("POST", "/statistics/peer-groups", WIDE_SETTINGS),
    ("GET", "/statistics/sdg", MUNICIPALITY),
    ("GET", "/elements/{id}/statistics", ELEMENT_READ),
    ("POST", "/elements/{id}/statistics", PLAN_EDIT),
    ("GET", "/elements/{id}/indicator", ELEMENT_READ),
    ("POST", "/elements/{id}/indicator/values", PLAN_EDIT),
    ("GET", "/elements/{id}/indicator/definition", PLAN_EDIT),
    ("POST", "/elements/{id}/indicator/definition", PLAN_EDIT),
    ("GET", "/elements/{id}/indicator/values.csv", ELEMENT_READ),
    ("GET", "/elements/{id}/indicator/values.xlsx", ELEMENT_READ),
    ("GET", "/plans/{id}/indicators", PLAN_READ),
    ("GET", "/indicators/import", LEADERS_AND_STAFF),
    ("POST", "/indicators/import", LEADERS_AND_STAFF),
    ("POST", "/indicators/import/confirm", LEADERS_AND_STAFF),
    ("GET", "/indicators/settings", WIDE_EDIT),
    ("POST", "/indicators/settings", WIDE_SETTINGS),
    ("GET", "/api/v1/indicators/settings", MUNICIPALITY),
    ("PUT", "/api/v1/indicators/settings", WIDE_SETTINGS),
    ("GET", "/api/v1/elements/{id}/indicator", ELEMENT_READ),
    ("PUT", "/api/v1/elements/{id}/indicator", PLAN_EDIT),
    ("POST", "/api/v1/elements/{id}/indicator/values", PLAN_EDIT),
    ("GET", "/api/v1/plans/{id}/indicators", PLAN_READ),
    ("GET", "/u4ssc", MUNICIPALITY),
    ("POST", "/u4ssc", WIDE_SETTINGS),
    ("GET", "/u4ssc/compare", MUNICIPALITY),
    ("GET", "/u4ssc/kpi-import", WIDE_SETTINGS),
    ("POST", "/u4ssc/kpi-import", WIDE_SETTINGS),
    ("POST", "/u4ssc/kpi-import/confirm", WIDE_SETTINGS),
    ("GET", "/u4ssc/{year}", MUNICIPALITY),
    ("GET", "/u4ssc/{year}/cells/{process}/{phase}", WIDE_EDIT),
    ("POST", "/u4ssc/{year}/cells/{process}/{phase}", WIDE_EDIT),
    // KPI values are the caller's own municipality's for any year, so the scope changes nothing.
    ("GET", "/u4ssc/{year}/kpi", SIGNED_IN_ANYWHERE),
    ("GET", "/u4ssc/{year}/kpi/edit", WIDE_SETTINGS),
    ("POST", "/u4ssc/{year}/kpi/edit", WIDE_SETTINGS),
    ("GET", "/u4ssc/{year}/kpi.csv", SIGNED_IN_ANYWHERE),
    ("GET", "/public/{number}/plans", PUBLIC),
    ("GET", "/public/{number}/plans/{id}", PUBLIC),
    ("GET", "/audit", AUDIT),
    ("GET", "/audit.csv", AUDIT),
    ("GET", "/users", ADMIN_ONLY),
    ("POST", "/users", ADMIN_ONLY),
    ("GET", "/users/new", ADMIN_ONLY),
    ("GET", "/users/{id}", ADMIN_ONLY),
    ("POST", "/users/{id}", ADMIN_ONLY),
    ("GET", "/api/v1/org-units", MUNICIPALITY),
    ("GET", "/api/v1/org-units/{id}", MUNICIPALITY),
    ("GET", "/api/v1/people", MUNICIPALITY),
    ("GET", "/api/v1/openapi.json", PUBLIC),
    ("GET", "/api/v1/plans", MUNICIPALITY),
    ("POST", "/api/v1/plans", UNIT_EDIT),
    ("GET", "/api/v1/plans/{id}", PLAN_READ),
    ("PUT", "/api/v1/plans/{id}", PLAN_EDIT),
    ("GET", "/api/v1/plans/{id}/elements", PLAN_READ),
    ("POST", "/api/v1/plans/{id}/elements", PLAN_EDIT),
    ("GET", "/api/v1/elements/{id}", ELEMENT_READ),
    ("PUT", "/api/v1/elements/{id}", PLAN_EDIT),
    ("GET", "/api/v1/sdg", MUNICIPALITY),
    ("GET", "/followup", FOLLOWUP_OVERVIEW),
    ("GET", "/followup/periods", MUNICIPALITY),
    ("POST", "/followup/periods", WIDE_SETTINGS),
    ("POST", "/followup/periods/{period}/close", WIDE_EDIT),
    ("POST", "/followup/periods/{period}/reopen", WIDE_EDIT),
    ("GET", "/followup/units/{unit}", UNIT_READ),
    ("GET", "/followup/units/{unit}/items", UNIT_READ),
    ("GET", "/followup/units/{unit}/report", UNIT_READ),
    ("GET", "/followup/units/{unit}/export.csv", UNIT_READ),
    ("GET", "/followup/units/{unit}/export.xlsx", UNIT_READ),
    ("GET", "/followup/items/{item}", UNIT_READ),
    ("POST", "/followup/items/{item}", UNIT_EDIT),
    ("GET", "/followup/dialogues", LEADERS_AND_STAFF),
    ("GET", "/followup/dialogues/{dialogue}", UNIT_EDIT),
    ("POST", "/followup/dialogues/{dialogue}", DIALOGUE_PARTY),
    ("POST", "/followup/dialogues/{dialogue}/close", DIALOGUE_PARTY),
    ("GET", "/api/v1/followup/periods", MUNICIPALITY),
    ("GET", "/api/v1/followup/items/{item}", UNIT_READ),
    ("POST", "/api/v1/followup/items/{item}/reports", UNIT_EDIT),
    ("GET", "/api/v1/followup/units/{unit}/rollup", UNIT_READ),
    ("GET", "/api/v1/followup/dialogues", MUNICIPALITY),
    ("POST", "/api/v1/followup/dialogues/{dialogue}/close", DIALOGUE_PARTY),
    ("GET", "/unit-plans", MUNICIPALITY),
    ("POST", "/unit-plans/deadline", WIDE_SETTINGS),
    ("GET", "/unit-plans/export.csv", MUNICIPALITY),
    ("GET", "/unit-plans/export.xlsx", MUNICIPALITY),
    ("POST", "/unit-plans/{id}/deliver", UNIT_EDIT),
    ("POST", "/unit-plans/{id}/approve", UNIT_EDIT),
    ("POST", "/unit-plans/{id}/send-back", UNIT_EDIT),
    ("GET", "/unit-plans/{id}/analysis", UNIT_PLAN_PAPERS),
    ("POST", "/unit-plans/{id}/analysis", UNIT_EDIT),
    ("GET", "/unit-plans/{id}/carry-over", UNIT_PLAN_PAPERS),
    ("POST", "/unit-plans/{id}/carry-over", UNIT_EDIT),
    ("POST", "/unit-plans/{id}/carry-over/place", UNIT_EDIT),
    ("POST", "/unit-plans/{id}/carry-over/deadlines", UNIT_EDIT),
    ("GET", "/api/v1/unit-plans", MUNICIPALITY),
    ("GET", "/api/v1/unit-plans/{id}", UNIT_PLAN_PAPERS),
    ("POST", "/api/v1/unit-plans/{id}/deliver", UNIT_EDIT),
    ("POST", "/api/v1/unit-plans/{id}/approve", UNIT_EDIT),
    ("POST", "/api/v1/unit-plans/{id}/send-back", UNIT_EDIT),
    ("PUT", "/api/v1/unit-plans/{id}/analysis", UNIT_EDIT),
    ("GET", "/dashboard", MUNICIPALITY),
    ("GET", "/dashboard/export.csv", MUNICIPALITY),
    ("GET", "/dashboard/export.xlsx", MUNICIPALITY),
    ("GET", "/dashboard/areas", WHOLE_MUNICIPALITY),
    ("GET", "/dashboard/units/{unit}", UNIT_READ),
    ("GET", "/api/v1/dashboard/mine", MUNICIPALITY),
    ("GET", "/api/v1/dashboard/units/{unit}", UNIT_READ),
    ("GET", "/api/v1/dashboard/areas", WHOLE_MUNICIPALITY),
    ("GET", "/agreements", MUNICIPALITY),
    ("POST", "/agreements", AGREEMENT_PARTY),
    ("GET", "/agreements/export.csv", MUNICIPALITY),
    ("GET", "/agreements/export.xlsx", MUNICIPALITY),
    ("GET", "/agreements/{agreement}", AGREEMENT_READ),
    ("POST", "/agreements/{agreement}", AGREEMENT_PARTY),
    ("GET", "/agreements/{agreement}/edit", AGREEMENT_PARTY),
    ("POST", "/agreements/{agreement}/sign", AGREEMENT_READ),
    ("POST", "/agreements/{agreement}/new-version", AGREEMENT_PARTY),
    ("GET", "/agreements/{agreement}/versions/{number}", AGREEMENT_READ),
    ("GET", "/agreements/{agreement}/pdf", AGREEMENT_READ),
    ("GET", "/api/v1/agreements", MUNICIPALITY),
    ("POST", "/api/v1/agreements", AGREEMENT_PARTY),
    ("GET", "/api/v1/agreements/{agreement}", AGREEMENT_READ),
    ("PUT", "/api/v1/agreements/{agreement}", AGREEMENT_PARTY),
    ("GET", "/api/v1/agreements/{agreement}/versions", AGREEMENT_READ),
    ("POST", "/api/v1/agreements/{agreement}/sign", AGREEMENT_READ),
    ("GET", "/api/v1/agreements/{agreement}/pdf", AGREEMENT_READ),
    ("GET", "/letters", LETTER_LIST),
    ("GET", "/letters/export.csv", LETTER_LIST),
    ("GET", "/letters/export.xlsx", LETTER_LIST),
    ("POST", "/letters/issue", WIDE_SETTINGS),
    ("GET", "/letters/jobs/{job}", WIDE_EDIT),
    ("GET", "/letters/template", WIDE_EDIT),
    ("POST", "/letters/template", WIDE_SETTINGS),
    ("GET", "/letters/units/{unit}", UNIT_READ),
    ("POST", "/letters/units/{unit}/frame", WIDE_EDIT),
    ("POST", "/letters/units/{unit}/issue", WIDE_EDIT),
    ("GET", "/letters/{letter}", UNIT_READ),
    ("GET", "/letters/{letter}/versions/{number}", UNIT_READ),
    ("GET", "/letters/{letter}/versions/{number}/pdf", UNIT_READ),
    ("POST", "/letters/{letter}/acknowledge", ACK_LETTER),
    ("POST", "/elements/{id}/expected-result", PLAN_EDIT),
    ("GET", "/api/v1/letters", LETTER_LIST),
    ("POST", "/api/v1/letters/issue", WIDE_SETTINGS),
    ("GET", "/api/v1/letters/template", WIDE_EDIT),
    ("PUT", "/api/v1/letters/template", WIDE_SETTINGS),
    ("POST", "/api/v1/letters/units/{unit}/issue", WIDE_EDIT),
    ("PUT", "/api/v1/letters/units/{unit}/frame", WIDE_EDIT),
    ("GET", "/api/v1/letters/{letter}", UNIT_READ),
    ("GET", "/api/v1/letters/{letter}/versions/{number}", UNIT_READ),
    ("GET", "/api/v1/letters/{letter}/versions/{number}/pdf", UNIT_READ),
    ("POST", "/api/v1/letters/{letter}/acknowledge", ACK_LETTER),
    ("GET", "/notifications", MUNICIPALITY),
    ("POST", "/notifications/read-all", SIGNED_IN_ANYWHERE),
    ("POST", "/notifications/{notification}/read", municipality(SIGNED_IN, NOBODY)),
    ("POST", "/profile/digest", SIGNED_IN_ANYWHERE),
    ("GET", "/api/v1/notifications", MUNICIPALITY),
    ("POST", "/api/v1/notifications/{notification}/read", municipality(SIGNED_IN, NOBODY)),
    ("GET", "/economy", ECONOMY_OVERVIEW),
    ("GET", "/economy/export.csv", ECONOMY_OVERVIEW),
    ("GET", "/economy/export.xlsx", ECONOMY_OVERVIEW),
    ("GET", "/economy/units/{unit}", ECONOMY_UNIT),
    ("POST", "/economy/units/{unit}/forecast", UNIT_EDIT),
    ("POST", "/economy/units/{unit}/budget", WIDE_EDIT),
    ("GET", "/economy/settings", WIDE_EDIT),
    ("POST", "/economy/settings/thresholds", WIDE_SETTINGS),
    ("POST", "/economy/settings/mapping", WIDE_SETTINGS),
    ("POST", "/economy/settings/lines", WIDE_SETTINGS),
    ("GET", "/economy/import", WIDE_EDIT),
    ("POST", "/economy/import", WIDE_SETTINGS),
    ("POST", "/economy/uploads/{upload}/confirm", WIDE_EDIT),
    ("GET", "/api/v1/economy", ECONOMY_OVERVIEW),
    ("GET", "/api/v1/economy/units/{unit}", ECONOMY_UNIT),
    ("PUT", "/api/v1/economy/units/{unit}/forecast", UNIT_EDIT),
    // The annual cycle: everybody signed in to the municipality reads its wheels; the staff makes
    // and edits them. B's wheel and activity ids are not found. A calendar feed answers whoever
    // holds a live token, signed in or not, for any unit of the token's municipality.
    ("GET", "/annual-cycle", MUNICIPALITY),
    ("POST", "/annual-cycle", WIDE_SETTINGS),
    ("GET", "/annual-cycle/template", MUNICIPALITY),
    ("POST", "/annual-cycle/template", WIDE_SETTINGS),
    ("POST", "/annual-cycle/template/remove", WIDE_SETTINGS),
    ("GET", "/annual-cycle/wheels/{wheel}", MUNICIPALITY),
    ("POST", "/annual-cycle/wheels/{wheel}/activities", WIDE_EDIT),
    ("GET", "/annual-cycle/wheels/{wheel}/export.csv", MUNICIPALITY),
    ("GET", "/annual-cycle/wheels/{wheel}/export.xlsx", MUNICIPALITY),
    ("GET", "/annual-cycle/wheels/{wheel}/case", MUNICIPALITY),
    ("GET", "/annual-cycle/wheels/{wheel}/case.pdf", MUNICIPALITY),
    ("GET", "/annual-cycle/activities/{activity}", MUNICIPALITY),
    ("POST", "/annual-cycle/activities/{activity}", WIDE_EDIT),
    ("POST", "/annual-cycle/activities/{activity}/remove", WIDE_EDIT),
    ("GET", "/calendar/{token}/mine.ics", PUBLIC),
    ("GET", "/calendar/{token}/units/{unit}/calendar.ics", PUBLIC),
    // Council reports: a draft is read by the administration and the auditor (politicians,
    // employees and HR get 404, as for an unknown id); the staff create, write the introduction,
    // assess goals and adopt; a service area's commentary by its director and the staff. Adopted
    // reports are on the public pages for everyone. B's reports are not found.
    ("GET", "/reports", MUNICIPALITY),
    ("POST", "/reports", WIDE_SETTINGS),
    ("GET", "/reports/templates", WIDE_SETTINGS),
    ("POST", "/reports/templates/{kind}", WIDE_SETTINGS),
    ("GET", "/reports/{id}", REPORT_DRAFT_READ),
    ("POST", "/reports/{id}/introduction", WIDE_EDIT),
    ("POST", "/reports/{id}/commentary/{area}", REPORT_COMMENTARY),
    ("POST", "/reports/{id}/goals/{element}", WIDE_EDIT),
    ("POST", "/reports/{id}/adopt", WIDE_EDIT),
    ("GET", "/reports/{id}/report.pdf", REPORT_DRAFT_READ),
    ("GET", "/reports/{id}/report.xlsx", REPORT_DRAFT_READ),
    ("GET", "/reports/{id}/tables/{n}", REPORT_DRAFT_READ),
    ("GET", "/public/{number}/reports", PUBLIC),
    ("GET", "/public/{number}/reports/{id}", PUBLIC),
    ("GET", "/public/{number}/reports/{id}/report.pdf", PUBLIC),
    ("GET", "/public/{number}/reports/{id}/report.xlsx", PUBLIC),
    ("GET", "/api/v1/reports", MUNICIPALITY),
    ("GET", "/api/v1/reports/{id}", REPORT_DRAFT_READ),
    ("PUT", "/api/v1/reports/{id}/commentary/{area}", REPORT_COMMENTARY),
    ("GET", "/api/v1/annual-cycle/wheels", MUNICIPALITY),
    ("GET", "/api/v1/annual-cycle/wheels/{wheel}", MUNICIPALITY),
    ("GET", "/api/v1/annual-cycle/deadlines", MUNICIPALITY),
    ("PUT", "/api/v1/annual-cycle/activities/{activity}", WIDE_EDIT),
    // The action programme: adopted figures every signed-in user of the municipality reads; the
    // staff edits. The first year names no municipality, and B's programme year is not A's.
    ("GET", "/economy/programme", MUNICIPALITY),
    ("POST", "/economy/programme", WIDE_SETTINGS),
    ("GET", "/economy/programme/{first_year}", MUNICIPALITY),
    ("POST", "/economy/programme/{first_year}", WIDE_EDIT),
    ("POST", "/economy/programme/{first_year}/frames", WIDE_EDIT),
    ("POST", "/economy/programme/{first_year}/investments", WIDE_EDIT),
    ("POST", "/economy/programme/{first_year}/investments/{investment}/remove", WIDE_EDIT),
    ("POST", "/economy/programme/{first_year}/efficiency", WIDE_EDIT),
    ("POST", "/economy/programme/{first_year}/rules", WIDE_EDIT),
    ("POST", "/economy/programme/{first_year}/rules/{rule}/remove", WIDE_EDIT),
    ("POST", "/economy/programme/{first_year}/key-figures", WIDE_EDIT),
    ("GET", "/economy/programme/{first_year}/export.csv", MUNICIPALITY),
    ("GET", "/economy/programme/{first_year}/export.xlsx", MUNICIPALITY),
    ("GET", "/api/v1/economy/programmes", MUNICIPALITY),
    ("GET", "/api/v1/economy/programmes/{first_year}", MUNICIPALITY),
    ("PUT", "/api/v1/economy/programmes/{first_year}/key-figures", WIDE_EDIT),
    ("GET", "/economy/lida", ECONOMY_OVERVIEW),
    ("POST", "/economy/lida/projections", WIDE_SETTINGS),
    ("GET", "/economy/lida/projections/{projection}", ECONOMY_OVERVIEW),
    ("GET", "/economy/lida/projections/{projection}/export.csv", ECONOMY_OVERVIEW),
    ("GET", "/economy/lida/projections/{projection}/export.xlsx", ECONOMY_OVERVIEW),
    ("GET", "/economy/lida/scenarios/new", WIDE_EDIT),
    ("POST", "/economy/lida/scenarios", WIDE_SETTINGS),
    ("GET", "/economy/lida/scenarios/{scenario}", ECONOMY_OVERVIEW),
    ("GET", "/economy/lida/scenarios/{scenario}/edit", WIDE_EDIT),
    ("POST", "/economy/lida/scenarios/{scenario}", WIDE_EDIT),
    ("GET", "/economy/lida/scenarios/{scenario}/export.csv", ECONOMY_OVERVIEW),
    ("GET", "/economy/lida/scenarios/{scenario}/export.xlsx", ECONOMY_OVERVIEW),
    ("GET", "/economy/lida/compare", ECONOMY_OVERVIEW),
    ("GET", "/economy/lida/compare.csv", ECONOMY_OVERVIEW),
    ("GET", "/economy/lida/compare.xlsx", ECONOMY_OVERVIEW),
    ("GET", "/api/v1/lida/scenarios", ECONOMY_OVERVIEW),
    ("GET", "/api/v1/lida/scenarios/{scenario}", ECONOMY_OVERVIEW),
    ("GET", "/api/v1/lida/projections", ECONOMY_OVERVIEW),
    // Risk management: everyone signed in reads the overview and the matrix (the picture inside it
    // only for its readers); an analysis is read as its unit is and edited by those who edit the
    // unit (acceptance is then a rule: 422 for an editor who leads no unit in the line).
    ("GET", "/risk", MUNICIPALITY),
    ("POST", "/risk", UNIT_EDIT),
    ("GET", "/risk/matrix", MUNICIPALITY),
    ("POST", "/risk/matrix", WIDE_SETTINGS),
    ("GET", "/risk/analyses/{analysis}", UNIT_READ),
    ("POST", "/risk/analyses/{analysis}", UNIT_EDIT),
    ("POST", "/risk/analyses/{analysis}/risks", UNIT_EDIT),
    ("GET", "/risk/analyses/{analysis}/export.csv", UNIT_READ),
    ("GET", "/risk/analyses/{analysis}/export.xlsx", UNIT_READ),
    ("GET", "/risk/risks/{risk}", UNIT_READ),
    ("POST", "/risk/risks/{risk}", UNIT_EDIT),
    ("POST", "/risk/risks/{risk}/remove", UNIT_EDIT),
    ("POST", "/risk/risks/{risk}/accept", UNIT_EDIT),
    ("GET", "/api/v1/risk/matrix", MUNICIPALITY),
    ("GET", "/api/v1/risk/analyses", MUNICIPALITY),
    ("GET", "/api/v1/risk/analyses/{analysis}", UNIT_READ),
    ("GET", "/api/v1/risk/picture", RISK_PICTURE),
    ("PUT", "/api/v1/risk/risks/{risk}", UNIT_EDIT),
    // Anyone signed in registers a deviation for any unit of the municipality and sees the list
    // filtered to what they may read; a (non-restricted) deviation is read as the unit's data and
    // handled by whoever edits the unit. The restricted ones have their own test in deviations.rs.
    ("GET", "/deviations", MUNICIPALITY),
    ("POST", "/deviations", MUNICIPALITY),
    ("GET", "/deviations/new", MUNICIPALITY),
    ("GET", "/deviations/export.csv", MUNICIPALITY),
    ("GET", "/deviations/export.xlsx", MUNICIPALITY),
    ("GET", "/deviations/trends", DEVIATION_TRENDS),
    ("GET", "/deviations/trends/export.csv", DEVIATION_TRENDS),
    ("GET", "/deviations/trends/export.xlsx", DEVIATION_TRENDS),
    ("GET", "/deviations/{deviation}", UNIT_READ),
    ("POST", "/deviations/{deviation}/triage", UNIT_EDIT),
    ("POST", "/deviations/{deviation}/cause", UNIT_EDIT),
    ("POST", "/deviations/{deviation}/measures", UNIT_EDIT),
    ("POST", "/deviations/{deviation}/measures/{measure}/done", UNIT_EDIT),
    ("POST", "/deviations/{deviation}/pdca", UNIT_EDIT),
    ("POST", "/deviations/{deviation}/innovation", UNIT_EDIT),
    ("POST", "/deviations/{deviation}/close", UNIT_EDIT),
    ("GET", "/api/v1/deviations", MUNICIPALITY),
    ("POST", "/api/v1/deviations", MUNICIPALITY),
    ("GET", "/api/v1/deviations/trends", DEVIATION_TRENDS),
    ("GET", "/api/v1/deviations/{deviation}", UNIT_READ),
    // Internal control: activities are the unit's data, read by whoever reads the unit and set up,
    // changed and recorded by whoever edits it (and the owner, here the unit's leader); the list
    // is filtered to what the caller reads. The overview of reports upward is for leaders, the
    // staff and the auditor.
    ("GET", "/control", MUNICIPALITY),
    ("POST", "/control", MUNICIPALITY),
    ("GET", "/control/new", LEADERS_AND_STAFF),
    ("GET", "/control/export.csv", MUNICIPALITY),
    ("GET", "/control/export.xlsx", MUNICIPALITY),
    ("GET", "/control/evidence/{evidence}", UNIT_READ),
    ("GET", "/control/reports", REPORT_DRAFT_READ),
    ("GET", "/control/reports/export.csv", REPORT_DRAFT_READ),
    ("GET", "/control/reports/export.xlsx", REPORT_DRAFT_READ),
    ("GET", "/control/reports/{unit}", CONTROL_REPORT_READ),
    ("POST", "/control/reports/{unit}", CONTROL_REPORT_SEND),
    ("GET", "/control/{activity}", UNIT_READ),
    ("POST", "/control/{activity}", UNIT_EDIT),
    ("POST", "/control/{activity}/executions", UNIT_EDIT),
    ("POST", "/control/{activity}/executions/{execution}/evidence", UNIT_EDIT),
    ("GET", "/api/v1/control/activities", MUNICIPALITY),
    ("GET", "/api/v1/control/activities/{activity}", UNIT_READ),
    ("GET", "/api/v1/control/reports", REPORT_DRAFT_READ),
    // Audits and inspections are read by everyone signed in (their reports are public documents),
    // registered, given findings and closed by the staff, and their findings followed up by whoever
    // edits the audited unit. The management review names a year, no object of a municipality.
    ("GET", "/audits", MUNICIPALITY),
    ("POST", "/audits", WIDE_EDIT),
    ("GET", "/audits/new", WIDE_EDIT),
    ("GET", "/audits/export.csv", MUNICIPALITY),
    ("GET", "/audits/export.xlsx", MUNICIPALITY),
    ("GET", "/audits/reviews", REPORT_DRAFT_READ),
    ("GET", "/audits/reviews/{year}", everywhere(Expect::Login, REPORT_DRAFT_READERS)),
    ("POST", "/audits/reviews/{year}", WIDE_SETTINGS),
    ("GET", "/audits/{audit}", MUNICIPALITY),
    ("POST", "/audits/{audit}/findings", WIDE_EDIT),
    ("POST", "/audits/{audit}/findings/{finding}/close", UNIT_EDIT),
    ("POST", "/audits/{audit}/close", WIDE_EDIT),
    ("GET", "/api/v1/audits", MUNICIPALITY),
    ("GET", "/api/v1/audits/{audit}", MUNICIPALITY),
    ("GET", "/static/{*path}", PUBLIC),
    ("GET", "/healthz", PUBLIC),
];

/// The line for `route`.
fn policy(route: &RouteInfo) -> Option<Policy> {
    TABLE.iter().find(|(m, p, _)| *m == route.method.as_str() && *p == route.path).map(|(_, _, policy)| *policy)
}

/// Routes without a line and lines without a route.
pub fn table_mismatches() -> Vec<String> {
    let routes = rodtrad_web::route_table();
    let mut out: Vec<String> = routes
        .iter()
        .filter(|r| policy(r).is_none())
        .map(|r| format!("route {} {} (module {}) has no line in the matrix", r.method, r.path, r.module))
        .collect();
    for (m, p, _) in TABLE {
        if !routes.iter().any(|r| r.method.as_str() == *m && r.path == *p) {
            out.push(format!("matrix line {m} {p} names no route"));
        }
    }
    out
}

/// The outcome class of a response, in the terms of [`Expect`].
fn outcome(res: &Res, route: &RouteInfo) -> Option<Expect> {
    let write = route.method != Method::GET;
    let status = res.status.as_u16();
    let api = route.path.starts_with("/api/");
    if (status == 303 && res.location().starts_with("/login")) || (api && status == 401) {
        return Some(Expect::Login);
    }
    match status {
        403 | 404 => Some(Expect::Denied),
        500.. => None,
        200..=299 => Some(Expect::Allowed),
        300..=399 if res.location().starts_with('/') => Some(Expect::Allowed),
        // Past authorisation, refused by a rule or a stale version, with the form shown again.
        409 | 422 if write => Some(Expect::Allowed),
        // The login form answers wrong credentials with 401 and the form again.
        401 if route.path == "/login" => Some(Expect::Allowed),
        _ => None,
    }
}

/// Whether the request must have been refused without a trace (a signed-in subject's logout is
/// sent to the login page too, and is audited).
fn refused(subject: Subject, expected: Expect) -> bool {
    expected == Expect::Denied || (expected == Expect::Login && subject == Anonymous)
}

/// A route on one plan or element of the caller's municipality (not the public pages).
fn plan_route(route: &RouteInfo) -> bool {
    ["/plans/{id}", "/elements/{id}", "/api/v1/plans/{id}", "/api/v1/elements/{id}"]
        .iter()
        .any(|prefix| route.path.starts_with(prefix))
}

/// Scopes worth calling: a GET route without parameters names no objects, so one call covers it;
/// a route on a plan or element is also called on the plan under revision.
fn scopes(route: &RouteInfo) -> &'static [Scope] {
    if route.method == Method::GET && !route.path.contains('{') {
        &[Scope::Own]
    } else if plan_route(route) {
        &Scope::PLAN_CASES
    } else {
        &Scope::ALL
    }
}

#[test]
fn every_route_has_exactly_one_line() {
    let mismatches = table_mismatches();
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    for (i, (m, p, _)) in TABLE.iter().enumerate() {
        assert!(!TABLE[..i].iter().any(|(m2, p2, _)| m2 == m && p2 == p), "matrix line {m} {p} appears twice");
    }
}

/// The matrix runs in this many parts, each on its own database, so that the slowest test of the
/// suite is a quarter of the whole and the parts run side by side.
const PARTS: usize = 4;

both!(every_route_as_every_subject_in_and_out_of_scope_part_1, |t: TestApp| check_part(t, 0));
both!(every_route_as_every_subject_in_and_out_of_scope_part_2, |t: TestApp| check_part(t, 1));
both!(every_route_as_every_subject_in_and_out_of_scope_part_3, |t: TestApp| check_part(t, 2));
both!(every_route_as_every_subject_in_and_out_of_scope_part_4, |t: TestApp| check_part(t, 3));

#[test]
fn the_parts_cover_every_route_once() {
    let routes = rodtrad_web::route_table();
    let mut covered = vec![0; routes.len()];
    for part in 0..PARTS {
        for (i, _) in routes.iter().enumerate().filter(|(i, _)| in_part(*i, part)) {
            covered[i] += 1;
        }
    }
    assert!(covered.iter().all(|&n| n == 1), "a route is checked in {covered:?} parts");
}

fn in_part(index: usize, part: usize) -> bool {
    index % PARTS == part
}

/// Every route whose index in the route table falls in `part`, as every subject in every scope.
async fn check_part(t: TestApp, part: usize) {
    let mut scene = Scene::new(&t).await;
    let routes = rodtrad_web::route_table();
    let mut failures = Vec::new();
    let mut checked = 0;
    let mine: Vec<_> = routes.iter().enumerate().filter(|(i, _)| in_part(*i, part)).map(|(_, r)| r).collect();
    // Reads first, on the untouched scene; then writes, each checked against the audit log.
    for write in [false, true] {
        for route in mine.iter().copied().filter(|r| (r.method != Method::GET) == write) {
            let Some(policy) = policy(route) else {
                failures.push(format!("{} {} has no line in the matrix", route.method, route.path));
                continue;
            };
            for index in 0..scene.subjects.len() {
                let subject = scene.subjects[index].0;
                for &scope in scopes(route) {
                    let expected = policy.expect(subject, scope);
                    let path = scene.fill(&t, route, subject, scope).await;
                    let before = if write { scene.audit_count(&t).await } else { 0 };
                    let res = if write {
                        scene.send(index, route, &path, scope, Token::Valid).await
                    } else {
                        scene.subjects[index].1.get(&path).await
                    };
                    checked += 1;
                    let mut got = outcome(&res, route);
                    // A route without path parameters takes its objects from the form only, where an
                    // id from another municipality is an unknown value like any other: 422, and
                    // nothing written. In the caller's own scope a refusal is a refusal: 403 or 404.
                    if expected == Expect::Denied
                        && scope == Scope::OtherMunicipality
                        && !route.path.contains('{')
                        && res.status.as_u16() == 422
                    {
                        got = Some(Expect::Denied);
                    }
                    let what = format!(
                        "{} {} as {subject:?} ({scope:?}, {path}): expected {expected:?}, got {} {}",
                        route.method,
                        route.path,
                        res.status.as_u16(),
                        res.location()
                    );
                    if got != Some(expected) {
                        failures.push(what);
                    } else if write && refused(subject, expected) && scene.audit_count(&t).await != before {
                        failures.push(format!("{what}, but the refused request wrote to the audit log"));
                    }
                    scene.keep_signed_in(index).await;
                }
            }
        }
    }
    if part == 0 {
        // The public pages take the municipality from the path: another municipality's plan id under
        // this municipality's number is not found, and neither is an unknown number.
        let b_plan = scene.public_plan(Scope::OtherMunicipality);
        let mut anonymous = t.client();
        anonymous.get(&format!("/public/4601/plans/{b_plan}")).await.expect(200);
        anonymous.get(&format!("/public/0301/plans/{b_plan}")).await.expect(404);
        anonymous.get("/public/9999/plans").await.expect(404);
    }
    eprintln!("authorisation matrix part {}: {checked} requests on {:?}", part + 1, t.backend);
    assert!(
        failures.is_empty(),
        "{} of {checked} calls differ from the matrix:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
