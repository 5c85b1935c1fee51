//! The route table: each route once, with the permission it needs. The same table builds the
//! router, the OpenAPI document and the access-matrix test, so they cannot drift apart.

use crate::auth::{authenticate, authorize};
use crate::{AppState, api, assets, pages};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::Response;
use drawdown_domain::Permission;
use drawdown_domain::Permission::*;

/// What a route needs of its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Anyone, logged in or not.
    Public,
    /// Any logged-in user, whatever their roles.
    Login,
    Perm(Permission),
}

#[derive(Clone, Copy, Debug)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
    pub need: Need,
    pub summary: &'static str,
}

macro_rules! routes {
    ($( $method:ident $path:literal => $handler:path, $need:expr, $(limit $limit:expr,)? $summary:literal; )*) => {
        /// Every route of the server.
        pub const ROUTES: &[RouteSpec] = &[
            $( RouteSpec { method: stringify!($method), path: $path, need: $need, summary: $summary }, )*
        ];

        fn register(router: Router<AppState>) -> Router<AppState> {
            router
            $(
                .route(
                    $path,
                    axum::routing::$method($handler)
                        .route_layer(from_fn(|req: Request, next: Next| authorize($need, req, next)))
                        $( .layer(DefaultBodyLimit::max($limit)) )?,
                )
            )*
        }
    };
}

routes! {
    get "/healthz" => pages::healthz, Need::Public, "Liveness: 200 ok while the server answers";
    get "/assets/{file}" => assets::serve, Need::Public, "Embedded stylesheet and script";
    get "/login" => pages::login_page, Need::Public, "Login page";
    post "/login" => pages::login, Need::Public, "Log in with username and password";
    post "/logout" => pages::logout, Need::Login, "End this session";
    get "/" => pages::dashboard, Need::Perm(ViewDashboard), "Dashboard: the post's footprint";
    get "/people" => pages::people, Need::Perm(ViewPeople), "The registry (audited read)";
    post "/people" => pages::add_person, Need::Perm(ManagePeople), "Add a person to the registry";
    get "/people/import" => pages::import_page, Need::Perm(ManagePeople), "Import a list: upload";
    post "/people/import" => pages::import_upload, Need::Perm(ManagePeople), limit crate::services::registry::MAX_IMPORT_BYTES, "Upload a list and see the dry run";
    post "/people/import/{token}" => pages::import_decide, Need::Perm(ManagePeople), "Correct the mapping, or commit the import";
    get "/people/jobs/{id}" => pages::job, Need::Perm(ManagePeople), "Progress of an import or a resolution";
    post "/people/resolve" => pages::resolve_now, Need::Perm(ManagePeople), "Rebuild the registry from every list";
    get "/people/rules" => pages::rules, Need::Perm(ViewPeople), "Priority rules, in order";
    post "/people/rules" => pages::add_rule, Need::Perm(ManagePeople), "Add a priority rule";
    post "/people/rules/{id}/delete" => pages::delete_rule, Need::Perm(ManagePeople), "Remove a priority rule";
    get "/people/review" => pages::review, Need::Perm(ManagePeople), "The review queue: one uncertain pair";
    post "/people/review" => pages::review_decide, Need::Perm(ManagePeople), "Decide a pair: match, not a match, skip";
    get "/people/{id}" => pages::person, Need::Perm(ViewPeople), "One person: every row behind them, and why (audited)";
    post "/people/{id}/split" => pages::split_row, Need::Perm(ManagePeople), "Split a row out of a person";
    post "/people/{id}/merge" => pages::merge_with, Need::Perm(ManagePeople), "Merge a person with another";
    post "/people/{id}/household" => pages::link_household, Need::Perm(ManagePeople), "Confirm that two people travel together";
    post "/people/{id}/verify" => pages::verify_person, Need::Perm(ManagePeople), "Record that a document was seen: the claimed status is verified";
    post "/people/{id}/priority" => pages::set_priority, Need::Perm(ManagePeople), "Set or clear a person's priority by hand";
    get "/protection" => pages::protection, Need::Login, "Vault status, unlock, wipe";
    post "/protection/unlock" => pages::unlock, Need::Perm(UnlockVault), "Unlock the vault with the passphrase";
    post "/protection/wipe" => pages::wipe_request, Need::Perm(Wipe), "Request a wipe (a second wipe authority confirms)";
    post "/protection/wipe/confirm" => pages::wipe_confirm, Need::Perm(Wipe), "Confirm another authority's wipe request";
    post "/protection/wipe/cancel" => pages::wipe_cancel, Need::Perm(Wipe), "Cancel a pending wipe request";
    get "/protection/handoff/{name}" => pages::handoff_download, Need::Perm(Wipe), "Download an encrypted hand-off file";
    get "/account" => pages::account, Need::Login, "Your account";
    post "/account/password" => pages::change_password, Need::Login, "Change your password";
    get "/admin/users" => pages::users, Need::Perm(ManageUsers), "Users and roles";
    post "/admin/users" => pages::create_user, Need::Perm(ManageUsers), "Add a user";
    post "/admin/users/{id}" => pages::update_user, Need::Perm(ManageUsers), "Change a user's roles or disable them";
    get "/admin/tokens" => pages::tokens, Need::Perm(ManageTokens), "Device tokens";
    post "/admin/tokens" => pages::create_token, Need::Perm(ManageTokens), "Issue a device token";
    post "/admin/tokens/{id}/revoke" => pages::revoke_token, Need::Perm(ManageTokens), "Revoke a device token";
    get "/admin/audit" => pages::audit, Need::Perm(ViewAudit), "The audit log, filtered";
    get "/admin/audit/export.csv" => pages::audit_csv, Need::Perm(ViewAudit), "The audit log as CSV (audited)";

    // ---- posture (issue 4): situation log, tripwires, postures, decisions ----
    get "/posture" => pages::posture, Need::Perm(ViewPosture), "Posture, tripwires and decisions";
    get "/posture/log" => pages::situation_log, Need::Perm(ViewPosture), "The situation log (audited read)";
    post "/posture/log" => pages::add_event, Need::Perm(ManagePosture), "Record an event in the situation log";
    post "/posture/log/import" => pages::import_events, Need::Perm(ManagePosture), limit 16 << 20, "Import events from CSV, XLSX or JSON (all or none)";
    post "/posture/gazetteer" => pages::load_gazetteer, Need::Perm(ManagePosture), limit 4 << 20, "Load another country's gazetteer from CSV";
    get "/posture/log.csv" => pages::log_csv, Need::Perm(ViewPosture), "The situation log as CSV (audited)";
    get "/posture/tripwires" => pages::tripwires, Need::Perm(ViewPosture), "Tripwires, crossed or not, with their facts";
    post "/posture/tripwires" => pages::add_tripwire, Need::Perm(ManagePosture), "Add a tripwire";
    post "/posture/tripwires/{id}" => pages::edit_tripwire, Need::Perm(ManagePosture), "Change a tripwire";
    post "/posture/tripwires/{id}/retire" => pages::retire_tripwire, Need::Perm(ManagePosture), "Retire a tripwire (kept on the record, no longer evaluated)";
    get "/posture/levels" => pages::levels, Need::Perm(ViewPosture), "Posture levels and checklists";
    post "/posture/levels" => pages::add_posture_level, Need::Perm(ManagePosture), "Add a posture level above another";
    post "/posture/levels/{id}" => pages::edit_posture_level, Need::Perm(ManagePosture), "Rename a level or change its description";
    post "/posture/levels/{id}/tasks" => pages::add_task_template, Need::Perm(ManagePosture), "Add a task to a level's checklist";
    post "/posture/levels/{id}/tasks/{task}" => pages::edit_task_template, Need::Perm(ManagePosture), "Change a task of a level's checklist";
    post "/posture/levels/{id}/tasks/{task}/remove" => pages::remove_task_template, Need::Perm(ManagePosture), "Remove a task from a level's checklist";
    get "/posture/tasks" => pages::checklist_tasks, Need::Login, "Checklist tasks: those of your roles (all of them for those who read posture)";
    post "/posture/tasks/{id}/done" => pages::tick_task, Need::Login, "Tick a checklist task off (the committee, or a holder of the task's owner role)";
    post "/posture/declare" => pages::declare, Need::Perm(ManagePosture), "Declare a posture, with rationale and attendees";
    post "/posture/decline" => pages::decline, Need::Perm(ManagePosture), "Decide not to follow a tripwire's recommendation";
    get "/posture/timeline" => pages::timeline, Need::Perm(ViewPosture), "What was known and decided at any moment, with the map";
    get "/posture/timeline.pdf" => pages::timeline_pdf, Need::Perm(ViewPosture), "The timeline as PDF (audited)";
    get "/api/v1/posture" => api::posture::overview, Need::Perm(ViewPosture), "Posture, measures, tripwires, open decision items, levels and tasks";
    get "/api/v1/posture/timeline" => api::posture::timeline, Need::Perm(ViewPosture), "What was known and decided at ?at=";
    get "/api/v1/posture/events" => api::posture::events, Need::Perm(ViewPosture), "The situation log (audited read)";
    post "/api/v1/posture/events" => api::posture::add_events, Need::Perm(ManagePosture), "Record one event, or {events: [...]} (all or none)";
    get "/api/v1/posture/tripwires" => api::posture::tripwires, Need::Perm(ViewPosture), "Tripwires with their state and facts";
    post "/api/v1/posture/tripwires" => api::posture::add_tripwire, Need::Perm(ManagePosture), "Add a tripwire";
    post "/api/v1/posture/tripwires/{id}" => api::posture::edit_tripwire, Need::Perm(ManagePosture), "Change a tripwire";
    post "/api/v1/posture/tripwires/{id}/retire" => api::posture::retire_tripwire, Need::Perm(ManagePosture), "Retire a tripwire (kept on the record, no longer evaluated)";
    get "/api/v1/posture/gazetteer" => api::posture::gazetteer, Need::Perm(ViewPosture), "The gazetteer in force: its places, and whether the map's province areas are approximate";
    post "/api/v1/posture/gazetteer" => api::posture::load_gazetteer, Need::Perm(ManagePosture), limit 4 << 20, "Load another country's gazetteer: {country, csv}";
    get "/api/v1/posture/levels" => api::posture::levels, Need::Perm(ViewPosture), "Posture levels with their checklists";
    post "/api/v1/posture/levels" => api::posture::add_level, Need::Perm(ManagePosture), "Add a posture level above another";
    post "/api/v1/posture/levels/{id}" => api::posture::edit_level, Need::Perm(ManagePosture), "Rename a level or change its description";
    post "/api/v1/posture/levels/{id}/tasks" => api::posture::add_task_template, Need::Perm(ManagePosture), "Add a task to a level's checklist";
    post "/api/v1/posture/levels/{id}/tasks/{task}" => api::posture::edit_task_template, Need::Perm(ManagePosture), "Change a task of a level's checklist";
    post "/api/v1/posture/levels/{id}/tasks/{task}/remove" => api::posture::remove_task_template, Need::Perm(ManagePosture), "Remove a task from a level's checklist";
    get "/api/v1/posture/tasks" => api::posture::tasks, Need::Login, "Checklist tasks: those of your roles (all of them for those who read posture)";
    post "/api/v1/posture/declare" => api::posture::declare, Need::Perm(ManagePosture), "Declare a posture";
    post "/api/v1/posture/decline" => api::posture::decline, Need::Perm(ManagePosture), "Decide not to follow a decision item";
    post "/api/v1/posture/tasks/{id}/done" => api::posture::tick_task, Need::Login, "Tick a checklist task off (the committee, or a holder of the task's owner role)";
    // ---- end of posture ----

    // ---- destruction (issue 5): holdings, devices, plan to zero, witnessed records ----
    get "/destruction" => pages::destruction, Need::Perm(ViewDestruction), "The plan to zero, the emergency list, the witnessed ledger (audited read)";
    post "/destruction/records" => pages::record_destruction, Need::Perm(ManageDestruction), "Record a destruction (pending its witness)";
    // The two-person rule: any second person who may see the ledger confirms, never the operator.
    post "/destruction/records/{id}/witness" => pages::witness_destruction, Need::Perm(WitnessDestruction), "Confirm a destruction as its witness; issues the certificate";
    get "/destruction/records/{id}/certificate.pdf" => pages::destruction_certificate, Need::Perm(ViewDestruction), "The certificate of destruction as issued (audited)";
    post "/destruction/emergency" => pages::destruction_emergency, Need::Perm(ManageDestruction), "Switch emergency destruction; set its level and deadline";
    get "/destruction/export.csv" => pages::destruction_csv, Need::Perm(ViewDestruction), "Holdings and records as CSV for the after-action report (audited)";
    get "/destruction/summary.pdf" => pages::destruction_summary_pdf, Need::Perm(ViewDestruction), "A PDF summary for the after-action report (audited)";
    get "/destruction/holdings" => pages::destruction_holdings, Need::Perm(ViewDestruction), "The inventory of holdings and burn bags (audited read)";
    post "/destruction/holdings" => pages::add_holding, Need::Perm(ManageDestruction), "Add a holding";
    post "/destruction/holdings/import" => pages::import_holdings, Need::Perm(ManageDestruction), limit 8 << 20, "Import holdings from CSV (whole or not at all)";
    post "/destruction/bags" => pages::seal_bag, Need::Perm(ManageDestruction), "Seal a burn bag";
    post "/destruction/kinds" => pages::add_kind, Need::Perm(ManageDestruction), "Add a kind of holding";
    get "/destruction/devices" => pages::destruction_devices, Need::Perm(ViewDestruction), "Devices and the method matrix";
    post "/destruction/devices" => pages::add_device, Need::Perm(ManageDestruction), "Add a device";
    post "/destruction/devices/{id}" => pages::update_device, Need::Perm(ManageDestruction), "Change a device's status or hours a day";
    post "/destruction/matrix" => pages::set_matrix, Need::Perm(ManageDestruction), "Approve or withdraw a method for a kind";
    get "/api/v1/destruction/holdings" => api::destruction::holdings, Need::Perm(ViewDestruction), "Every holding, most sensitive first (audited read)";
    post "/api/v1/destruction/holdings" => api::destruction::add_holding, Need::Perm(ManageDestruction), "Add a holding";
    get "/api/v1/destruction/plan" => api::destruction::plan, Need::Perm(ViewDestruction), "The plan to zero: days, bottleneck, deadline, what-ifs, day by day";
    get "/api/v1/destruction/records" => api::destruction::records, Need::Perm(ViewDestruction), "Destruction records, newest first (audited read)";
    post "/api/v1/destruction/records" => api::destruction::record, Need::Perm(ManageDestruction), "Record a destruction (pending its witness)";
    post "/api/v1/destruction/records/{id}/witness" => api::destruction::witness, Need::Perm(WitnessDestruction), "Confirm a destruction as its witness (not its operator); issues the certificate";
    get "/api/v1/destruction/devices" => api::destruction::devices, Need::Perm(ViewDestruction), "Devices with method, capacity and status";
    post "/api/v1/destruction/devices/{id}" => api::destruction::update_device, Need::Perm(ManageDestruction), "Set a device's status (working, out_of_fuel, broken) and hours a day";
    // ---- end of destruction ----

    // ---- movement (issue 6): departures, planner, manifests, exports ----
    get "/movement" => pages::movement, Need::Perm(ViewMovement), "Departures board, plan, charts";
    post "/movement/departures" => pages::add_departure, Need::Perm(ManageMovement), "Add a departure";
    post "/movement/departures/import" => pages::import_departures, Need::Perm(ManageMovement), "Import departures from CSV (all or none)";
    post "/movement/departures/{id}/state" => pages::set_departure_state, Need::Perm(ManageMovement), "Set a departure's status or its manifest's state";
    post "/movement/plan" => pages::plan_now, Need::Perm(ManageMovement), "Plan every open departure from the registry";
    get "/movement/plans/{id}" => pages::plan_page, Need::Perm(ViewMovement), "A plan: figures, what changed, who is left and why (audited)";
    get "/movement/departures/{id}" => pages::departure_page, Need::Perm(ViewMovement), "The manifest editor of one departure (audited)";
    post "/movement/departures/{id}/edit" => pages::edit_departure, Need::Perm(ManageMovement), "Edit a departure";
    post "/movement/departures/{id}/add" => pages::add_by_hand, Need::Perm(ManageMovement), "Put a household on a departure by hand (pinned)";
    post "/movement/manifest/{unit}/move" => pages::move_unit, Need::Perm(ManageMovement), "Move a household to another departure (pinned, warned)";
    post "/movement/manifest/{unit}/pin" => pages::pin_unit, Need::Perm(ManageMovement), "Pin or unpin a household where it is";
    post "/movement/manifest/{unit}/remove" => pages::remove_unit, Need::Perm(ManageMovement), "Take a household off its manifest";
    get "/movement/departures/{id}/manifest.csv" => pages::manifest_csv, Need::Perm(ViewMovement), "A manifest as CSV with advance passenger information (audited)";
    get "/movement/departures/{id}/manifest.xlsx" => pages::manifest_xlsx, Need::Perm(ViewMovement), "A manifest as XLSX (audited)";
    get "/movement/departures/{id}/manifest.pdf" => pages::manifest_pdf, Need::Perm(ViewMovement), "A manifest as PDF (audited)";
    get "/api/v1/departures" => api::movement::departures, Need::Perm(ViewMovement), "Departures with their manifests' counts";
    post "/api/v1/departures" => api::movement::add_departures, Need::Perm(ManageMovement), "Add departures (all or none)";
    post "/api/v1/departures/{id}/state" => api::movement::set_state, Need::Perm(ManageMovement), "Set a departure's status or its manifest's state";
    get "/api/v1/departures/{id}/manifest" => api::movement::manifest, Need::Perm(ViewMovement), "A manifest: households and passengers with advance passenger information (audited)";
    post "/api/v1/plans" => api::movement::plan, Need::Perm(ManageMovement), "Plan every open departure from the registry";
    get "/api/v1/plans/{id}" => api::movement::plan_run, Need::Perm(ViewMovement), "A plan: figures, what changed, who is left and why (audited)";
    post "/api/v1/manifest/{unit}/move" => api::movement::move_household, Need::Perm(ManageMovement), "Move a household to a departure by hand (pinned; rules broken are returned)";
    post "/api/v1/manifest/{unit}/pin" => api::movement::pin_household, Need::Perm(ManageMovement), "Pin or unpin a household";
    get "/movement/manifest/{unit}" => pages::household_page, Need::Perm(ViewMovement), "One household: its manifest and readiness (audited)";
    post "/movement/manifest/{unit}/readiness" => pages::set_readiness, Need::Perm(ManageMovement), "Set a household's readiness: documents, ready at, deadline";
    get "/api/v1/manifest/{unit}/readiness" => api::movement::readiness, Need::Perm(ViewMovement), "A household's readiness: documents ready, ready at, deadline";
    post "/api/v1/manifest/{unit}/readiness" => api::movement::set_readiness, Need::Perm(ManageMovement), "Set a household's (or a lone person's) readiness; audited";
    // ---- end of movement ----

    // ---- accountability (issue 7): passes, checkpoints, scans, head-counts ----
    get "/accountability" => pages::accountability, Need::Perm(ViewAccountability), "Live head-counts: by checkpoint, category and departure, with exceptions";
    get "/accountability/scan" => pages::accountability_scan, Need::Perm(ScanCheckpoint), "The scanning page: camera or handheld scanner, verdict at once, works offline";
    post "/accountability/scan" => pages::accountability_scan_submit, Need::Perm(ScanCheckpoint), "Check one pass or person id at a checkpoint (the page without scripts)";
    post "/accountability/walkups" => pages::accountability_walkup, Need::Perm(ScanCheckpoint), "Register a walk-up (to the registry, resolved later) and scan them in";
    get "/accountability/sw.js" => pages::accountability_sw, Need::Public, "The scanning page's service worker (keeps the page available offline)";
    get "/accountability/passes" => pages::accountability_passes, Need::Perm(ManageMovement), "Boarding passes: issue, list, revoke";
    post "/accountability/passes" => pages::accountability_issue, Need::Perm(ManageMovement), "Issue boarding passes for people and a departure";
    post "/accountability/passes/departure" => pages::accountability_issue_departure, Need::Perm(ManageMovement), "Issue the passes of a whole manifest: one per household on the departure";
    get "/accountability/passes/{id}" => pages::accountability_pass, Need::Perm(ManageMovement), "A boarding pass to print, with its QR code (audited)";
    get "/accountability/passes/{id}/pass.pdf" => pages::accountability_pass_pdf, Need::Perm(ManageMovement), "A boarding pass as a PDF, A6 or A4, English, Dari and Pashto (audited)";
    post "/accountability/passes/{id}/revoke" => pages::accountability_revoke, Need::Perm(ManageMovement), "Revoke a boarding pass";
    post "/api/v1/scans" => api::accountability::scans, Need::Perm(ScanCheckpoint), "Record checkpoint scans: one, or a batch each with its own id (replays count once; a malformed item is named, the others count); answered after commit";
    get "/api/v1/passes/keys" => api::accountability::keys, Need::Perm(ScanCheckpoint), "What a scanning device verifies passes with offline: public keys, revoked passes, checkpoints, clock window";
    post "/api/v1/passes" => api::accountability::issue, Need::Perm(ManageMovement), "Issue signed boarding passes for people (their households travel on them) and a departure";
    post "/api/v1/passes/departures/{id}" => api::accountability::issue_for_departure, Need::Perm(ManageMovement), "Issue the passes of a whole manifest: one per household (held by its head, valid around the departure), skipping those with a live pass";
    post "/api/v1/passes/{id}/revoke" => api::accountability::revoke, Need::Perm(ManageMovement), "Revoke a boarding pass (checkpoints refuse it)";
    get "/api/v1/headcounts" => api::accountability::headcounts, Need::Perm(ViewAccountability), "Head-counts: by checkpoint, category and departure, with exceptions";
    get "/accountability/checkpoints" => pages::accountability_checkpoints, Need::Perm(ManageMovement), "Checkpoints in order: add, rename, reorder, retire, restore";
    post "/accountability/checkpoints" => pages::accountability_checkpoint_add, Need::Perm(ManageMovement), "Add a checkpoint to the flow";
    post "/accountability/checkpoints/{code}" => pages::accountability_checkpoint_edit, Need::Perm(ManageMovement), "Rename a checkpoint, or say whether it may be skipped";
    post "/accountability/checkpoints/{code}/move" => pages::accountability_checkpoint_move, Need::Perm(ManageMovement), "Move a checkpoint up or down the flow";
    post "/accountability/checkpoints/{code}/retire" => pages::accountability_checkpoint_retire, Need::Perm(ManageMovement), "Take a checkpoint out of the flow (it keeps its place for the people last seen there)";
    post "/accountability/checkpoints/{code}/restore" => pages::accountability_checkpoint_restore, Need::Perm(ManageMovement), "Put a retired checkpoint back in the flow";
    get "/api/v1/checkpoints" => api::accountability::checkpoints, Need::Perm(ViewAccountability), "The checkpoints in order, retired ones in their place";
    post "/api/v1/checkpoints" => api::accountability::add_checkpoint, Need::Perm(ManageMovement), "Add a checkpoint (code, name, required, after)";
    post "/api/v1/checkpoints/{code}" => api::accountability::edit_checkpoint, Need::Perm(ManageMovement), "Rename a checkpoint, set whether it is required, or move it to a position";
    post "/api/v1/checkpoints/{code}/retire" => api::accountability::retire_checkpoint, Need::Perm(ManageMovement), "Retire a checkpoint: out of the flow, kept in its place";
    post "/api/v1/checkpoints/{code}/restore" => api::accountability::restore_checkpoint, Need::Perm(ManageMovement), "Put a retired checkpoint back in the flow";
    // ---- end of accountability ----

    // ---- outreach (issue 8): segments, alerts, outbox, self-registration ----
    get "/alerts" => pages::alerts, Need::Perm(SendAlerts), "Alerts to segments of the registry";
    get "/register" => pages::register_page, Need::Public, "Self-registration: the public form (English, Dari, Pashto)";
    post "/register" => pages::register_submit, Need::Public, limit pages::MAX_REGISTRATION_BYTES, "Self-registration: send the form (signed form token, rate-limited)";
    get "/register/update" => pages::register_update_page, Need::Public, "Self-registration: reference and secret, to update an entry";
    post "/register/update" => pages::register_update_open, Need::Public, limit pages::MAX_REGISTRATION_BYTES, "Self-registration: open an entry with its reference and secret";
    post "/register/update/save" => pages::register_update_save, Need::Public, limit pages::MAX_REGISTRATION_BYTES, "Self-registration: save the changed entry";
    get "/alerts/compose" => pages::alerts_compose, Need::Perm(SendAlerts), "Compose an alert: texts, fields, segment, channels";
    post "/alerts/compose" => pages::alerts_compose_post, Need::Perm(SendAlerts), "Count and preview, send, or save as a template";
    get "/alerts/{id}" => pages::alert_detail, Need::Perm(SendAlerts), "One alert: its segment, texts and deliveries";
    post "/alerts/{id}/approve" => pages::alert_approve, Need::Perm(SendAlerts), "Approve another person's alert (two-person rule)";
    post "/alerts/{id}/cancel" => pages::alert_cancel, Need::Perm(SendAlerts), "Cancel an alert waiting for approval";
    get "/api/v1/alerts" => api::outreach::alerts_list, Need::Perm(SendAlerts), "Alerts with their delivery counts";
    post "/api/v1/alerts/reach" => api::outreach::reach, Need::Perm(SendAlerts), "People and reachable addresses of a segment";
    post "/api/v1/alerts" => api::outreach::send, Need::Perm(SendAlerts), "Send an alert (held for approval above the threshold)";
    post "/api/v1/alerts/{id}/approve" => api::outreach::approve, Need::Perm(SendAlerts), "Approve another person's alert, in your own session (two-person rule)";
    get "/api/v1/segments" => api::outreach::segments, Need::Perm(SendAlerts), "Saved segments";
    post "/api/v1/segments" => api::outreach::save_segment, Need::Perm(SendAlerts), "Save a segment under a name, for later messages";
    post "/api/v1/segments/{name}/delete" => api::outreach::delete_segment, Need::Perm(SendAlerts), "Remove a saved segment";
    post "/api/v1/sms/inbound" => api::outreach::sms_inbound, Need::Public, limit 16 * 1024, "SMS gateway callback: a reply, authenticated by the shared secret";
    // ---- end of outreach ----

    get "/api/openapi.json" => api::openapi, Need::Public, "This document";
    get "/api/v1/me" => api::me, Need::Login, "Who the caller is and what they may do";
    get "/api/v1/footprint" => api::footprint, Need::Perm(ViewDashboard), "Head-counts by category, sites, vault state";
    get "/api/v1/users" => api::users, Need::Perm(ManageUsers), "List users";
    post "/api/v1/users" => api::create_user, Need::Perm(ManageUsers), "Create a user";
    post "/api/v1/users/{id}" => api::update_user, Need::Perm(ManageUsers), "Set a user's roles and disabled flag";
    get "/api/v1/audit" => api::audit, Need::Perm(ViewAudit), "Audit entries, newest first";
    get "/api/v1/audit/verify" => api::audit_verify, Need::Perm(ViewAudit), "Verify the audit chain";
    get "/api/v1/people" => api::people, Need::Perm(ViewPeople), "A page of the registry (audited read)";
    post "/api/v1/people" => api::add_person, Need::Perm(ManagePeople), "Add a person";
    get "/api/v1/tokens" => api::tokens, Need::Perm(ManageTokens), "List device tokens";
    post "/api/v1/tokens" => api::create_token, Need::Perm(ManageTokens), "Issue a device token (shown once)";
    post "/api/v1/tokens/{id}/revoke" => api::revoke_token, Need::Perm(ManageTokens), "Revoke a device token";
    get "/api/v1/vault" => api::vault_status, Need::Login, "Vault and deployment state";
    post "/api/v1/vault/unlock" => api::unlock, Need::Perm(UnlockVault), "Unlock the vault with the passphrase";
}

/// Headers every answer carries: no framing, no sniffing, no third-party anything.
async fn security_headers(req: Request, next: Next) -> Response {
    let is_asset = req.uri().path().starts_with("/assets/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: header::HeaderName, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
         object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    );
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    if !is_asset {
        set(h, header::CACHE_CONTROL, "no-store");
    }
    res
}

/// Under `/api/`, every error is JSON: bodies that axum's extractors reject (malformed JSON,
/// a missing field, a wrong content type) and unknown routes answer `{"error": …}` too.
async fn api_errors_as_json(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let res = next.run(req).await;
    let status = res.status();
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if !(status.is_client_error() || status.is_server_error())
        || content_type.starts_with("application/json")
    {
        return res;
    }
    let message = if status == axum::http::StatusCode::NOT_FOUND {
        "no such API route (see /api/openapi.json)".to_string()
    } else if content_type.starts_with("text/plain") {
        let bytes = axum::body::to_bytes(res.into_body(), 16 * 1024)
            .await
            .unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    } else {
        status.canonical_reason().unwrap_or("error").to_string()
    };
    api::error_body(status, &message)
}

/// Request bodies larger than this are refused before any handler runs.
pub const MAX_BODY_BYTES: usize = 2 << 20;

pub fn router(state: AppState) -> Router {
    register(Router::new())
        .fallback(pages::not_found)
        .layer(from_fn_with_state(state.clone(), authenticate))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(from_fn(api_errors_as_json))
        .layer(from_fn(security_headers))
        .layer(from_fn(crate::i18n::remember))
        .with_state(state)
}
