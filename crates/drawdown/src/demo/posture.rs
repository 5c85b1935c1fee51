//! The demo's posture, as the post stood in August 2021.

use super::Ctx;

/// Seeds this area; returns a line for the demo's banner, if any.
pub async fn seed(_ctx: &Ctx<'_>) -> anyhow::Result<Option<String>> {
    Ok(None)
}
