//! Drawdown's web UI and JSON API.
//!
//! Every route is declared once, in [`routes`], with the permission it needs; the same table
//! builds the router, the OpenAPI document and the access-matrix test. Pages are server-rendered
//! (askama) and work without JavaScript; the little script there is only sorts and filters.
#![forbid(unsafe_code)]

mod api;
mod assets;
pub mod auth;
pub mod charts;
mod error;
pub mod export;
pub mod i18n;
mod pages;
pub mod routes;
pub mod services;
mod state;

pub use error::WebError;
pub use routes::{Need, ROUTES, RouteSpec};
pub use state::{AppState, VaultSlot, WebConfig};

use axum::Router;
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// The whole application: UI, API, assets.
pub fn app(state: AppState) -> Router {
    routes::router(state)
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    services::outreach::outbox::start(&state);
    let app = app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
