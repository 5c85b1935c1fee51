//! Static files, embedded in the binary: the server needs no network and no files beside it.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

const FILES: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/app.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../assets/favicon.svg"),
    ),
    // ---- accountability: the scanning page's script, decoder and service worker ----
    (
        "scan.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/scan.js"),
    ),
    // jsQR 1.4.0 (npm `jsqr`, dist/jsQR.js, Apache-2.0: see jsqr.LICENSE): the camera's decoder.
    (
        "jsqr.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/jsqr.js"),
    ),
    // ---- end of accountability ----

    // ---- others ----
    // ---- end of others ----
];

pub async fn serve(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, mime, body)) => (
            [
                (header::CONTENT_TYPE, *mime),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            *body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}
